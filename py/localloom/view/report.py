"""HTML for task results and for the tier report ("which engine served this, and why").

Public names: ``render_result``, ``render_tiers``, ``served_line``. Pure, tested in CPython;
the HTML comes from jinja2 templates with autoescape (``view/templates``)::

    html = render_tiers(plan, attempts)   # plan.explain() lines + each attempt's outcome
    served_line(outcome, 12.0)            # "Served by … in 12 s, on this device. Groq failed…"
    privacy_line(settings.preferences())  # the header's promise, true to the settings
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from localloom.course.schema import Classification, Summary, Tags
from localloom.routing.tiers import CLOUD_NAMES, is_loopback
from localloom.view.templating import render

__all__ = ["privacy_line", "render_result", "render_tiers", "served_line"]


def _where(step: Any, custom_url: str) -> str:
    if step.engine == "openai":
        name = CLOUD_NAMES.get(step.provider, step.provider)
        if step.provider == "custom" and is_loopback(custom_url):
            return f"on this device, through your server at {urlsplit(custom_url).netloc}"
        if step.provider == "custom":
            return f"on your server at {urlsplit(custom_url).netloc}, with your settings"
        return f"in the cloud ({name}), with your key"
    if step.engine == "chrome":
        return "on this device (Chrome built-in AI)"
    return "on this device"


def served_line(outcome: Any, elapsed: float, *, custom_url: str = "", model: str = "",
                model_from_server: bool = False) -> str:
    """Who served the result, where it ran, and — said at once — every tier that failed first.

    ``outcome`` is a ``fallback.Outcome``; ``custom_url`` the custom provider's base URL (a
    server on loopback runs on this device, not in the cloud); ``model`` the cloud model that
    answered, ``model_from_server`` when the user left it blank and the server picked it.
    """
    step = outcome.served_by
    line = f"Served by {step.label or step.engine} in {elapsed:.0f} s, {_where(step, custom_url)}."
    if model and step.engine == "openai":
        line += f" Model {model}" + (" (the first the server lists; set one in Settings to "
                                     "choose)" if model_from_server else "") + "."
    failed = [a for a in outcome.attempts if not a.ok and not a.retry and a.step != step]
    for attempt in failed:
        label = getattr(attempt.step, "label", "") or attempt.step.engine
        line += f" {label} failed first: {attempt.message}"
    return line


def render_result(result: Any) -> str:
    """A summary, tags or classification as HTML."""
    kind = {Summary: "summary", Tags: "tags", Classification: "classify"}.get(type(result), "")
    return render("result.html.j2", kind=kind, result=result)


def render_tiers(plan: Any, attempts: list[Any]) -> str:
    """The plan (kept tiers in order, skipped tiers with reasons) and what each try did; a
    failed try says its cause and fix too, since the error box shows only the last failure."""
    rows = []
    for a in attempts:
        error = getattr(a, "error", None)
        rows.append({"ok": a.ok, "retry": a.retry, "message": a.message, "elapsed": a.elapsed,
                     "label": getattr(a.step, "label", "") or getattr(a.step, "engine", ""),
                     "cause": getattr(error, "cause", "") if not a.ok else "",
                     "fix": getattr(error, "fix", "") if not a.ok else ""})
    return render("tiers.html.j2", attempts=rows, reasons=plan.explain())


def privacy_line(prefs: Any) -> str:
    """Whether anything leaves this device, in one sentence true to ``tiers.Preferences``."""
    if prefs.on_device_only or not prefs.cloud_providers:
        return "Nothing leaves this device."
    first = prefs.preferred_engine
    if first in prefs.cloud_providers:
        if first == "custom" and is_loopback(prefs.custom_base_url):
            return (f"Your text goes first to your server at "
                    f"{urlsplit(prefs.custom_base_url).netloc}, on this device.")
        where = (urlsplit(prefs.custom_base_url).netloc if first == "custom"
                 else CLOUD_NAMES.get(first, first))
        return f"Your text goes first to {where}, your preferred engine in Settings."
    return ("Cloud providers you enabled in Settings get your text only when the engines on "
            "this device fail.")
