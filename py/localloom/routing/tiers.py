"""Routing policy: (task, capabilities, cache, consent, settings) → an ordered plan of engines.

Public names: ``TASKS``, ``CLOUD_NAMES``, ``ModelSpec``, ``Preferences``, ``PlanStep``,
``Plan``, ``make_plan``; ``run_plan`` and ``Outcome`` are re-exported from
``localloom.routing.fallback``. Pure: ``capabilities.probe()`` and ``storage`` supply the inputs.
Example::

    >>> gemma = ModelSpec("gemma-3-270m-q4_k_m", "wllama", 253_000_000, 2048, embedded=True)
    >>> plan = make_plan("summary", Capabilities(chrome_ai={"Summarizer": "available"}),
    ...                  catalog=[gemma])
    >>> [s.label for s in plan.steps]
    ['Chrome built-in AI (Summarizer)', 'wllama gemma-3-270m-q4_k_m']

Policy:

- summary/tags/classify: Chrome built-in AI first (Summarizer, then LanguageModel, for a
  summary; LanguageModel otherwise), then local models, then cloud.
- course: local models that are downloaded or embedded first (WebGPU engines first when
  WebGPU exists, then by quality; the embedded wllama model works on any CPU), then Chrome's
  LanguageModel, then local models that need a download, then cloud.
- Chrome: "available" runs. "downloading" and "downloadable" need a user gesture
  (``needs_gesture``). "downloadable" also needs ``allow_downloads``, because Chrome would
  download several GB.
- A model that is not cached runs only with ``allow_downloads``, online, and when
  ``diagnostics.fits_device`` agrees. The embedded model is never dropped for a fit guess.
- Cloud providers run in the user's order, only when enabled (key present), online, and not
  blocked by ``on_device_only``, which is strict: with it on, no request leaves the page's
  origin, not even to a server on localhost. A custom URL on loopback (Ollama) still runs
  while the browser is offline.
- ``preferred_engine`` (an engine or a provider id) moves its steps first.

Every step kept has a ``reason``, and every tier left out has a ``(engine, id, reason)`` entry
in ``plan.skipped``. The id there is the model id, the Chrome API or the provider id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from localloom.models.catalog import ENGINE_NAMES, ModelSpec
from localloom.routing.device import Capabilities
from localloom.routing.diagnostics import fits_device, format_bytes
from localloom.routing.fallback import Outcome, run_plan

__all__ = [
    "CLOUD_NAMES", "TASKS", "ModelSpec", "Outcome", "Plan", "PlanStep", "Preferences",
    "is_loopback", "make_plan", "run_plan",
]  # fmt: skip

TASKS = ("course", "summary", "tags", "classify")
CLOUD_NAMES = {
    "groq": "Groq", "together": "Together", "hf": "Hugging Face router",
    "openrouter": "OpenRouter", "custom": "Custom server",
}  # fmt: skip

Skip = tuple[str, str | None, str]  # (engine, model id / Chrome API / provider id, reason)


@dataclass(frozen=True)
class Preferences:
    preferred_engine: str | None = None  # "webllm", "chrome", "groq", …
    on_device_only: bool = False  # the privacy switch: nothing leaves the device
    allow_downloads: bool = False  # consent to download models (the embedded one needs none)
    cloud_providers: tuple[str, ...] = ()  # enabled, with a key, in the user's order
    custom_base_url: str = ""  # used by the "custom" provider (Ollama, llama-server, …)


@dataclass(frozen=True)
class PlanStep:
    engine: str  # "chrome", "webllm", "wllama", "transformers", "openai"
    model_id: str  # local model id; Chrome API name; "" for cloud (provider's own setting)
    reason: str
    needs_gesture: bool = False  # start it from a click (Chrome's model download)
    provider: str = ""  # cloud provider id
    label: str = ""


@dataclass
class Plan:
    task: str
    steps: list[PlanStep] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def explain(self) -> list[str]:
        """Lines for the page: each tier kept, in order, then each tier skipped."""
        kept = [f"{i}. {s.reason}" for i, s in enumerate(self.steps, 1)]
        return kept + [f"- {reason}" for _, _, reason in self.skipped] + self.notes


def _chrome(task: str, caps: Capabilities, prefs: Preferences, plan: Plan) -> list[PlanStep]:
    apis = ("Summarizer", "LanguageModel") if task == "summary" else ("LanguageModel",)
    steps = []
    for api in apis:
        state, who = caps.chrome_ai_state(api), f"Chrome built-in AI ({api})"
        step = PlanStep("chrome", api, "", label=who)
        if state == "available":
            steps.append(_with(step, f"{who}: ready on this device"))
        elif state == "downloading":
            steps.append(_with(step, f"{who}: Chrome is downloading its model; it continues "
                               "when you press the button", gesture=True))
        elif state == "downloadable" and not prefs.allow_downloads:
            plan.skipped.append(("chrome", api, f"{who}: skipped, Chrome would first download "
                                 "its model (several GB); allow downloads in Settings"))
        elif state == "downloadable" and not caps.online:
            plan.skipped.append(("chrome", api, f"{who}: skipped, it needs a download and the "
                                 "browser is offline"))
        elif state == "downloadable":
            steps.append(_with(step, f"{who}: Chrome downloads its model when you press the "
                               "button", gesture=True))
        elif state == "absent":
            plan.skipped.append(("chrome", api, f"{who}: not in this browser (no {api} API)"))
        else:
            plan.skipped.append(("chrome", api, f"{who}: unavailable on this device ({api} "
                                 f"said '{state}')"))
    return steps


def _with(step: PlanStep, reason: str, gesture: bool = False) -> PlanStep:
    return PlanStep(step.engine, step.model_id, reason, gesture, step.provider, step.label)


def _local(caps: Capabilities, cached: set[str], prefs: Preferences, catalog: Iterable[ModelSpec],
           plan: Plan) -> tuple[list[PlanStep], list[PlanStep]]:
    """(ready: embedded or cached, download: allowed and fitting), each in preference order."""
    ready: list[tuple[tuple, PlanStep]] = []
    download: list[tuple[tuple, PlanStep]] = []
    for m in catalog:
        have = m.embedded or m.id in cached
        size = format_bytes(m.size_bytes, None)
        if m.requires_webgpu and not caps.has_webgpu:
            why = f" ({caps.gpu_error})" if caps.gpu_error else ""
            plan.skipped.append((m.engine, m.id, f"{m.label}: skipped, no WebGPU adapter{why}"))
            continue
        if not have and not prefs.allow_downloads:
            plan.skipped.append((m.engine, m.id, f"{m.label}: needs a {size} download; allow "
                                 "downloads in Settings"))
            continue
        if not have and not caps.online:
            plan.skipped.append((m.engine, m.id, f"{m.label}: needs a {size} download and the "
                                 "browser is offline"))
            continue
        ok, why = fits_device(m.size_bytes, caps, m.engine, model_id=m.id, cached=have,
                              needs_webgpu=m.requires_webgpu, needs_f16=m.needs_f16 or None)
        if not ok and not m.embedded:
            plan.skipped.append((m.engine, m.id, f"{m.label}: skipped, {why}"))
            continue
        gpu = m.on_gpu and caps.gpu is not None and not caps.gpu.is_fallback  # SwiftShader: CPU
        where = "on the GPU" if gpu else "on the CPU"
        if m.embedded:
            reason = f"{m.label}: built into the app, runs {where} on any device"
            reason += "" if ok else f" (may struggle: {why})"
        elif have:
            reason = f"{m.label}: already downloaded, runs {where}"
        else:
            reason = f"{m.label}: needs a {size} download (allowed), {why}"
        step = PlanStep(m.engine, m.id, reason, label=m.label)
        key = (0 if gpu else 1, -m.quality, m.embedded, m.size_bytes)
        (ready if have else download).append((key, step))
    return ([s for _, s in sorted(ready, key=lambda x: x[0])],
            [s for _, s in sorted(download, key=lambda x: x[0])])


def is_loopback(url: str) -> bool:
    """True for a URL on this device (localhost, 127.x, ::1): it works offline, stays here."""
    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "::1") or host.endswith(".localhost") or host.startswith("127.")


def _cloud(caps: Capabilities, prefs: Preferences, plan: Plan) -> list[PlanStep]:
    if not prefs.cloud_providers:
        plan.skipped.append(("openai", None, "Cloud providers: none enabled (add an API key in "
                             "Settings to use one as a last resort)"))
    steps = []
    for pid in dict.fromkeys(prefs.cloud_providers):
        name = CLOUD_NAMES.get(pid, pid)
        local = pid == "custom" and is_loopback(prefs.custom_base_url)
        if pid == "custom" and not prefs.custom_base_url:
            plan.skipped.append(("openai", pid, f"{name}: skipped, no base URL is set"))
        elif prefs.on_device_only:  # strict: not even a server on localhost
            plan.skipped.append(("openai", pid, f"{name}: skipped, 'on-device only' is on"))
        elif not caps.online and not local:
            plan.skipped.append(("openai", pid, f"{name}: skipped, the browser is offline"))
        else:
            why = (f"{name}: a server on this device" if local
                   else f"{name}: cloud, with your key; the text goes to {name}'s servers")
            steps.append(PlanStep("openai", "", why, provider=pid, label=name))
    return steps


def make_plan(
    task: str,
    caps: Capabilities,
    *,
    cached: Iterable[str] = (),
    prefs: Preferences | None = None,
    catalog: Iterable[ModelSpec] = (),
) -> Plan:
    """The ordered tiers for ``task`` on this device, with a reason for each kept or skipped."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    prefs = prefs or Preferences()
    plan = Plan(task)
    chrome = _chrome(task, caps, prefs, plan)
    ready, download = _local(caps, set(cached), prefs, catalog, plan)
    cloud = _cloud(caps, prefs, plan)
    if task == "course":
        plan.steps = ready + chrome + download + cloud
    else:
        plan.steps = chrome + ready + download + cloud
    pref = prefs.preferred_engine
    if pref:
        mine = [s for s in plan.steps if pref in (s.engine, s.provider)]
        if mine:
            plan.steps = mine + [s for s in plan.steps if s not in mine]
        else:
            name = ENGINE_NAMES.get(pref) or CLOUD_NAMES.get(pref, pref)
            plan.notes.append(f"Preferred engine {name} cannot run here; using the usual order.")
    return plan
