"""models.catalog: the Transformers.js models a build ships become specs the router ranks."""

from __future__ import annotations

from localloom.models.catalog import transformers_specs
from localloom.models.tjs_build import TjsFolder

Q8 = TjsFolder("SmolLM2-135M-Instruct", "models/tjs/SmolLM2-135M-Instruct/", 140_111_944,
               {"config.json": 784, "onnx/model_quantized.onnx": 136_587_449}, 8192)


def test_a_built_folder_is_a_chat_model_that_ships_with_the_app():
    """SmolLM2 is an instruct model served from the app's origin: no download consent, its
    url is the folder, its size and context window are the build's."""
    [spec] = transformers_specs([Q8])
    assert (spec.engine, spec.id, spec.chat, spec.embedded) == (
        "transformers", "SmolLM2-135M-Instruct", True, True)
    assert spec.url == "./models/tjs/SmolLM2-135M-Instruct/"
    assert (spec.size_bytes, spec.context_window) == (140_111_944, 8192)
    assert spec.label == "Transformers.js SmolLM2-135M-Instruct"


def test_a_q8_only_folder_runs_on_the_cpu_even_where_webgpu_exists():
    """q8 is the WASM build: routing must not rank or describe it as a GPU model."""
    [q8] = transformers_specs([Q8])
    assert q8.cpu_only and not q8.on_gpu
    gpu = TjsFolder("m", "models/tjs/m/", 1, {"onnx/model_q4f16.onnx": 1})
    [with_gpu_file] = transformers_specs([gpu])
    assert not with_gpu_file.cpu_only and with_gpu_file.on_gpu


def test_it_writes_less_reliably_than_the_embedded_gemma():
    """No grammar on Transformers.js: SmolLM2 ranks below the embedded model (quality 1)."""
    [spec] = transformers_specs([Q8])
    assert spec.quality < 1


def test_no_folder_no_spec():
    """A build without the model offers no Transformers.js tier."""
    assert transformers_specs([]) == []
