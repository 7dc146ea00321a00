"""The Models panel: pick a model (catalog or your own GGUF address), download it with its
size stated up front, progress, Cancel and resume; and the storage view across engines.

Public name: ``ModelsPanel``. The app hands it itself; the panel replaces ``app.engine`` and
``app.local_spec`` with the model the user chose, once it is downloaded, checked and loaded.
``<body data-download>`` follows a download: probing, downloading, ready, failed, cancelled;
``<body data-storage>`` is "ready" whenever the storage table is up to date, ``<body
data-picked>`` names the choice the panel describes.
"""

from __future__ import annotations

import asyncio
import functools
from urllib.parse import urlsplit

import js

from localloom.browser.ffi import js_object
from localloom.browser.runtime import js_error_parts
from localloom.csp import allows_connect
from localloom.engine import CancelToken
from localloom.engines import model_store
from localloom.engines.wllama import WllamaEngine
from localloom.errors import GenerationCancelled, LocalLoomError, ModelDownloadError
from localloom.i18n import _, ngettext
from localloom.models.catalog import GGUF_MODELS, ModelSpec, custom_spec, split_urls
from localloom.models.inventory import group, quota_line
from localloom.models.progress import LoadProgress, format_bytes
from localloom.models.resume import content_range
from localloom.routing.preflight import verdict
from localloom.ui.dom import el as _el
from localloom.ui.dom import listen
from localloom.view.models import download_label, facts, render_storage
from localloom.view.render import render_error

__all__ = ["ModelsPanel"]

CUSTOM = "custom"


class ModelsPanel:
    def __init__(self, app) -> None:
        self.app = app
        self.embedded = app.engine
        self.specs = {m.id: m for m in (app.local_spec, *GGUF_MODELS)}
        self.custom: ModelSpec | None = None
        self.cancel: CancelToken | None = None
        self.rows = []
        self._proxies: list = []
        self._on = functools.partial(listen, self._proxies)
        self._task = None

    def _run(self, coro_fn):
        def handle(event) -> None:
            event.preventDefault()
            self._task = asyncio.ensure_future(coro_fn(event))
        return handle

    async def bind(self) -> None:
        pick = _el("model-pick")
        options = [f'<option value="{m.id}">{m.name or m.id}</option>'
                   for m in self.specs.values()]
        own = _("Your own GGUF address…")
        options.append(f'<option value="{CUSTOM}">{own}</option>')
        pick.innerHTML = "".join(options)
        self._on("model-pick", "change", self._run(lambda e: self.describe()))
        self._on("model-url", "input", lambda e: self._forget_custom())
        self._on("model-download", "click", self._run(lambda e: self.download()))
        self._on("model-cancel", "click", lambda e: self.cancel and self.cancel.cancel())
        self._on("storage-refresh", "click", self._run(lambda e: self.refresh()))
        self._on("storage-verify", "click", self._run(lambda e: self.verify()))
        self._on("storage-delete-all", "click", self._run(lambda e: self.delete(self.rows)))
        self._on("storage-view", "click", self._run(self._row_click))
        await self.describe()
        await self.refresh()

    # -- choosing ----------------------------------------------------------------------------

    def _chosen(self) -> ModelSpec | None:
        value = str(_el("model-pick").value)
        return self.custom if value == CUSTOM else self.specs.get(value)

    def _forget_custom(self) -> None:
        self.custom = None
        self._task = asyncio.ensure_future(self.describe())

    async def describe(self) -> None:
        value = str(_el("model-pick").value)
        _el("model-url-box").hidden = value != CUSTOM
        spec = self._chosen()
        button = _el("model-download")
        if spec is None:
            _el("model-facts").textContent = _("Paste the address of a .gguf file (for a "
                                               "split model, its -00001-of- file); the size is "
                                               "checked before anything is downloaded.")
            button.textContent = _("Check the address")
            button.disabled = self.cancel is not None
            js.document.body.dataset.picked = value
            return
        stored = spec.embedded or all([await model_store.record(f.url) for f in spec.files])
        _el("model-facts").textContent = _("{facts}. On this device: {verdict}.").format(
            facts=facts(spec), verdict=verdict(spec, self.app.caps, cached=stored).text)
        current = spec.id == self.app.engine.model_id and self.app.engine.loaded
        button.textContent = _("In use") if current else download_label(spec, stored)
        button.disabled = current or self.cancel is not None
        js.document.body.dataset.picked = value

    # -- downloading ----------------------------------------------------------------------------

    def _status(self, text: str, state: str = "") -> None:
        _el("model-status").textContent = text
        if state:
            js.document.body.dataset.download = state

    def _error(self, error: LocalLoomError | None) -> None:
        box = _el("model-error")
        box.hidden = error is None
        box.innerHTML = render_error(error) if error else ""

    async def _probe(self, url: str) -> ModelSpec:
        """Ask the server for each file's size (and first bytes) before asking for consent."""
        sizes = []
        for shard in split_urls(url):
            response = await js.fetch(shard, js_object({"headers": {"Range": "bytes=0-3"},
                                                        "cache": "no-store"}))
            if not response.ok:
                raise ModelDownloadError(
                    _("The server answered HTTP {status} for {file}.").format(
                        status=response.status, file=shard.rsplit("/", 1)[-1]),
                    cause=_("The address is wrong, or the file is private or gone."),
                    fix=_("Check the address (Hugging Face: …/resolve/main/<file>.gguf)."),
                    stage="download", engine="wllama")
            head = bytes((await response.arrayBuffer()).to_bytes())[:4]
            parsed = content_range(response.headers.get("content-range"))
            if head != b"GGUF" or parsed is None or parsed[2] is None:
                raise ModelDownloadError(
                    _("{file} is not a GGUF file this page can download in parts.").format(
                        file=shard.rsplit("/", 1)[-1]),
                    cause=_("The address points at a web page, another kind of file, or a "
                            "server without Range support."),
                    fix=_("Use the file's download address (Hugging Face: "
                          "…/resolve/main/…)."),
                    stage="download", engine="wllama")
            sizes.append(parsed[2])
        return custom_spec(url, sizes[0], tuple(sizes))

    async def download(self) -> None:
        if self.cancel is not None or self.app.cancel is not None:
            return
        self._error(None)
        spec = self._chosen()
        if spec is None:
            url = str(_el("model-url").value).strip()
            if refusal := _policy_refusal(url):
                self._error(refusal)
                self._status("", "failed")
                return
            self._status(_("Checking the address…"), "probing")
            try:
                self.custom = await self._probe(url)
            except ValueError as exc:
                self._error(LocalLoomError(
                    _("That address cannot be a model: {reason}.").format(reason=exc),
                    fix=_("Paste a https://… address ending in .gguf.")))
                self._status("", "failed")
                return
            except LocalLoomError as error:
                self._error(error)
                self._status("", "failed")
                return
            except Exception as exc:
                name, message, _detail = js_error_parts(exc)
                self._error(ModelDownloadError(
                    _("Could not reach {url}: {name}: {message}").format(
                        url=url, name=name, message=message),
                    cause=_("The network is down, or the server does not let this page "
                            "download from it (CORS)."),
                    fix=_("Check the address and the connection."), stage="download"))
                self._status("", "failed")
                return
            await self.describe()
            self._status(_("Checked: press the button to download it."), "checked")
            return
        await self._load(spec)

    async def _load(self, spec: ModelSpec) -> None:
        if spec.embedded:
            engine = self.embedded
        else:
            engine = WllamaEngine(spec.url, spec.id, context_window=spec.context_window,
                                  chat=spec.chat, files=spec.files)
        self.cancel = cancel = CancelToken()
        _el("model-cancel").disabled = False
        _el("model-download").disabled = True
        for element_id in ("generate", "run-text", "preload"):
            _el(element_id).disabled = True
        box, bar, text = _el("download-box"), _el("download-progress"), _el("download-bytes")
        box.hidden, bar.value, text.textContent = False, 0, ""
        _el("download-label").textContent = _("Getting {model}…").format(
            model=spec.name or spec.id)
        self._status(_("Downloading…"), "downloading")
        tracker = LoadProgress()

        def progress(loaded: int, total: int) -> None:
            report = tracker.update(loaded, total or spec.size_bytes)
            bar.value = report.fraction or 0
            text.textContent = report.line

        def stage(kind: str, note: str) -> None:
            where = {"cache": _("Reading it from this browser's storage"),
                     "network": _("Downloading {size}").format(
                         size=format_bytes(spec.size_bytes)),
                     "start": _("Starting it ({note})").format(note=note)}.get(kind, kind)
            _el("download-label").textContent = _("{model}: {step}…").format(
                model=spec.name or spec.id, step=where)
            if note and kind != "start":
                self._status(note)

        state = "failed"
        try:
            if engine is not self.app.engine:
                await engine.load(self.app.caps, on_progress=progress, on_stage=stage,
                                  cancel=cancel)
        except GenerationCancelled as cancelled:
            self._status(cancelled.what)
            state = "cancelled"
        except LocalLoomError as error:
            self._error(error)
            self._status(_("Failed."))
        else:
            await self._switch(engine, spec)
            bar.value = 1
            self._status(_("{model} is ready: it writes your next course or text.").format(
                model=spec.name or spec.id))
            state = "ready"
        finally:
            self.cancel = None
            _el("model-cancel").disabled = True
            for element_id in ("generate", "run-text", "preload"):
                _el(element_id).disabled = False
            await self.describe()
            await self.refresh()
            js.document.body.dataset.download = state  # last: the storage view is current

    async def _switch(self, engine, spec: ModelSpec) -> None:
        """Make ``engine`` the page's local model; free the one it replaces."""
        old = self.app.engine
        if old is not engine and old is not self.embedded:
            await old.unload()
        self.app.engine, self.app.local_spec = engine, spec
        js.document.body.dataset.localModel = spec.id

    # -- the storage view ------------------------------------------------------------------------

    async def refresh(self, notes: dict[str, str] | None = None) -> None:
        js.document.body.dataset.storage = "busy"
        self.rows = group(await model_store.list_entries())
        usage, quota = await model_store.estimate()
        _el("storage-view").innerHTML = render_storage(self.rows, notes)
        _el("storage-total").textContent = quota_line(self.rows, usage, quota)
        js.document.body.dataset.storage = "ready"

    async def _row_click(self, event) -> None:
        index = str(event.target.dataset.delete or "")
        if index.isdigit() and int(index) < len(self.rows):
            await self.delete([self.rows[int(index)]])

    async def delete(self, rows) -> None:
        freed = sum(max(0, r.size) for r in rows)
        for row in list(rows):
            await model_store.delete_entries(row.entries)
        self._status(ngettext("Deleted {count} model, {size} freed.",
                              "Deleted {count} models, {size} freed.", len(rows)).format(
            count=len(rows), size=format_bytes(freed)))
        await self.refresh()
        await self.describe()

    async def verify(self) -> None:
        """Check every LocalLoom copy's bytes against its recorded sha256; delete damaged ones."""
        js.document.body.dataset.storage = "busy"
        notes = {}
        for row in self.rows:
            notes[row.model] = await self._verify_row(row)
        await self.refresh(notes)

    async def _verify_row(self, row) -> str:
        ours = [e for e in row.entries if e.store.startswith("localloom-")]
        if not ours:
            return _("not checked (this engine checks its own files)")
        records = [e for e in ours if e.verified == "yes"]
        if not records:
            return _("partial: Download continues it")
        bad = []
        for entry in records:
            url = entry.key.split("?localloom-file")[0].split("&localloom-file")[0]
            if entry.store.startswith(model_store.DOWNLOADS):
                rec = await model_store.record(url) or {}
                blobs = await model_store.part_blobs(url, int(rec.get("size", 0)),
                                                     int(rec.get("part_bytes", 1)))
                want = rec.get("sha256", "")
            else:
                stored = await (await js.caches.open(entry.store)).match(entry.key)
                blobs = [await stored.blob()]
                want = str(stored.headers.get("X-LocalLoom-Verified") or "")
            if not blobs or await model_store.sha256_of(blobs) != want:
                bad.append(entry)
        if bad:
            await model_store.delete_entries(row.entries)
            return _("damaged: deleted")
        return _("verified: sha256 matches")


def _policy_refusal(url: str) -> ModelDownloadError | None:
    """Why this page's CSP (its meta tag, the same connect-src its header sends) will not let
    it fetch ``url``; None when it will. Without this, the browser says only "Failed to fetch"."""
    meta = js.document.querySelector('meta[http-equiv="Content-Security-Policy"]')
    if meta is None or allows_connect(str(meta.content), url, str(js.location.origin)):
        return None
    host = urlsplit(url).hostname or url
    return ModelDownloadError(
        _("This page may not download from {host}.").format(host=host),
        cause=_("LocalLoom's security policy (CSP) lets it fetch models only from Hugging Face, "
                "this device and the hosts its build adds."),
        fix=_("Paste a Hugging Face …/resolve/main/….gguf address, or rebuild with "
              'LOCALLOOM_CONNECT_SRC="https://your.host" to allow your server.'),
        stage="download", engine="wllama")
