"""buildtools.pyc: browser wheels carry bytecode from the page's own Python, not sources."""

from __future__ import annotations

import base64
import hashlib
import shutil
import zipfile
from pathlib import Path

import pytest

from buildtools import pyc
from buildtools.deps import ROOT

PYODIDE = ROOT / "node_modules" / "pyodide" / "pyodide.mjs"


def _wheel(path: Path, files: dict[str, str]) -> Path:
    record = "".join(f"{name},sha256=x,{len(text)}\n" for name, text in files.items())
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
        zf.writestr("demo-1.0.dist-info/RECORD", record + "demo-1.0.dist-info/RECORD,,\n")
    return path


def test_each_compiled_source_is_replaced_and_the_record_says_so(tmp_path):
    wheel = _wheel(tmp_path / "demo-1.0-py3-none-any.whl",
                   {"demo/__init__.py": "X = 1\n", "demo/data.json": "{}",
                    "demo/broken.py": "def (\n"})
    tree = tmp_path / "tree"
    (tree / "demo").mkdir(parents=True)
    (tree / "demo/__init__.pyc").write_bytes(b"bytecode")  # broken.py did not compile
    target = tmp_path / "out" / wheel.name
    assert pyc._repack(wheel, tree, target) == 1
    with zipfile.ZipFile(target) as zf:
        assert sorted(zf.namelist()) == ["demo-1.0.dist-info/RECORD", "demo/__init__.pyc",
                                         "demo/broken.py", "demo/data.json"]
        record = zf.read("demo-1.0.dist-info/RECORD").decode().splitlines()
    digest = base64.urlsafe_b64encode(hashlib.sha256(b"bytecode").digest()).rstrip(b"=")
    assert f"demo/__init__.pyc,sha256={digest.decode()},8" in record
    assert not any(line.startswith("demo/__init__.py,") for line in record)
    assert any(line.startswith("demo/broken.py,") for line in record)


@pytest.mark.skipif(not PYODIDE.is_file() or shutil.which("node") is None,
                    reason="needs node and node_modules/pyodide (build.py installs them)")
def test_wheels_are_compiled_by_the_pages_python_once(tmp_path, monkeypatch):
    wheel = _wheel(tmp_path / "demo-1.0-py3-none-any.whl",
                   {"demo/__init__.py": "def f():\n    return 1 / 0\n"})
    cache = tmp_path / "cache"
    (cache / "stale").mkdir(parents=True)
    [out] = pyc.compile_wheels([wheel], cache)
    assert not (cache / "stale").exists()
    with zipfile.ZipFile(out) as zf:
        assert zf.namelist() == ["demo/__init__.pyc", "demo-1.0.dist-info/RECORD"]
        code = zf.read("demo/__init__.pyc")
    # CPython 3.14's magic number (3600-3699 range) and the path tracebacks will name
    assert 3600 <= int.from_bytes(code[:2], "little") < 3700 and code[2:4] == b"\r\n"
    assert b"/lib/python3.14/site-packages/demo/__init__.py" in code
    monkeypatch.setattr(pyc.subprocess, "run", lambda *a, **k: pytest.fail("compiled again"))
    assert pyc.compile_wheels([wheel], cache) == [out]


def test_the_stdlib_archive_is_rewritten_stored_and_sourceless(tmp_path):
    archive = tmp_path / "python_stdlib.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("json/__init__.py", "X = 1\n")
        zf.writestr("json/broken.py", "def (\n")
        zf.writestr("data/grammar.txt", "kept as it is")
    tree = tmp_path / "tree"
    (tree / "json").mkdir(parents=True)
    (tree / "json/__init__.pyc").write_bytes(b"bytecode")  # broken.py did not compile
    target = tmp_path / "out.zip"
    assert pyc._repack(archive, tree, target, stored=True) == 1
    with zipfile.ZipFile(target) as zf:
        assert zf.namelist() == ["json/__init__.pyc", "json/broken.py", "data/grammar.txt"]
        assert {info.compress_type for info in zf.infolist()} == {zipfile.ZIP_STORED}
        assert zf.read("json/__init__.pyc") == b"bytecode"
        assert zf.read("data/grammar.txt") == b"kept as it is"


@pytest.mark.skipif(not PYODIDE.is_file() or shutil.which("node") is None,
                    reason="needs node and node_modules/pyodide (build.py installs them)")
def test_the_stdlib_is_compiled_by_the_pages_python_once(tmp_path, monkeypatch):
    archive = tmp_path / "python_stdlib.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("demo.py", "def f():\n    return 1 / 0\n")
    cache = tmp_path / "cache"
    out = pyc.compile_stdlib(archive, cache)
    with zipfile.ZipFile(out) as zf:
        assert zf.namelist() == ["demo.pyc"]
        code = zf.read("demo.pyc")
    assert 3600 <= int.from_bytes(code[:2], "little") < 3700
    assert b"/lib/python314.zip/demo.py" in code  # what a traceback names
    monkeypatch.setattr(pyc.subprocess, "run", lambda *a, **k: pytest.fail("compiled again"))
    assert pyc.compile_stdlib(archive, cache) == out
