"""catalog: the WebLLM entries are models web-llm 0.2.86 itself knows, with its VRAM figures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from localloom.models.catalog import WEBLLM_MODELS, webllm_spec

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
