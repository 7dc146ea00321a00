"""course.runner Runner: streaming a long answer stays linear, is capped, and cancels fast."""

from __future__ import annotations

import asyncio
import json

import pytest

from localloom.course import _jsonfeed
from localloom.course.runner import Runner, Step
from localloom.course.schema import Summary
from localloom.engine import CancelToken
from localloom.errors import GenerationCancelled, InvalidOutputError


class FireHose:
    """An engine that streams a fixed answer in 12-character deltas, ignoring max_tokens, as a
    cloud model that runs on does; ``cancel_at`` presses the user's Cancel mid-answer."""

    name, model_id, context_window, chat = "openai", "firehose", 8192, True

    def __init__(self, answer: str, user_cancel: CancelToken | None = None,
                 cancel_at: int = -1) -> None:
        self.answer, self.user_cancel, self.cancel_at = answer, user_cancel, cancel_at
        self.sent = 0

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)

    async def generate(self, request, on_token=None, cancel=None) -> str:
        for i in range(0, len(self.answer), 12):
            if cancel is not None and cancel.cancelled:
                raise GenerationCancelled("Generation was cancelled.", stage="stream")
            if i == self.cancel_at and self.user_cancel is not None:
                self.user_cancel.cancel()
            self.sent += 12
            on_token(self.answer[i:i + 12])
            if i % 1200 == 0:
                await asyncio.sleep(0)
        return self.answer


class Tick:
    """A fake clock that advances 1 ms each time it is read."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.001
        return self.now


def _step() -> Step:
    return Step("summary", Summary, "Summary", 1, 1, {"text": "Fractions are parts."}, 300)


def _answer(chars: int) -> str:
    return json.dumps({"summary": "Some \"quoted\" words, é and\n" * (chars // 28),
                       "key_points": []}, ensure_ascii=False)


def test_a_long_answer_is_read_in_linear_time_with_timed_progress(monkeypatch):
    """A 300 KB answer in 12-character deltas: the object so far is read only for a "token"
    event, at most every 250 ms of (fake) time, never per delta; each event carries the text
    so far."""
    loads = []
    real = json.loads
    monkeypatch.setattr(_jsonfeed.json, "loads", lambda *a, **k: loads.append(1) or real(*a, **k))
    answer, events, clock = _answer(300_000), [], Tick()
    runner = Runner(FireHose(answer), "en", on_event=events.append, max_reasks=0, clock=clock)
    with pytest.raises(InvalidOutputError):  # a 300 KB summary is too long to accept
        asyncio.run(runner.run(_step()))
    tokens = [e for e in events if e.kind == "token"]
    assert 2 <= len(tokens) <= clock.now / 0.25 + 1
    assert [e.chars for e in tokens] == sorted({e.chars for e in tokens})
    assert all(answer.startswith('{"summary": ' + json.dumps(e.partial["summary"],
                                                             ensure_ascii=False)[:-1])
               for e in tokens[1:])
    assert len(loads) <= len(tokens) + 2  # the parse at the end may read it once more


def test_an_answer_past_max_chars_is_stopped_with_a_clear_error():
    """An answer longer than max_chars is cut off: the call is cancelled, nothing past the
    limit is kept, and the error says what happened and what to do."""
    engine = FireHose(_answer(100_000))
    runner = Runner(engine, "en", max_reasks=2, max_chars=20_000)
    with pytest.raises(InvalidOutputError) as info:
        asyncio.run(runner.run(_step()))
    err = info.value
    assert "passed 20,000 characters" in err.what and "Settings" in err.fix
    assert err.engine == "openai" and err.stage == "summary"
    assert engine.sent <= 20_000 + 24  # the engine was stopped at the limit, not re-asked


def test_cancel_during_a_long_answer_is_a_cancellation():
    """The user's Cancel mid-answer raises GenerationCancelled, even near the size cap."""
    cancel = CancelToken()
    engine = FireHose(_answer(100_000), user_cancel=cancel, cancel_at=12 * 1000)
    runner = Runner(engine, "en", cancel=cancel, max_chars=12 * 1000)
    with pytest.raises(GenerationCancelled):
        asyncio.run(runner.run(_step()))
    assert engine.sent == 12 * 1001


class Grammar:
    """A base-model grammar engine (as wllama) answering one fixed text."""

    name, model_id, context_window, chat = "wllama", "gemma", 4096, False

    def __init__(self, answer: str) -> None:
        self.answer, self.requests = answer, []

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)

    async def generate(self, request, on_token=None, cancel=None) -> str:
        self.requests.append(request)
        on_token(self.answer)
        return self.answer


def test_a_text_the_grammar_cut_at_its_cap_ends_cleanly_with_a_note():
    from localloom.course.schema import CourseShape
    cut = ("Este módulo explica qué es lo que se hace cuando los volcanes se forman. Podrías "
           "saber si la lava del volcán crece o se lava con una roca de menor densidad. Este "
           "vídeo se enseña las leyes de las placas y cómo puedes ver,")
    assert len(cut) == 220  # Summary.summary's cap under a grammar
    engine = Grammar(json.dumps({"summary": cut, "key_points": ["La lava se enfría."]},
                                ensure_ascii=False))
    events = []
    step = Step("summary", Summary, "Summary", 1, 1, {"text": "Los volcanes."}, 300,
                shape=CourseShape())
    value = asyncio.run(Runner(engine, "es", on_event=events.append).run(step))
    assert engine.requests[0].schema["properties"]["summary"]["maxLength"] == 220
    assert value.summary.endswith("roca de menor densidad.")
    done = [e for e in events if e.kind == "step_done"][-1]
    assert "1 text reached its length limit mid-sentence" in done.message


def test_a_base_model_reads_other_examples_only_on_its_last_re_ask():
    """Re-asks 1 and 2 of a step: the first keeps the cached prompt, the last shows other
    worked examples (the same examples were copied on every attempt)."""
    from localloom.course.schema import CourseShape
    engine = Grammar(json.dumps({"summary": "", "key_points": []}))
    step = Step("lesson", Summary, "Lesson", 1, 1, {
        "course_title": "Fotografía digital", "topic": "Fotografía digital",
        "module_title": "La luz", "lesson_titles": ["El ISO"], "lesson_title": "El ISO"}, 300,
        shape=CourseShape(2, 2, 2))
    runner = Runner(engine, "es")
    prompts = [runner.request(step, "", [], attempt).prompt for attempt in range(3)]
    assert prompts[0] == prompts[1]
    assert prompts[2] != prompts[0]
    assert prompts[2].endswith("Lección: El ISO\nJSON:\n")
