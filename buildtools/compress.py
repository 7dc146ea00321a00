"""Pre-compressed copies of dist/'s text and wasm files: ``x.br`` and ``x.gz`` beside ``x``.

Public names: ``precompress``, ``variants``, ``COMPRESSIBLE``, ``NEVER``.

    written = precompress(dist_files, cache_dir)   # {Path("dist/x.wasm.br"), ...}

Brotli (quality 11) comes from Node's zlib (the build already needs Node; Python's stdlib has
no brotli), gzip (level 9) from Python's. A copy is kept only when it saves at least 10 %: a
deflated zip does not, the standard library's stored zip (``buildtools.pyc``) does, and wheels
are never tried. Compressing pyodide.asm.wasm at quality 11 takes minutes on two cores, so
outputs are cached in ``cache_dir`` by the input's sha256. Model files
are never compressed: the service worker checks a model's exact bytes and size. Each copy gets
its file's mtime, so a server can tell a stale copy (older than its file) and skip it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

__all__ = ["COMPRESSIBLE", "NEVER", "precompress", "variants"]

COMPRESSIBLE = (".wasm", ".js", ".mjs", ".json", ".css", ".html", ".py", ".svg",
                ".webmanifest", ".txt", ".zip")
NEVER = (".gguf", ".whl", ".br", ".gz")
MIN_SAVING = 0.10
MIN_SIZE = 1024  # smaller files fit in one packet either way
ENCODINGS = {"br": ".br", "gzip": ".gz"}

_BROTLI_JS = """
const fs = require('fs'), z = require('zlib');
for (const [src, dst] of JSON.parse(fs.readFileSync(0, 'utf8'))) {
  const data = fs.readFileSync(src);
  fs.writeFileSync(dst, z.brotliCompressSync(data, {params: {
    [z.constants.BROTLI_PARAM_QUALITY]: 11,
    [z.constants.BROTLI_PARAM_SIZE_HINT]: data.length}}));
}
"""


def variants(path: Path) -> dict[str, Path]:
    """``{"br": x.br, "gzip": x.gz}``: where the pre-compressed copies of ``path`` would be."""
    return {encoding: path.with_name(path.name + suffix) for encoding, suffix in ENCODINGS.items()}


def _wanted(path: Path) -> bool:
    name = path.name.lower()
    return (name.endswith(COMPRESSIBLE) and not name.endswith(NEVER)
            and path.stat().st_size >= MIN_SIZE)


def _cached(cache_dir: Path, files: list[Path]) -> dict[Path, dict[str, Path]]:
    """Compress every input not yet in the cache; return each input's cached outputs."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    out: dict[Path, dict[str, Path]] = {}
    todo_br: list[tuple[str, str]] = []
    for path in files:
        key = hashlib.sha256(path.read_bytes()).hexdigest()
        br, gz = cache_dir / f"{key}.br", cache_dir / f"{key}.gz"
        if not gz.exists():
            gz.write_bytes(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))
        if not br.exists():
            todo_br.append((str(path), str(br)))
        out[path] = {"br": br, "gzip": gz}
    if todo_br:
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node is needed to write brotli copies; install Node.js 20+")
        subprocess.run([node, "-e", _BROTLI_JS], input=json.dumps(todo_br).encode(), check=True)
    return out


def precompress(files: list[Path], cache_dir: Path) -> set[Path]:
    """Write ``x.br``/``x.gz`` beside each compressible file that they make 10 % smaller."""
    candidates = [path for path in files if _wanted(path)]
    written: set[Path] = set()
    for path, cached in _cached(cache_dir, candidates).items():
        size = path.stat().st_size
        for encoding, target in variants(path).items():
            source = cached[encoding]
            if source.stat().st_size > size * (1 - MIN_SAVING):
                continue
            if not target.exists() or target.read_bytes() != source.read_bytes():
                shutil.copyfile(source, target)
            stamp = path.stat()
            os.utime(target, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # as new as its file
            written.add(target)
    return written
