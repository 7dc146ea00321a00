"""device: the capability data the probe fills and the router reads."""

from __future__ import annotations

import dataclasses
import json

import pytest

from localloom.routing.device import AI_STATES, Capabilities, GpuInfo, StorageInfo


def test_gpu_shader_f16_comes_from_the_feature_list():
    assert GpuInfo(features=("timestamp-query", "shader-f16")).shader_f16 is True
    assert GpuInfo(features=("timestamp-query",)).shader_f16 is False
    assert GpuInfo().shader_f16 is False


@pytest.mark.parametrize(("quota", "usage", "free"), [
    (0, 0, 0), (100, 30, 70), (100, 100, 0), (100, 150, 0),
])
def test_storage_free_is_quota_minus_usage_never_negative(quota, usage, free):
    assert StorageInfo(quota=quota, usage=usage).free == free


def test_default_capabilities_are_the_most_limited_device():
    caps = Capabilities()
    assert caps.gpu is None and caps.has_webgpu is False
    assert caps.threads == 1
    assert caps.device_memory_gb is None
    assert caps.storage == StorageInfo()
    assert caps.online and caps.secure_context


def test_has_webgpu_means_an_adapter_was_found():
    assert Capabilities(gpu=GpuInfo(is_fallback=True)).has_webgpu is True


@pytest.mark.parametrize(("isolated", "cores", "threads"), [
    (True, 8, 8), (True, 1, 1), (True, 0, 1), (False, 8, 1), (False, 0, 1),
])
def test_threads_need_cross_origin_isolation_and_are_at_least_one(isolated, cores, threads):
    caps = Capabilities(cross_origin_isolated=isolated, hardware_concurrency=cores)
    assert caps.threads == threads


def test_chrome_ai_state_is_absent_when_the_global_is_missing():
    assert Capabilities().chrome_ai_state("LanguageModel") == "absent"


@pytest.mark.parametrize("state", AI_STATES)
def test_chrome_ai_state_passes_known_values_through(state):
    assert Capabilities(chrome_ai={"Summarizer": state}).chrome_ai_state("Summarizer") == state


@pytest.mark.parametrize("state", ["readily", "no", "", "AVAILABLE"])
def test_chrome_ai_state_maps_unknown_values_to_unavailable(state):
    caps = Capabilities(chrome_ai={"LanguageModel": state})
    assert caps.chrome_ai_state("LanguageModel") == "unavailable"


def test_ai_states_start_with_absent_and_end_with_available():
    assert AI_STATES[0] == "absent" and AI_STATES[-1] == "available"
    assert len(set(AI_STATES)) == len(AI_STATES)


def test_to_dict_is_json_serialisable_and_adds_the_derived_fields():
    caps = Capabilities(gpu=GpuInfo(vendor="apple", features=("shader-f16",)),
                        cross_origin_isolated=True, hardware_concurrency=4,
                        device_memory_gb=8, storage=StorageInfo(quota=10, usage=4),
                        chrome_ai={"LanguageModel": "available"})
    data = json.loads(json.dumps(caps.to_dict()))
    assert data["has_webgpu"] is True and data["threads"] == 4
    assert data["gpu"]["vendor"] == "apple" and data["gpu"]["features"] == ["shader-f16"]
    assert data["storage"] == {"quota": 10, "usage": 4, "persisted": False}
    assert data["chrome_ai"] == {"LanguageModel": "available"}
    assert data["device_memory_gb"] == 8


def test_to_dict_without_gpu():
    data = Capabilities().to_dict()
    assert data["gpu"] is None and data["has_webgpu"] is False and data["threads"] == 1


@pytest.mark.parametrize("obj", [GpuInfo(), StorageInfo(), Capabilities()],
                         ids=["GpuInfo", "StorageInfo", "Capabilities"])
def test_capability_records_are_frozen(obj):
    field = dataclasses.fields(obj)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(obj, field, getattr(obj, field))


def test_default_chrome_ai_dicts_are_not_shared():
    a, b = Capabilities(), Capabilities()
    a.chrome_ai["LanguageModel"] = "available"
    assert b.chrome_ai == {}


def test_docstring_example():
    caps = Capabilities(gpu=GpuInfo(vendor="apple", features=("shader-f16",)),
                        chrome_ai={"LanguageModel": "available"})
    assert (caps.has_webgpu, caps.chrome_ai_state("Summarizer")) == (True, "absent")
