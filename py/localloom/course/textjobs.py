"""Short tasks on one engine: a summary, tags, a classification — one call plus re-asks.

Public names: ``generate_summary``, ``generate_tags``, ``generate_classify`` (re-exported by
``localloom.course.generator``), and ``runner_for``/``guarded`` shared with the course generator.
Example::

    tags = await generate_tags(engine, article, "es", max_tags=5)
    result = await generate_classify(engine, ticket, "en", categories=["bug", "question"])
    result.label   # exactly one of the categories
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from localloom.course.budget import step_budget
from localloom.course.quality import Checked, Gate, check_classification, check_summary, check_tags
from localloom.course.runner import EventCallback, GenerationEvent, Runner, Step
from localloom.course.schema import Classification, Summary, Tags
from localloom.engine import CancelToken, Engine
from localloom.errors import LocalLoomError

__all__ = ["generate_classify", "generate_summary", "generate_tags", "guarded", "runner_for"]

T = TypeVar("T")


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
    """Summarise ``text``; a text too long for the context window is cut to fit."""
    gate = Gate(language=language)
    return await _text_task(engine, "summary", Summary, "Summary", text, language,
                            lambda s: check_summary(s, gate), on_event, cancel, max_reasks,
                            seed=seed)


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
