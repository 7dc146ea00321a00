"""buildtools.wheel: deterministic pure wheels, and pure wheels from an sdist's sources."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from buildtools.wheel import pure_wheel_from_sdist, write_wheel

FILES = {
    "pkg/__init__.py": b"from .core import answer\n",
    "pkg/core.py": b"answer = 42\n",
    "pkg/data/template.j2": b"{{ x }}\n",
}


def record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def read_wheel(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        return {name: zf.read(name) for name in zf.namelist()}


def test_write_wheel_names_the_file_by_the_wheel_convention(tmp_path):
    path = write_wheel(tmp_path / "out", "my-pkg", "1.2.3", FILES)
    assert path == tmp_path / "out" / "my_pkg-1.2.3-py3-none-any.whl"
    assert path.is_file()
    assert not list((tmp_path / "out").glob("*.tmp"))


def test_write_wheel_is_deterministic(tmp_path):
    first = write_wheel(tmp_path / "a", "pkg", "1.0", FILES, requires=["x==1"]).read_bytes()
    shuffled = dict(reversed(list(FILES.items())))
    second = write_wheel(tmp_path / "b", "pkg", "1.0", shuffled, requires=["x==1"]).read_bytes()
    assert first == second
    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()


def test_write_wheel_overwrites_with_identical_bytes(tmp_path):
    first = write_wheel(tmp_path, "pkg", "1.0", FILES).read_bytes()
    assert write_wheel(tmp_path, "pkg", "1.0", FILES).read_bytes() == first


def test_write_wheel_entries_have_a_fixed_date_and_mode(tmp_path):
    with zipfile.ZipFile(write_wheel(tmp_path, "pkg", "1.0", FILES)) as zf:
        for info in zf.infolist():
            assert info.date_time == (2020, 2, 2, 0, 0, 0)
            assert info.external_attr >> 16 == 0o644
            assert info.compress_type == zipfile.ZIP_DEFLATED


def test_write_wheel_holds_the_files_and_the_dist_info(tmp_path):
    contents = read_wheel(write_wheel(tmp_path, "pkg", "1.0", FILES))
    for name, data in FILES.items():
        assert contents[name] == data
    info = "pkg-1.0.dist-info"
    assert set(contents) == {*FILES, f"{info}/METADATA", f"{info}/WHEEL",
                             f"{info}/top_level.txt", f"{info}/RECORD"}
    assert contents[f"{info}/WHEEL"].decode().splitlines() == [
        "Wheel-Version: 1.0", "Generator: localloom-build", "Root-Is-Purelib: true",
        "Tag: py3-none-any"]
    assert contents[f"{info}/top_level.txt"] == b"pkg\n"


def test_record_lists_every_file_with_its_hash_and_size(tmp_path):
    contents = read_wheel(write_wheel(tmp_path, "pkg", "1.0", FILES, requires=["a"]))
    record = contents["pkg-1.0.dist-info/RECORD"].decode().splitlines()
    rows = [line.rsplit(",", 2) for line in record]
    assert {path for path, _, _ in rows} == set(contents)
    for path, digest, size in rows:
        if path.endswith("/RECORD"):
            assert (digest, size) == ("", "")
            continue
        assert digest == record_hash(contents[path]), path
        assert int(size) == len(contents[path]), path


def test_metadata_has_name_version_summary_and_requires_dist(tmp_path):
    path = write_wheel(tmp_path, "my-pkg", "2.0", FILES,
                       requires=["pydantic==2.14.3", "jinja2==3.1.6"], summary="A test.")
    metadata = read_wheel(path)["my_pkg-2.0.dist-info/METADATA"].decode()
    assert metadata.splitlines() == [
        "Metadata-Version: 2.1", "Name: my-pkg", "Version: 2.0", "Summary: A test.",
        "Requires-Dist: pydantic==2.14.3", "Requires-Dist: jinja2==3.1.6"]


def test_metadata_without_requires_or_summary(tmp_path):
    metadata = read_wheel(write_wheel(tmp_path, "pkg", "1.0", FILES))["pkg-1.0.dist-info/METADATA"]
    assert b"Requires-Dist" not in metadata and b"Summary" not in metadata


def make_sdist(tmp_path: Path, name: str, files: dict[str, bytes]) -> Path:
    """A .tar.gz whose members sit under ``{name}/`` like a real sdist."""
    path = tmp_path / f"{name}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for rel, data in files.items():
            member = tarfile.TarInfo(f"{name}/{rel}")
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
        folder = tarfile.TarInfo(f"{name}/src/mypkg")
        folder.type = tarfile.DIRTYPE
        tar.addfile(folder)
    return path


SDIST_FILES = {
    "src/mypkg/__init__.py": b"from ._native import escape\n",
    "src/mypkg/_native.py": b"def escape(s):\n    return s\n",
    "src/mypkg/_speedups.c": b"/* C accelerator */\n",
    "src/mypkg/_speedups.pyi": b"def escape(s: str) -> str: ...\n",
    "src/mypkg/py.typed": b"",
    "src/other/__init__.py": b"",
    "setup.py": b"from setuptools import setup\n",
    "tests/test_mypkg.py": b"def test(): pass\n",
}


def test_pure_wheel_from_sdist_packs_only_the_python_files_of_src_pkg(tmp_path):
    sdist = make_sdist(tmp_path, "MyPkg-3.0.1", SDIST_FILES)
    path = pure_wheel_from_sdist(sdist, tmp_path / "out", "MyPkg", "3.0.1")
    assert path.name == "MyPkg-3.0.1-py3-none-any.whl"
    contents = read_wheel(path)
    payload = {n for n in contents if ".dist-info/" not in n}
    assert payload == {"mypkg/__init__.py", "mypkg/_native.py", "mypkg/py.typed"}
    assert contents["mypkg/_native.py"] == SDIST_FILES["src/mypkg/_native.py"]
    assert not any(n.endswith(".c") for n in contents)


def test_pure_wheel_from_sdist_is_deterministic(tmp_path):
    sdist = make_sdist(tmp_path, "MyPkg-3.0.1", SDIST_FILES)
    a = pure_wheel_from_sdist(sdist, tmp_path / "a", "MyPkg", "3.0.1").read_bytes()
    b = pure_wheel_from_sdist(sdist, tmp_path / "b", "MyPkg", "3.0.1").read_bytes()
    assert a == b


def test_pure_wheel_from_sdist_without_init_raises(tmp_path):
    files = {k: v for k, v in SDIST_FILES.items() if k != "src/mypkg/__init__.py"}
    sdist = make_sdist(tmp_path, "MyPkg-3.0.1", files)
    with pytest.raises(RuntimeError, match=r"no src/mypkg/__init__\.py"):
        pure_wheel_from_sdist(sdist, tmp_path / "out", "MyPkg", "3.0.1")
    assert not (tmp_path / "out").exists()
