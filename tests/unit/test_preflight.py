"""routing.preflight: per-model verdicts (fits / fits slowly on the CPU / does not fit, and
why) and the model recommended for a task on a device."""

from __future__ import annotations

import pytest

import localloom.models.catalog as catalog_module
from localloom.models.catalog import catalog, find
from localloom.models.modelfile import ModelFile
from localloom.routing.device import Capabilities, GpuInfo, StorageInfo
from localloom.routing.preflight import FITS, NO_FIT, SLOW, recommend, verdict, verdicts

ROOMY = StorageInfo(quota=20 * 10**9, usage=0)
NO_GPU = Capabilities(gpu=None, gpu_error="navigator.gpu is missing", device_memory_gb=8,
                      storage=ROOMY, hardware_concurrency=2)
SWIFTSHADER = Capabilities(gpu=GpuInfo(vendor="google", architecture="swiftshader",
                                       is_fallback=True), device_memory_gb=8, storage=ROOMY)
GPU = Capabilities(gpu=GpuInfo(vendor="apple", architecture="metal-3",
                               features=("shader-f16",), max_buffer_size=4 * 2**30,
                               max_storage_buffer_binding_size=2 * 2**30),
                   device_memory_gb=8, storage=ROOMY, cross_origin_isolated=True,
                   hardware_concurrency=8)


@pytest.fixture(autouse=True)
def built(monkeypatch):
    """The build's facts for the embedded model (built.json exists only in the wheel)."""
    model = ModelFile("models/gemma-3-270m-q4_k_m.gguf", 253_113_024, "a5" * 32)
    monkeypatch.setattr(catalog_module, "embedded_model", lambda: model)


def _states(caps):
    return {v.spec.id: v.state for v in verdicts(catalog(), caps)}


def test_without_webgpu_gguf_models_fit_slowly_and_webllm_does_not_fit():
    """No adapter: every GGUF runs on the CPU (one thread, not isolated), WebLLM cannot run."""
    states = _states(NO_GPU)
    assert {states[m.id] for m in catalog() if m.engine == "wllama"} == {SLOW}
    assert {states[m.id] for m in catalog() if m.engine == "webllm"} == {NO_FIT}
    gemma = verdict(catalog()[0], NO_GPU)
    assert "CPU with 1 thread" in gemma.because and "not cross-origin isolated" in gemma.because
    assert "no WebGPU adapter (navigator.gpu is missing)" in gemma.because
    webllm = verdict(find("Llama-3.2-1B-Instruct-q4f32_1-MLC"), NO_GPU)
    assert webllm.text.startswith("does not fit — no WebGPU adapter")


def test_a_software_fallback_adapter_counts_as_no_gpu():
    """SwiftShader (isFallbackAdapter): wllama stays on the CPU, WebLLM does not fit, and the
    reason names the fallback."""
    states = _states(SWIFTSHADER)
    assert states["gemma-3-270m-q4_k_m"] == SLOW
    assert states["Llama-3.2-1B-Instruct-q4f32_1-MLC"] == NO_FIT
    assert "software fallback (swiftshader)" in verdict(catalog()[0], SWIFTSHADER).because


def test_a_real_gpu_fits_models_on_the_gpu():
    """With a GPU (shader-f16, 8 GB): GGUFs and WebLLM models fit on the GPU."""
    states = _states(GPU)
    assert set(states.values()) == {FITS}
    assert "runs on the GPU with WebLLM" in verdict(find("Llama-3.2-3B-Instruct-q4f16_1-MLC"),
                                                     GPU).because


def test_memory_and_storage_rule_models_out_with_the_reason():
    """2 GB of device memory rules out the 1 GB models; 300 MB free storage rules out all
    downloads, but not the built-in model or a stored one."""
    small = Capabilities(gpu=None, device_memory_gb=2, storage=ROOMY)
    v = verdict(find("qwen2.5-1.5b-instruct-q4_k_m"), small)
    assert v.state == NO_FIT and "this device reports 2 GB" in v.because
    full = Capabilities(gpu=None, device_memory_gb=8,
                        storage=StorageInfo(quota=10**9, usage=7 * 10**8))
    v = verdict(find("smollm2-360m-instruct-q8_0"), full)
    assert v.state == NO_FIT and "browser storage" in v.because
    assert verdict(catalog()[0], full).state == SLOW
    assert verdict(find("smollm2-360m-instruct-q8_0"), full, cached=True).state == SLOW


def test_recommendation_per_device_and_task():
    """GPU: the best course model there (Llama 3.2 3B on WebLLM); CPU only: the best course
    model within the CPU's comfortable size, in the course's language; summaries may use the
    small chat model; nothing when nothing fits."""
    assert recommend(verdicts(catalog(), GPU), "course").spec.id == \
        "Llama-3.2-3B-Instruct-q4f16_1-MLC"
    cpu = verdicts(catalog(), NO_GPU)
    assert recommend(cpu, "course", "en").spec.id == "smollm2-360m-instruct-q8_0"
    assert recommend(cpu, "course", "es").spec.id == "qwen2.5-0.5b-instruct-q4_k_m"
    assert recommend(verdicts(catalog(), SWIFTSHADER), "course", "es").state == SLOW
    none = Capabilities(gpu=None, device_memory_gb=0.25,
                        storage=StorageInfo(quota=10**6, usage=0))
    assert recommend(verdicts(catalog()[1:], none), "course") is None
