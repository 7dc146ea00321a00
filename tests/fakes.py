"""Test doubles for unit tests (never shipped): a scripted engine and JSON builders.

``ScriptedEngine`` implements ``localloom.engine.Engine``: each ``generate`` call takes
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

from localloom.course.schema import CourseShape
from localloom.engine import CancelToken, GenerateRequest, TokenCallback
from localloom.errors import GenerationCancelled

Item = str | BaseException | Callable[[GenerateRequest], "str | BaseException"]

__all__ = [
    "ScriptedEngine",
    "course_json",
    "lesson_data",
    "lesson_json",
    "lesson_titles",
    "outline_data",
    "outline_json",
    "question_data",
    "quiz_json",
    "script_for",
    "title_for",
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


# Distinct content words, so generated titles never resemble each other (the quality gates
# reject numbered or near-duplicate titles, as a learner would).
_WORDS = {
    "en": ("light", "water", "roots", "sugar", "leaves", "carbon", "oxygen", "seeds", "soil",
           "stems", "flowers", "insects", "sunlight", "chlorophyll", "glucose", "starch",
           "minerals", "nitrogen", "weather", "seasons", "shade", "pollen", "fruit", "bark",
           "moss", "ferns", "algae", "cells", "membranes", "enzymes", "proteins", "energy"),
    "es": ("luz", "agua", "raíces", "azúcar", "hojas", "carbono", "oxígeno", "semillas",
           "suelo", "tallos", "flores", "insectos", "clorofila", "glucosa", "almidón",
           "minerales", "nitrógeno", "clima", "estaciones", "sombra", "polen", "frutos",
           "corteza", "musgo", "helechos", "algas", "células", "membranas", "enzimas",
           "proteínas", "energía", "savia"),
}
_TEXT = {
    "en": ("A course about {title} for curious adults.", "curious adults", "Explain how {t} works",
           "This part of {title} explains {t} with real examples from a garden."),
    "es": ("Un curso sobre {title} para adultos curiosos.", "adultos curiosos",
           "Explicar cómo funciona {t}",
           "Esta parte de {title} explica {t} con ejemplos reales de un huerto."),
}


def title_for(k: int, language: str = "en", gap: int = 1) -> str:
    """The ``k``-th of a series of distinct two-word titles ("Light and water", …); titles of
    another ``gap`` share no pair of words with these."""
    words = _WORDS[language]
    first = 2 * k if gap == 1 else k  # module titles pair neighbours, lesson titles do not
    a, b = words[first % len(words)], words[(first + gap) % len(words)]
    joiner = " y " if language == "es" else " and "
    return (a + joiner + b).capitalize()


def outline_data(shape: CourseShape, title: str = "Photosynthesis", language: str = "en",
                 prefix: str = "") -> dict[str, Any]:
    describe, audience, objective, summary = _TEXT[language]
    modules = []
    for m in range(shape.modules):
        titles = [f"{prefix}{title_for(m * shape.lessons_per_module + j, language, gap=5)}"
                  for j in range(shape.lessons_per_module)]
        modules.append({"title": f"{prefix}{title_for(m, language)}",
                        "summary": summary.format(t=title_for(m, language).lower(),
                                                  title=title.lower()),
                        "lesson_titles": titles})
    return {
        "title": title, "description": describe.format(title=title), "language": language,
        "level": "beginner", "audience": audience, "prerequisites": [],
        "learning_objectives": [objective.format(t=title.lower())], "estimated_hours": 2,
        "modules": modules,
    }


def outline_json(shape: CourseShape, **kw: Any) -> str:
    return _dump(outline_data(shape, **kw))


def lesson_titles(shape: CourseShape, **kw: Any) -> list[list[str]]:
    """The lesson titles of ``outline_data(shape, **kw)``, per module."""
    return [m["lesson_titles"] for m in outline_data(shape, **kw)["modules"]]


def lesson_data(title: str, language: str = "en") -> dict[str, Any]:
    if language == "es":
        return {"title": title, "objectives": [f"Explicar {title.lower()}"],
                "content": f"Esta lección explica {title.lower()} con un ejemplo concreto: "
                           "una planta en una ventana soleada de la casa.",
                "duration_minutes": 10, "key_points": [f"Qué es {title.lower()}"]}
    return {"title": title, "objectives": [f"Explain {title.lower()}"],
            "content": f"This lesson explains {title.lower()} with one concrete example: "
                       "a plant on a sunny kitchen window.",
            "duration_minutes": 10, "key_points": [f"What {title.lower()} means"]}


def lesson_json(title: str, language: str = "en") -> str:
    return _dump(lesson_data(title, language))


#: Each question of a quiz offers its own options: the same set twice is a problem.
_OPTIONS = {"es": [["Ninguno", "Uno secundario", "Uno central", "Uno decorativo"],
                   ["Nada", "Muy poco", "Casi todo", "Solo de noche"],
                   ["Siempre", "A veces", "Nunca", "Solo en invierno"]],
            "en": [["None", "A minor one", "A central one", "A decorative one"],
                   ["Nothing", "Very little", "Almost everything", "Only at night"],
                   ["Always", "Sometimes", "Never", "Only in winter"]]}


def question_data(i: int, topic: str = "", language: str = "en") -> dict[str, Any]:
    subject = title_for(i + 8, language, gap=3).lower()
    options = list(_OPTIONS["es" if language == "es" else "en"][i % 3])
    if language == "es":
        return {"question": f"¿Qué papel tienen {subject} en {topic or 'la fotosíntesis'}?",
                "options": options,
                "answer": i % 3, "explanation": "Así lo explica la lección del módulo."}
    return {"question": f"What role do {subject} play in {topic or 'photosynthesis'}?",
            "options": options,
            "answer": i % 3, "explanation": "The lesson of this module shows why."}


def quiz_json(n: int, topic: str = "", language: str = "en") -> str:
    return _dump({"questions": [question_data(i, topic, language) for i in range(n)]})


def course_json(shape: CourseShape, language: str = "en") -> str:
    data = outline_data(shape, language=language)
    for m, module in enumerate(data["modules"]):
        module["lessons"] = [lesson_data(t, language) for t in module.pop("lesson_titles")]
        module["quiz"] = [question_data(i, f"module {m}", language)
                          for i in range(shape.questions_per_quiz)]
    return _dump(data)


def script_for(shape: CourseShape, language: str = "en") -> list[Item]:
    """The outputs of a complete, valid progressive run of ``shape``."""
    script: list[Item] = [outline_json(shape, language=language)]
    for titles in lesson_titles(shape, language=language):
        script += [lesson_json(t, language) for t in titles]
        if shape.questions_per_quiz:
            # about the module's lessons, as the quiz gate asks
            script.append(quiz_json(shape.questions_per_quiz, titles[0].lower(), language))
    return script
