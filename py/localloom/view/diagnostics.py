"""What the Diagnostics panel shows, as pure functions: the environment facts preflight reads,
each model's verdict and the recommended one, the live load log with its stage timings, the
engines' self-tests, and the debug report a user copies into a bug report.

Public names: ``SelfTest``, ``render_environment``, ``service_worker``, ``render_preflight``,
``render_load_log``, ``render_selftests``, ``debug_report``, ``SELFTEST_PROMPT``.

    debug_report(caps, JOURNAL.logs, tests, found, settings, build="0123abcd")  # JSON text

The report carries facts, never secrets or the user's words: no API key, no provider URL, no
topic or course text; every value a key could hide in is left out, and as a second guard any
saved key that still appears is replaced by ``[redacted]``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from localloom import i18n
from localloom.i18n import N_, _, ngettext
from localloom.models.loadstate import FAILED, LoadLog
from localloom.models.progress import format_bytes
from localloom.routing.device import Capabilities
from localloom.routing.diagnostics import classify_js_error
from localloom.routing.preflight import EMBEDDED_NOTE, Verdict, verdict
from localloom.settings import Settings
from localloom.view.templating import render

__all__ = ["SELFTEST_PROMPT", "SelfTest", "debug_report", "render_environment",
           "render_load_log", "render_preflight", "render_selftests", "service_worker"]

SELFTEST_PROMPT = "The three primary colours are"  # a tiny completion any model can continue
REDACTED = "[redacted]"
# The self-test states are identifiers (data-state, the debug report), translated where shown.
SELFTEST_STATES = (N_("pass"), N_("fail"), N_("skipped"))


@dataclass(frozen=True)
class SelfTest:
    """One engine's self-test: a tiny generation, or why it did not run."""

    engine: str
    model: str = ""
    state: str = "skipped"  # "pass", "fail", "skipped"
    tokens: int = 0
    seconds: float = 0.0
    note: str = ""

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict:
        return {"engine": self.engine, "model": self.model, "state": self.state,
                "tokens": self.tokens, "seconds": round(self.seconds, 3),
                "tokens_per_s": round(self.tokens_per_s, 2), "note": self.note}


def _environment(caps: Capabilities) -> dict:
    gpu = caps.gpu
    return {
        "webgpu_adapter": None if gpu is None else {
            "vendor": gpu.vendor, "architecture": gpu.architecture,
            "is_fallback": gpu.is_fallback, "features": list(gpu.features),
            "max_buffer_size": gpu.max_buffer_size,
            "max_storage_buffer_binding_size": gpu.max_storage_buffer_binding_size},
        "webgpu_error": caps.gpu_error,
        "device_memory_gb": caps.device_memory_gb,
        "storage": {"usage": caps.storage.usage, "quota": caps.storage.quota,
                    "free": caps.storage.free, "persisted": caps.storage.persisted},
        "cross_origin_isolated": caps.cross_origin_isolated,
        "threads": caps.threads, "hardware_concurrency": caps.hardware_concurrency,
        "secure_context": caps.secure_context, "online": caps.online,
        "chrome_ai": dict(caps.chrome_ai), "user_agent": caps.user_agent,
    }


def render_environment(caps: Capabilities, worker: dict | None = None) -> str:
    """The facts preflight decides on, one row each, in the interface language; ``worker``:
    the offline copy's state (``service_worker``'s answer)."""
    gpu = caps.gpu
    if gpu is None:
        adapter = _("none — {reason}").format(
            reason=caps.gpu_error or _("navigator.gpu gave no adapter"))
    else:
        name = " ".join(x for x in (gpu.vendor, gpu.architecture) if x) or _("unknown")
        adapter = _("{name} — a software fallback, not a GPU").format(name=name) \
            if gpu.is_fallback else _("{name} — a GPU").format(name=name)
    storage = caps.storage
    rows = [
        (_("WebGPU adapter"), adapter),
        (_("GPU features"), ", ".join(gpu.features) if gpu and gpu.features else _("none")),
        (_("Device memory"), _("unknown") if caps.device_memory_gb is None
         else _("{memory} GB (the browser reports at most 8)").format(
             memory=f"{caps.device_memory_gb:g}")),
        (_("Storage"), _("unknown") if not storage.quota else
         _("{used} used of {quota}, {free} free").format(
             used=format_bytes(storage.usage), quota=format_bytes(storage.quota),
             free=format_bytes(storage.free))),
        (_("Persistent storage"), _("yes") if storage.persisted else
         _("no — the browser may evict downloaded models when the disk runs low")),
        (_("Cross-origin isolated"), ngettext("yes — {threads} thread", "yes — {threads} threads",
                                              caps.threads).format(threads=caps.threads)
         if caps.cross_origin_isolated else _("no — local models run on 1 thread")),
        (_("Secure context"), _("yes") if caps.secure_context else
         _("no — WebGPU and offline use need https:// or localhost")),
    ]
    if worker is not None:
        error = worker.get("error")
        rows.append((_("Offline copy (service worker)"), _("active") if worker.get("controlled")
                     else _("{what} {cause} Fix: {fix}").format(**error) if error
                     else _("not active yet (it takes over after the first load)")))
    return render("diagnostics_env.html.j2", rows=rows)


def service_worker(controlled: bool, raw_error: str = "") -> dict:
    """The offline copy's state for the panel and the report: whether a worker controls the
    page, and its registration error (``"Name: message"`` as the page recorded it) as a
    LocalLoom error's what, cause and fix."""
    state: dict = {"controlled": controlled, "error": None}
    if raw_error:
        name, _, message = raw_error.partition(": ")
        err = classify_js_error(name, message, engine="page", stage="install")
        state["error"] = {"kind": err.kind, "what": err.what, "cause": err.cause or "",
                          "fix": err.fix or "", "detail": raw_error}
    return state


def render_preflight(found: Iterable[Verdict], best: Verdict | None) -> str:
    """Each model's verdict, and the one recommended for a course here."""
    return render("diagnostics_preflight.html.j2", verdicts=list(found), best=best,
                  note=EMBEDDED_NOTE)


def render_load_log(logs: Iterable[LoadLog]) -> str:
    """The newest loads first: per stage its seconds and note; a failure with cause and fix."""
    rows = [(log, [(step, t) for step, (_, t) in zip(log.steps, log.timings(), strict=True)])
            for log in list(logs)[::-1]]
    return render("diagnostics_log.html.j2", logs=rows, failed=FAILED)


def render_selftests(tests: Iterable[SelfTest]) -> str:
    return render("diagnostics_selftest.html.j2", tests=list(tests))


def _settings(settings: Settings | None) -> dict:
    if settings is None:
        return {}
    return {
        "on_device_only": settings.on_device_only, "allow_downloads": settings.allow_downloads,
        "preferred_engine": settings.preferred_engine,
        "fixed_seed": settings.seed is not None,
        "providers": [{"id": p.id, "enabled": p.enabled, "has_key": bool(p.key)}
                      for p in settings.providers.values()],
    }


@contextmanager
def _english() -> Iterator[None]:
    """The report is for a bug report, so it is English whatever the interface speaks."""
    shown = i18n.language()
    i18n.set_language("en")
    try:
        yield
    finally:
        i18n.set_language(shown)


def debug_report(caps: Capabilities, logs: Iterable[LoadLog], tests: Iterable[SelfTest],
                 found: Iterable[Verdict], settings: Settings | None = None, *,
                 build: str = "", local_model: str = "", worker: dict | None = None) -> str:
    """The report as indented JSON text (see the module docstring for what it leaves out).

    It is English: preflight's reasons and the offline copy's error are worded again in English;
    a load's or self-test's sentences stay as they were recorded (their kind, stages and the
    original JS error are English identifiers anyway)."""
    with _english():
        found = [verdict(v.spec, caps, cached=v.cached) for v in found]
        if worker and worker.get("error"):
            worker = service_worker(bool(worker.get("controlled")), worker["error"]["detail"])
    data = {
        "localloom_build": build,
        "environment": _environment(caps),
        "service_worker": worker or {},
        "local_model": local_model,
        "loads": [log.as_dict() for log in logs],
        "self_tests": [t.as_dict() for t in tests],
        "preflight": [{"model": v.spec.id, "engine": v.spec.engine, "verdict": v.state,
                       "because": v.because} for v in found],
        "settings": _settings(settings),
    }
    text = json.dumps(data, indent=1, ensure_ascii=False)
    secrets = [p.key for p in (settings.providers.values() if settings else ()) if p.key]
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text
