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
import json
import time

import js
from pyodide.ffi import create_proxy

from .. import parse_bench
from ..capabilities import probe
from ..device import Capabilities
from ..engines.base import CancelToken, GenerateRequest
from ..engines.chrome_ai import detect_language
from ..engines.download import stored_copy
from ..engines.wllama import WllamaEngine
from ..errors import EngineError, GenerationCancelled, LocalLoomError
from ..fallback import run_plan
from ..generator import CourseRequest, GenerationEvent
from ..modelfile import embedded_model
from ..progress import LoadProgress, format_bytes
from ..render import render_capabilities, render_course, render_error
from ..report import render_result, render_tiers
from ..schema import CourseShape
from ..storage import BrowserStore, local_storage
from ..tiers import ModelSpec, make_plan
from .dispatch import Dispatcher, TaskInput
from .dom import el as _el
from .settings_panel import SettingsPanel

__all__ = ["SIZES", "App", "start"]

#: The build's facts (url, size, sha256) about the model that ships with the app.
EMBEDDED_FILE = embedded_model()
EMBEDDED = ModelSpec(id=EMBEDDED_FILE.name.removesuffix(".gguf"), engine="wllama",
                     size_bytes=EMBEDDED_FILE.size, context_window=4096, embedded=True, quality=1)
EMBEDDED_URL = f"./{EMBEDDED_FILE.url}"

#: Form "size" → shape. Text caps keep a 270M model's answers short and on topic.
SIZES = {
    "tiny": (CourseShape(1, 1, 0, max_text=120, max_list=2), "single"),  # no quiz: fastest
    "short": (CourseShape(2, 2, 2, max_text=400, max_list=3, options=3), "progressive"),
    "standard": (CourseShape(4, 3, 3, max_text=1200, max_list=4), "progressive"),
}


class _Tap:
    """Wraps an engine so the page sees every raw token the model writes."""

    def __init__(self, engine, sink) -> None:
        self._engine, self._sink = engine, sink
        self.name, self.model_id = engine.name, engine.model_id
        self.context_window, self.chat = engine.context_window, engine.chat

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
        self.settings_panel = SettingsPanel(self.store)
        self.engine = WllamaEngine(EMBEDDED_URL, EMBEDDED.id,
                                   context_window=EMBEDDED.context_window,
                                   size_bytes=EMBEDDED.size_bytes)
        self.cancel: CancelToken | None = None
        self.raw: list[str] = []
        self._last_paint = 0.0
        self._proxies = []
        self._task = None

    # -- boot ------------------------------------------------------------------------------

    async def boot(self) -> None:
        self.caps = await probe()
        _el("device").innerHTML = render_capabilities(self.caps)
        self._restore()
        self.settings_panel.bind()
        self._on("course-form", "submit", self._handler(self.generate))
        self._on("text-form", "submit", self._handler(self.run_text))
        self._on("cancel", "click", lambda event: self.stop())
        self._on("preload", "click", self._handler(self._preload_run))
        await self._offline_status()
        api = js.Object.new()
        api.speedTest = self._keep(create_proxy(
            lambda n=64: asyncio.ensure_future(self.speed_test(int(n)))))
        api.parseBench = self._keep(create_proxy(lambda n=5: json.dumps(parse_bench.run(int(n)))))
        js.window.localloom = api
        _el("generate").disabled = False
        _el("run-text").disabled = False
        js.document.body.dataset.state = "ready"
        js.performance.mark("localloom:python-ready")

    def _keep(self, proxy):
        self._proxies.append(proxy)
        return proxy

    def _on(self, element_id: str, event: str, handler) -> None:
        _el(element_id).addEventListener(event, self._keep(create_proxy(handler)))

    def _restore(self) -> None:
        form = self.store.form()
        for name in ("topic", "language", "level", "size"):
            if form.get(name):
                _el(name).value = form[name]
        if course := self.store.last_course():
            _el("course").innerHTML = render_course(course)
            _el("served-by").textContent = "Your last course, kept in this browser."

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
            _el("gen-status").textContent = "Cancelling…"

    def _form(self) -> tuple[CourseRequest, str]:
        values = {name: str(_el(name).value) for name in ("topic", "language", "level", "size")}
        self.store.save_form(values)
        shape, strategy = SIZES.get(values["size"], SIZES["short"])
        request = CourseRequest(topic=values["topic"].strip(), language=values["language"],
                                level=values["level"], shape=shape)
        return request, strategy

    def _busy(self, busy: bool) -> None:
        _el("generate").disabled = busy
        _el("run-text").disabled = busy
        _el("preload").disabled = busy
        _el("cancel").disabled = not busy
        js.document.body.dataset.state = "generating" if busy else "ready"

    def _show_error(self, error: LocalLoomError | None) -> None:
        box = _el("error")
        box.hidden = error is None
        box.innerHTML = render_error(error) if error is not None else ""

    async def generate(self) -> None:
        try:
            request, strategy = self._form()
        except ValueError:
            _el("topic").focus()
            self._show_error(LocalLoomError("Type a topic first.", cause="The topic is empty.",
                                            fix="Describe what the course should teach."))
            return
        self.raw = []
        _el("stream").textContent = ""
        job = TaskInput("course", request.language, course=request, strategy=strategy)
        outcome = await self._route(job, "gen-status")
        if outcome is None:
            return
        course = outcome.value
        _el("course").innerHTML = render_course(course)
        self.store.save_course(course.model_dump(mode="json"))

    async def run_text(self) -> None:
        text = str(_el("source-text").value).strip()
        if not text:
            self._show_error(LocalLoomError("Paste a text first.", cause="The text is empty.",
                                            fix="Paste the text to summarize, tag or classify."))
            return
        task = str(_el("text-task").value)
        categories = [c.strip() for c in str(_el("categories").value).split(",") if c.strip()]
        if task == "classify" and len(categories) < 2:
            self._show_error(LocalLoomError(
                "Give at least two categories.", cause="Classify picks one of your categories.",
                fix="Type them comma-separated, e.g. math, science, history."))
            return
        language = str(_el("language").value)
        detected = await detect_language(text[:2000], languages=["en", "es"])
        if detected and detected[0] in ("en", "es") and detected[1] >= 0.5:
            language = detected[0]  # answer in the text's own language
            js.document.body.dataset.detectedLanguage = language
        job = TaskInput(task, language, text=text, categories=categories)
        outcome = await self._route(job, "text-status")
        if outcome is not None:
            _el("text-result").innerHTML = render_result(outcome.value)

    async def _route(self, job: TaskInput, status_id: str):
        """Run ``job`` through the routing plan; show what served it and why; None on failure."""
        self.cancel = cancel = CancelToken()
        self._busy(True)
        self._show_error(None)
        _el("served-by").textContent = ""
        js.document.body.dataset.outcome = ""
        settings = self.settings_panel.settings
        plan = make_plan(job.task, self.caps, catalog=[EMBEDDED], prefs=settings.preferences())
        dispatcher = Dispatcher(
            local_engine=self.engine, load_local=self._load, settings=settings,
            store=self.store, wrap=lambda engine: _Tap(engine, self._raw),
            on_event=self._event, on_progress=self._fraction, cancel=cancel,
            # A 270M model rarely fixes its answer on a second re-ask; quality notes are
            # accepted after one.
            max_reasks=1)
        started = time.monotonic()
        status = _el(status_id)
        outcome = None
        try:
            outcome = await run_plan(plan, lambda step: dispatcher.run(step, job))
        except GenerationCancelled:
            status.textContent = ("Cancelled. Finished steps are kept: press Generate to "
                                  "resume." if job.task == "course" else "Cancelled.")
            js.document.body.dataset.outcome = "cancelled"
        except LocalLoomError as error:
            status.textContent = "Failed."
            self._show_error(error)
            _el("tiers").innerHTML = render_tiers(plan, getattr(error, "attempts", []))
            js.document.body.dataset.outcome = "error"
        except Exception as exc:  # a bug: still tell the user, keep the page alive
            self._show_error(EngineError(f"Unexpected error: {exc!r}", stage=job.task))
            js.document.body.dataset.outcome = "error"
            js.console.error(f"LocalLoom bug: {exc!r}")
        else:
            _el("tiers").innerHTML = render_tiers(plan, outcome.attempts)
            _el("served-by").textContent = self._served_line(outcome.served_by,
                                                             time.monotonic() - started)
            status.textContent = "Done."
            js.document.body.dataset.servedBy = outcome.served_by.engine
            js.document.body.dataset.outcome = "done"
        finally:
            self.cancel = None
            self._busy(False)
        return outcome

    def _served_line(self, step, elapsed: float) -> str:
        line = f"Served by {step.label or step.engine} in {elapsed:.0f} s."
        if step.engine == "wllama":
            stats = self.engine.stats
            line += (f" On this device ({self.engine.backend}); last step {stats.tokens} "
                     f"tokens at {stats.tokens_per_s:.1f} tokens/s.")
        elif step.engine == "chrome":
            line += " On this device (Chrome built-in AI)."
        else:
            line += " In the cloud, with your key."
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
        cached, deleted = await stored_copy(EMBEDDED_URL, EMBEDDED_FILE)
        if cached:
            text = "The model is stored in this browser: courses work offline."
        elif self.engine.loaded:
            text = ("The model is loaded for this visit but not stored in this browser (no "
                    "service worker yet, or no storage space): it downloads again next visit.")
        else:
            text = "The model is downloaded on first use; after that LocalLoom works offline."
        if deleted:
            note = (f"A damaged copy of the model stored in this browser was deleted "
                    f"({deleted}).")
        _el("offline-status").textContent = f"{note} {text}" if note else text
        _el("preload").hidden = cached or self.engine.loaded
        _el("preload").disabled = cached or self.cancel is not None
        js.document.body.dataset.modelCached = "yes" if cached else "no"
        return cached

    async def _preload_run(self) -> None:
        self.cancel = cancel = CancelToken()
        self._busy(True)
        self._show_error(None)
        status = _el("gen-status")
        try:
            await self._load(cancel)
        except GenerationCancelled:
            status.textContent = "Cancelled."
        except LocalLoomError as error:
            status.textContent = "Failed."
            self._show_error(error)
        finally:
            self.cancel = None
            self._busy(False)

    async def _load(self, cancel: CancelToken) -> None:
        """Load the embedded model; the model box and #gen-status say what is happening now.

        ``<body data-model>`` follows it: loading, ready, failed or cancelled.
        """
        if self.engine.loaded:
            return
        name = self.engine.model_id
        box, bar, label = _el("model-box"), _el("model-progress"), _el("model-bytes")
        title, status = _el("model-label"), _el("gen-status")
        box.hidden = False
        bar.value, label.textContent = 0, ""
        title.textContent = f"Getting {name} (ships with the app)…"
        status.textContent = "Loading the model…"
        js.document.body.dataset.model = "loading"
        tracker = LoadProgress()
        notes: list[str] = []

        def progress(loaded: int, total: int) -> None:
            report = tracker.update(loaded, total or EMBEDDED.size_bytes)
            bar.value = report.fraction or 0
            label.textContent = f"{report.text} — {report.detail}" if report.detail \
                else report.text

        def stage(kind: str, note: str) -> None:
            if kind == "cache":
                title.textContent = f"Reading {name} from this browser's storage…"
            elif kind == "network":
                title.textContent = (f"Downloading {name} ({format_bytes(EMBEDDED.size_bytes)}, "
                                     "ships with the app)…")
            elif kind == "start":
                title.textContent = f"Starting {name} ({note})…"
                label.textContent = f"{format_bytes(EMBEDDED.size_bytes)} checked"
                status.textContent = "Starting the model…"
            if note and kind != "start":
                notes.append(note)
                _el("offline-status").textContent = note

        try:
            await self.engine.load(self.caps, on_progress=progress, on_stage=stage,
                                   cancel=cancel)
        except GenerationCancelled:
            title.textContent = f"{name}: loading cancelled."
            label.textContent, status.textContent = "", ""
            await self._offline_status()
            js.document.body.dataset.model = "cancelled"
            raise
        except Exception:
            title.textContent = f"{name} is not loaded: see the error below."
            label.textContent, status.textContent = "", ""
            await self._offline_status()
            js.document.body.dataset.model = "failed"
            raise
        bar.value = 1
        title.textContent = f"{name} is ready ({self.engine.backend})."
        label.textContent = f"Loaded in {self.engine.load_seconds:.1f} s"
        status.textContent = "Model ready."
        await self._offline_status(" ".join(notes))
        js.document.body.dataset.model = "ready"

    def _raw(self, delta: str | None) -> None:
        if delta is None:
            if self.raw:
                self.raw.append("\n\n")
            return
        self.raw.append(delta)
        now = time.monotonic()
        if now - self._last_paint > 0.15:
            self._last_paint = now
            _el("stream").textContent = "".join(self.raw)

    def _event(self, event: GenerationEvent) -> None:
        status = _el("gen-status")
        if event.kind == "step_start":
            status.textContent = f"Step {event.i} of {event.n}: {event.label}…"
        elif event.kind == "retry":
            status.textContent = (f"Step {event.i} of {event.n}: re-asking the model "
                                  f"({event.message[:120]})")
        elif event.kind == "token" and event.partial and event.step in ("course", "outline"):
            _el("course").innerHTML = render_course(event.partial, partial=True)
        elif event.kind == "step_done":
            _el("stream").textContent = "".join(self.raw)

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


async def start() -> None:
    app = App()
    try:
        await app.boot()
    except Exception as exc:
        js.document.body.dataset.state = "boot-failed"
        _el("boot-stage").textContent = f"LocalLoom could not start: {exc!r}"
        raise
