"""What the Models panel shows, as pure functions: a model's facts with its download size
(the consent), the download button's words, and the storage view's table.

Public names: ``facts``, ``download_label``, ``render_storage``, ``when``.

    facts(spec)   # "98.4 MB download from huggingface.co · needs about 148 MB of memory · …"
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from localloom.i18n import N_, _
from localloom.models.catalog import ModelSpec, task_words
from localloom.models.inventory import Row
from localloom.models.progress import format_bytes
from localloom.view.templating import render

__all__ = ["download_label", "facts", "render_storage", "when"]

_LANGUAGES = {"en": N_("English"), "es": N_("Spanish")}
_STATES = {"stored": N_("whole"), "partial": N_("partial: Download continues it"),
           "unverified": N_("not verified")}


def facts(spec: ModelSpec) -> str:
    """One line a user decides on: size and where from, memory, context, kind, licence."""
    host = urlsplit(spec.url).hostname or _("this site")
    size = format_bytes(spec.size_bytes)
    if not spec.exact_size:
        size = _("about {size}").format(size=size)
    parts = [_("{size} download from {host}").format(size=size, host=host)
             if not spec.embedded else _("{size}, built in").format(size=size),
             _("needs about {memory} of memory").format(
                 memory=format_bytes(spec.memory_bytes, None))]
    if spec.max_context:
        parts.append(_("context {tokens} tokens").format(tokens=f"{spec.max_context:,}"))
    if spec.quantization:
        parts.append(spec.quantization)
    parts.append(spec.kind)
    if spec.license:
        parts.append(spec.license)
    if spec.languages:
        parts.append(", ".join(_(_LANGUAGES[x]) if x in _LANGUAGES else x
                               for x in spec.languages))
    if spec.good_for:
        parts.append(_("good for {tasks}").format(tasks=task_words(spec.good_for)))
    if len(spec.files) > 1:
        parts.append(_("{count} files").format(count=len(spec.files)))
    return " · ".join(parts)


def download_label(spec: ModelSpec, stored: bool) -> str:
    """The button says what pressing it costs: the download size, or nothing when stored."""
    name = spec.name or spec.id
    if stored or spec.embedded:
        return _("Use {model}").format(model=name)
    size = format_bytes(spec.size_bytes)
    if not spec.exact_size:
        size = _("about {size}").format(size=size)
    return _("Download {model} ({size})").format(model=name, size=size)


def when(ms: float, now_ms: float | None = None) -> str:
    """"never", "just now", "5 min ago", "3 h ago" or the date."""
    if ms <= 0:
        return _("never")
    now = now_ms if now_ms is not None else time.time() * 1000
    ago = max(0.0, (now - ms) / 1000)
    if ago < 60:
        return _("just now")
    if ago < 3600:
        return _("{minutes} min ago").format(minutes=int(ago // 60))
    if ago < 86400:
        return _("{hours} h ago").format(hours=int(ago // 3600))
    return time.strftime("%Y-%m-%d", time.gmtime(ms / 1000))


def render_storage(rows: list[Row], notes: dict[str, str] | None = None,
                   now_ms: float | None = None) -> str:
    """The storage table: model, engine, size, last used, state, a Delete button per row."""
    notes = notes or {}
    shown = [{"model": row.model, "engine": row.engine, "raw_state": row.state,
              "size": row.size, "size_text": row.size_text,
              "when": when(row.last_used, now_ms),
              "state": notes.get(row.model) or (_(_STATES[row.state]) if row.state in _STATES
                                                 else row.state)}
             for row in rows]
    return render("storage.html.j2", rows=shown)
