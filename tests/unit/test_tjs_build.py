"""models.tjs_build: the Transformers.js folders a build lists, backend choice, file progress."""

from __future__ import annotations

import json

import pytest

from localloom.models.tjs_build import FileProgress, TjsFolder, choose_backend, parse_folders

Q8 = {"config.json": 784, "tokenizer.json": 3_523_711, "onnx/model_quantized.onnx": 136_587_449}


def test_built_json_lists_folders_with_files_and_context():
    """The build's entry becomes a folder with its url, sizes and the model's context window."""
    text = json.dumps({"models": [], "embedded": "m.gguf", "transformers": [
        {"id": "SmolLM2-135M-Instruct", "url": "models/tjs/SmolLM2-135M-Instruct/",
         "size": 140_111_944, "files": Q8, "context_window": 8192}]})
    [folder] = parse_folders(text)
    assert folder.id == "SmolLM2-135M-Instruct" and folder.context_window == 8192
    assert folder.size == 140_111_944 and folder.files == Q8
    assert folder.parent == "models/tjs/" and folder.name == "SmolLM2-135M-Instruct"


def test_a_build_without_the_model_lists_no_folder():
    """Builds made before Transformers.js (or without its model) have no such key."""
    assert parse_folders(json.dumps({"models": [], "embedded": "m.gguf"})) == []


@pytest.mark.parametrize(("files", "dtypes"), [
    (Q8, ("q8",)),
    ({"onnx/model.onnx": 1, "onnx/model_q4f16.onnx": 1, "onnx/model_q4.onnx": 1},
     ("fp32", "q4", "q4f16")),
    ({"config.json": 1}, ()),
])
def test_dtypes_are_read_from_the_onnx_file_names(files, dtypes):
    """Transformers.js names each dtype's file; a folder offers the dtypes whose file it has."""
    assert TjsFolder("m", "models/tjs/m/", 1, files).dtypes == dtypes


def test_wasm_prefers_q8_and_a_fallback_adapter_is_no_gpu():
    """q4 (MatMulNBits) was 5x slower than q8 on WASM here; WebGPU only on a real adapter."""
    both = ("q8", "q4", "q4f16")
    assert choose_backend(both, real_gpu=False) == ("wasm", "q8")
    assert choose_backend(both, real_gpu=True) == ("webgpu", "q4f16")
    assert choose_backend(("q8",), real_gpu=True) == ("wasm", "q8")  # no GPU file: WASM
    assert choose_backend(("q4",), real_gpu=False) == ("wasm", "q4")
    with pytest.raises(ValueError):
        choose_backend((), real_gpu=False)


def test_file_progress_names_the_file_and_its_bytes():
    """Events as Transformers.js sends them (initiate, progress, done) become one line per file
    and an overall fraction over every file's size."""
    p = FileProgress(sizes=dict(Q8))
    assert p.line() == "starting…"
    assert p.update({"status": "initiate", "file": "config.json"})
    assert p.update({"status": "done", "file": "config.json"})
    assert p.line() == "config.json: done (1 of 3 files)"
    assert p.update({"status": "progress", "file": "onnx/model_quantized.onnx",
                     "loaded": 68_293_724, "total": 136_587_449})
    assert p.line() == "onnx/model_quantized.onnx: 68.3 MB of 136.6 MB (1 of 3 files)"
    assert p.fraction == pytest.approx((784 + 68_293_724) / sum(Q8.values()))
    assert not p.update({"status": "progress_total", "loaded": 1, "total": 2})
    assert not p.update({"status": "ready"})
    for name in ("tokenizer.json", "onnx/model_quantized.onnx"):
        p.update({"status": "done", "file": name})
    assert p.fraction == 1.0 and p.line().endswith("done (3 of 3 files)")


def test_file_progress_learns_sizes_it_was_not_given():
    """A remote model's sizes come from the events' totals."""
    p = FileProgress()
    p.update({"status": "progress", "file": "onnx/model.onnx", "loaded": 5, "total": 10})
    assert p.fraction == 0.5 and p.line() == "onnx/model.onnx: 5 B of 10 B (0 of 1 files)"
