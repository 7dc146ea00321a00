"""Write pure-Python wheels deterministically (same inputs, same bytes, same sha256).

Public names: ``write_wheel``, ``pure_wheel_from_sdist``.

Used for LocalLoom itself and for MarkupSafe, whose PyPI releases have no wasm wheel: its
pure-Python fallback works in Pyodide, so a ``py3-none-any`` wheel of its sources serves::

    path = write_wheel(out_dir, "localloom", "0.1.0", {"localloom/__init__.py": b"..."},
                       requires=["pydantic==2.14.3"])
"""

from __future__ import annotations

import base64
import hashlib
import tarfile
import zipfile
from pathlib import Path

__all__ = ["pure_wheel_from_sdist", "write_wheel"]

_EPOCH = (2020, 2, 2, 0, 0, 0)


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def write_wheel(
    out_dir: Path,
    name: str,
    version: str,
    files: dict[str, bytes],
    requires: list[str] | None = None,
    summary: str = "",
) -> Path:
    """Write ``{name}-{version}-py3-none-any.whl`` holding ``files``; return its path."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    metadata = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {version}",
        *([f"Summary: {summary}"] if summary else []),
        *(f"Requires-Dist: {req}" for req in requires or []),
    ]
    entries = dict(sorted(files.items()))
    entries[f"{info}/METADATA"] = ("\n".join(metadata) + "\n").encode()
    entries[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: localloom-build\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n"
    )
    top = sorted({path.split("/", 1)[0] for path in files if "/" in path})
    entries[f"{info}/top_level.txt"] = ("\n".join(top) + "\n").encode()
    record = [f"{path},{_record_hash(data)},{len(data)}" for path, data in entries.items()]
    record.append(f"{info}/RECORD,,")
    entries[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{dist}-{version}-py3-none-any.whl"
    tmp = target.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, data in entries.items():
            zinfo = zipfile.ZipInfo(path, date_time=_EPOCH)
            zinfo.external_attr = 0o644 << 16
            zinfo.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zinfo, data)
    tmp.replace(target)
    return target


def pure_wheel_from_sdist(sdist: Path, out_dir: Path, name: str, version: str) -> Path:
    """Pack the ``src/<pkg>`` Python files of an sdist into a pure wheel (no C extension)."""
    pkg = name.lower().replace("-", "_")
    files: dict[str, bytes] = {}
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            parts = member.name.split("/")
            if member.isfile() and parts[1:3] == ["src", pkg]:
                rel = "/".join(parts[2:])
                if rel.endswith((".py", "py.typed")):
                    extracted = tar.extractfile(member)
                    assert extracted is not None
                    files[rel] = extracted.read()
    if f"{pkg}/__init__.py" not in files:
        raise RuntimeError(f"{sdist.name}: no src/{pkg}/__init__.py; cannot build a pure wheel")
    return write_wheel(out_dir, name, version, files)
