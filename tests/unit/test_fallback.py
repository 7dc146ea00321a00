"""fallback.run_plan: tiers are tried in order; failures are recorded and explained."""

from __future__ import annotations

import asyncio

import pytest

from localloom.errors import (
    AuthError,
    EngineError,
    GenerationCancelled,
    ModelDownloadError,
    NetworkError,
    OutOfMemoryError,
    RateLimitedError,
)
from localloom.routing.fallback import RETRY_DELAY, FallbackEvent, run_plan
from localloom.routing.tiers import Plan, PlanStep

CHROME = PlanStep("chrome", "LanguageModel", "ready", label="Chrome built-in AI")
WEBLLM = PlanStep("webllm", "Llama-3.2-1B", "cached", label="WebLLM Llama-3.2-1B")
WLLAMA = PlanStep("wllama", "gemma-3-270m", "embedded", label="wllama gemma-3-270m")
GROQ = PlanStep("openai", "", "cloud", provider="groq", label="Groq")


class Script:
    """A fake engine: each step fails with the queued errors, then returns its label."""

    def __init__(self, **failures: list[Exception]) -> None:
        self.failures = failures
        self.calls: list[str] = []

    async def __call__(self, step: PlanStep) -> str:
        key = step.provider or step.engine
        self.calls.append(key)
        queue = self.failures.get(key, [])
        if queue:
            raise queue.pop(0)
        return f"text from {step.label}"


class FakeSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def run(plan, script, **kw):
    sleep = kw.pop("sleep", FakeSleep())
    return asyncio.run(run_plan(plan, script, sleep=sleep, **kw))


def test_first_tier_serves():
    outcome = run(Plan("tags", [CHROME, WLLAMA]), Script())
    assert outcome.value == "text from Chrome built-in AI"
    assert outcome.served_by is CHROME
    assert [a.ok for a in outcome.attempts] == [True]


def test_fault_moves_to_the_next_tier_and_is_recorded():
    oom = OutOfMemoryError("WebLLM ran out of memory.", engine="webllm")
    script = Script(webllm=[oom])
    outcome = run(Plan("course", [WEBLLM, WLLAMA]), script)
    assert outcome.served_by is WLLAMA and script.calls == ["webllm", "wllama"]
    failed, served = outcome.attempts
    assert (failed.step, failed.kind, failed.message) == (WEBLLM, "OutOfMemoryError",
                                                          "WebLLM ran out of memory.")
    assert failed.error is oom and served.ok
    assert outcome.report()[0].startswith("WebLLM Llama-3.2-1B: OutOfMemoryError - WebLLM ran")


def test_short_rate_limit_waits_then_retries_the_same_step_once():
    sleep = FakeSleep()
    script = Script(groq=[RateLimitedError("429", retry_after=2.0)])
    outcome = run([GROQ, WLLAMA], script, sleep=sleep)
    assert sleep.waits == [2.0]
    assert script.calls == ["groq", "groq"] and outcome.served_by is GROQ
    assert [(a.kind, a.retry) for a in outcome.attempts] == [("RateLimitedError", False),
                                                            ("", True)]


def test_long_or_unknown_rate_limit_moves_on_without_waiting():
    for retry_after in (30.0, None):
        sleep = FakeSleep()
        script = Script(groq=[RateLimitedError("429", retry_after=retry_after)])
        outcome = run([GROQ, WLLAMA], script, sleep=sleep)
        assert sleep.waits == [] and outcome.served_by is WLLAMA


def test_second_rate_limit_after_the_retry_moves_on():
    sleep = FakeSleep()
    script = Script(groq=[RateLimitedError("429", retry_after=1), RateLimitedError("429",
                                                                                   retry_after=1)])
    outcome = run([GROQ, WLLAMA], script, sleep=sleep)
    assert sleep.waits == [1] and script.calls == ["groq", "groq", "wllama"]
    assert outcome.served_by is WLLAMA


def test_network_and_download_errors_retry_once():
    sleep = FakeSleep()
    script = Script(webllm=[ModelDownloadError("shard"), ModelDownloadError("shard again")],
                    groq=[NetworkError("offline")])
    outcome = run([WEBLLM, GROQ], script, sleep=sleep)
    assert script.calls == ["webllm", "webllm", "groq", "groq"]
    assert sleep.waits == [RETRY_DELAY, RETRY_DELAY] and outcome.served_by is GROQ


def test_non_retryable_download_error_does_not_retry():
    missing = ModelDownloadError("404")
    missing.retryable = False
    script = Script(webllm=[missing])
    outcome = run([WEBLLM, WLLAMA], script)
    assert script.calls == ["webllm", "wllama"] and outcome.served_by is WLLAMA


def test_cancel_stops_everything():
    script = Script(webllm=[GenerationCancelled("Cancelled.")])
    with pytest.raises(GenerationCancelled):
        run([WEBLLM, WLLAMA, GROQ], script)
    assert script.calls == ["webllm"]


def test_all_fail_raises_one_error_listing_each_tier():
    script = Script(chrome=[AuthError("no")], webllm=[OutOfMemoryError("OOM.")],
                    groq=[AuthError("Groq said 401.")])
    with pytest.raises(EngineError) as info:
        run([CHROME, WEBLLM, GROQ], script)
    err = info.value
    assert type(err) is EngineError and err.what == "Every tier failed."
    assert "WebLLM Llama-3.2-1B: OutOfMemoryError - OOM." in err.cause
    assert "Groq: AuthError - Groq said 401." in err.cause
    assert err.cause.index("Chrome") < err.cause.index("WebLLM") < err.cause.index("Groq")
    assert len(err.attempts) == 3 and isinstance(err.__cause__, AuthError)


def test_empty_plan_explains_the_skips():
    plan = Plan("course", [], [("openai", "groq", "Groq: skipped, 'on-device only' is on")])
    with pytest.raises(EngineError, match="No engine can run") as info:
        run(plan, Script())
    assert "on-device only" in info.value.cause


def test_unclassified_exception_is_a_bug_and_propagates():
    script = Script(webllm=[KeyError("oops")])
    with pytest.raises(KeyError):
        run([WEBLLM, WLLAMA], script)


def test_events_and_elapsed_time():
    """The UI hears start/retry/failed/served; elapsed comes from the injected clock."""
    events: list[FallbackEvent] = []
    ticks = iter([0.0, 0.5, 1.0, 1.25, 2.0, 5.0])
    script = Script(groq=[NetworkError("blip")], chrome=[AuthError("x")])
    outcome = run([CHROME, GROQ], script, on_event=events.append, clock=ticks.__next__)
    assert [(e.kind, e.step.label) for e in events] == [
        ("start", "Chrome built-in AI"), ("failed", "Chrome built-in AI"),
        ("start", "Groq"), ("retry", "Groq"), ("served", "Groq")]
    assert events[3].delay == RETRY_DELAY and events[3].message == "blip"
    assert [a.elapsed for a in outcome.attempts] == [0.5, 0.25, 3.0]


def test_async_event_handler_is_awaited():
    seen: list[str] = []

    async def handler(event: FallbackEvent) -> None:
        seen.append(event.kind)

    run([WLLAMA], Script(), on_event=handler)
    assert seen == ["start", "served"]


def test_every_tier_failed_has_a_neutral_stage_not_the_last_tiers():
    """When the cloud tier fails after a model download failed, the aggregate error is not
    labelled with the last failure's stage ("download"): it is the routing's ("route")."""
    failed = [ModelDownloadError("offline", stage="download") for _ in range(2)]
    script = Script(wllama=failed, groq=[AuthError("Groq said 401.", stage="request")])
    with pytest.raises(EngineError) as info:
        run([GROQ, WLLAMA], script)
    assert info.value.what == "Every tier failed." and info.value.stage == "route"


def test_a_stalled_provider_retries_once_then_falls_back():
    """The cloud's 60 s stall is a retryable NetworkError: one retry after RETRY_DELAY, then
    the next tier serves; both stalls are recorded with their message."""
    stall = "Groq sent nothing for 60 s while LocalLoom waited for the next chunk."
    sleep = FakeSleep()
    script = Script(groq=[NetworkError(stall), NetworkError(stall)])
    outcome = run([GROQ, WLLAMA], script, sleep=sleep)
    assert script.calls == ["groq", "groq", "wllama"] and outcome.served_by is WLLAMA
    assert sleep.waits == [RETRY_DELAY]
    assert [a.message for a in outcome.attempts[:2]] == [stall, stall]
