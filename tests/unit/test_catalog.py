"""models.catalog: the WebLLM entries are models web-llm 0.2.86 itself knows, with its VRAM
figures; the Transformers.js models a build ships become specs the router ranks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from localloom.models.catalog import WEBLLM_MODELS, transformers_specs, webllm_spec
from localloom.models.tjs_build import TjsFolder

LIBRARY = Path(__file__).resolve().parents[2] / "node_modules/@mlc-ai/web-llm/lib/index.js"


def _record(model_id: str) -> str:
    """The prebuiltAppConfig entry of ``model_id`` in the installed library's source."""
    text = LIBRARY.read_text()
    start = text.index(f'model_id: "{model_id}"')
    return text[start:text.index("}", text.index("overrides", start))]


@pytest.mark.parametrize("spec", WEBLLM_MODELS, ids=lambda s: s.id)
def test_each_webllm_entry_is_in_the_librarys_prebuilt_config(spec):
    """The id loads by name; size_bytes is the library's vram_required_MB read as MiB."""
    record = _record(spec.id)
    vram = float(re.search(r"vram_required_MB: ([\d.]+)", record).group(1))
    assert spec.size_bytes == int(vram * 2**20)
    assert spec.engine == "webllm" and spec.chat and spec.requires_webgpu
    assert re.search(r"context_window_size: (\d+)", record).group(1) == str(spec.context_window)
    assert spec.needs_f16 == ("q4f16" in spec.id)


def test_one_entry_runs_without_shader_f16_and_lookup_works():
    """A GPU without shader-f16 still has a WebLLM model; ids resolve, unknown ones do not."""
    assert [m.id for m in WEBLLM_MODELS if not m.needs_f16] == [
        "Llama-3.2-1B-Instruct-q4f32_1-MLC"]
    assert webllm_spec("SmolLM2-360M-Instruct-q4f16_1-MLC").needs_f16
    assert webllm_spec("nope") is None
    assert len({m.quality for m in WEBLLM_MODELS}) == len(WEBLLM_MODELS)

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
