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

Everything model-written is escaped: the model's text is data, never markup.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from pydantic import BaseModel

from localloom.errors import LocalLoomError
from localloom.routing.device import Capabilities

__all__ = ["grow_draft", "markdown", "render_capabilities", "render_choices", "render_course",
           "render_error"]

_CODE = re.compile(r"`([^`]+)`")
_INLINE = [
    (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![*\w])\*([^*\s][^*]*)\*(?!\*)"), r"<em>\1</em>"),
]


def _inline(text: str) -> str:
    """Code spans are literal: emphasis applies only to the text between them."""
    out: list[str] = []
    for i, piece in enumerate(_CODE.split(text)):
        if i % 2:
            out.append(f"<code>{escape(piece)}</code>")
            continue
        piece = escape(piece)
        for pattern, repl in _INLINE:
            piece = pattern.sub(repl, piece)
        out.append(piece)
    return "".join(out)


def markdown(text: str) -> str:
    """A safe Markdown subset: headings, paragraphs, bullet/numbered lists, bold, italic, code."""
    html: list[str] = []
    list_tag = ""
    for line in str(text).replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        bullet = re.match(r"^[-*•]\s+(.*)", stripped)
        number = re.match(r"^\d+[.)]\s+(.*)", stripped)
        item = bullet or number
        tag = "ul" if bullet else "ol" if number else ""
        if list_tag and tag != list_tag:
            html.append(f"</{list_tag}>")
            list_tag = ""
        if item:
            if not list_tag:
                html.append(f"<{tag}>")
                list_tag = tag
            html.append(f"<li>{_inline(item.group(1))}</li>")
        elif heading := re.match(r"^(#{1,4})\s+(.*)", stripped):
            level = min(6, len(heading.group(1)) + 3)
            html.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif stripped:
            html.append(f"<p>{_inline(stripped)}</p>")
    if list_tag:
        html.append(f"</{list_tag}>")
    return "".join(html)


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


def _items(values: list) -> str:
    return "".join(f"<li>{escape(str(v))}</li>" for v in values
                   if isinstance(v, str | int | float) and v)


def _quiz(questions: list) -> str:
    out = []
    for question in questions:
        if not isinstance(question, dict | BaseModel):
            continue
        answer = _get(question, "answer")
        opts = "".join(
            (f'<li class="answer">{escape(str(o))}</li>' if j == answer
             else f"<li>{escape(str(o))}</li>")
            for j, o in enumerate(_list(question, "options")) if isinstance(o, str | int | float))
        explanation = _text(question, "explanation")
        out.append(
            f'<li class="question"><p>{escape(_text(question, "question"))}</p>'
            f'<ol type="A">{opts}</ol>'
            + (f'<p class="muted">{escape(explanation)}</p>' if explanation else "")
            + "</li>")
    return f'<h5>Quiz</h5><ol class="quiz">{"".join(out)}</ol>' if out else ""


def render_course(course: Any, *, partial: bool = False) -> str:
    """HTML of a course (a ``Course`` or a possibly partial dict)."""
    if not isinstance(course, dict | BaseModel) or not course:
        return '<p class="muted">Waiting for the model…</p>'
    parts = [f'<div class="{"partial" if partial else "final"}">']
    if title := _text(course, "title"):
        parts.append(f"<h3>{escape(title)}</h3>")
    meta = [v for v in (_text(course, "level"), _text(course, "language")) if v]
    if hours := _text(course, "estimated_hours"):
        meta.append(f"{hours} h")
    if meta:
        parts.append(f'<p class="muted">{escape(" · ".join(meta))}</p>')
    if description := _text(course, "description"):
        parts.append(f"<p>{escape(description)}</p>")
    if audience := _text(course, "audience"):
        parts.append(f"<p><strong>Audience:</strong> {escape(audience)}</p>")
    if objectives := _items(_list(course, "learning_objectives")):
        parts.append(f"<h4>You will learn</h4><ul>{objectives}</ul>")
    if prerequisites := _items(_list(course, "prerequisites")):
        parts.append(f"<h4>Prerequisites</h4><ul>{prerequisites}</ul>")
    for n, module in enumerate(_list(course, "modules"), 1):
        if not isinstance(module, dict | BaseModel):
            continue
        parts.append(f'<section class="module"><h4>Module {n}: '
                     f'{escape(_text(module, "title") or "…")}</h4>')
        if summary := _text(module, "summary"):
            parts.append(f"<p>{escape(summary)}</p>")
        for lesson in _list(module, "lessons"):
            if not isinstance(lesson, dict | BaseModel):
                continue
            parts.append('<article class="lesson">')
            parts.append(f"<h5>{escape(_text(lesson, 'title') or '…')}")
            if minutes := _text(lesson, "duration_minutes"):
                parts.append(f' <span class="muted">({escape(minutes)} min)</span>')
            parts.append("</h5>")
            if objectives := _items(_list(lesson, "objectives")):
                parts.append(f"<ul class=\"objectives\">{objectives}</ul>")
            if content := _text(lesson, "content"):
                parts.append(markdown(content))
            if points := _items(_list(lesson, "key_points")):
                parts.append(f"<p><strong>Key points</strong></p><ul>{points}</ul>")
            parts.append("</article>")
        if titles := _items(_list(module, "lesson_titles")):
            parts.append(f"<ol>{titles}</ol>")
        parts.append(_quiz(_list(module, "quiz")))
        parts.append("</section>")
    parts.append("</div>")
    return "".join(parts)


def _yes(flag: bool, yes: str = "yes", no: str = "no") -> str:
    return f'<span class="ok">{yes}</span>' if flag else f'<span class="no">{no}</span>'


def _mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB" if n < 1e10 else f"{n / 1e9:,.1f} GB"


def render_capabilities(caps: Capabilities) -> str:
    """The device report: WebGPU, isolation/threads, memory, storage, built-in AI."""
    rows: list[tuple[str, str]] = []
    gpu = caps.gpu
    if gpu is None:
        rows.append(("WebGPU", _yes(False, no=f"no — {escape(caps.gpu_error or 'no adapter')}")))
    else:
        kind = "software fallback adapter" if gpu.is_fallback else "hardware adapter"
        name = " ".join(x for x in (gpu.vendor, gpu.architecture) if x) or "unknown GPU"
        rows.append(("WebGPU", f'{_yes(True)} — {escape(name)} ({kind})'))
        rows.append(("shader-f16", _yes(gpu.shader_f16)))
        rows.append(("GPU buffer limits",
                     f"max buffer {_mb(gpu.max_buffer_size)}, storage binding "
                     f"{_mb(gpu.max_storage_buffer_binding_size)}"))
    rows.append(("Cross-origin isolated", _yes(caps.cross_origin_isolated)))
    rows.append(("Threads for local models",
                 f"{caps.threads} (of {caps.hardware_concurrency} logical cores)"))
    memory = caps.device_memory_gb
    rows.append(("Device memory", "unknown" if memory is None else
                 f"{'≥ ' if memory >= 8 else ''}{memory:g} GB"))
    storage = caps.storage
    rows.append(("Storage", "unknown" if not storage.quota else
                 f"{_mb(storage.free)} free of {_mb(storage.quota)}"
                 f"{' (persistent)' if storage.persisted else ''}"))
    for api in ("LanguageModel", "Summarizer", "LanguageDetector"):
        state = caps.chrome_ai_state(api)
        label = {"absent": "not in this browser"}.get(state, state)
        rows.append((f"Chrome built-in AI: {api}", _yes(state == "available", label, label)))
    body = "".join(f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="caps">{body}</table>'


def render_error(error: LocalLoomError) -> str:
    """The error box: what happened, the likely cause, and the fix."""
    stage = f' <span class="muted">({escape(error.stage)})</span>' if error.stage else ""
    return (f"<h3>{escape(error.what)}{stage}</h3>"
            f"<p><strong>Cause:</strong> {escape(error.cause)}</p>"
            f"<p><strong>Fix:</strong> {escape(error.fix)}</p>")


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
    buttons = "".join(
        f'<button type="button" data-policy="{escape(c)}" title="{escape(_CHOICES[c][1])}">'
        f"{escape(_CHOICES[c][0])}</button>" for c in choices if c in _CHOICES)
    return f'<div class="choices actions">{buttons}</div>'
