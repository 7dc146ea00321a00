"""Few-shot documents for base models: worked examples on other topics, then the open slot.

Public names: ``render_document``, ``examples``, ``pick_courses``, ``project``,
``quiz_key_points``, ``example_strings``, ``example_subjects``, ``copied_paths``,
``FEWSHOT_TASKS``.

A base model (the embedded Gemma 3 270M) does not follow instructions; it continues
documents. So each step's prompt is a document of complete, real examples on other topics,
in the requested language and in exactly the step's shape, followed by the same header for
the user's request and an open ``JSON:`` line::

    Curso: Panadería casera con masa madre
    Nivel: principiante
    Estructura: 2 módulos, 2 lecciones por módulo
    JSON:
    {"title": "Pan de masa madre en casa", ...}

    Curso: Introducción a la fotografía digital
    Nivel: principiante
    Estructura: 2 módulos, 2 lecciones por módulo
    JSON:

The examples are data (``examples/{en,es}.json``): complete courses, summaries, tag sets and
classifications, validated against the schema by the tests. Every step shows a projection of
them (``project``): the outline of a course, one lesson with its module, one module's quiz,
or a whole course cut to the requested shape. Examples whose topic resembles the user's are
never shown (``pick_courses``), so the model cannot copy an answer::

    text = render_document("lesson", "es", shots=2, course_title="Fotografía digital",
                           module_title="La luz", lesson_titles=["El ISO"], lesson_title="El ISO",
                           topic="Fotografía digital", shape=CourseShape(2, 2, 2))
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from localloom.course.audit import similar, subject_roots
from localloom.course.schema import CourseShape

__all__ = ["FEWSHOT_TASKS", "copied_paths", "example_strings", "example_subjects", "examples",
           "pick_courses", "project", "quiz_key_points", "render_document"]

FEWSHOT_TASKS = ("outline", "lesson", "quiz", "course", "summary", "tags", "classify")

_LABELS = {
    "en": {"course": "Course", "level": "Level", "shape": "Structure", "module": "Module",
           "lessons": "Lessons", "lesson": "Lesson", "key_points": "Key points", "text": "Text",
           "categories": "Categories",
           "audience": "Audience", "modules_word": ("module", "modules"),
           "lessons_word": ("lesson per module", "lessons per module"),
           "quiz_word": ("question", "questions"), "no_quiz": "no quiz",
           "levels": {"beginner": "beginner", "intermediate": "intermediate",
                      "advanced": "advanced"}},
    "es": {"course": "Curso", "level": "Nivel", "shape": "Estructura", "module": "Módulo",
           "lessons": "Lecciones", "lesson": "Lección", "key_points": "Puntos clave",
           "text": "Texto",
           "categories": "Categorías", "audience": "Público",
           "modules_word": ("módulo", "módulos"),
           "lessons_word": ("lección por módulo", "lecciones por módulo"),
           "quiz_word": ("pregunta", "preguntas"), "no_quiz": "sin cuestionario",
           "levels": {"beginner": "principiante", "intermediate": "intermedio",
                      "advanced": "avanzado"}},
}


@lru_cache(maxsize=4)
def examples(language: str) -> dict[str, Any]:
    """The worked examples for ``language`` (package data, read once)."""
    node = resources.files(__name__.rsplit(".", 1)[0]).joinpath("examples", f"{language}.json")
    return json.loads(node.read_text(encoding="utf-8"))


def pick_courses(language: str, topic: str, k: int, start: int = 0) -> list[dict[str, Any]]:
    """Up to ``k`` example entries (``{"topic", "course"}``) whose topic and course title do
    not resemble ``topic``, from the ``start``-th of them on (wrapping around)."""
    picked = []
    for entry in examples(language)["courses"]:
        if topic and (similar(entry["topic"], topic) or similar(entry["course"]["title"], topic)):
            continue
        picked.append(entry)
    if picked:
        start %= len(picked)
        picked = picked[start:] + picked[:start]
    return picked[:k]


def _cut(items: list, n: int) -> list:
    return list(items[:n])


def _lesson(lesson: dict[str, Any], shape: CourseShape) -> dict[str, Any]:
    return {"title": lesson["title"], "objectives": _cut(lesson["objectives"], shape.max_list),
            "content": lesson["content"], "duration_minutes": lesson["duration_minutes"],
            "key_points": _cut(lesson["key_points"], shape.max_list)}


def _quiz(quiz: list[dict[str, Any]], shape: CourseShape) -> list[dict[str, Any]]:
    out = []
    for question in quiz:
        if question["answer"] >= shape.options:
            continue  # cutting the options would cut the right answer away
        out.append({"question": question["question"],
                    "options": _cut(question["options"], shape.options),
                    "answer": question["answer"], "explanation": question["explanation"]})
    return out[:shape.questions_per_quiz]


def _head(course: dict[str, Any], shape: CourseShape) -> dict[str, Any]:
    return {"title": course["title"], "description": course["description"],
            "language": course["language"], "level": course["level"],
            "audience": course["audience"],
            "prerequisites": _cut(course["prerequisites"], shape.max_list),
            "learning_objectives": _cut(course["learning_objectives"], shape.max_list),
            "estimated_hours": course["estimated_hours"]}


def project(task: str, course: dict[str, Any], shape: CourseShape, module: int = 0,
            lesson: int = 0) -> dict[str, Any]:
    """What ``task`` would answer for this example course, cut to ``shape``."""
    modules = course["modules"][:shape.modules]
    if task == "outline":
        return {**_head(course, shape), "modules": [
            {"title": m["title"], "summary": m["summary"],
             "lesson_titles": [les["title"] for les in m["lessons"][:shape.lessons_per_module]]}
            for m in modules]}
    if task == "lesson":
        return _lesson(course["modules"][module]["lessons"][lesson], shape)
    if task == "quiz":
        return {"questions": _quiz(course["modules"][module]["quiz"], shape)}
    if task == "course":
        return {**_head(course, shape), "modules": [
            {"title": m["title"], "summary": m["summary"],
             "lessons": [_lesson(les, shape) for les in m["lessons"][:shape.lessons_per_module]],
             "quiz": _quiz(m["quiz"], shape) if shape.questions_per_quiz else []}
            for m in modules]}
    raise ValueError(f"no course projection for task {task!r}")


def quiz_key_points(per_lesson: Any) -> list[str]:
    """The key points a quiz is written from: each lesson's, in order, at most twelve."""
    return [point for points in per_lesson for point in points][:12]


def _plural(n: int, words: tuple[str, str]) -> str:
    return f"{n} {words[0] if n == 1 else words[1]}"


def _shape_line(shape: CourseShape, words: dict[str, Any]) -> str:
    parts = [_plural(shape.modules, words["modules_word"]),
             _plural(shape.lessons_per_module, words["lessons_word"])]
    return ", ".join(parts)


def _header(task: str, language: str, v: dict[str, Any]) -> str:
    w = _LABELS[language]
    if task in ("outline", "course"):
        lines = [f"{w['course']}: {v['topic']}", f"{w['level']}: {w['levels'][v['level']]}",
                 f"{w['shape']}: {_shape_line(v['shape'], w)}"]
        if v.get("audience"):
            lines.insert(2, f"{w['audience']}: {v['audience']}")
        return "\n".join(lines)
    if task == "lesson":
        return "\n".join([f"{w['course']}: {v['course_title']}",
                          f"{w['module']}: {v['module_title']}",
                          f"{w['lessons']}: {'; '.join(v['lesson_titles'])}",
                          f"{w['lesson']}: {v['lesson_title']}"])
    if task == "quiz":
        lines = [f"{w['course']}: {v['course_title']}", f"{w['module']}: {v['module_title']}",
                 f"{w['lessons']}: {'; '.join(v['lesson_titles'])}"]
        if v.get("key_points"):
            # what the lessons taught: questions drawn from it stay on the module's subject
            lines.append(f"{w['key_points']}: {'; '.join(v['key_points'])}")
        return "\n".join(lines)
    text = " ".join(str(v["text"]).split())
    if task == "classify" and v.get("categories"):
        return f"{w['categories']}: {', '.join(v['categories'])}\n{w['text']}: {text}"
    return f"{w['text']}: {text}"


def _block(header: str, answer: dict[str, Any] | None) -> str:
    tail = "" if answer is None else json.dumps(answer, ensure_ascii=False)
    return f"{header}\nJSON:\n{tail}"


def _course_blocks(task: str, language: str, vars: dict[str, Any], k: int) -> list[str]:
    shape: CourseShape = vars["shape"]
    blocks = []
    picked = pick_courses(language, vars.get("topic", ""), k, vars.get("examples_from", 0))
    for n, entry in enumerate(picked):
        course = entry["course"]
        # The two examples show different modules and lessons, so they never teach the same
        # thing; every step of a course shows the same ones, so the engine's prompt cache
        # reuses them and a step reads only its own header (19 % fewer prompt tokens read
        # over 8 Short courses, natively, with the same number rendered).
        m = n % len(course["modules"])
        j = n % shape.lessons_per_module
        module = course["modules"][m]
        lessons = module["lessons"][:shape.lessons_per_module]
        titles = [les["title"] for les in lessons]
        header_vars = {"topic": entry["topic"], "level": course["level"], "shape": shape,
                       "audience": course["audience"] if vars.get("audience") else "",
                       "course_title": course["title"], "module_title": module["title"],
                       "lesson_titles": titles or [module["lessons"][j]["title"]],
                       "lesson_title": module["lessons"][j]["title"],
                       "key_points": quiz_key_points(
                           _lesson(les, shape)["key_points"] for les in lessons)}
        blocks.append(_block(_header(task, language, header_vars),
                             project(task, course, shape, m, j)))
    return blocks


def _text_blocks(task: str, language: str, k: int) -> list[str]:
    key = {"summary": "summaries", "tags": "tags", "classify": "classify"}[task]
    blocks = []
    for entry in examples(language)[key][:k]:
        answer = {name: entry[name] for name in
                  {"summary": ("summary", "key_points"), "tags": ("tags",),
                   "classify": ("label", "reason")}[task]}
        blocks.append(_block(_header(task, language, entry), answer))
    return blocks


def render_document(task: str, language: str, *, shots: int = 2, **vars: Any) -> str:
    """The few-shot document for ``task``: ``shots`` worked examples, then the open slot.

    Variables: ``topic``, ``level``, ``shape`` (and ``audience``) for outline/course;
    ``course_title``, ``module_title``, ``lesson_titles``, ``lesson_title`` and ``shape``
    for lesson/quiz, and ``key_points`` (what the lessons taught) for quiz;
    ``examples_from`` (which example courses to start from; a last re-ask shows others);
    ``text`` (and ``categories``) for the text tasks.
    """
    if task not in FEWSHOT_TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {FEWSHOT_TASKS}")
    if language not in _LABELS:
        raise ValueError(f"unknown language {language!r}")
    vars.setdefault("shape", CourseShape())
    vars.setdefault("level", "beginner")
    blocks = (_course_blocks(task, language, vars, shots) if task in
              ("outline", "lesson", "quiz", "course") else _text_blocks(task, language, shots))
    blocks.append(_block(_header(task, language, vars), None))
    return "\n\n".join(blocks)


def _strings(value: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in _strings(v, f"{path}.{k}" if path else k)]
    if isinstance(value, list):
        return [x for i, v in enumerate(value) for x in _strings(v, f"{path}[{i}]")]
    return []


def _key(text: str) -> str:
    return " ".join(text.casefold().split()).strip(" .")


def example_strings(document: str) -> set[str]:
    """Every string of the worked examples in a few-shot ``document`` (normalised)."""
    found: set[str] = set()
    for line in document.splitlines():
        if line.startswith("{"):
            try:
                found |= {_key(text) for _, text in _strings(json.loads(line))}
            except ValueError:
                continue
    return found


@lru_cache(maxsize=4)
def example_subjects(language: str) -> tuple[frozenset[str], ...]:
    """The subject roots (``audit.subject_roots``) of each worked course in ``language``: the
    words a base model borrows when it writes about an example instead of its course (none
    for a language without examples)."""
    if language not in _LABELS:
        return ()
    return tuple(frozenset(root for _, text in _strings(entry["course"])
                           for root in subject_roots(text))
                 for entry in examples(language)["courses"])


def copied_paths(answer: Any, shown: set[str], min_chars: int = 8) -> list[str]:
    """Paths of the answer's strings (``min_chars`` or longer) copied from the examples: a
    base model blends its examples into the answer (another course's audience, prerequisites)."""
    return [path for path, text in _strings(answer)
            if len(text) >= min_chars and _key(text) in shown]
