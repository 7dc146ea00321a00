"""tiers: the routing policy as a table: task x device x consent x cache x keys -> plan."""

from __future__ import annotations

from dataclasses import replace

import pytest

from localloom.models.catalog import ModelSpec
from localloom.routing.device import Capabilities, GpuInfo, StorageInfo
from localloom.routing.tiers import Plan, Preferences, make_plan

GEMMA = ModelSpec("gemma-3-270m-q4_k_m", "wllama", 253_000_000, 2048, embedded=True, quality=1)
QWEN05 = ModelSpec("qwen2.5-0.5b-instruct-q4_k_m", "wllama", 400_000_000, 4096, quality=2)
LLAMA1B = ModelSpec("Llama-3.2-1B-Instruct-q4f32_1-MLC", "webllm", 880_000_000, 4096,
                    needs_webgpu=True, quality=3)
QWEN15 = ModelSpec("Qwen2.5-1.5B-Instruct-q4f16_1-MLC", "webllm", 1_100_000_000, 4096,
                   needs_webgpu=True, needs_f16=True, quality=4)
LLAMA3B = ModelSpec("Llama-3.2-3B-Instruct-q4f32_1-MLC", "webllm", 2_300_000_000, 4096,
                    needs_webgpu=True, quality=5)
SMOL = ModelSpec("SmolLM2-360M-Instruct", "transformers", 400_000_000, 2048, quality=2)
CATALOG = [GEMMA, QWEN05, LLAMA1B, QWEN15, LLAMA3B, SMOL]

BOTH_READY = {"LanguageModel": "available", "Summarizer": "available"}
DESKTOP = Capabilities(
    gpu=GpuInfo(vendor="nvidia", features=("shader-f16",), max_buffer_size=4 << 30,
                max_storage_buffer_binding_size=2 << 30),
    device_memory_gb=8, storage=StorageInfo(quota=50_000_000_000), chrome_ai=BOTH_READY,
)
HEADLESS = Capabilities(  # this CI's Chromium without --enable-unsafe-webgpu
    device_memory_gb=8, storage=StorageInfo(quota=10_000_000_000),
    chrome_ai={"LanguageModel": "unavailable", "Summarizer": "unavailable"},
)
OLD_BROWSER = Capabilities(device_memory_gb=8)
PHONE = Capabilities(
    gpu=GpuInfo(vendor="qualcomm", max_buffer_size=256 << 20,
                max_storage_buffer_binding_size=128 << 20),
    device_memory_gb=4, storage=StorageInfo(quota=4_000_000_000),
)
INCOGNITO = replace(DESKTOP, storage=StorageInfo(quota=120_000_000))
CHROME_DL = replace(DESKTOP, chrome_ai={"LanguageModel": "downloadable",
                                        "Summarizer": "downloading"})
OFFLINE = replace(DESKTOP, online=False)

ASK = "allow downloads in Settings"
NO_CLOUD = "Cloud providers: none enabled"
ON_DEVICE = "'on-device only' is on"

G, Q05, L1, Q15, L3, SM = (f"{m.engine}:{m.id}" for m in (GEMMA, QWEN05, LLAMA1B, QWEN15,
                                                             LLAMA3B, SMOL))
LM, SUM = "chrome:LanguageModel", "chrome:Summarizer"

# id, task, caps, cached, prefs, expected steps in order, words each in some skip reason,
# steps that need a user gesture
CASES = [
    ("course-cached-webgpu-first", "course", DESKTOP, {LLAMA1B.id}, Preferences(),
     [L1, G, LM],
     [f"WebLLM {QWEN15.id}: needs a 1.1 GB download; {ASK}",
      f"wllama {QWEN05.id}: needs a 400 MB download; {ASK}", NO_CLOUD], []),
    ("course-nothing-cached", "course", DESKTOP, set(), Preferences(), [G, LM],
     [f"WebLLM {LLAMA3B.id}: needs a 2.3 GB download; {ASK}"], []),
    ("summary-chrome-first", "summary", DESKTOP, set(), Preferences(), [SUM, LM, G], [], []),
    ("tags-languagemodel-only", "tags", DESKTOP, {QWEN05.id}, Preferences(), [LM, Q05, G],
     [], []),
    ("tags-headless-ci", "tags", HEADLESS, set(), Preferences(), [G],
     ["Chrome built-in AI (LanguageModel): unavailable on this device (LanguageModel said "
      "'unavailable')", f"WebLLM {LLAMA1B.id}: skipped, no WebGPU adapter"], []),
    ("summary-headless-both-apis", "summary", HEADLESS, set(), Preferences(), [G],
     ["(Summarizer said 'unavailable')", "(LanguageModel said 'unavailable')"], []),
    ("classify-no-chrome-api", "classify", OLD_BROWSER, set(), Preferences(), [G],
     ["Chrome built-in AI (LanguageModel): not in this browser (no LanguageModel API)"], []),
    ("classify-chrome-download-consented", "classify", CHROME_DL, set(),
     Preferences(allow_downloads=True), [LM, G, L3, Q15, L1, SM, Q05], [], [LM]),
    ("summary-chrome-download-not-consented", "summary", CHROME_DL, set(), Preferences(),
     [SUM, G], [f"Chrome built-in AI (LanguageModel): skipped, Chrome would first download "
                f"its model (several GB); {ASK}"], [SUM]),
    ("course-downloads-after-chrome", "course", DESKTOP, {QWEN05.id},
     Preferences(allow_downloads=True), [Q05, G, LM, L3, Q15, L1, SM], [NO_CLOUD], []),
    ("course-phone", "course", PHONE, set(), Preferences(allow_downloads=True),
     [G, L1, SM, Q05],
     [f"WebLLM {QWEN15.id}: skipped, this GPU lacks shader-f16", "pick a q4f32 build",
      f"WebLLM {LLAMA3B.id}: skipped, its largest weights (~274 MiB) exceed this GPU's "
      "128 MiB buffer limit"], []),
    ("course-private-window", "course", INCOGNITO, set(), Preferences(allow_downloads=True),
     [G, LM], [f"wllama {QWEN05.id}: skipped, needs 400 MB of browser storage plus 10% room, "
               "only 120 MB free (private windows grant little)"], []),
    ("course-on-device-only", "course", DESKTOP, set(),
     Preferences(on_device_only=True, cloud_providers=("groq", "together")), [G, LM],
     [f"Groq: skipped, {ON_DEVICE}", f"Together: skipped, {ON_DEVICE}"], []),
    ("course-cloud-last-in-user-order", "course", HEADLESS, set(),
     Preferences(cloud_providers=("openrouter", "groq", "openrouter")),
     [G, "openai:openrouter", "openai:groq"], [], []),
    ("summary-cloud-after-local", "summary", DESKTOP, set(),
     Preferences(cloud_providers=("hf",)), [SUM, LM, G, "openai:hf"], [], []),
    ("preferred-webllm-moves-first", "summary", DESKTOP, {LLAMA1B.id},
     Preferences(preferred_engine="webllm"), [L1, SUM, LM, G], [], []),
    ("preferred-provider-moves-first", "course", DESKTOP, set(),
     Preferences(preferred_engine="groq", cloud_providers=("together", "groq")),
     ["openai:groq", G, LM, "openai:together"], [], []),
    ("on-device-only-blocks-localhost-too", "tags", HEADLESS, set(),
     Preferences(on_device_only=True, cloud_providers=("groq", "custom"),
                 custom_base_url="http://localhost:11434/v1"),
     [G], [f"Groq: skipped, {ON_DEVICE}", f"Custom server: skipped, {ON_DEVICE}"], []),
    ("custom-lan-is-not-on-device", "tags", HEADLESS, set(),
     Preferences(on_device_only=True, cloud_providers=("custom",),
                 custom_base_url="http://192.168.1.20:11434/v1"),
     [G], [f"Custom server: skipped, {ON_DEVICE}"], []),
    ("custom-without-url", "tags", HEADLESS, set(), Preferences(cloud_providers=("custom",)),
     [G], ["Custom server: skipped, no base URL is set"], []),
    ("offline", "course", OFFLINE, set(),
     Preferences(allow_downloads=True, cloud_providers=("groq",)), [G, LM],
     [f"WebLLM {LLAMA1B.id}: needs a 880 MB download and the browser is offline",
      "Groq: skipped, the browser is offline"], []),
]  # fmt: skip


def _key(step) -> str:
    return f"{step.engine}:{step.provider or step.model_id}"


@pytest.mark.parametrize(
    ("task", "caps", "cached", "prefs", "steps", "skips", "gestures"),
    [pytest.param(*c[1:], id=c[0]) for c in CASES],
)
def test_routing_table(task, caps, cached, prefs, steps, skips, gestures):
    """Step order, skip reasons and gesture flags follow the documented policy."""
    plan = make_plan(task, caps, cached=cached, prefs=prefs, catalog=CATALOG)
    assert [_key(s) for s in plan.steps] == steps, plan.explain()
    reasons = [reason for _, _, reason in plan.skipped]
    for words in skips:
        assert any(words in r for r in reasons), (words, reasons)
    assert [_key(s) for s in plan.steps if s.needs_gesture] == gestures


@pytest.mark.parametrize("case", [pytest.param(c, id=c[0]) for c in CASES])
def test_every_tier_is_accounted_for(case):
    """Every step has a reason and label; every model, Chrome API and provider is kept or
    skipped, never both; every skip is (engine, id|None, reason)."""
    _, task, caps, cached, prefs, *_ = case
    plan = make_plan(task, caps, cached=cached, prefs=prefs, catalog=CATALOG)
    assert all(s.reason and s.label for s in plan.steps)
    for engine, ident, reason in plan.skipped:
        assert isinstance(engine, str) and (ident is None or isinstance(ident, str)) and reason
    kept = {(s.engine, s.provider or s.model_id) for s in plan.steps}
    skipped = {(e, i) for e, i, _ in plan.skipped if i is not None}
    assert not kept & skipped
    assert {(m.engine, m.id) for m in CATALOG} <= kept | skipped


def test_explain_lists_kept_then_skipped():
    plan = make_plan("tags", HEADLESS, catalog=[GEMMA, LLAMA1B])
    lines = plan.explain()
    assert lines[0].startswith("1. wllama gemma-3-270m-q4_k_m: built into the app")
    assert any(line.startswith("- WebLLM") for line in lines)


def test_embedded_model_is_kept_even_when_the_fit_guess_says_no():
    """The embedded model is the last resort: a memory guess only adds a warning."""
    tiny = Capabilities(device_memory_gb=0.25)
    plan = make_plan("course", tiny, catalog=[GEMMA])
    assert [s.model_id for s in plan.steps] == [GEMMA.id]
    assert "may struggle" in plan.steps[0].reason


def test_preferred_engine_that_cannot_run_adds_a_note():
    plan = make_plan("tags", HEADLESS, prefs=Preferences(preferred_engine="webllm"),
                     catalog=[GEMMA, LLAMA1B])
    assert [s.model_id for s in plan.steps] == [GEMMA.id]
    assert plan.notes == ["Preferred engine WebLLM cannot run here; using the usual order."]


def test_gpu_error_is_quoted_in_the_skip_reason():
    caps = replace(HEADLESS, gpu_error="insecure context (http:// on a LAN address)")
    plan = make_plan("course", caps, catalog=[LLAMA1B])
    reasons = [reason for _, model, reason in plan.skipped if model == LLAMA1B.id]
    assert reasons == [f"WebLLM {LLAMA1B.id}: skipped, no WebGPU adapter (insecure context "
                       "(http:// on a LAN address))"]


def test_unknown_task_is_rejected():
    with pytest.raises(ValueError, match="unknown task"):
        make_plan("poem", DESKTOP)


def test_plan_is_a_plain_value():
    assert isinstance(make_plan("course", DESKTOP), Plan)


SWIFTSHADER = replace(DESKTOP, gpu=GpuInfo(vendor="google", architecture="swiftshader",
                                           is_fallback=True, max_buffer_size=1 << 30,
                                           max_storage_buffer_binding_size=1 << 30))


def test_a_software_adapter_is_no_gpu_for_webllm():
    """SwiftShader (--enable-unsafe-webgpu without a GPU) is refused, with its name, and a
    GPU-capable engine is not said to run on it."""
    plan = make_plan("course", SWIFTSHADER, catalog=[GEMMA, LLAMA1B, SMOL], cached={SMOL.id},
                     prefs=Preferences(allow_downloads=True))
    assert [s.model_id for s in plan.steps] == [SMOL.id, GEMMA.id, "LanguageModel"]
    reasons = [reason for _, model, reason in plan.skipped if model == LLAMA1B.id]
    assert reasons == [f"WebLLM {LLAMA1B.id}: skipped, the only WebGPU adapter is a software "
                       "fallback (swiftshader), not a GPU: it would run the model far slower "
                       "than wllama does on the CPU"]
    assert plan.steps[0].reason.endswith("already downloaded, runs on the CPU")


def test_a_cpu_only_transformers_model_is_not_put_on_the_gpu():
    """A q8-only Transformers.js build runs on WASM: with WebGPU present it still says "on
    the CPU" and ranks below the embedded model, which writes better."""
    smol = ModelSpec("SmolLM2-135M-Instruct", "transformers", 140_000_000, 8192, embedded=True,
                     chat=True, cpu_only=True)
    plan = make_plan("course", DESKTOP, catalog=[smol, GEMMA])
    assert [s.model_id for s in plan.steps[:2]] == [GEMMA.id, smol.id]
    assert "runs on the CPU" in plan.steps[1].reason
    preferred = make_plan("tags", HEADLESS, catalog=[GEMMA, smol],
                          prefs=Preferences(preferred_engine="transformers"))
    assert preferred.steps[0].model_id == smol.id


def test_a_model_too_small_for_courses_is_skipped_for_a_course_but_kept_for_tags():
    """In the page, after the embedded model's outline failed its gate, the course fell
    through to SmolLM2-135M on Transformers.js (no grammar), whose outlines ended after 2 to
    11 tokens: the plan now says beforehand that it does not write courses."""
    smol = ModelSpec("SmolLM2-135M-Instruct", "transformers", 140_000_000, 8192, embedded=True,
                     chat=True, cpu_only=True, good_for=("summary", "tags", "classify"))
    course = make_plan("course", HEADLESS, catalog=[GEMMA, smol])
    assert [s.model_id for s in course.steps] == [GEMMA.id]
    assert ("transformers", smol.id, "Transformers.js SmolLM2-135M-Instruct: skipped, too small "
            "for this task; it writes summaries, tags, classifications") in course.skipped
    assert smol.id in [s.model_id for s in make_plan("tags", HEADLESS,
                                                     catalog=[GEMMA, smol]).steps]
    chosen = make_plan("course", HEADLESS, catalog=[GEMMA, smol],
                       prefs=Preferences(preferred_engine="transformers"))
    assert chosen.steps[0].model_id == smol.id
    assert any("too small for this task and will likely fail" in n for n in chosen.notes)


def test_the_built_transformers_model_is_marked_for_text_tasks_only():
    from localloom.models.catalog import TRANSFORMERS_MODELS
    assert "course" not in TRANSFORMERS_MODELS["SmolLM2-135M-Instruct"]["good_for"]
