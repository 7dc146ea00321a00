"""Token budgets: how much each step may write, within the engine's context window.

Public names (internal module, used by the generator):

- ``step_budget(task, shape, *, items=None, max_tags=6) -> int``: tokens a step's answer needs.
- ``prompt_tokens(engine, messages=None, prompt=None) -> int``: the prompt's estimated size.
- ``margin(context_window) -> int``: tokens kept free for chat-template overhead.
- ``min_answer(budget) -> int``: below this many free tokens an answer cannot fit.
- ``fit_max_tokens(context_window, used, budget) -> int | None``: ``max_tokens`` for the
  call, or ``None`` when the prompt leaves too little room (shrink it, then give up).

Example::

    >>> fit_max_tokens(2048, used=600, budget=1600)   # 2048 - 600 - 64 of margin
    1384
    >>> fit_max_tokens(1024, used=900, budget=1600) is None
    True
"""

from __future__ import annotations

from typing import Any

from localloom.course.schema import CourseShape

__all__ = [
    "fit_max_tokens", "margin", "min_answer", "prompt_tokens", "schema_token_bound",
    "step_budget",
]

#: A conservative characters-per-token ratio (Spanish and Markdown tokenize worse than prose).
CHARS_PER_TOKEN = 3
#: Per-message overhead of chat templates (role markers, separators).
MESSAGE_OVERHEAD = 8


def _lesson_tokens(shape: CourseShape) -> int:
    return shape.max_text // CHARS_PER_TOKEN + 140


def step_budget(task: str, shape: CourseShape | None = None, *, items: int | None = None,
                max_tags: int = 6) -> int:
    """Tokens the answer of ``task`` needs for ``shape``.

    ``items`` overrides the item count of a sub-step (lessons in this module, quiz questions).
    """
    shape = shape or CourseShape()
    if task == "outline":
        return 200 + shape.modules * (50 + shape.lessons_per_module * 20)
    if task == "lesson":
        return 30 + _lesson_tokens(shape)
    if task == "lessons":
        n = items if items is not None else shape.lessons_per_module
        return 30 + n * _lesson_tokens(shape)
    if task == "quiz":
        n = items if items is not None else shape.questions_per_quiz
        return 30 + n * 170
    if task == "course":
        per_module = (60 + shape.lessons_per_module * _lesson_tokens(shape)
                      + shape.questions_per_quiz * 170)
        return 200 + shape.modules * per_module
    if task == "summary":
        return 500
    if task == "tags":
        return 30 + 24 * max_tags
    if task == "classify":
        return 160
    raise ValueError(f"unknown task {task!r}")


def prompt_tokens(engine: Any, messages: list[dict[str, str]] | None = None,
                  prompt: str | None = None) -> int:
    """Estimate the prompt's tokens with ``engine.count_tokens`` (plus chat overhead)."""
    if messages is not None:
        return sum(engine.count_tokens(m["content"]) + MESSAGE_OVERHEAD for m in messages)
    return engine.count_tokens(prompt or "")


def margin(context_window: int) -> int:
    """Tokens kept free: template overhead, tokenizer disagreement, BOS/EOS."""
    return max(32, context_window // 32)


def min_answer(budget: int) -> int:
    """An answer squeezed below this is sure to be cut mid-JSON: shrink or give up instead."""
    return min(budget, max(48, budget // 4))


def fit_max_tokens(context_window: int, used: int, budget: int) -> int | None:
    """``min(budget, context_window - used - margin)``, or ``None`` if that is too little."""
    room = context_window - used - margin(context_window)
    if room < min_answer(budget):
        return None
    return min(budget, room)


def schema_token_bound(schema: Any) -> int:
    """Most tokens an answer can take under a grammar built from ``schema``.

    Grammar engines cap every string (``maxLength``) and list (``maxItems``), so the longest
    valid answer is finite; giving ``max_tokens`` at least this much means a constrained
    answer is never cut off mid-JSON. Unbounded strings/lists count as 400 chars / 8 items.
    """
    if not isinstance(schema, dict):
        return 0
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return 2 + sum(len(k) // CHARS_PER_TOKEN + 3 + schema_token_bound(v)
                       for k, v in props.items())
    if kind == "array":
        return 2 + schema.get("maxItems", 8) * (schema_token_bound(schema.get("items")) + 1)
    if kind == "string":
        return 3 if "enum" in schema else 2 + schema.get("maxLength", 400) // CHARS_PER_TOKEN
    return 6
