"""HTML of the library panel's list, as pure functions (the panel only inserts it).

Public names: ``render_library``, ``render_undo``, ``record_line``.

Each row shows the title, status, language, level, date, size and which engines and models
wrote the course; its buttons carry ``data-action`` and ``data-id`` for the panel's one click
handler. Every word comes from ``library.messages.MESSAGES``::

    render_library(await store.summaries(), editing="")
"""

from __future__ import annotations

from localloom.library.messages import MESSAGES
from localloom.library.records import RecordSummary
from localloom.models.progress import format_bytes
from localloom.view.templating import render

__all__ = ["record_line", "render_library", "render_undo"]


class _Words:
    def __getattr__(self, name: str) -> str:
        return MESSAGES[name]


def record_line(summary: RecordSummary) -> str:
    """``finished · en · beginner · 2026-11-29 · 12 KB · openai (llama)``."""
    parts = [MESSAGES[f"status_{summary.status}"], summary.language, summary.level,
             summary.updated[:10], format_bytes(summary.size), ", ".join(summary.writers)]
    return " · ".join(p for p in parts if p)


def render_library(summaries: list[RecordSummary], editing: str = "") -> str:
    items = [{"id": s.id, "title": s.title or MESSAGES["untitled"], "status": s.status,
              "line": record_line(s)} for s in summaries]
    return render("library.html.j2", items=items, editing=editing, msg=_Words())


def render_undo(text: str, record_id: str) -> str:
    return render("undo.html.j2", text=text, record_id=record_id, label=MESSAGES["undo"])
