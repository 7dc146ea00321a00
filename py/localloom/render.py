"""HTML for the page, as pure functions of the data (tested in CPython; ui/ only inserts it).

Public names: ``render_course``, ``render_capabilities``, ``render_error``, ``markdown``.

``render_course`` accepts a validated ``Course`` or the partial dict the stream parser
yields while the model is still writing, so the course appears as it is written::

    html = render_course({"title": "Intro to ML", "modules": [{"title": "Basics"}]},
                         partial=True)

Everything model-written is escaped: the model's text is data, never markup.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from .device import Capabilities
from .errors import LocalLoomError

__all__ = ["markdown", "render_capabilities", "render_course", "render_error"]

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
    if isinstance(data, dict):
        return data.get(key, default)
    return getattr(data, key, default)


def _items(values: Any) -> str:
    return "".join(f"<li>{escape(str(v))}</li>" for v in values or [] if v)


def _quiz(questions: Any) -> str:
    out = []
    for question in questions or []:
        options = _get(question, "options") or []
        answer = _get(question, "answer")
        opts = "".join(
            (f'<li class="answer">{escape(str(o))}</li>' if j == answer
             else f"<li>{escape(str(o))}</li>")
            for j, o in enumerate(options))
        explanation = _get(question, "explanation")
        out.append(
            f'<li class="question"><p>{escape(str(_get(question, "question", "") or ""))}</p>'
            f'<ol type="A">{opts}</ol>'
            + (f'<p class="muted">{escape(str(explanation))}</p>' if explanation else "")
            + "</li>")
    return f'<h5>Quiz</h5><ol class="quiz">{"".join(out)}</ol>' if out else ""


def render_course(course: Any, *, partial: bool = False) -> str:
    """HTML of a course (a ``Course`` or a possibly partial dict)."""
    if not course:
        return '<p class="muted">Waiting for the model…</p>'
    parts = [f'<div class="{"partial" if partial else "final"}">']
    if title := _get(course, "title"):
        parts.append(f"<h3>{escape(str(title))}</h3>")
    meta = [str(v) for v in (_get(course, "level"), _get(course, "language")) if v]
    hours = _get(course, "estimated_hours")
    if hours:
        meta.append(f"{hours} h")
    if meta:
        parts.append(f'<p class="muted">{escape(" · ".join(meta))}</p>')
    if description := _get(course, "description"):
        parts.append(f"<p>{escape(str(description))}</p>")
    if audience := _get(course, "audience"):
        parts.append(f"<p><strong>Audience:</strong> {escape(str(audience))}</p>")
    if objectives := _get(course, "learning_objectives"):
        parts.append(f"<h4>You will learn</h4><ul>{_items(objectives)}</ul>")
    if prerequisites := _get(course, "prerequisites"):
        parts.append(f"<h4>Prerequisites</h4><ul>{_items(prerequisites)}</ul>")
    for n, module in enumerate(_get(course, "modules") or [], 1):
        if module is None:
            continue
        parts.append(f'<section class="module"><h4>Module {n}: '
                     f'{escape(str(_get(module, "title", "") or "…"))}</h4>')
        if summary := _get(module, "summary"):
            parts.append(f"<p>{escape(str(summary))}</p>")
        for lesson in _get(module, "lessons") or []:
            parts.append('<article class="lesson">')
            parts.append(f"<h5>{escape(str(_get(lesson, 'title', '') or '…'))}")
            if minutes := _get(lesson, "duration_minutes"):
                parts.append(f' <span class="muted">({escape(str(minutes))} min)</span>')
            parts.append("</h5>")
            if objectives := _get(lesson, "objectives"):
                parts.append(f"<ul class=\"objectives\">{_items(objectives)}</ul>")
            if content := _get(lesson, "content"):
                parts.append(markdown(str(content)))
            if points := _get(lesson, "key_points"):
                parts.append(f"<p><strong>Key points</strong></p><ul>{_items(points)}</ul>")
            parts.append("</article>")
        if titles := _get(module, "lesson_titles"):
            parts.append(f"<ol>{_items(titles)}</ol>")
        parts.append(_quiz(_get(module, "quiz")))
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
