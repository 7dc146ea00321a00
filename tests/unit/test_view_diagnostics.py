"""view.diagnostics: the environment rows, preflight table, load log, self-test rows and the
debug report (which names the failed stage and cause and carries no key or course text)."""

from __future__ import annotations

import json

import pytest

import localloom.models.catalog as catalog_module
from localloom.errors import ModelDownloadError
from localloom.models.catalog import catalog
from localloom.models.loadstate import DOWNLOADING, INITIALISING, METADATA, LoadLog
from localloom.models.modelfile import ModelFile
from localloom.routing.device import Capabilities, GpuInfo, StorageInfo
from localloom.routing.preflight import recommend, verdicts
from localloom.settings import ProviderSettings, Settings
from localloom.view.diagnostics import (
    SelfTest,
    debug_report,
    render_environment,
    render_load_log,
    render_preflight,
    render_selftests,
    service_worker,
)

KEY = "gsk_live_0123456789abcdefSECRET"
SWIFTSHADER = Capabilities(
    gpu=GpuInfo(vendor="google", architecture="swiftshader", is_fallback=True,
                features=("shader-f16", "float32-filterable")),
    device_memory_gb=8, storage=StorageInfo(quota=10**10, usage=2 * 10**8), user_agent="UA")


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def built(monkeypatch):
    model = ModelFile("models/gemma-3-270m-q4_k_m.gguf", 253_113_024, "a5" * 32)
    monkeypatch.setattr(catalog_module, "embedded_model", lambda: model)


def _failed_log() -> LoadLog:
    clock = Clock()
    log = LoadLog("wllama", "smollm2-135m-instruct-q4_1", clock=clock)
    clock.now = 0.25
    log.enter(METADATA, "SmolLM2-135M-Instruct.Q4_1.gguf")
    clock.now = 0.5
    log.fail(ModelDownloadError("Could not download SmolLM2-135M-Instruct.Q4_1.gguf: the "
                                "server answered HTTP 404.", cause="The file is not at this "
                                "address.", fix="Pick another model in Models on this device."))
    return log


def test_environment_names_the_fallback_adapter_features_and_isolation():
    """The rows say the adapter is a software fallback, list its features, storage, threads."""
    html = render_environment(SWIFTSHADER)
    assert "google swiftshader — a software fallback, not a GPU" in html
    assert "shader-f16, float32-filterable" in html
    assert "no — local models run on 1 thread" in html and "Persistent storage" in html
    assert "none — no adapter" in render_environment(Capabilities(gpu_error="no adapter"))


def test_load_log_shows_each_stage_with_seconds_and_the_failure():
    """A failed load shows the stage it stopped at and the error's cause and fix."""
    ok = LoadLog("wllama", "gemma", clock=Clock())
    ok.enter(INITIALISING, "CPU, 1 thread")
    ok.finish()
    html = render_load_log([ok, _failed_log()])
    assert html.index("smollm2") < html.index("gemma")  # newest first
    assert 'data-state="failed" data-failed-at="fetching metadata"' in html
    assert "failed at fetching metadata" in html and "checking — 0.25 s" in html
    assert "Cause:</strong> The file is not at this address." in html
    assert 'data-stage="compiling / initialising"' in html and "CPU, 1 thread" in html
    assert "No model has been loaded" in render_load_log([])


def test_preflight_table_and_recommendation():
    """Every model gets a row with its verdict; the recommended one is named with why."""
    found = verdicts(catalog(), SWIFTSHADER)
    html = render_preflight(found, recommend(found, "course", "en"))
    assert html.count("data-verdict=") == len(catalog())
    assert 'data-verdict="fits slowly (CPU)"' in html and 'data-verdict="does not fit"' in html
    assert 'id="recommended" data-model="smollm2-360m-instruct-q8_0"' in html
    assert "quick drafts" in html
    assert 'data-model=""' in render_preflight([], None)


def test_selftest_rows_give_pass_fail_and_tokens_per_second():
    t = SelfTest("wllama", "gemma", "pass", tokens=16, seconds=4.0)
    assert t.tokens_per_s == 4.0
    html = render_selftests([t, SelfTest("webllm", note="no WebGPU adapter")])
    assert "pass — 16 tokens in 4.0 s (4.0 tok/s)" in html
    assert 'data-engine="webllm" data-state="skipped"' in html


def test_debug_report_names_stage_and_cause_and_holds_no_secret():
    """The JSON names the failed stage and cause, the environment and verdicts, says which
    providers have a key without the key, and leaves out provider URLs."""
    settings = Settings(providers={
        "groq": ProviderSettings("groq", key=KEY, enabled=True),
        "custom": ProviderSettings("custom", key="", base_url="http://me:secret@lan:1/v1")})
    text = debug_report(SWIFTSHADER, [_failed_log()], [SelfTest("wllama", state="fail")],
                        verdicts(catalog()[:2], SWIFTSHADER), settings, build="abc123")
    data = json.loads(text)
    (load,) = data["loads"]
    assert load["failed_at"] == METADATA and load["state"] == "failed"
    assert load["error"]["cause"] == "The file is not at this address."
    assert data["environment"]["webgpu_adapter"]["is_fallback"] is True
    assert data["settings"]["providers"][0] == {"id": "groq", "enabled": True, "has_key": True}
    assert KEY not in text and "secret@lan" not in text and data["localloom_build"] == "abc123"
    assert [p["verdict"] for p in data["preflight"]] == ["fits slowly (CPU)"] * 2


def test_a_key_that_slips_into_a_message_is_redacted():
    """Second guard: a saved key quoted by an error message is replaced."""
    log = LoadLog("openai", "m", clock=Clock())
    log.fail(RuntimeError(f"401 for key {KEY}"))
    settings = Settings(providers={"groq": ProviderSettings("groq", key=KEY)})
    text = debug_report(Capabilities(), [log], [], [], settings)
    assert KEY not in text and "[redacted]" in text
    assert DOWNLOADING not in json.loads(text)["loads"][0]["failed_at"]


def test_the_offline_copys_failure_is_classified_and_shown():
    """web/boot.js's recorded registration error becomes what/cause/fix in the environment
    rows and the report; a controlling worker reads "active"."""
    raw = ("TypeError: Failed to register a ServiceWorker for scope ('http://h/') with script "
           "('http://h/sw.js'): A bad HTTP response code (404) was received when fetching the "
           "script.")
    state = service_worker(False, raw)
    assert state["error"]["what"] == "LocalLoom's offline copy could not install."
    assert "Reload the page while online" in state["error"]["fix"]
    html = render_environment(Capabilities(), state)
    assert "Offline copy (service worker)" in html and "could not install" in html
    assert "active" in render_environment(Capabilities(), service_worker(True))
    report = json.loads(debug_report(Capabilities(), [], [], [], worker=state))
    assert report["service_worker"]["error"]["detail"] == raw
