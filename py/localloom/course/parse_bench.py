"""A micro-benchmark of the parser on a realistic, lightly damaged course (pure Python).

Public names:

- ``sample_course(size_kb=30)`` → a deterministic valid course ``dict`` of about ``size_kb`` KB.
- ``damaged_text(course)`` → that course as a model might write it: in a ```json fence, with
  trailing commas, and stopped before its last two closing brackets.
- ``run(n=5)`` → ``{"bytes": ..., "parse_ms_median": ..., "parse_ms_min": ...}`` for ``n``
  timed ``parse_course`` calls; the same code runs in CPython and in Pyodide.

Example::

    >>> result = run(n=3)
    >>> result["bytes"] > 25_000
    True
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

from localloom.course.parsing import parse_course

__all__ = ["damaged_text", "run", "sample_course"]

_WORDS = ["data", "model", "schema", "lesson", "practice", "example", "python", "value", "list",
          "loop", "function", "test", "browser", "engine", "token", "output", "course",
          "module", "quiz", "answer", "review"]


def _sentence(seed: int, words: int = 14) -> str:
    picked = [_WORDS[(seed * 7 + i * 13) % len(_WORDS)] for i in range(words)]
    return " ".join(picked).capitalize() + "."


def _lesson(m: int, n: int) -> dict[str, Any]:
    seed = m * 10 + n
    paragraphs = [" ".join(_sentence(seed + k * 3 + j) for j in range(3)) for k in range(4)]
    body = f"## Lesson {m + 1}.{n + 1}\n\n" + "\n\n".join(paragraphs)
    body += f'\n\n```python\nprint("step {seed}")\n```'
    return {
        "title": f"Lesson {m + 1}.{n + 1}: {_sentence(seed, 4)[:-1]}",
        "objectives": [_sentence(seed + 1, 6), _sentence(seed + 2, 6)],
        "content": body,
        "duration_minutes": 20 + seed % 40,
        "key_points": [_sentence(seed + 3, 5), _sentence(seed + 4, 5)],
    }


def _question(m: int, n: int) -> dict[str, Any]:
    return {
        "question": f"Question {m + 1}.{n + 1}: {_sentence(m + n, 8)[:-1]}?",
        "options": [f"Option {letter} for {m + 1}.{n + 1}" for letter in "ABCD"],
        "answer": (m + n) % 4,
        "explanation": _sentence(m * 3 + n, 12),
    }


def sample_course(size_kb: int = 30) -> dict[str, Any]:
    """A valid course of about ``size_kb`` KB of JSON; the same every time."""
    course: dict[str, Any] = {
        "title": "Benchmark Course", "description": _sentence(1, 20), "language": "en",
        "level": "intermediate", "audience": _sentence(2, 8), "prerequisites": [_sentence(3, 4)],
        "learning_objectives": [_sentence(4, 6), _sentence(5, 6)], "estimated_hours": 12,
        "modules": [],
    }
    m = 0
    while len(json.dumps(course, indent=2)) < size_kb * 1024 and m < 20:
        course["modules"].append({
            "title": f"Module {m + 1}", "summary": _sentence(m, 16),
            "lessons": [_lesson(m, n) for n in range(3)],
            "quiz": [_question(m, n) for n in range(3)],
        })
        m += 1
    return course


def _with_trailing_commas(value: Any, indent: int = 0) -> str:
    pad, end = "  " * (indent + 1), "  " * indent
    if isinstance(value, dict) and value:
        items = [f"{pad}{json.dumps(k)}: {_with_trailing_commas(v, indent + 1)}"
                 for k, v in value.items()]
    elif isinstance(value, list) and value:
        items = [pad + _with_trailing_commas(v, indent + 1) for v in value]
    else:
        return json.dumps(value, ensure_ascii=False)
    opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
    return opening + "\n" + ",\n".join(items) + ",\n" + end + closing


def damaged_text(course: dict[str, Any]) -> str:
    """``course`` fenced, with trailing commas, missing its last two closing brackets."""
    text = "Here is your course:\n```json\n" + _with_trailing_commas(course)
    return text[: text.rstrip().rindex("]")]


def run(n: int = 5) -> dict[str, float | int]:
    """Time ``parse_course`` on the damaged ~30 KB sample ``n`` times (milliseconds)."""
    text = damaged_text(sample_course())
    times = []
    for _ in range(max(1, n)):
        start = time.perf_counter()
        parse_course(text)
        times.append((time.perf_counter() - start) * 1000)
    return {"bytes": len(text.encode("utf-8")), "parse_ms_median": statistics.median(times),
            "parse_ms_min": min(times)}
