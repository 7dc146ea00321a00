"""HTML for the page, as pure functions of the data (tested in CPython; ui/ only inserts it).

Public names: ``render_course``, ``grow_draft``, ``render_capabilities``, ``render_error``,
``render_choices``, ``markdown``.

``render_course`` accepts a validated ``Course`` or the partial dict the stream parser
yields while the model is still writing, so the course appears as it is written. That dict is
whatever JSON the model wrote: every field is read for the type it should have, and anything
else (a number where a list belongs, a string where an object belongs) is skipped, never
iterated or called::

    html = render_course({"title": "Intro to ML", "modules": [{"title": "Basics"}]},
                         partial=True)
    html = render_course(course, parts=record.provenance)  # a saved course: who wrote each
                                                           # part, and Regenerate buttons

The HTML comes from jinja2 templates with autoescape (``view/templates``); lesson bodies go
through markdown-it-py (``templating.markdown``). The model's text is data, never markup.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from localloom.errors import LocalLoomError
from localloom.routing.device import Capabilities
from localloom.view.templating import markdown, render

__all__ = ["grow_draft", "markdown", "render_capabilities", "render_choices", "render_course",
           "render_error"]


def _get(data: Any, key: str, default: Any = None) -> Any:
    """``data[key]`` of a dict or a pydantic model; ``default`` for anything else."""
    if isinstance(data, dict):
        return data.get(key, default)
    if isinstance(data, BaseModel):
        return getattr(data, key, default)
    return default


def _list(data: Any, key: str) -> list:
    value = _get(data, key)
    return value if isinstance(value, list) else []


def _text(data: Any, key: str) -> str:
    """A scalar field as text ("" for a missing value, a list or an object)."""
    value = _get(data, key)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return str(value)


def _items(values: list) -> list[str]:
    return [str(v) for v in values if isinstance(v, str | int | float) and v]


def _part(parts: dict[str, Any] | None, key: str, name: str) -> dict[str, str] | None:
    """Who wrote ``key`` (from a record's provenance) for the Regenerate line; None when the
    course is not a saved one."""
    if parts is None:
        return None
    prov = parts.get(key)
    return {"key": key, "name": name, "engine": _text(prov, "engine"),
            "model": _text(prov, "model"), "date": _text(prov, "at")[:10]}


def _quiz(questions: list) -> list[dict[str, Any]]:
    out = []
    for question in questions:
        if not isinstance(question, dict | BaseModel):
            continue
        answer = _get(question, "answer")
        options = [(str(o), j == answer) for j, o in enumerate(_list(question, "options"))
                   if isinstance(o, str | int | float)]
        out.append({"question": _text(question, "question"), "options": options,
                    "explanation": _text(question, "explanation")})
    return out


def _course_view(course: Any, partial: bool, parts: dict[str, Any] | None) -> dict[str, Any]:
    meta = [v for v in (_text(course, "level"), _text(course, "language")) if v]
    if hours := _text(course, "estimated_hours"):
        meta.append(f"{hours} h")
    modules = []
    for n, module in enumerate(_list(course, "modules"), 1):
        if not isinstance(module, dict | BaseModel):
            continue
        m = n - 1
        lessons = []
        for j, lesson in enumerate(x for x in _list(module, "lessons")
                                   if isinstance(x, dict | BaseModel)):
            content = _text(lesson, "content")
            title = _text(lesson, "title")
            lessons.append({"title": title, "minutes": _text(lesson, "duration_minutes"),
                            "objectives": _items(_list(lesson, "objectives")),
                            "content": markdown(content) if content else "",
                            "key_points": _items(_list(lesson, "key_points")),
                            "part": _part(parts, f"lesson:{m}.{j}", title)})
        quiz = _quiz(_list(module, "quiz"))
        modules.append({"n": n, "title": _text(module, "title"),
                        "summary": _text(module, "summary"), "lessons": lessons,
                        "lesson_titles": _items(_list(module, "lesson_titles")), "quiz": quiz,
                        "quiz_part": _part(parts, f"quiz:{m}", _text(module, "title"))
                        if quiz else None})
    return {"partial": partial, "title": _text(course, "title"), "meta": meta,
            "description": _text(course, "description"), "audience": _text(course, "audience"),
            "objectives": _items(_list(course, "learning_objectives")),
            "prerequisites": _items(_list(course, "prerequisites")), "modules": modules}


def render_course(course: Any, *, partial: bool = False,
                  parts: dict[str, Any] | None = None) -> str:
    """HTML of a course (a ``Course`` or a possibly partial dict). ``parts`` (a saved
    course's provenance, possibly empty) adds who wrote each lesson and quiz, with a button
    ``data-regenerate="lesson:M.J"`` / ``"quiz:M"`` to write it again."""
    if not isinstance(course, dict | BaseModel) or not course:
        return render("waiting.html.j2")
    return render("course.html.j2", c=_course_view(course, partial, parts))


def _mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB" if n < 1e10 else f"{n / 1e9:,.1f} GB"


def render_capabilities(caps: Capabilities) -> str:
    """The device report: WebGPU, isolation/threads, memory, storage, built-in AI."""
    rows: list[tuple[str, bool | None, Any]] = []
    gpu = caps.gpu
    if gpu is None:
        rows.append(("WebGPU", False, (f"no — {caps.gpu_error or 'no adapter'}", "")))
    else:
        kind = "software fallback adapter" if gpu.is_fallback else "hardware adapter"
        name = " ".join(x for x in (gpu.vendor, gpu.architecture) if x) or "unknown GPU"
        rows.append(("WebGPU", True, ("yes", f" — {name} ({kind})")))
        rows.append(("shader-f16", gpu.shader_f16, ("yes" if gpu.shader_f16 else "no", "")))
        rows.append(("GPU buffer limits", None,
                     f"max buffer {_mb(gpu.max_buffer_size)}, storage binding "
                     f"{_mb(gpu.max_storage_buffer_binding_size)}"))
    isolated = caps.cross_origin_isolated
    rows.append(("Cross-origin isolated", isolated, ("yes" if isolated else "no", "")))
    rows.append(("Threads for local models", None,
                 f"{caps.threads} (of {caps.hardware_concurrency} logical cores)"))
    memory = caps.device_memory_gb
    rows.append(("Device memory", None, "unknown" if memory is None else
                 f"{'≥ ' if memory >= 8 else ''}{memory:g} GB"))
    storage = caps.storage
    rows.append(("Storage", None, "unknown" if not storage.quota else
                 f"{_mb(storage.free)} free of {_mb(storage.quota)}"
                 f"{' (persistent)' if storage.persisted else ''}"))
    for api in ("LanguageModel", "Summarizer", "LanguageDetector"):
        state = caps.chrome_ai_state(api)
        label = {"absent": "not in this browser"}.get(state, state)
        rows.append((f"Chrome built-in AI: {api}", state == "available", (label, "")))
    return render("capabilities.html.j2", rows=rows)


def render_error(error: LocalLoomError) -> str:
    """The error box: what happened, the likely cause, and the fix."""
    return render("error.html.j2", error=error)


def grow_draft(draft: dict | None, step: str, module: int | None, value: dict) -> dict | None:
    """The course so far, after a step finished with ``value`` (a dumped step result).

    The outline gives the frame (lessons still to write stay as titles); each lesson and quiz
    fills its module, so a slow model's course appears as it is written.
    """
    if step in ("outline", "course"):
        if step == "course":
            return value
        modules = [{"title": m.get("title", ""), "summary": m.get("summary", ""),
                    "lesson_titles": list(m.get("lesson_titles") or []), "lessons": [],
                    "quiz": []} for m in value.get("modules") or [] if isinstance(m, dict)]
        return {**value, "modules": modules}
    if draft is None or module is None or not 0 <= module < len(draft["modules"]):
        return draft
    target = draft["modules"][module]
    if step == "lesson":
        target["lessons"].append(value)
        target["lesson_titles"] = [t for t in target["lesson_titles"] if t != value.get("title")]
    elif step == "quiz":
        target["quiz"] = value.get("questions") or []
    return draft


_CHOICES = {
    "ask": ("Keep trying", "Ask the model again; finished steps are kept."),
    "accept": ("Use it as it is", "Keep the best answer with the problems above."),
    "smaller": ("Keep a smaller course", "Drop the parts with problems and go on with the rest."),
}


def render_choices(choices: tuple[str, ...]) -> str:
    """Buttons for what to do after a step's quality problems persisted."""
    if not choices:
        return ""
    return render("choices.html.j2", choices=[(c, *_CHOICES[c]) for c in choices
                                              if c in _CHOICES])
