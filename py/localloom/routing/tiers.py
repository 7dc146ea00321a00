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

from localloom.i18n import _
from localloom.models.catalog import ENGINE_NAMES, ModelSpec, task_words
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
        return kept + [f"- {reason}" for _engine, _id, reason in self.skipped] + self.notes


def _chrome(task: str, caps: Capabilities, prefs: Preferences, plan: Plan) -> list[PlanStep]:
    apis = ("Summarizer", "LanguageModel") if task == "summary" else ("LanguageModel",)
    steps = []
    for api in apis:
        state, who = caps.chrome_ai_state(api), _("Chrome built-in AI ({api})").format(api=api)
        step = PlanStep("chrome", api, "", label=who)
        if state == "available":
            steps.append(_with(step, _("{who}: ready on this device").format(who=who)))
        elif state == "downloading":
            steps.append(_with(step, _("{who}: Chrome is downloading its model; it continues "
                                       "when you press the button").format(who=who),
                               gesture=True))
        elif state == "downloadable" and not prefs.allow_downloads:
            plan.skipped.append(("chrome", api, _(
                "{who}: skipped, Chrome would first download its model (several GB); allow "
                "downloads in Settings").format(who=who)))
        elif state == "downloadable" and not caps.online:
            plan.skipped.append(("chrome", api, _(
                "{who}: skipped, it needs a download and the browser is offline").format(
                who=who)))
        elif state == "downloadable":
            steps.append(_with(step, _("{who}: Chrome downloads its model when you press the "
                                       "button").format(who=who), gesture=True))
        elif state == "absent":
            plan.skipped.append(("chrome", api, _(
                "{who}: not in this browser (no {api} API)").format(who=who, api=api)))
        else:
            plan.skipped.append(("chrome", api, _(
                "{who}: unavailable on this device ({api} said '{state}')").format(
                who=who, api=api, state=state)))
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
        if m.good_for and plan.task not in m.good_for:
            if prefs.preferred_engine != m.engine:
                # a 135M model without a grammar spent minutes on outlines it cut off after
                # a few tokens, after the embedded model's own re-asks had failed
                plan.skipped.append((m.engine, m.id, _(
                    "{label}: skipped, too small for this task; it writes {tasks}").format(
                    label=m.label, tasks=task_words(m.good_for))))
                continue
            plan.notes.append(_(
                "{label} is your preferred engine, but it is too small for this task and will "
                "likely fail; it writes {tasks}.").format(
                label=m.label, tasks=task_words(m.good_for)))
        if m.requires_webgpu and not caps.has_webgpu:
            if caps.gpu_error:
                why = _("{label}: skipped, no WebGPU adapter ({error})").format(
                    label=m.label, error=caps.gpu_error)
            else:
                why = _("{label}: skipped, no WebGPU adapter").format(label=m.label)
            plan.skipped.append((m.engine, m.id, why))
            continue
        if not have and not prefs.allow_downloads:
            plan.skipped.append((m.engine, m.id, _(
                "{label}: needs a {size} download; allow downloads in Settings").format(
                label=m.label, size=size)))
            continue
        if not have and not caps.online:
            plan.skipped.append((m.engine, m.id, _(
                "{label}: needs a {size} download and the browser is offline").format(
                label=m.label, size=size)))
            continue
        ok, why = fits_device(m.size_bytes, caps, m.engine, model_id=m.id, cached=have,
                              needs_webgpu=m.requires_webgpu, needs_f16=m.needs_f16 or None)
        if not ok and not m.embedded:
            plan.skipped.append((m.engine, m.id, _("{label}: skipped, {why}").format(
                label=m.label, why=why)))
            continue
        gpu = m.on_gpu and caps.gpu is not None and not caps.gpu.is_fallback  # SwiftShader: CPU
        if m.embedded:
            reason = _local_reason(gpu, ok).format(label=m.label, why=why)
        elif have:
            reason = (_("{label}: already downloaded, runs on the GPU") if gpu else
                      _("{label}: already downloaded, runs on the CPU")).format(label=m.label)
        else:
            reason = _("{label}: needs a {size} download (allowed), {why}").format(
                label=m.label, size=size, why=why)
        step = PlanStep(m.engine, m.id, reason, label=m.label)
        key = (0 if gpu else 1, -m.quality, m.embedded, m.size_bytes)
        (ready if have else download).append((key, step))
    return ([s for _key, s in sorted(ready, key=lambda x: x[0])],
            [s for _key, s in sorted(download, key=lambda x: x[0])])


def _local_reason(gpu: bool, ok: bool) -> str:
    """The reason template of the embedded model (``{label}``, ``{why}``), in full sentences."""
    if gpu:
        return (_("{label}: built into the app, runs on the GPU on any device") if ok else
                _("{label}: built into the app, runs on the GPU on any device (may struggle: "
                  "{why})"))
    return (_("{label}: built into the app, runs on the CPU on any device") if ok else
            _("{label}: built into the app, runs on the CPU on any device (may struggle: {why})"))


def is_loopback(url: str) -> bool:
    """True for a URL on this device (localhost, 127.x, ::1): it works offline, stays here."""
    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "::1") or host.endswith(".localhost") or host.startswith("127.")


def _cloud(caps: Capabilities, prefs: Preferences, plan: Plan) -> list[PlanStep]:
    if not prefs.cloud_providers:
        plan.skipped.append(("openai", None, _("Cloud providers: none enabled (add an API key "
                                               "in Settings to use one as a last resort)")))
    steps = []
    for pid in dict.fromkeys(prefs.cloud_providers):
        name = CLOUD_NAMES.get(pid, pid)
        local = pid == "custom" and is_loopback(prefs.custom_base_url)
        if pid == "custom" and not prefs.custom_base_url:
            plan.skipped.append(("openai", pid, _("{name}: skipped, no base URL is set").format(
                name=name)))
        elif prefs.on_device_only:  # strict: not even a server on localhost
            plan.skipped.append(("openai", pid, _("{name}: skipped, 'on-device only' is on").format(
                name=name)))
        elif not caps.online and not local:
            plan.skipped.append(("openai", pid, _("{name}: skipped, the browser is offline").format(
                name=name)))
        else:
            why = (_("{name}: a server on this device") if local else
                   _("{name}: cloud, with your key; the text goes to {name}'s servers")).format(
                name=name)
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
            name = _(ENGINE_NAMES.get(pref, "")) or CLOUD_NAMES.get(pref, pref)
            plan.notes.append(_("Preferred engine {name} cannot run here; using the usual "
                                "order.").format(name=name))
    return plan
