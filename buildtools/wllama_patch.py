"""wllama's main-thread library, patched so a CPU load maps the model instead of streaming it.

Public names: ``patch_wllama``, ``patched_wllama``.

Where JSPI exists (Chromium), wllama 3.8.1 lets llama.cpp read the GGUF tensor by tensor: each
read is a message to the page, a ``Blob.slice().arrayBuffer()`` there, and a copy into the wasm
heap (180 round trips for the embedded model), and then the tensors are copied again into
llama.cpp's buffers. wllama's older path ("heapfs") copies the file into the wasm heap once
and lets llama.cpp ``mmap`` it in place. Measured in Chromium on the embedded model, three
alternating rounds of a probe in one page: load 3.07-3.58 s by tensor reads, 1.65-2.18 s by
heapfs. The tensor reads exist for WebGPU (weights go to the GPU, so the heap need not hold
the file), so the patch adds a load option, ``heapfs: true``, that the adapter sets only for
CPU loads; without it wllama behaves as published.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["patch_wllama", "patched_wllama"]

#: (what wllama 3.8.1 says, what the patched copy says): each must occur exactly once.
EDITS = (
    ("this.useAsyncFile = canUseAsyncFileRead(resources.compat);",
     "this.useAsyncFile = canUseAsyncFileRead(resources.compat) && !resources.heapfs;"),
    ("use_mmap: !canUseAsyncFileRead(workerResources.compat),",
     "use_mmap: !(canUseAsyncFileRead(workerResources.compat) && !workerResources.heapfs),"),
    ("const workerResources = this.getWorkerResources();",
     "const workerResources = this.getWorkerResources();\n"
     "      workerResources.heapfs = !!params.heapfs;  // LocalLoom: buildtools/wllama_patch.py"),
)


class PatchError(RuntimeError):
    """wllama's code changed: the patch no longer applies (review it for the new version)."""


def patch_wllama(source: str) -> str:
    """``source`` (wllama's ``esm/index.js``) with ``EDITS`` applied."""
    for old, new in EDITS:
        count = source.count(old)
        if count != 1:
            raise PatchError(f"wllama's index.js has {count} copies of {old!r}, not 1: "
                             "update buildtools/wllama_patch.py for this wllama version")
        source = source.replace(old, new)
    return source


def patched_wllama(src: Path, target: Path) -> Path:
    """Write the patched copy of ``src`` to ``target`` (only when it changed); return it."""
    text = patch_wllama(src.read_text(encoding="utf-8"))
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return target
