"""What the Models panel shows, as pure functions: a model's facts with its download size
(the consent), the download button's words, and the storage view's table.

Public names: ``facts``, ``download_label``, ``render_storage``, ``when``.

    facts(spec)   # "98.4 MB download from huggingface.co · needs about 148 MB of memory · …"
"""

from __future__ import annotations

import time
from html import escape
from urllib.parse import urlsplit

from localloom.models.catalog import ModelSpec
from localloom.models.inventory import Row
from localloom.models.progress import format_bytes

__all__ = ["download_label", "facts", "render_storage", "when"]

_LANGUAGES = {"en": "English", "es": "Spanish"}
_STATES = {"stored": "whole", "partial": "partial: Download continues it",
           "unverified": "not verified"}


def facts(spec: ModelSpec) -> str:
    """One line a user decides on: size and where from, memory, context, kind, licence."""
    host = urlsplit(spec.url).hostname or "this site"
    size = format_bytes(spec.size_bytes)
    if not spec.exact_size:
        size = "about " + size
    parts = [f"{size} download from {host}" if not spec.embedded else f"{size}, built in",
             f"needs about {format_bytes(spec.memory_bytes, None)} of memory"]
    if spec.max_context:
        parts.append(f"context {spec.max_context:,} tokens")
    if spec.quantization:
        parts.append(spec.quantization)
    parts.append(spec.kind)
    if spec.license:
        parts.append(spec.license)
    if spec.languages:
        parts.append(", ".join(_LANGUAGES.get(x, x) for x in spec.languages))
    if spec.good_for:
        parts.append("good for " + ", ".join(spec.good_for))
    if len(spec.files) > 1:
        parts.append(f"{len(spec.files)} files")
    return " · ".join(parts)


def download_label(spec: ModelSpec, stored: bool) -> str:
    """The button says what pressing it costs: the download size, or nothing when stored."""
    if stored or spec.embedded:
        return f"Use {spec.name or spec.id}"
    approx = "" if spec.exact_size else "about "
    return f"Download {spec.name or spec.id} ({approx}{format_bytes(spec.size_bytes)})"


def when(ms: float, now_ms: float | None = None) -> str:
    """"never", "just now", "5 min ago", "3 h ago" or the date."""
    if ms <= 0:
        return "never"
    now = now_ms if now_ms is not None else time.time() * 1000
    ago = max(0.0, (now - ms) / 1000)
    if ago < 60:
        return "just now"
    if ago < 3600:
        return f"{int(ago // 60)} min ago"
    if ago < 86400:
        return f"{int(ago // 3600)} h ago"
    return time.strftime("%Y-%m-%d", time.gmtime(ms / 1000))


def render_storage(rows: list[Row], notes: dict[str, str] | None = None,
                   now_ms: float | None = None) -> str:
    """The storage table: model, engine, size, last used, state, a Delete button per row."""
    notes = notes or {}
    if not rows:
        return '<p class="muted">No models are stored in this browser.</p>'
    head = ("<tr><th>Model</th><th>Engine</th><th>Size</th><th>Last used</th><th>State</th>"
            "<th></th></tr>")
    body = []
    for i, row in enumerate(rows):
        state = notes.get(row.model) or _STATES.get(row.state, row.state)
        body.append(
            f'<tr data-model="{escape(row.model)}" data-engine="{escape(row.engine)}" '
            f'data-state="{escape(row.state)}" data-size="{row.size}">'
            f"<td>{escape(row.model)}</td><td>{escape(row.engine)}</td>"
            f"<td>{escape(row.size_text)}</td><td>{escape(when(row.last_used, now_ms))}</td>"
            f"<td>{escape(state)}</td>"
            f'<td><button type="button" class="link" data-delete="{i}">Delete</button></td>'
            "</tr>")
    return f'<table class="storage"><thead>{head}</thead><tbody>{"".join(body)}</tbody></table>'
