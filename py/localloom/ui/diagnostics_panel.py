"""The Diagnostics panel: the environment preflight reads, each model's verdict and the
recommended one, the live load log (``models.loadstate.JOURNAL``) with its stage timings, a
self-test per engine, and "Copy debug report".

Public name: ``DiagnosticsPanel``. The app hands it itself and calls ``bind()`` once.
``<body data-selftest>`` follows the self-test (running, done); ``<body data-report>`` is
"copied" (or "shown" when the clipboard refused) once the report is in ``#diag-report``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time

import js

from localloom.browser.capabilities import probe
from localloom.browser.runtime import js_error_parts, js_get
from localloom.engine import CancelToken, GenerateRequest
from localloom.i18n import _
from localloom.models.catalog import catalog
from localloom.models.loadstate import JOURNAL
from localloom.routing.preflight import recommend, verdicts, webgpu_problem
from localloom.ui.dom import el as _el
from localloom.ui.dom import listen
from localloom.view.diagnostics import (
    SELFTEST_PROMPT,
    SelfTest,
    debug_report,
    render_environment,
    render_load_log,
    render_preflight,
    render_selftests,
    service_worker,
)

__all__ = ["DiagnosticsPanel"]


class DiagnosticsPanel:
    def __init__(self, app) -> None:
        self.app = app
        self.tests: list[SelfTest] = []
        self._proxies: list = []
        self._on = functools.partial(listen, self._proxies)
        self._task = None

    def _run(self, coro_fn):
        async def guarded() -> None:
            try:
                await coro_fn()
            except Exception as exc:  # the panel that explains failures must not hide its own
                _el("diag-copy-status").textContent = _(
                    "The Diagnostics panel failed: {error}").format(error=repr(exc))
                js.document.body.dataset.diagnostics = "failed"
                raise

        def handle(event) -> None:
            self._task = asyncio.ensure_future(guarded())
        return handle

    def bind(self) -> None:
        JOURNAL.listen(lambda log: self.show_loads())
        self._on("diagnostics", "toggle", self._run(self.refresh))
        self._on("diag-selftest", "click", self._run(self.self_test))
        self._on("diag-copy", "click", self._run(self.copy_report))
        self.show_loads()

    def _found(self):
        return verdicts(catalog(), self.app.caps, cached=[self.app.local_spec.id])

    async def refresh(self) -> None:
        """Probe again (storage changes as models come and go) and redraw the facts."""
        if not _el("diagnostics").open:
            return
        self.app.caps = await probe()
        _el("diag-env").innerHTML = render_environment(self.app.caps, _worker())
        found = self._found()
        language = str(_el("language").value or "en")
        _el("diag-preflight").innerHTML = render_preflight(found,
                                                           recommend(found, "course", language))
        self.show_loads()

    def show_loads(self) -> None:
        _el("diag-loads").innerHTML = render_load_log(JOURNAL.logs)

    async def self_test(self) -> None:
        """A tiny generation on the local model; the other engines say why they cannot run."""
        button, status = _el("diag-selftest"), _el("diag-selftest-status")
        if self.app.cancel is not None:
            status.textContent = _("A task is running; run the self-test when it is done.")
            return
        button.disabled = True
        js.document.body.dataset.selftest = "running"
        status.textContent = _("Running…")
        try:
            self.tests = [await self._wllama(), *self._others()]
        finally:
            button.disabled = False
            status.textContent = ""
            _el("diag-selftests").innerHTML = render_selftests(self.tests)
            js.document.body.dataset.selftest = "done"

    async def _wllama(self) -> SelfTest:
        engine = self.app.engine
        try:
            await self.app._load(CancelToken())  # the page's own load: its box shows it
            request = GenerateRequest(prompt=SELFTEST_PROMPT, max_tokens=16, temperature=0.0) \
                if not engine.chat else GenerateRequest(
                    messages=[{"role": "user", "content": SELFTEST_PROMPT}], max_tokens=16,
                    temperature=0.0)
            started = time.monotonic()
            text = await engine.generate(request)
            seconds = time.monotonic() - started
        except Exception as exc:
            what = getattr(exc, "what", "") or " ".join(js_error_parts(exc)[:2])
            return SelfTest("wllama", engine.model_id, "fail", note=what)
        tokens = engine.stats.tokens
        ok = tokens > 0 and bool(text.strip())
        return SelfTest("wllama", engine.model_id, "pass" if ok else "fail", tokens, seconds,
                        note=_("backend {backend}").format(backend=engine.backend) if ok
                        else _("the model wrote nothing"))

    def _others(self) -> list[SelfTest]:
        caps = self.app.caps
        gpu = webgpu_problem(caps)
        webllm = SelfTest("webllm", note=_("not run: {reason}").format(reason=gpu) if gpu else
                          _("not run: WebLLM runs once a course is routed to it and its model "
                            "is downloaded"))
        state = caps.chrome_ai_state("LanguageModel")
        chrome = SelfTest("chrome", note=_("not run: LanguageModel.availability() is {state}")
                          .format(state=repr(state)) if state != "available"
                          else _("available; used for summaries"))
        return [webllm, chrome]

    async def copy_report(self) -> None:
        """Put the debug report on the clipboard, and show it (for when that is refused)."""
        build = ""
        with contextlib.suppress(Exception):
            build = str((await (await js.fetch("./precache.json")).json()).version)
        text = debug_report(self.app.caps, JOURNAL.logs, self.tests, self._found(),
                            self.app.settings_panel.settings, build=build,
                            local_model=self.app.local_spec.id, worker=_worker())
        box = _el("diag-report")
        box.textContent, box.hidden = text, False
        try:
            await js.navigator.clipboard.writeText(text)
            _el("diag-copy-status").textContent = _("Copied: paste it into your bug report.")
            js.document.body.dataset.report = "copied"
        except Exception:
            _el("diag-copy-status").textContent = _("The browser refused the clipboard: copy "
                                                    "the report below.")
            js.document.body.dataset.report = "shown"


def _worker() -> dict:
    """The offline copy: controlled by a service worker, or the error web/boot.js recorded."""
    sw = js_get(js.navigator, "serviceWorker")
    controlled = sw is not None and js_get(sw, "controller") is not None
    return service_worker(controlled, str(js_get(js.document.body.dataset, "swError", "")))
