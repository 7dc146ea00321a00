"""Dispatcher: a plan step becomes a ready engine and runs the task through the generator."""

from __future__ import annotations

import asyncio

import pytest

from localloom.course.schema import Tags
from localloom.engine import CancelToken
from localloom.errors import EngineUnavailable
from localloom.routing.tiers import PlanStep
from localloom.settings import ProviderSettings, Settings
from localloom.ui.dispatch import Dispatcher, TaskInput
from tests.fakes import ScriptedEngine


def make(engine, settings=None):
    loads = []

    async def load(cancel):
        loads.append(cancel)
    events = []
    return Dispatcher(local_engine=engine, load_local=load, settings=settings or Settings(),
                      store=None, wrap=lambda e: e, on_event=events.append,
                      on_progress=lambda label, f: None, cancel=CancelToken()), loads, events


def test_wllama_step_loads_the_embedded_model_and_runs_the_task():
    engine = ScriptedEngine(['{"tags": ["Math", "fractions", "math"]}'])
    dispatcher, loads, events = make(engine)
    result = asyncio.run(dispatcher.run(PlanStep("wllama", "gemma", "embedded"),
                                        TaskInput("tags", text="Fractions are parts.")))
    assert isinstance(result, Tags) and result.tags == ["math", "fractions"]
    assert len(loads) == 1 and events


def test_cloud_step_without_a_usable_provider_is_unavailable():
    dispatcher, _, _ = make(ScriptedEngine([]))
    with pytest.raises(EngineUnavailable):
        asyncio.run(dispatcher.engine_for(PlanStep("openai", "", "x", provider="groq"), "en"))


def test_cloud_step_builds_a_client_for_the_saved_provider():
    settings = Settings()
    settings.set_provider(ProviderSettings("custom", base_url="http://127.0.0.1:9/v1",
                                           model="m", enabled=True))
    dispatcher, _, _ = make(ScriptedEngine([]), settings)
    engine = asyncio.run(dispatcher.engine_for(
        PlanStep("openai", "", "x", provider="custom"), "en"))
    assert engine.name == "openai" and engine.model_id == "m"


def test_unknown_engine_is_unavailable_so_the_next_tier_runs():
    dispatcher, _, _ = make(ScriptedEngine([]))
    with pytest.raises(EngineUnavailable):
        asyncio.run(dispatcher.engine_for(PlanStep("webllm", "llama", "x"), "en"))


def test_webllm_step_refuses_a_device_without_webgpu_before_any_download():
    """A WebLLM step gets the page's device probe: no adapter means EngineUnavailable (the
    next tier runs) without fetching anything."""
    from localloom.routing.device import Capabilities

    dispatcher, _, _ = make(ScriptedEngine([]))
    dispatcher.caps = Capabilities(gpu_error="WebGPU is exposed but no adapter was granted.")
    step = PlanStep("webllm", "Llama-3.2-1B-Instruct-q4f32_1-MLC", "x")
    with pytest.raises(EngineUnavailable, match="no WebGPU adapter"):
        asyncio.run(dispatcher.engine_for(step, "en"))
    with pytest.raises(EngineUnavailable, match="no model"):
        asyncio.run(dispatcher.engine_for(PlanStep("webllm", "Llama-9B", "x"), "en"))


def test_transformers_step_without_a_model_in_this_build_is_unavailable():
    """A build without the Transformers.js model: the tier says so and the next one runs."""
    dispatcher, _, _ = make(ScriptedEngine([]))
    with pytest.raises(EngineUnavailable) as info:
        asyncio.run(dispatcher.engine_for(PlanStep("transformers", "No-Such-Model", "x"), "en"))
    assert "Transformers.js has no model" in info.value.what
