"""HTML for task results and for the tier report ("which engine served this, and why").

Public names: ``render_result``, ``render_tiers``. Pure, escaped, tested in CPython::

    html = render_tiers(plan, attempts)   # plan.explain() lines + each attempt's outcome
"""

from __future__ import annotations

from html import escape
from typing import Any

from .schema import Classification, Summary, Tags

__all__ = ["render_result", "render_tiers"]


def render_result(result: Any) -> str:
    """A summary, tags or classification as HTML."""
    if isinstance(result, Summary):
        points = "".join(f"<li>{escape(p)}</li>" for p in result.key_points)
        return (f'<p class="summary">{escape(result.summary)}</p>'
                + (f"<ul>{points}</ul>" if points else ""))
    if isinstance(result, Tags):
        return "<p class=\"tags\">" + " ".join(
            f'<span class="pill">{escape(t)}</span>' for t in result.tags) + "</p>"
    if isinstance(result, Classification):
        return (f'<p class="label"><strong>{escape(result.label)}</strong></p>'
                f'<p class="muted">{escape(result.reason)}</p>')
    return f"<pre>{escape(str(result))}</pre>"


def render_tiers(plan: Any, attempts: list[Any]) -> str:
    """The plan (kept tiers in order, skipped tiers with reasons) and what each try did."""
    items = []
    for attempt in attempts:
        css = ' class="served"' if attempt.ok else ""
        label = getattr(attempt.step, "label", "") or getattr(attempt.step, "engine", "")
        what = "served the result" if attempt.ok else f"failed: {attempt.message}"
        retry = " (retry)" if attempt.retry else ""
        items.append(f"<li{css}>{escape(label)}{retry}: {escape(what)} "
                     f'<span class="muted">({attempt.elapsed:.1f} s)</span></li>')
    for line in plan.explain():
        items.append(f'<li class="muted">{escape(line)}</li>')
    return "".join(items)
