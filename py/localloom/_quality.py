"""Counter degenerate output of small models: repeated titles, sentences, options, loops.

Public names (internal module, used by the generator):

- ``norm(text)``: the comparison key of a title or sentence (case, spaces, end punctuation).
- ``collapse_repeats(text) -> (text, removed)``: drop repeated sentences and phrase loops.
- ``placeholders(data)``: paths of strings that copy the example's ``"..."``.
- ``repair_data(data)``: dict-level fixes before validation (duplicate options with the
  answer index remapped, duplicate module titles).
- ``Checked``: a step result after quality checks: ``value`` (``None`` = unusable),
  ``problems`` [(path, msg)] worth a re-ask, ``avoid`` titles for the re-ask prompt.
- ``check_outline``, ``check_lessons``, ``check_quiz``, ``check_course``, ``check_summary``,
  ``check_tags``, ``check_classification``.

Example::

    >>> collapse_repeats("Water boils at 100 °C. Water boils at 100 °C. Then it is steam.")
    ('Water boils at 100 °C. Then it is steam.', 1)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from .schema import (
    Classification,
    Course,
    CourseShape,
    ModuleLessons,
    ModuleQuiz,
    Outline,
    Summary,
    Tags,
)

__all__ = [
    "Checked",
    "check_classification",
    "check_course",
    "check_lessons",
    "check_outline",
    "check_quiz",
    "check_summary",
    "check_tags",
    "collapse_repeats",
    "norm",
    "placeholders",
    "repair_data",
]

_PIECES = re.compile(r"[^\n.!?]*[.!?]+[ \t]*|[^\n.!?]+[ \t]*|\n+")
_LOOP = re.compile(r"([^\n]{6,120}?)(?:[ \t]*\1){3,}")


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(".!?:;, ").casefold()


def _collapse_loops(text: str) -> tuple[str, int]:
    removed = 0

    def one(match: re.Match[str]) -> str:
        nonlocal removed
        unit = match.group(1)
        if not re.search(r"\w\w", unit):  # markdown rules, table separators
            return match.group(0)
        removed += match.group(0).count(unit) - 1
        return unit
    return _LOOP.sub(one, text), removed


def collapse_repeats(text: str, min_len: int = 16) -> tuple[str, int]:
    """Keep the first of each repeated sentence (of ``min_len``+ chars) and phrase loop."""
    text, removed = _collapse_loops(text)
    seen: set[str] = set()
    kept: list[str] = []
    for piece in _PIECES.findall(text):
        key = norm(piece)
        if len(key) >= min_len and "\n" not in piece:
            if key in seen:
                removed += 1
                continue
            seen.add(key)
        kept.append(piece)
    out = re.sub(r"\n{3,}", "\n\n", "".join(kept)).strip()
    return (out or text.strip()), removed


def _dedupe_strings(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = norm(item)
        if key and key not in seen:
            seen.add(key)
            out.append(item)
    return out or items[:1]


def _dedupe_options(question: dict[str, Any]) -> None:
    options, answer = question.get("options"), question.get("answer")
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        return
    keys = [norm(o) for o in options]
    kept = [i for i, k in enumerate(keys) if k and keys.index(k) == i]
    if len(kept) == len(options):
        return
    question["options"] = [options[i] for i in kept]
    if isinstance(answer, int) and 0 <= answer < len(options) and keys[answer]:
        question["answer"] = kept.index(keys.index(keys[answer]))


def repair_data(data: Any) -> Any:
    """Fix, in place and recursively, what validation would reject but a re-ask need not fix."""
    if isinstance(data, list):
        for item in data:
            repair_data(item)
    elif isinstance(data, dict):
        if "options" in data and "answer" in data:
            _dedupe_options(data)
        modules = data.get("modules")
        if isinstance(modules, list) and all(isinstance(m, dict) for m in modules):
            titles = [norm(str(m.get("title", ""))) for m in modules]
            data["modules"] = [m for i, m in enumerate(modules)
                               if not titles[i] or titles.index(titles[i]) == i]
        for value in data.values():
            repair_data(value)
    return data


_PLACEHOLDER = re.compile(r"\s*(?:\.\.\.|…)\s*")


def placeholders(data: Any, path: str = "") -> list[str]:
    """Paths of strings that are the example's placeholder (``"..."``) copied verbatim."""
    if isinstance(data, str):
        return [path or "(root)"] if _PLACEHOLDER.fullmatch(data) else []
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in placeholders(v, f"{path}.{k}" if path else k)]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in placeholders(v, f"{path}[{i}]")]
    return []


@dataclass
class Checked:
    value: BaseModel | None
    problems: list[tuple[str, str]] = field(default_factory=list)
    avoid: list[str] = field(default_factory=list)


def _validate(model: type[BaseModel], data: dict[str, Any], problems, avoid) -> Checked:
    try:
        return Checked(model.model_validate(data), problems, avoid)
    except ValidationError as exc:
        found = [(".".join(map(str, e["loc"])), e["msg"]) for e in exc.errors()]
        return Checked(None, problems + found, avoid)


def _count_note(path: str, have: int, want: int, what: str) -> tuple[str, str]:
    return path, f"has {have} different {what}; write exactly {want}"


def check_outline(outline: Outline, shape: CourseShape) -> Checked:
    data = outline.model_dump()
    notes: list[tuple[str, str]] = []
    avoid: list[str] = []
    seen_modules: set[str] = set()
    seen_lessons: set[str] = set()
    short = False  # repeats matter only when they leave the outline short
    modules = []
    for i, module in enumerate(data["modules"]):
        if norm(module["title"]) in seen_modules:
            notes.append((f"modules[{i}].title", f"repeats the module title {module['title']!r}"))
            avoid.append(module["title"])
            continue
        seen_modules.add(norm(module["title"]))
        titles = []
        for j, title in enumerate(module["lesson_titles"]):
            if norm(title) in seen_lessons:
                notes.append((f"modules[{i}].lesson_titles[{j}]", f"repeats {title!r}"))
                avoid.append(title)
                continue
            seen_lessons.add(norm(title))
            titles.append(title)
        want = shape.lessons_per_module
        if len(titles) < want:
            short = True
            notes.append(_count_note(f"modules[{i}].lesson_titles", len(titles), want,
                                     "lesson titles"))
        if titles:
            modules.append({**module, "lesson_titles": titles[:want]})
    if len(modules) < shape.modules:
        notes.append(_count_note("modules", len(modules), shape.modules, "modules"))
        short = True
    data["modules"] = modules[:shape.modules]
    return _validate(Outline, data, notes if short else [], avoid)


def check_lessons(lessons: ModuleLessons, want: int, used: set[str] | None = None,
                  path: str = "lessons") -> Checked:
    """``want`` lessons, none repeating each other or a title in ``used`` (normalised)."""
    seen = set(used or ())
    seen_content: set[str] = set()
    dupes: list[tuple[str, str]] = []
    loops: list[tuple[str, str]] = []
    avoid: list[str] = []
    kept = []
    for j, lesson in enumerate(lessons.model_dump()["lessons"]):
        title, body = lesson["title"], norm(lesson["content"])
        if norm(title) in seen or body in seen_content:
            dupes.append((f"{path}[{j}]", f"repeats the lesson {title!r}; write a new one"))
            avoid.append(title)
            continue
        seen.add(norm(title))
        seen_content.add(body)
        lesson["content"], removed = collapse_repeats(lesson["content"])
        if removed >= 2:
            loops.append((f"{path}[{j}].content", "repeats the same sentence; write new ones"))
        lesson["objectives"] = _dedupe_strings(lesson["objectives"])
        lesson["key_points"] = _dedupe_strings(lesson["key_points"])
        kept.append(lesson)
    problems = loops
    if len(kept) < want:
        problems = [*dupes, _count_note(path, len(kept), want, "lessons"), *loops]
    return _validate(ModuleLessons, {"lessons": kept[:want]}, problems, avoid)


def check_quiz(quiz: ModuleQuiz, want: int, path: str = "questions") -> Checked:
    seen: set[str] = set()
    notes: list[tuple[str, str]] = []
    kept = []
    for j, question in enumerate(quiz.model_dump()["questions"]):
        if norm(question["question"]) in seen:
            notes.append((f"{path}[{j}]", "repeats an earlier question"))
            continue
        seen.add(norm(question["question"]))
        kept.append(question)
    problems = [*notes, _count_note(path, len(kept), want, "questions")] if len(kept) < want else []
    return _validate(ModuleQuiz, {"questions": kept[:want]}, problems, [])


def check_course(course: Course, shape: CourseShape, language: str, level: str) -> Checked:
    """The single-call course: the sub-step checks per module; language/level from the request."""
    data = course.model_dump()
    data.update(language=language, level=level)
    problems: list[tuple[str, str]] = []
    avoid: list[str] = []
    used: set[str] = set()
    modules = []
    for i, module in enumerate(data["modules"][:shape.modules]):
        lessons = check_lessons(ModuleLessons(lessons=module["lessons"]), shape.lessons_per_module,
                                used, path=f"modules[{i}].lessons")
        problems += lessons.problems
        avoid += lessons.avoid
        if lessons.value is None:
            continue
        module["lessons"] = lessons.value.model_dump()["lessons"]
        used.update(norm(lesson["title"]) for lesson in module["lessons"])
        if not shape.questions_per_quiz:
            module["quiz"] = []
        elif module["quiz"]:
            quiz = check_quiz(ModuleQuiz(questions=module["quiz"]), shape.questions_per_quiz,
                              path=f"modules[{i}].quiz")
            problems += quiz.problems
            module["quiz"] = quiz.value.model_dump()["questions"] if quiz.value else []
        else:
            problems.append((f"modules[{i}].quiz", "is empty"))
        modules.append(module)
    if len(modules) < shape.modules:
        problems.append(_count_note("modules", len(modules), shape.modules, "modules"))
    data["modules"] = modules
    return _validate(Course, data, problems, avoid)


def check_summary(summary: Summary) -> Checked:
    data = summary.model_dump()
    data["summary"], removed = collapse_repeats(data["summary"])
    data["key_points"] = _dedupe_strings(data["key_points"]) if data["key_points"] else []
    problems = [("summary", "repeats the same sentence; write new ones")] if removed >= 2 else []
    return _validate(Summary, data, problems, [])


def check_tags(tags: Tags, max_tags: int) -> Checked:
    return Checked(Tags(tags=tags.tags[:max_tags]))


def check_classification(result: Classification, categories: list[str] | None) -> Checked:
    if not categories:
        return Checked(result)
    by_key = {norm(c): c for c in categories}
    label = by_key.get(norm(result.label))
    if label is None:
        allowed = ", ".join(categories)
        return Checked(None, [("label", f"{result.label!r} is not one of: {allowed}")])
    return Checked(result.model_copy(update={"label": label}))
