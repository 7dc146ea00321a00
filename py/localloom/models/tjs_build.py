"""Transformers.js model folders: what this build ships, which file runs where, load progress.

Public names: ``TjsFolder``, ``built_folders``, ``parse_folders``, ``DTYPE_FILES``,
``choose_backend``, ``FileProgress``.

The build (``buildtools/tjs_model.py``) lists each folder it ships in ``built.json`` under
``"transformers"``: its url, its files with their sizes and the model's context window. The
folder's ONNX files say which dtypes it offers, and the device picks one::

    >>> folder = TjsFolder("m", "models/tjs/m/", 9, {"onnx/model_quantized.onnx": 9})
    >>> folder.dtypes, choose_backend(folder.dtypes, real_gpu=True)
    (('q8',), ('wasm', 'q8'))

WebGPU runs only on a real adapter (SwiftShader's fallback adapter ran a model at 0.02 tokens/s
here: "no GPU") and only with a GPU dtype; on WASM q8 wins (q4's MatMulNBits was 5x slower).
``FileProgress`` turns Transformers.js's ``progress_callback`` events into one line per file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources

from localloom.models.modelfile import MODELS_JSON
from localloom.models.progress import format_bytes

__all__ = ["DTYPE_FILES", "FileProgress", "TjsFolder", "built_folders", "choose_backend",
           "parse_folders"]

#: Transformers.js's file name for each dtype (``onnx/<name>``), as its model loader reads them.
DTYPE_FILES = {
    "fp32": "model.onnx", "fp16": "model_fp16.onnx", "q8": "model_quantized.onnx",
    "int8": "model_int8.onnx", "uint8": "model_uint8.onnx", "q4": "model_q4.onnx",
    "q4f16": "model_q4f16.onnx", "bnb4": "model_bnb4.onnx",
}  # fmt: skip
_GPU_ORDER = ("q4f16", "fp16", "q4", "fp32")
_WASM_ORDER = ("q8", "int8", "uint8", "fp32", "q4", "fp16", "q4f16", "bnb4")


@dataclass(frozen=True)
class TjsFolder:
    id: str
    url: str  # the folder, relative to the page: "models/tjs/<id>/"
    size: int  # bytes of all its files
    files: dict[str, int] = field(default_factory=dict)  # path in the folder -> bytes
    context_window: int = 2048

    @property
    def dtypes(self) -> tuple[str, ...]:
        return tuple(d for d, name in DTYPE_FILES.items() if f"onnx/{name}" in self.files)

    @property
    def parent(self) -> str:
        """The folder's parent ("models/tjs/"): Transformers.js's ``env.localModelPath``."""
        return self.url.rstrip("/").rsplit("/", 1)[0] + "/"

    @property
    def name(self) -> str:
        """The folder's own name: the model id Transformers.js is given."""
        return self.url.rstrip("/").rsplit("/", 1)[-1]


def parse_folders(text: str) -> list[TjsFolder]:
    """The Transformers.js folders listed in a ``built.json`` (none in older builds)."""
    return [TjsFolder(f["id"], f["url"], int(f["size"]), {k: int(v) for k, v in
                                                          f["files"].items()},
                      int(f.get("context_window", 2048)))
            for f in json.loads(text).get("transformers", [])]


def built_folders() -> list[TjsFolder]:
    """What this build ships; empty when the model was not built (or outside a build)."""
    try:
        text = resources.files("localloom.models").joinpath(MODELS_JSON).read_text()
    except FileNotFoundError:
        return []
    return parse_folders(text)


def choose_backend(dtypes: tuple[str, ...], *, real_gpu: bool) -> tuple[str, str]:
    """``(device, dtype)``: WebGPU with a GPU dtype on a real adapter, else WASM, q8 first."""
    if real_gpu:
        for dtype in _GPU_ORDER:
            if dtype in dtypes:
                return "webgpu", dtype
    for dtype in _WASM_ORDER:
        if dtype in dtypes:
            return "wasm", dtype
    raise ValueError(f"no ONNX model file among dtypes {dtypes!r}")


@dataclass
class FileProgress:
    """Per-file bytes from Transformers.js progress events (``status`` initiate, download,
    progress, done, progress_total, ready); ``line()`` says which file and how far."""

    sizes: dict[str, int] = field(default_factory=dict)  # expected sizes, from the build
    loaded: dict[str, int] = field(default_factory=dict)
    done: list[str] = field(default_factory=list)
    current: str = ""

    def update(self, event: dict) -> bool:
        """Take one event; True when the line changed."""
        status, name = event.get("status"), event.get("file") or ""
        if status == "progress" and name:
            total = int(event.get("total") or self.sizes.get(name) or 0)
            if total:
                self.sizes[name] = total
            self.loaded[name] = int(event.get("loaded") or 0)
            self.current = name
            return True
        if status == "done" and name and name not in self.done:
            self.done.append(name)
            self.loaded[name] = self.sizes.get(name, self.loaded.get(name, 0))
            self.current = name
            return True
        if status in ("initiate", "download") and name and not self.current:
            self.current = name
            return True
        return False

    @property
    def fraction(self) -> float:
        total = sum(self.sizes.values())
        return min(1.0, sum(self.loaded.values()) / total) if total else 0.0

    def line(self) -> str:
        name = self.current
        if not name:
            return "starting…"
        got, size = self.loaded.get(name, 0), self.sizes.get(name, 0)
        where = "done" if name in self.done else (
            f"{format_bytes(got)} of {format_bytes(size)}" if size else format_bytes(got))
        count = f"{len(self.done)} of {len(self.sizes)} files" if self.sizes else ""
        return f"{name}: {where}" + (f" ({count})" if count else "")
