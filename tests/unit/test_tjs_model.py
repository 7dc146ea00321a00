"""buildtools.tjs_model: the conversion step is stamped on its inputs and lists what it built."""

from __future__ import annotations

import json

import pytest

import buildtools.deps
import buildtools.tjs_model as tjs


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty .cache and model folder, so the real ones are never touched."""
    monkeypatch.setattr(buildtools.deps, "CACHE", tmp_path / "cache")
    out = tmp_path / "cache" / "tjs-models" / tjs.TJS_MODEL_ID
    monkeypatch.setattr(tjs, "OUT", out)
    return out


def _fill(out):
    for name in tjs.FILES:
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"max_position_embeddings": 8192}) if name == "config.json"
                        else "x" * 10)


def test_a_folder_counts_as_built_only_with_its_stamp_and_every_file(cache):
    """No stamp, a missing file, or another converter/pin set: not built (so it rebuilds)."""
    _fill(cache)
    assert tjs.built_tjs_model() is None  # files but no stamp: an interrupted run
    buildtools.deps._stamp("tjs-model", tjs._model_key())
    assert tjs.built_tjs_model() == cache
    (cache / "onnx" / "model_quantized.onnx").unlink()
    assert tjs.built_tjs_model() is None
    _fill(cache)
    buildtools.deps._stamp("tjs-model", "inputs of an older build")
    assert tjs.built_tjs_model() is None


def test_the_stamp_changes_with_the_pins(cache, monkeypatch):
    """A new pin (or converter, or source package) invalidates the built model."""
    before = tjs._model_key()
    monkeypatch.setattr(tjs, "TJS_PINS", (*tjs.TJS_PINS[:-1], "onnxruntime==9.9.9"))
    assert tjs._model_key() != before


def test_torch_is_the_cpu_build_on_this_machine_s_disk():
    """torch 2.13.0 is the CPU wheel pip takes from disk here; any other version downloads
    several GB of CUDA wheels."""
    assert "torch==2.13.0" in tjs.TJS_PINS


def test_the_entry_lists_files_sizes_and_context_window(cache):
    """built.json's entry: the folder url, each file and its size, and the sum of them."""
    _fill(cache)
    entry = tjs.tjs_model_entry(cache, "models/tjs/SmolLM2-135M-Instruct/")
    assert entry["id"] == "SmolLM2-135M-Instruct" and entry["context_window"] == 8192
    assert set(entry["files"]) == set(tjs.FILES)
    assert entry["size"] == sum(entry["files"].values())


def test_build_py_test_builds_the_model_unless_it_runs_only_unit_tests(tmp_path):
    """The whole suite (CI) or any e2e file needs the model; tests/unit alone does not, so a
    unit-test run on a fresh worktree does not pay for the conversion."""
    (tmp_path / "tests" / "unit").mkdir(parents=True)
    (tmp_path / "tests" / "e2e").mkdir()
    (tmp_path / "tests" / "unit" / "test_a.py").write_text("")
    (tmp_path / "tests" / "e2e" / "test_b.py").write_text("")
    assert tjs.tests_need_it([], tmp_path)
    assert tjs.tests_need_it(["-q", "-x"], tmp_path)
    assert tjs.tests_need_it(["tests/e2e/test_b.py", "-q"], tmp_path)
    assert tjs.tests_need_it(["tests"], tmp_path)
    assert tjs.tests_need_it(["tests/unit", "tests/e2e/test_b.py::test_x"], tmp_path)
    assert not tjs.tests_need_it(["tests/unit", "-q"], tmp_path)
    assert not tjs.tests_need_it(["tests/unit/test_a.py::test_y", "-k", "name"], tmp_path)
