"""Bytecode in the browser wheels and Pyodide's standard library: the page's Python imports
them without compiling.

Public names: ``compile_wheels``, ``compile_stdlib``.

Pyodide's file system is rebuilt in memory on every visit, so a wheel of ``.py`` sources is
compiled again each time it is imported: about 40 % of LocalLoom's import time (pydantic,
jinja2 and LocalLoom itself, measured in Node's Pyodide: 2.3 s of imports without bytecode,
1.35 s with it). ``compile_wheels`` replaces every ``x.py`` of each wheel with ``x.pyc``,
compiled by the same Pyodide the page runs (``pyc_compile.mjs`` under Node), so the magic
number matches. The layout is sourceless: a traceback names the file and line but shows no
source line, and the wheel stays about the size it was (sources and bytecode both would add
2.5 MB to the first visit). The new wheels keep their names (the lock file names them) and
their RECORD lists what they hold; they are cached in ``.cache/pyc/<sha256 of the input
wheel>/``, so an unchanged wheel is not compiled again.

Pyodide's ``python_stdlib.zip`` ships sources only, so every visit also compiled each standard
module it imported: 66 for LocalLoom (asyncio, dataclasses, typing, re, json, ...), and Pyodide's
and PyScript's own start pay the same. ``compile_stdlib`` writes the same archive with bytecode
instead, *stored* (not deflated): zipimport then reads a module without inflating it, and the
archive compresses better as a whole (10.6 MB raw, 2.89 MB brotli against npm's deflated
2.55 MB; ``buildtools.compress`` writes the copies). Cached boot in Chromium: 3.29 s -> 1.37 s,
against 1.92 s for bare Pyodide as npm ships it (``build.py bench --only boot --against``).
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from .deps import ROOT, BuildError, log

__all__ = ["compile_stdlib", "compile_wheels"]

INSTALL_DIR = "/lib/python3.14/site-packages"  # where Pyodide unpacks a wheel
STDLIB_DIR = "/lib/python314.zip"  # where Pyodide puts python_stdlib.zip (on sys.path)
_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed zip dates: the same sources give the same wheel


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _repack(archive: Path, tree: Path, target: Path, stored: bool = False) -> int:
    """``archive`` (a wheel, or the standard library's zip) with each ``x.py`` that has an
    ``x.pyc`` under ``tree`` replaced by it (and a wheel's RECORD saying so); the number
    replaced. ``stored``: every entry uncompressed; else the bytecode is deflated and the other
    entries keep their own compression."""
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(archive) as src:
        compiled = {info.filename for info in src.infolist() if info.filename.endswith(".py")
                    and (tree / (info.filename + "c")).is_file()}
        record = next((n for n in src.namelist() if n.endswith(".dist-info/RECORD")), None)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        with zipfile.ZipFile(partial, "w", method) as out:
            for info in src.infolist():
                if info.filename == record:
                    continue
                if info.filename in compiled:
                    pyc = zipfile.ZipInfo(info.filename + "c", _EPOCH)
                    pyc.external_attr = 0o644 << 16
                    out.writestr(pyc, (tree / pyc.filename).read_bytes(), method)
                else:
                    out.writestr(info, src.read(info), method if stored else None)
            if record is not None:
                lines = [line for line in src.read(record).decode().splitlines()
                         if line.split(",", 1)[0] not in compiled]
                lines += [_record_line(n + "c", (tree / (n + "c")).read_bytes())
                          for n in sorted(compiled)]
                out.writestr(src.getinfo(record), "\n".join(lines) + "\n")
    partial.replace(target)
    return len(compiled)


def _run_compiler(trees: list[Path], install_dir: str, what: str) -> str:
    """Compile each tree's ``x.py`` to ``x.pyc`` beside it with the page's Python; its cache tag."""
    script = ROOT / "buildtools" / "pyc_compile.mjs"
    done = subprocess.run(["node", str(script), str(ROOT / "node_modules" / "pyodide"),
                           install_dir, *map(str, trees)], capture_output=True, text=True)
    if done.returncode:
        raise BuildError(f"compiling {what} to bytecode failed:\n{done.stderr.strip()[-2000:]}")
    return done.stdout.strip()


def compile_stdlib(archive: Path, cache: Path) -> Path:
    """Pyodide's ``python_stdlib.zip`` with bytecode instead of sources, stored (cached by the
    input's sha256; other cached versions are deleted)."""
    target = cache / _digest(archive)[:20] / archive.name
    if target.exists():
        return target
    shutil.rmtree(cache, ignore_errors=True)
    target.parent.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="localloom-stdlib-") as tmp:
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(tmp)
        tag = _run_compiler([Path(tmp)], STDLIB_DIR, "the standard library")
        count = _repack(archive, Path(tmp), target, stored=True)
    log(f"bytecode: {archive.name} ({count} modules, {tag})")
    return target


def compile_wheels(wheels: list[Path], cache: Path) -> list[Path]:
    """The wheels with bytecode, in the same order (compiled only when not cached; cached
    wheels this build does not use are deleted)."""
    targets = [cache / _digest(w)[:20] / w.name for w in wheels]
    if cache.is_dir():
        keep = {t.parent for t in targets}
        for stale in cache.iterdir():
            if stale not in keep:
                shutil.rmtree(stale, ignore_errors=True)
    todo = [(w, t) for w, t in zip(wheels, targets, strict=True) if not t.exists()]
    if not todo:
        return targets
    with tempfile.TemporaryDirectory(prefix="localloom-pyc-") as tmp:
        trees = []
        for i, (wheel, _) in enumerate(todo):
            tree = Path(tmp) / str(i)
            with zipfile.ZipFile(wheel) as zf:
                zf.extractall(tree)
            trees.append(tree)
        tag = _run_compiler(trees, INSTALL_DIR, "the browser wheels")
        for (wheel, target), tree in zip(todo, trees, strict=True):
            count = _repack(wheel, tree, target)
            log(f"bytecode: {wheel.name} ({count} modules, {tag})")
    return targets
