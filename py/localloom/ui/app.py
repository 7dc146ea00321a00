"""The page controller: binds the DOM to the pure core and the engines.

Public names: ``start`` (PyScript's entry point calls it), ``App``, ``SIZES``.

The shell (index.html, boot.js) renders before Python; ``start`` probes the device, shows
the report, restores the last form and course, enables Generate and marks
``<body data-state="ready">``. A generation runs the routing plan (``tiers``) through the
fallback runner, streams tokens into the page, renders the course as it is written and
checkpoints every finished step, so Cancel or a reload resumes instead of starting over.
``window.localloom.speedTest(n)`` measures the loaded model (used by ``build.py bench``).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import time

import js
from pyodide.ffi import create_proxy

from localloom.browser.capabilities import probe
from localloom.browser.storage import BrowserStore, local_storage
from localloom.course import parse_bench
from localloom.course.generator import GenerationEvent
from localloom.engine import CancelToken, GenerateRequest
from localloom.engines.chrome_ai import detect_language
from localloom.engines.download import stored_copy
from localloom.engines.webllm import cached_models
from localloom.engines.wllama import WllamaEngine
from localloom.errors import EngineError, GenerationCancelled, LocalLoomError, QualityError
from localloom.i18n import _, pick_language
from localloom.language import detect
from localloom.models.catalog import WEBLLM_MODELS, embedded_spec, transformers_specs
from localloom.models.modelfile import embedded_model
from localloom.models.progress import LoadProgress, format_bytes
from localloom.routing.device import Capabilities
from localloom.routing.fallback import FallbackEvent, run_plan
from localloom.routing.tiers import make_plan
from localloom.ui import transformers_tier
from localloom.ui.diagnostics_panel import DiagnosticsPanel
from localloom.ui.dispatch import Dispatcher, TaskInput
from localloom.ui.dom import el as _el
from localloom.ui.library_panel import LibraryPanel
from localloom.ui.models_panel import ModelsPanel
from localloom.ui.page_language import apply_language, browser_languages
from localloom.ui.panels import COURSE, TEXT, Panel
from localloom.ui.settings_panel import SettingsPanel
from localloom.view.form import SIZES, read_form, restore_form
from localloom.view.rawlog import RawLog
from localloom.view.render import (
    grow_draft,
    render_capabilities,
    render_choices,
    render_course,
    render_error,
)
from localloom.view.report import privacy_line, render_result, render_tiers, served_line
from localloom.view.runreport import RunReport

__all__ = ["SIZES", "App", "start"]

#: The model that ships with the app, with the build's facts (url, size, sha256).
EMBEDDED = embedded_spec()
EMBEDDED_URL = EMBEDDED.url



class _Tap:
    """Wraps an engine so the page sees every raw token the model writes."""

    def __init__(self, engine, sink) -> None:
        self._engine, self._sink = engine, sink
        self.name = engine.name
        self.context_window, self.chat = engine.context_window, engine.chat

    @property
    def model_id(self) -> str:  # a cloud engine may learn its model from the server
        return self._engine.model_id

    @property
    def schema_bounds(self):  # None: schema.enforces_bounds decides by the engine's name
        return getattr(self._engine, "schema_bounds", None)

    def count_tokens(self, text: str) -> int:
        return self._engine.count_tokens(text)

    async def generate(self, request: GenerateRequest, on_token=None, cancel=None) -> str:
        self._sink(None)  # a new call: start a new raw block

        def both(delta: str) -> None:
            self._sink(delta)
            if on_token is not None:
                on_token(delta)
        return await self._engine.generate(request, on_token=both, cancel=cancel)


class App:
    def __init__(self) -> None:
        self.caps = Capabilities()
        self.store = BrowserStore(local_storage())
        self.settings_panel = SettingsPanel(self.store, on_language=self._switch_language)
        self.library = LibraryPanel(self)
        self.dispatcher: Dispatcher | None = None
        self.engine = WllamaEngine(EMBEDDED_URL, EMBEDDED.id,
                                   context_window=EMBEDDED.context_window,
                                   size_bytes=EMBEDDED.size_bytes)
        self.local_spec = EMBEDDED  # the Models panel switches both to a downloaded model
        self.cancel: CancelToken | None = None
        self.panel = COURSE
        self.unsaved = ""  # why the last checkpoint of this run could not be saved
        self.raw = RawLog()  # bounded: the panel shows the tail of a long answer
        self.report = RunReport()  # what the last run did: the raw panel's verdicts, the bench
        self.draft: dict | None = None  # the course so far, shown as each step finishes
        self.last_course = None  # the last finished course (window.localloom.lastCourse)
        self._last_paint = 0.0
        self._proxies = []
        self._task = None

    # -- boot ------------------------------------------------------------------------------

    async def boot(self) -> None:
        apply_language(pick_language(browser_languages(),
                                     self.settings_panel.settings.ui_language))
        self.caps = await probe()
        js.performance.mark("localloom:probed")  # boot stages, read by build.py bench
        _el("device").innerHTML = render_capabilities(self.caps)
        self._restore()
        await self.library.boot()
        js.performance.mark("localloom:library")
        self.settings_panel.bind()
        self.models_panel = ModelsPanel(self)
        await self.models_panel.bind()
        DiagnosticsPanel(self).bind()
        self._on("course-form", "submit", self._handler(self.generate))
        self._on("error", "click", self._choice)
        self._on("text-form", "submit", self._handler(self.run_text))
        self._on("cancel", "click", lambda event: self.stop())
        self._on("text-cancel", "click", lambda event: self.stop())
        self._on("preload", "click", self._handler(self._preload_run))
        for element_id in ("on-device-only", "preferred-engine"):
            self._on(element_id, "change", lambda event: self._privacy_line())
        for element_id in ("provider-save", "provider-remove"):
            self._on(element_id, "click", lambda event: self._privacy_line())
        self._privacy_line()
        await self._offline_status()
        api = js.Object.new()
        api.speedTest = self._keep(create_proxy(
            lambda n=64: asyncio.ensure_future(self.speed_test(int(n)))))
        api.parseBench = self._keep(create_proxy(lambda n=5: json.dumps(parse_bench.run(int(n)))))
        api.lastRun = self._keep(create_proxy(lambda: json.dumps(self.report.to_dict())))
        api.lastCourse = self._keep(create_proxy(  # the course the last run finished, as JSON
            lambda: self.last_course.model_dump_json() if self.last_course else ""))
        api.transformersSpeedTest = self._keep(create_proxy(lambda n=64: asyncio.ensure_future(
            transformers_tier.speed_test(self.caps, int(n)))))
        transformers_tier.show_status()
        js.window.localloom = api
        _el("generate").disabled = False
        _el("run-text").disabled = False
        js.document.body.dataset.state = "ready"
        js.performance.mark("localloom:python-ready")

    def _switch_language(self, choice: str) -> None:
        """Show the page in the language chosen in Settings ("" = the browser's) at once."""
        apply_language(pick_language(browser_languages(), choice))
        _el("device").innerHTML = render_capabilities(self.caps)
        self._privacy_line()
        self._refreshing = [asyncio.ensure_future(self.library.relabel()),
                            asyncio.ensure_future(self._offline_status())]

    def _keep(self, proxy):
        self._proxies.append(proxy)
        return proxy

    def _on(self, element_id: str, event: str, handler) -> None:
        _el(element_id).addEventListener(event, self._keep(create_proxy(handler)))

    def _restore(self) -> None:
        form, dropped = restore_form(self.store.form())
        for name, value in form.items():
            _el(name).value = value
        notes = []
        if dropped:
            notes.append(_("The saved form had values this page does not offer ({fields}); "
                           "those fields are back to their defaults.").format(
                               fields=", ".join(dropped)))
            self.store.save_form(form)
        self._notice(" ".join(notes))

    def _notice(self, text: str) -> None:
        box = _el("notice")
        box.textContent = text
        box.hidden = not text

    def _privacy_line(self) -> None:
        """The header's promise, true to the settings: does anything leave this device?"""
        _el("privacy").textContent = privacy_line(self.settings_panel.settings.preferences())

    # -- generation ------------------------------------------------------------------------

    def _handler(self, run):
        """A DOM event handler that starts ``run()`` unless a task is already running."""
        def handle(event) -> None:
            event.preventDefault()
            if self.cancel is None:
                self._task = asyncio.ensure_future(run())
        return handle

    def stop(self) -> None:
        if self.cancel is not None:
            self.cancel.cancel()
            _el(self.panel.status).textContent = _("Cancelling…")

    def _busy(self, busy: bool) -> None:
        _el("generate").disabled = busy
        _el("run-text").disabled = busy
        _el("preload").disabled = busy
        _el("cancel").disabled = not busy or self.panel is not COURSE
        _el("text-cancel").disabled = not busy or self.panel is not TEXT
        js.document.body.dataset.state = "generating" if busy else "ready"

    def _show_error(self, error: LocalLoomError | None, choices: tuple[str, ...] = ()) -> None:
        box = _el("error")
        box.hidden = error is None
        box.innerHTML = (render_error(error) + render_choices(choices)) if error else ""

    def _choice(self, event) -> None:
        """A button of the error box: keep trying, accept the best answer, or go smaller."""
        policy = str(event.target.dataset.policy or "")
        if policy in ("ask", "accept", "smaller") and self.cancel is None:
            self._task = asyncio.ensure_future(self.generate(policy))

    async def generate(self, policy: str = "ask") -> None:
        values = {name: str(_el(name).value) for name in ("topic", "language", "level", "size")}
        try:
            request, strategy = read_form(values)
        except LocalLoomError as error:
            _el("topic" if "topic" in error.what.lower() else "language").focus()
            self._show_error(error)
            return
        if not self.store.save_form(values):
            self._notice(_("Browser storage is full or blocked: the form and courses are not "
                           "saved in this browser."))
        self.raw.clear()
        _el("stream").textContent = ""
        job = TaskInput("course", request.language, course=request, strategy=strategy,
                        policy=policy)
        self.library.begin_run(values)
        self.draft = None
        await self._route(job, COURSE, self._keep_course)

    async def _keep_course(self, course) -> str:
        """Show and save a finished course; the status line says whether it was saved."""
        _el("course").innerHTML = render_course(course)
        self.last_course = course
        saved = await self.library.finished(course)
        js.document.body.dataset.saved = "yes" if saved else "no"
        if saved:
            return _("Done.")
        return _("Done, but NOT saved: browser storage is full or blocked. The course stays on "
                 "this page until you reload; copy what you need first.")

    async def run_text(self) -> None:
        text = str(_el("source-text").value).strip()
        if not text:
            self._show_error(LocalLoomError(
                _("Paste a text first."), cause=_("The text is empty."),
                fix=_("Paste the text to summarize, tag or classify.")))
            return
        task = str(_el("text-task").value)
        categories = [c.strip() for c in str(_el("categories").value).split(",") if c.strip()]
        if task == "classify" and len(categories) < 2:
            self._show_error(LocalLoomError(
                _("Give at least two categories."),
                cause=_("Classify picks one of your categories."),
                fix=_("Type them comma-separated, e.g. math, science, history.")))
            return
        language = await self._text_language(text)
        self.raw.clear()
        _el("stream").textContent = ""
        job = TaskInput(task, language, text=text, categories=categories)
        _el("text-result").innerHTML = ""
        await self._route(job, TEXT, self._show_result)

    def _show_result(self, result) -> str:
        _el("text-result").innerHTML = render_result(result)
        return _("Done.")

    async def _text_language(self, text: str) -> str:
        """The answer's language: the user's pick, else the text's own (Chrome's detector,
        then LocalLoom's), else the browser's language."""
        chosen = str(_el("text-language").value)
        if chosen in ("en", "es"):
            return chosen
        found = await detect_language(text[:2000], languages=["en", "es"])
        if found and found[0] in ("en", "es") and found[1] >= 0.5:
            language, how = found[0], "chrome"
        elif (ours := detect(text)).language != "unknown":
            language, how = ours.language, "localloom"
        else:
            browser = str(js.navigator.language or "en").lower()
            language, how = ("es" if browser.startswith("es") else "en"), "browser"
        js.document.body.dataset.detectedLanguage = language
        js.document.body.dataset.detectedBy = how
        return language

    async def _route(self, job: TaskInput, panel: Panel, finish) -> None:
        """Run ``job`` through the routing plan; show what served it and why. ``finish`` gets
        the result and returns the status line (it runs before the outcome is marked done)."""
        self.cancel = cancel = CancelToken()
        self.panel = panel
        self.unsaved = ""
        self.report = RunReport()
        self._busy(True)
        self._show_error(None)
        _el(panel.served).textContent = ""
        _el(panel.tiers).innerHTML = ""
        js.document.body.dataset.outcome = ""
        settings = self.settings_panel.settings
        plan = make_plan(job.task, self.caps,  # local_spec: the Models panel checked it
                         catalog=[self.local_spec, *transformers_specs(), *WEBLLM_MODELS],
                         cached=[self.local_spec.id, *await cached_models(list(WEBLLM_MODELS))],
                         prefs=settings.preferences())
        dispatcher = Dispatcher(
            local_engine=self.engine, load_local=self._load, settings=settings,
            store=self.library.store, wrap=lambda engine: _Tap(engine, self._raw),
            on_event=self._event, on_progress=self._fraction, cancel=cancel,
            max_reasks=2, caps=self.caps)
        self.dispatcher = dispatcher
        started = time.monotonic()
        status = _el(panel.status)
        failed: list[FallbackEvent] = []

        def on_fallback(event: FallbackEvent) -> None:
            if event.kind != "failed":
                return
            failed.append(event)
            name = event.step.label or event.step.engine
            status.textContent = f"{name} failed: {event.message} Trying the next engine…"
            _el(panel.served).textContent = f"{name} failed: {event.message}"

        try:
            outcome = await run_plan(plan, lambda step: dispatcher.run(step, job), on_fallback)
        except GenerationCancelled as cancelled:
            self.report.finish("cancelled")
            status.textContent = self._cancelled_line(job.task)
            _el(panel.tiers).innerHTML = render_tiers(plan, getattr(cancelled, "attempts", []))
            js.document.body.dataset.outcome = "cancelled"
        except LocalLoomError as error:
            self.report.finish("error")
            quality = _quality_error(error)
            if quality is not None and job.task == "course":
                status.textContent = _("Stopped: the model's answer still has problems.")
                self._show_error(quality, ("ask", *quality.choices))
            else:
                status.textContent = _("Failed.")
                self._show_error(error)
            _el(panel.tiers).innerHTML = render_tiers(plan, getattr(error, "attempts", []))
            js.document.body.dataset.outcome = "error"
        except Exception as exc:  # a bug: still tell the user, keep the page alive
            self._show_error(EngineError(_("Unexpected error: {error}").format(error=repr(exc)),
                                         stage=job.task))
            js.document.body.dataset.outcome = "error"
            js.console.error(f"LocalLoom bug: {exc!r}")
        else:
            self.report.finish("done")
            _el(panel.tiers).innerHTML = render_tiers(plan, outcome.attempts)
            _el(panel.served).textContent = self._served_line(
                outcome, time.monotonic() - started, dispatcher.engine)
            line = finish(outcome.value)
            status.textContent = await line if inspect.isawaitable(line) else line
            js.document.body.dataset.servedBy = outcome.served_by.engine
            js.document.body.dataset.outcome = "done"
        finally:
            self.cancel = None
            self._busy(False)

    def _cancelled_line(self, task: str) -> str:
        if task != "course":
            return _("Cancelled.")
        if self.unsaved:
            return _("Cancelled. Finished steps could NOT be kept ({why}): Generate starts this "
                     "course over.").format(why=self.unsaved)
        return _("Cancelled. Finished steps are kept: press Generate to resume.")

    def _served_line(self, outcome, elapsed: float, engine) -> str:
        step = outcome.served_by
        custom = self.settings_panel.settings.providers.get(step.provider)
        line = served_line(outcome, elapsed, custom_url=custom.base_url if custom else "",
                           model=getattr(engine, "model_id", ""),
                           model_from_server=getattr(engine, "model_source", "") == "server")
        if step.engine in ("wllama", "transformers"):
            stats = engine.stats
            line += " " + _("({backend}; last step {tokens} tokens at {rate} tokens/s.)").format(
                backend=engine.backend, tokens=stats.tokens, rate=f"{stats.tokens_per_s:.1f}")
        return line

    def _fraction(self, label: str, fraction: float) -> None:
        _el("model-box").hidden = False
        _el("model-label").textContent = label
        _el("model-progress").value = fraction
        _el("model-bytes").textContent = f"{fraction:.0%}"

    async def _offline_status(self, note: str = "") -> bool:
        """Say whether a verified copy of the embedded model is stored (offline-ready).

        A stored copy that is not verified or not whole is deleted, and the page says so.
        """
        cached, deleted = await stored_copy(EMBEDDED_URL, embedded_model())
        if cached:
            text = _("The model is stored in this browser: courses work offline.")
        elif self.engine.loaded:
            text = _("The model is loaded for this visit but not stored in this browser (no "
                     "service worker yet, or no storage space): it downloads again next visit.")
        else:
            text = _("The model is downloaded on first use; after that LocalLoom works "
                     "offline.")
        if deleted:
            note = _("A damaged copy of the model stored in this browser was deleted "
                     "({why}).").format(why=deleted)
        _el("offline-status").textContent = f"{note} {text}" if note else text
        _el("preload").hidden = cached or self.engine.loaded
        _el("preload").disabled = cached or self.cancel is not None
        js.document.body.dataset.modelCached = "yes" if cached else "no"
        return cached

    async def _preload_run(self) -> None:
        self.cancel = cancel = CancelToken()
        self.panel = COURSE
        self._busy(True)
        self._show_error(None)
        status = _el("gen-status")
        try:
            await self._load(cancel)
        except GenerationCancelled:
            status.textContent = _("Cancelled.")
        except LocalLoomError as error:
            status.textContent = _("Failed.")
            self._show_error(error)
        finally:
            self.cancel = None
            self._busy(False)

    async def _load(self, cancel: CancelToken) -> None:
        """Load the embedded model; the model box and the asking form's status say what is
        happening now.

        ``<body data-model>`` follows it: loading, ready, failed or cancelled.
        """
        if self.engine.loaded:
            return
        name = self.engine.model_id
        box, bar, label = _el("model-box"), _el("model-progress"), _el("model-bytes")
        title, status = _el("model-label"), _el(self.panel.status)  # the form that asked
        box.hidden = False
        bar.value, label.textContent = 0, ""
        title.textContent = _("Getting {name} (ships with the app)…").format(name=name)
        status.textContent = _("Loading the model…")
        js.document.body.dataset.model = "loading"
        tracker = LoadProgress()
        notes: list[str] = []

        def progress(loaded: int, total: int) -> None:
            report = tracker.update(loaded, total or EMBEDDED.size_bytes)
            bar.value = report.fraction or 0
            label.textContent = report.line

        def stage(kind: str, note: str) -> None:
            nonlocal tracker
            if kind == "cache":
                title.textContent = _("Reading {name} from this browser's storage…").format(
                    name=name)
            elif kind == "network":
                title.textContent = _("Downloading {name} ({size}, ships with the app)…").format(
                    name=name, size=format_bytes(EMBEDDED.size_bytes))
            elif kind == "start":
                tracker = LoadProgress()  # progress now follows llama.cpp reading the model
                title.textContent = _("Starting {name} ({note})…").format(name=name, note=note)
                label.textContent = _("{size} checked").format(
                    size=format_bytes(EMBEDDED.size_bytes))
                status.textContent = _("Starting the model…")
            if note and kind != "start":
                notes.append(note)
                _el("offline-status").textContent = note

        try:
            await self.engine.load(self.caps, on_progress=progress, on_stage=stage,
                                   cancel=cancel)
        except GenerationCancelled:
            title.textContent = _("{name}: loading cancelled.").format(name=name)
            label.textContent, status.textContent = "", ""
            await self._offline_status()
            js.document.body.dataset.model = "cancelled"
            raise
        except Exception:
            title.textContent = _("{name} is not loaded: see the error below.").format(name=name)
            label.textContent, status.textContent = "", ""
            await self._offline_status()
            js.document.body.dataset.model = "failed"
            raise
        bar.value = 1
        title.textContent = _("{name} is ready ({backend}).").format(name=name,
                                                                    backend=self.engine.backend)
        label.textContent = _("Loaded in {seconds} s").format(
            seconds=f"{self.engine.load_seconds:.1f}")
        status.textContent = _("Model ready.")
        await self._offline_status(" ".join(notes))
        js.document.body.dataset.model = "ready"

    def _raw(self, delta: str | None) -> None:
        if delta is None:
            self.raw.new_call()
            self.report.call()
            return
        self.raw.append(delta)
        self.report.tokens(1)
        now = time.monotonic()
        if now - self._last_paint > 0.15:
            self._last_paint = now
            _el("stream").textContent = self.raw.tail()

    def _event(self, event: GenerationEvent) -> None:
        self.library.on_event(event, self.dispatcher and self.dispatcher.engine)
        status = _el(self.panel.status)
        if verdict := self.report.event(event):  # why a step was asked again, in the raw panel
            self.raw.new_call()
            self.raw.append(verdict)
            _el("stream").textContent = self.raw.tail()
        if event.kind == "checkpoint" and event.message.startswith("not saved"):
            self.unsaved = _("browser storage is full or blocked")
            status.textContent = _("Step {i} of {n} done, but it could not be saved: browser "
                                   "storage is full or blocked, so Cancel or a reload would "
                                   "start this course over.").format(i=event.i, n=event.n)
        elif event.kind == "step_start":
            status.textContent = _("Step {i} of {n}: {label}…").format(
                i=event.i, n=event.n, label=event.label) + self._unsaved()
        elif event.kind == "retry":
            status.textContent = _("Step {i} of {n}: re-asking the model ({why})").format(
                i=event.i, n=event.n, why=event.message[:120]) + self._unsaved()
        elif event.kind == "token" and event.partial and event.step in ("course", "outline"):
            _el("course").innerHTML = render_course(event.partial, partial=True)
        elif event.kind == "step_done":
            _el("stream").textContent = self.raw.tail()
            if self.panel is COURSE and isinstance(event.partial, dict):
                self.draft = grow_draft(self.draft, event.step, event.module, event.partial)
                _el("course").innerHTML = render_course(self.draft, partial=True)

    def _unsaved(self) -> str:
        return (" " + _("(finished steps are not saved: {why})").format(why=self.unsaved)
                if self.unsaved else "")

    # -- measurement -----------------------------------------------------------------------

    async def speed_test(self, max_tokens: int = 64) -> str:
        """Load the model if needed and time one generation; JSON for the page and bench."""
        cancel = CancelToken()
        t0 = time.monotonic()
        await self._load(cancel)
        load_s = time.monotonic() - t0
        text = await self.engine.generate(GenerateRequest(
            prompt="Machine learning is", max_tokens=max_tokens, temperature=0.0))
        stats = self.engine.stats
        return json.dumps({"load_s": round(load_s, 3), "tokens": stats.tokens,
                           "first_token_s": round(stats.first_token_s, 3),
                           "total_s": round(stats.total_s, 3),
                           "tokens_per_s": round(stats.tokens_per_s, 3),
                           "engine_tokens_per_s": round(stats.engine_tokens_per_s, 3),
                           "chars": len(text), "backend": self.engine.backend})


def _quality_error(error: LocalLoomError) -> QualityError | None:
    """The QualityError behind ``error`` (itself, or a tier's failure in "Every tier failed")."""
    if isinstance(error, QualityError):
        return error
    for attempt in getattr(error, "attempts", []):
        if isinstance(attempt.error, QualityError):
            return attempt.error
    return None


async def start() -> None:
    js.performance.mark("localloom:imported")
    app = App()
    try:
        await app.boot()
    except Exception as exc:
        js.document.body.dataset.state = "boot-failed"
        _el("boot-stage").textContent = f"LocalLoom could not start: {exc!r}"
        raise
