"""engines.webllm in CPython: the request it sends, the stage of a load error, and the refusal
of a device that cannot run the model, before any JS is touched.

The JS paths run in Chromium (tests/e2e/test_webllm.py): the real library with routed model
files, and an engine double behind its real worker handler.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from localloom.engine import Engine, GenerateRequest
from localloom.engines import webllm as W
from localloom.errors import EngineError, EngineUnavailable
from localloom.models.catalog import webllm_spec
from localloom.routing.device import Capabilities, GpuInfo

LLAMA = webllm_spec("Llama-3.2-1B-Instruct-q4f32_1-MLC")
QWEN = webllm_spec("Qwen2.5-1.5B-Instruct-q4f16_1-MLC")
SCHEMA = {"type": "object", "properties": {"tags": {"type": "array"}}, "required": ["tags"]}
SOFTWARE = Capabilities(gpu=GpuInfo(vendor="google", architecture="swiftshader",
                                    is_fallback=True))
NO_F16 = Capabilities(gpu=GpuInfo(vendor="intel"))


def test_engine_matches_the_protocol_and_the_catalog_entry():
    """An instruct model with a chat template and the library's 4096-token context."""
    engine = W.WebLLMEngine(LLAMA)
    assert isinstance(engine, Engine)
    assert (engine.name, engine.model_id, engine.chat, engine.context_window) == (
        "webllm", LLAMA.id, True, 4096)
    assert not engine.loaded and engine.count_tokens("x" * 35) == 11


def test_chat_request_streams_json_object_with_the_schema_as_text():
    """web-llm's structured output: response_format json_object whose schema is a string."""
    request = GenerateRequest(messages=[{"role": "user", "content": "Tag it"}],
                              schema=json.dumps(SCHEMA), max_tokens=64, temperature=0.3,
                              stop=["\n\n"], seed=7, frequency_penalty=0.2, task="tags")
    params = W.chat_request(request)
    assert params == {
        "stream": True, "stream_options": {"include_usage": True}, "max_tokens": 64,
        "temperature": 0.3, "messages": [{"role": "user", "content": "Tag it"}],
        "stop": ["\n\n"], "seed": 7, "frequency_penalty": 0.2,
        "response_format": {"type": "json_object", "schema": json.dumps(SCHEMA)},
    }


def test_chat_request_turns_a_schema_dict_into_text_and_maps_llama_names():
    """A dict schema is sent as JSON text (non-ASCII kept); repeat_penalty is web-llm's
    repetition_penalty; a raw prompt goes to completions."""
    schema = {**SCHEMA, "description": "etiquetas en español"}
    params = W.chat_request(GenerateRequest(prompt="Course:", schema=schema,
                                            repeat_penalty=1.1))
    assert params["prompt"] == "Course:" and "messages" not in params
    assert params["repetition_penalty"] == 1.1
    assert json.loads(params["response_format"]["schema"]) == schema
    assert "español" in params["response_format"]["schema"]
    assert "response_format" not in W.chat_request(GenerateRequest(prompt="x"))


@pytest.mark.parametrize(("message", "stage"), [
    ("HTTP 404 Not Found for https://host/m/resolve/main/mlc-chat-config.json", "download"),
    ("Failed to fetch", "download"),
    ("Failed to execute 'add' on 'Cache': Request failed", "download"),
    ("WebAssembly.instantiate(): expected magic word 00 61 73 6d, found 3c 21 44 4f @+0",
     "load"),
    ("The WebGPU device was lost while loading the model.", "load"),
])
def test_load_stage_tells_fetching_from_starting(message, stage):
    """A load error is a download error when a file could not be fetched."""
    assert W.load_stage(message) == stage


@pytest.mark.parametrize(("spec", "caps", "words"), [
    (LLAMA, Capabilities(), ["no webgpu adapter"]),
    (LLAMA, SOFTWARE, ["software fallback (swiftshader)"]),
    (QWEN, NO_F16, ["shader-f16"]),
])
def test_load_refuses_a_device_that_cannot_run_the_model_before_any_js(spec, caps, words):
    """No adapter, a software adapter, or no shader-f16 for q4f16: refused with the reason,
    before the library is fetched (CPython has no js module, so any JS use would fail)."""
    with pytest.raises(EngineUnavailable) as info:
        asyncio.run(W.WebLLMEngine(spec).load(caps))
    assert all(word in info.value.what.lower() for word in words)
    assert "wllama" in info.value.fix and info.value.engine == "webllm"


def test_generate_before_load_is_a_bug_not_a_crash():
    with pytest.raises(EngineError, match="not loaded"):
        asyncio.run(W.WebLLMEngine(LLAMA).generate(GenerateRequest(prompt="x")))


def test_shared_engine_keeps_one_model_per_page():
    """The same model reuses its engine (a loaded model stays loaded); another replaces it."""
    first = W.shared_engine(LLAMA)
    assert W.shared_engine(LLAMA) is first
    other = W.shared_engine(QWEN)
    assert other is not first and other.model_id == QWEN.id
