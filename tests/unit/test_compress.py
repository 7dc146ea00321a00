"""buildtools.compress: .br/.gz copies beside dist/ files, cached, never for models."""

from __future__ import annotations

import gzip
import shutil
import subprocess

import pytest

from buildtools.compress import precompress, variants

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def _brotli_decode(data: bytes) -> bytes:
    script = ("const z=require('zlib');const c=[];process.stdin.on('data',d=>c.push(d));"
              "process.stdin.on('end',()=>process.stdout.write(z.brotliDecompressSync("
              "Buffer.concat(c))))")
    return subprocess.run(["node", "-e", script], input=data, capture_output=True,
                          check=True).stdout


@needs_node
def test_text_and_wasm_get_copies_that_decode_to_the_file(tmp_path):
    """Each copy decodes back to the original bytes."""
    js = tmp_path / "app.js"
    js.write_bytes(b"export const x = 'localloom';\n" * 200)
    written = precompress([js], tmp_path / "cache")
    assert written == {tmp_path / "app.js.br", tmp_path / "app.js.gz"}
    assert gzip.decompress(variants(js)["gzip"].read_bytes()) == js.read_bytes()
    assert _brotli_decode(variants(js)["br"].read_bytes()) == js.read_bytes()


@needs_node
def _zip(method: int, data: bytes) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        zf.writestr("m.pyc", data)
    return buffer.getvalue()


def test_models_archives_small_and_incompressible_files_get_none(tmp_path):
    """GGUF (byte-checked by the service worker), wheels, a deflated zip, tiny files and
    random bytes stay as they are."""
    import os
    import zipfile

    files = {"m.gguf": b"GGUF" + bytes(5000), "p.whl": bytes(5000),
             "d.zip": _zip(zipfile.ZIP_DEFLATED, os.urandom(3000) + bytes(5000)),
             "tiny.js": b"x" * 100, "noise.wasm": os.urandom(5000)}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    assert precompress([tmp_path / n for n in files], tmp_path / "cache") == set()
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == sorted(files)


@needs_node
def test_a_stored_zip_gets_copies(tmp_path):
    """The standard library ships as a stored zip (buildtools.pyc): the wire carries it
    compressed."""
    import zipfile

    archive = tmp_path / "python_stdlib.zip"
    archive.write_bytes(_zip(zipfile.ZIP_STORED, b"def f():\n    return 1\n" * 500))
    written = precompress([archive], tmp_path / "cache")
    assert written == set(variants(archive).values())
    assert gzip.decompress(variants(archive)["gzip"].read_bytes()) == archive.read_bytes()


@needs_node
def test_copies_come_from_the_cache_and_follow_the_content(tmp_path):
    """A second build reuses the cached output; a changed file gets new copies."""
    css = tmp_path / "a.css"
    css.write_bytes(b"body { color: red; }\n" * 100)
    cache = tmp_path / "cache"
    precompress([css], cache)
    assert len(list(cache.iterdir())) == 2
    precompress([css], cache)
    assert len(list(cache.iterdir())) == 2
    css.write_bytes(b"main { margin: 0; }\n" * 100)
    precompress([css], cache)
    assert len(list(cache.iterdir())) == 4
    assert gzip.decompress(variants(css)["gzip"].read_bytes()) == css.read_bytes()


@needs_node
def test_copies_carry_their_file_s_mtime_even_when_unchanged(tmp_path):
    """A rebuild that rewrites a file with the same bytes (sw.js) re-stamps its copies, so a
    server that skips copies older than their file keeps sending them."""
    import os

    js = tmp_path / "sw.js"
    js.write_bytes(b"self.addEventListener('fetch', () => {});\n" * 60)
    precompress([js], tmp_path / "cache")
    os.utime(js, (2_000_000_000, 2_000_000_000))  # rewritten later, same bytes
    precompress([js], tmp_path / "cache")
    for copy in variants(js).values():
        assert copy.stat().st_mtime == js.stat().st_mtime
