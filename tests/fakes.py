"""Test doubles for unit tests (never shipped): a scripted engine and JSON builders.

``ScriptedEngine`` implements ``localloom.engines.base.Engine``: each ``generate`` call takes
the next item of its script — a string to stream, an exception to raise, or a callable
``(request) -> str | BaseException`` — honours ``stop``, ``max_tokens`` and the cancel token
(raising ``GenerationCancelled`` between deltas), and records every request::

    engine = ScriptedEngine([outline_json(shape), OutOfMemoryError("boom")])
    ...
    engine.requests[0].schema, engine.streamed[0]
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable
from typing import Any

from localloom.engines.base import CancelToken, GenerateRequest, TokenCallback
from localloom.errors import GenerationCancelled
from localloom.schema import CourseShape

Item = str | BaseException | Callable[[GenerateRequest], "str | BaseException"]

__all__ = [
    "ScriptedEngine",
    "course_json",
    "lesson_data",
    "lessons_json",
    "outline_data",
    "outline_json",
    "question_data",
    "quiz_json",
    "script_for",
]


class ScriptedEngine:
    def __init__(self, script: list[Item] | None = None, *, name: str = "wllama",
                 model_id: str = "scripted-270m", context_window: int = 8192,
                 chat: bool = True, chunk: int = 16, chars_per_token: int = 4) -> None:
        self.script: list[Item] = list(script or [])
        self.name, self.model_id = name, model_id
        self.context_window, self.chat = context_window, chat
        self.chunk, self.chars_per_token = chunk, chars_per_token
        self.requests: list[GenerateRequest] = []
        self.streamed: list[int] = []  # characters streamed per call
        self.cancels: list[CancelToken | None] = []

    def count_tokens(self, text: str) -> int:
        return math.ceil(len(text) / self.chars_per_token)

    @property
    def calls(self) -> int:
        return len(self.requests)

    def tasks(self) -> list[str]:
        return [r.task for r in self.requests]

    def user_prompt(self, i: int) -> str:
        """The user message (chat) or the whole prompt (completion) of call ``i``."""
        request = self.requests[i]
        return request.messages[-1]["content"] if request.messages else request.prompt or ""

    def prompt_text(self, i: int) -> str:
        """Everything call ``i`` showed the model (all messages, or the completion prompt)."""
        request = self.requests[i]
        if request.messages:
            return "\n".join(m["content"] for m in request.messages)
        return request.prompt or ""

    async def generate(self, request: GenerateRequest, on_token: TokenCallback | None = None,
                       cancel: CancelToken | None = None) -> str:
        self.requests.append(request)
        self.cancels.append(cancel)
        self.streamed.append(0)
        if not self.script:
            raise AssertionError(f"unscripted call #{len(self.requests)} ({request.task})")
        item = self.script.pop(0)
        if callable(item) and not isinstance(item, BaseException):
            item = item(request)
        if isinstance(item, BaseException):
            raise item
        text = item[: request.max_tokens * self.chars_per_token]
        for stop in request.stop:
            if stop in text:
                text = text[: text.index(stop)]
        out: list[str] = []
        for start in range(0, len(text), self.chunk):
            if cancel is not None and cancel.cancelled:
                raise GenerationCancelled("Generation cancelled.", stage="engine")
            delta = text[start:start + self.chunk]
            out.append(delta)
            self.streamed[-1] += len(delta)
            if on_token is not None:
                on_token(delta)
            await asyncio.sleep(0)
        if cancel is not None and cancel.cancelled:
            raise GenerationCancelled("Generation cancelled.", stage="engine")
        return "".join(out)


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def outline_data(shape: CourseShape, title: str = "Photosynthesis", language: str = "en",
                 prefix: str = "") -> dict[str, Any]:
    return {
        "title": title, "description": f"A course about {title}.", "language": language,
        "level": "beginner", "audience": "curious adults", "prerequisites": [],
        "learning_objectives": ["Explain the basics"], "estimated_hours": 2,
        "modules": [{"title": f"{prefix}Module {m + 1}", "summary": f"About part {m + 1}.",
                     "lesson_titles": [f"{prefix}Lesson {m + 1}.{j + 1}"
                                       for j in range(shape.lessons_per_module)]}
                    for m in range(shape.modules)],
    }


def outline_json(shape: CourseShape, **kw: Any) -> str:
    return _dump(outline_data(shape, **kw))


def lesson_data(title: str) -> dict[str, Any]:
    return {"title": title, "objectives": [f"Understand {title}"],
            "content": f"## {title}\n\nThis lesson explains {title} with an example.",
            "duration_minutes": 10, "key_points": [f"{title} matters"]}


def lessons_json(titles: list[str]) -> str:
    return _dump({"lessons": [lesson_data(t) for t in titles]})


def question_data(i: int, topic: str = "") -> dict[str, Any]:
    return {"question": f"Question {i + 1} about {topic or 'the module'}?",
            "options": ["Alpha", "Beta", "Gamma", "Delta"], "answer": i % 4,
            "explanation": "Because it is."}


def quiz_json(n: int, topic: str = "") -> str:
    return _dump({"questions": [question_data(i, topic) for i in range(n)]})


def course_json(shape: CourseShape, language: str = "en") -> str:
    data = outline_data(shape, language=language)
    for m, module in enumerate(data["modules"]):
        module["lessons"] = [lesson_data(t) for t in module.pop("lesson_titles")]
        module["quiz"] = [question_data(i, f"module {m}") for i in range(shape.questions_per_quiz)]
    return _dump(data)


def script_for(shape: CourseShape) -> list[Item]:
    """The outputs of a complete, valid progressive run of ``shape``."""
    script: list[Item] = [outline_json(shape)]
    for m in range(shape.modules):
        script.append(lessons_json([f"Lesson {m + 1}.{j + 1}"
                                    for j in range(shape.lessons_per_module)]))
        if shape.questions_per_quiz:
            script.append(quiz_json(shape.questions_per_quiz, f"module {m + 1}"))
    return script
