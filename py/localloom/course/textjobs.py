"""Short tasks on one engine: a summary, tags, a classification — one call plus re-asks.

Public names: ``generate_summary``, ``generate_tags``, ``generate_classify`` (re-exported by
``localloom.course.generator``), ``split_text``, ``text_room``, and ``runner_for``/``guarded``
shared with the course generator.

A summary of a text longer than one call can take (``text_room``: the context window less
the prompt, the answer's budget and a margin) is map-reduced: the text is cut at paragraph,
sentence or word boundaries into parts that fit (``split_text``), each part is summarized,
and the parts' summaries are summarized again (and again, while they do not fit), so time
and tokens grow linearly with the text. Tags and classifications read the part that fits.
Example::

    tags = await generate_tags(engine, article, "es", max_tags=5)
    result = await generate_classify(engine, ticket, "en", categories=["bug", "question"])
    result.label   # exactly one of the categories
"""

from __future__ import annotations

import re
from collections.abc import Awaitable
from typing import Any, TypeVar

from localloom.course.budget import margin, step_budget
from localloom.course.quality import Checked, Gate, check_classification, check_summary, check_tags
from localloom.course.runner import EventCallback, GenerationEvent, Runner, Step
from localloom.course.schema import Classification, Summary, Tags
from localloom.engine import CancelToken, Engine
from localloom.errors import LocalLoomError

__all__ = ["generate_classify", "generate_summary", "generate_tags", "guarded", "runner_for",
           "split_text", "text_room"]

T = TypeVar("T")
_BREAKS = (re.compile(r"\n\s*\n"), re.compile(r"(?<=[.!?…])\s+"), re.compile(r"\s+"))


def split_text(text: str, max_chars: int) -> list[str]:
    """``text`` in pieces of at most ``max_chars``, cut at the last paragraph break that fits,
    else the last sentence end, else the last space (else mid-word); pieces are stripped."""
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > max_chars:
        window = rest[:max_chars + 1]
        cut = 0
        for pattern in _BREAKS:
            ends = [m.start() for m in pattern.finditer(window) if m.start() > 0]
            if ends:
                cut = ends[-1]
                break
        cut = cut or max_chars
        pieces.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        pieces.append(rest)
    return [p for p in pieces if p]


def text_room(runner: Runner, step: Step, text: str) -> int:
    """Characters of ``text`` one call of ``step`` can take in full: the context window less
    the prompt without the text, the answer's whole budget and a margin (never below 200)."""
    engine = runner.engine
    empty = Step(step.task, step.model, step.label, 1, 1, {**step.vars, step.truncatable: ""},
                 step.budget, categories=step.categories)
    request = runner.request(empty, "", [], 0)
    overhead = engine.count_tokens(request.prompt or "\n".join(
        m["content"] for m in request.messages or []))
    room = engine.context_window - overhead - step.budget - margin(engine.context_window)
    chars_per_token = len(text) / max(1, engine.count_tokens(text)) if text else 3.5
    return max(200, int(room * chars_per_token * 0.9))


def runner_for(engine: Engine, language: str, on_event: EventCallback | None,
               cancel: CancelToken | None, max_reasks: int, **kw: Any) -> Runner:
    return Runner(engine, language, on_event=on_event, cancel=cancel,
                  max_reasks=max_reasks, **kw)


async def guarded(runner: Runner, label: str, n: int, coro: Awaitable[T]) -> T:
    """Await ``coro``; report a ``LocalLoomError`` as an ``error`` event, then re-raise."""
    try:
        return await coro
    except LocalLoomError as exc:
        if runner.on_event is not None:
            runner.on_event(GenerationEvent("error", 0, n, label, message=str(exc), error=exc))
        raise


async def _text_task(engine: Engine, task: str, model: type, label: str, text: str,
                     language: str, check, on_event, cancel, max_reasks: int,
                     categories: list[str] | None = None, seed: int | None = None,
                     **vars: Any) -> Any:
    if not text.strip():
        raise ValueError("text must not be empty")
    runner = runner_for(engine, language, on_event, cancel, max_reasks, seed=seed)
    step = Step(task, model, label, 1, 1, {"text": text, **vars},
                step_budget(task, max_tags=vars.get("max_tags", 6)),
                categories=categories, check=check, truncatable="text")

    async def go() -> Any:
        value = await runner.run(step)
        runner.emit("done", step)
        return value
    return await guarded(runner, label, 1, go())


async def generate_summary(engine: Engine, text: str, language: str = "en", *,
                           on_event: EventCallback | None = None,
                           cancel: CancelToken | None = None, max_reasks: int = 2,
                           seed: int | None = None) -> Summary:
    """Summarise ``text``; a text too long for one call is map-reduced (module docstring)."""
    if not text.strip():
        raise ValueError("text must not be empty")
    gate = Gate(language=language)
    runner = runner_for(engine, language, on_event, cancel, max_reasks, seed=seed)

    def step(label: str, i: int, n: int, part: str) -> Step:
        return Step("summary", Summary, label, i, n, {"text": part}, step_budget("summary"),
                    check=lambda s: check_summary(s, gate), truncatable="text")

    room = text_room(runner, step("Summary", 1, 1, ""), text)
    parts = split_text(text, room)
    if len(parts) <= 1:
        return await _text_task(engine, "summary", Summary, "Summary", text, language,
                                lambda s: check_summary(s, gate), on_event, cancel,
                                max_reasks, seed=seed)
    done, level, size = 0, 1, len(text)

    async def go() -> Summary:
        nonlocal parts, done, level, size
        while True:
            n = done + len(parts) + 1  # this level, then at least one more call
            summaries = []
            for k, part in enumerate(parts):
                label = (f"Summary, part {k + 1} of {len(parts)}" if level == 1 else
                         f"Summary of the summaries (round {level}), {k + 1} of {len(parts)}")
                summaries.append(await runner.run(step(label, done + k + 1, n, part)))
            done += len(parts)
            joined = "\n\n".join(s.summary for s in summaries)
            parts, level = split_text(joined, room), level + 1
            shrank, size = len(joined) < size * 0.8, len(joined)
            if len(parts) <= 1 or not shrank:  # not shrinking: the last call cuts it to fit
                final = step("Summary of the whole text", done + 1, done + 1, joined)
                value = await runner.run(final)
                runner.emit("done", final)
                return value
    return await guarded(runner, "Summary", 1, go())


async def generate_tags(engine: Engine, text: str, language: str = "en", *, max_tags: int = 6,
                        on_event: EventCallback | None = None,
                        cancel: CancelToken | None = None, max_reasks: int = 2,
                        seed: int | None = None) -> Tags:
    """Up to ``max_tags`` lowercase topic tags for ``text``."""
    return await _text_task(engine, "tags", Tags, "Tags", text, language,
                            lambda t: check_tags(t, max_tags), on_event, cancel, max_reasks,
                            seed=seed, max_tags=max_tags)


async def generate_classify(engine: Engine, text: str, language: str = "en",
                            categories: list[str] | None = None, *,
                            on_event: EventCallback | None = None,
                            cancel: CancelToken | None = None,
                            max_reasks: int = 2, seed: int | None = None) -> Classification:
    """Classify ``text``; with ``categories`` the label is exactly one of them."""
    cats = list(categories) if categories else None

    def check(result: Classification) -> Checked:
        return check_classification(result, cats)
    return await _text_task(engine, "classify", Classification, "Classification", text,
                            language, check, on_event, cancel, max_reasks, categories=cats,
                            seed=seed)
