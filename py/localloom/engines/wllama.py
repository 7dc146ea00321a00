"""wllama adapter: llama.cpp GGUF models in the browser (WASM threads or WebGPU).

Public names: ``WllamaEngine``, ``GenerationStats``.

    engine = WllamaEngine("./models/gemma-3-270m-q4_k_m.gguf", "gemma-3-270m-q4_k_m")
    await engine.load(caps, on_progress=lambda got, total: ...,
                      on_stage=lambda stage, note: ...)  # cache | network | start
    text = await engine.generate(GenerateRequest(prompt="...", schema=schema), on_token=print)

Base models (``chat=False``) get raw completions with ``json_schema`` (llama.cpp turns it
into a grammar); chat models get ``response_format: json_schema``. JS errors become
``localloom.errors`` at this boundary.

A model stored in Cache Storage is handed to wllama as the cache's own disk-backed Blob (no
intermediate ArrayBuffer in the page). On the CPU wllama copies it into the wasm heap once and
llama.cpp maps it there (``heapfs``, ``buildtools/wllama_patch.py``); on WebGPU it reads the
slices each tensor needs. ``on_progress`` follows either read, so the load phase shows progress
too. The engine script is imported while the model is looked up.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass

from localloom.browser.ffi import abort_signal, import_module, js_object
from localloom.browser.runtime import is_nullish, js_error_parts, js_get
from localloom.engine import (
    CancelToken,
    GenerateRequest,
    TokenCallback,
    call_errors,
    estimate_tokens,
    llama_sampling,
    start_call,
)
from localloom.engines.download import (
    ProgressCallback,
    StageCallback,
    fetch_blob,
    replaced_note,
    stored_blob,
)
from localloom.engines.model_store import touch
from localloom.engines.resumable import fetch_file
from localloom.errors import EngineError, GenerationCancelled, LocalLoomError, ModelLoadError
from localloom.models.catalog import FileSpec
from localloom.models.loadstate import INITIALISING, JOURNAL, STAGES
from localloom.models.modelfile import ModelFile, build_model, engine_urls
from localloom.routing.device import Capabilities
from localloom.routing.diagnostics import classify_js_error

__all__ = ["GenerationStats", "WllamaEngine"]

_URLS = engine_urls("wllama")  # built.json, read once
MODULE_URL = _URLS.get("module", "./vendor/wllama/index.js")
WASM_URL = _URLS.get("wasm", "./vendor/wllama/wasm/wllama.wasm")
#: wllama's build for browsers without JSPI or 64-bit wasm memory (Safari): without our copy
#: wllama would fetch it from a CDN, which an offline page cannot reach.
COMPAT_URLS = {"worker": _URLS.get("compat_worker", ""), "wasm": _URLS.get("compat_wasm", "")}


def _uses_compat_build(js) -> bool:
    """Whether wllama will run its compatibility build here: the browser lacks JSPI
    (``WebAssembly.Suspending``) or 64-bit wasm memory, and is not Firefox (where wllama keeps
    its main build, without WebGPU)."""
    if "Firefox" in str(js_get(js.navigator, "userAgent", "")):
        return False
    if is_nullish(js_get(js.WebAssembly, "Suspending")):
        return True
    try:
        js.WebAssembly.Memory.new(js_object({"address": "i64", "initial": js.BigInt(1)}))
    except Exception:
        return True
    return False


@dataclass
class GenerationStats:
    """What the Python layer saw of the last call (for the UI and ``build.py bench``)."""

    tokens: int = 0
    first_token_s: float = 0.0  # from the call to the first streamed token
    total_s: float = 0.0
    engine_tokens_per_s: float = 0.0  # llama.cpp's own figure, when reported
    finish_reason: str = ""

    @property
    def tokens_per_s(self) -> float:
        decode = self.total_s - self.first_token_s
        return (self.tokens - 1) / decode if self.tokens > 1 and decode > 0 else 0.0


def _classify(exc: BaseException, stage: str, model_id: str) -> LocalLoomError:
    name, message, _ = js_error_parts(exc)
    return classify_js_error(name, message, engine="wllama", stage=stage, model_id=model_id)


def _watch_reads(blob, on_progress: ProgressCallback | None) -> list:
    """Report ``(bytes of blob read so far, size)`` as wllama reads ``blob``; the proxies to
    destroy after the load (then ``_unwatch``).

    A CPU load copies the file into the wasm heap through ``blob.stream()``
    (``buildtools/wllama_patch.py``); a WebGPU load reads it by ``blob.slice(start, end)``,
    1 MB or more at a time. Own ``stream`` and ``slice`` properties on this Blob instance see
    either.
    """
    if on_progress is None:
        return []
    import js
    from pyodide.ffi import create_proxy

    size = int(blob.size)
    furthest = [0]

    def seen(end: int) -> None:
        if end > furthest[0]:
            furthest[0] = min(end, size)
            on_progress(furthest[0], size)

    original_slice = blob.slice.bind(blob)
    original_stream = blob.stream.bind(blob)

    def slice_(start=None, end=None, *rest):
        if end is not None:
            seen(int(end))
        return original_slice(start, end, *rest)

    def transform(chunk, controller):
        seen(furthest[0] + int(chunk.byteLength))
        controller.enqueue(chunk)

    counter = create_proxy(transform)

    def stream():
        return original_stream().pipeThrough(
            js.TransformStream.new(js_object({"transform": counter})))

    proxies = [create_proxy(slice_), create_proxy(stream), counter]
    blob.slice, blob.stream = proxies[0], proxies[1]
    return proxies


def _unwatch(blob, proxies: list) -> None:
    """Undo ``_watch_reads``: the Blob's own methods again, the proxies freed."""
    if not proxies:
        return
    import js

    js.Reflect.deleteProperty(blob, "slice")
    js.Reflect.deleteProperty(blob, "stream")
    for proxy in proxies:
        proxy.destroy()


class WllamaEngine:
    name = "wllama"

    def __init__(
        self,
        model_url: str,
        model_id: str,
        *,
        context_window: int = 4096,
        chat: bool = False,
        size_bytes: int = 0,
        model_file: ModelFile | None = None,
        files: tuple[FileSpec, ...] = (),
    ) -> None:
        self.model_url = model_url
        self.model_id = model_id
        self.context_window = context_window
        self.chat = chat
        # size and sha256 the bytes are checked against: the build's, for a model it ships
        model_file = model_file or build_model(model_url)
        self.model_file = model_file
        self.size_bytes = model_file.size if model_file else size_bytes
        # a downloaded (not shipped) model: every file, resumable, checked before loading
        self.files = files if model_file is None else ()
        if self.files:
            self.size_bytes = sum(f.size for f in self.files)
        self.stats = GenerationStats()
        self.load_seconds = 0.0
        self.backend = ""
        self._wllama = None

    @property
    def loaded(self) -> bool:
        return self._wllama is not None

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    async def load(
        self,
        caps: Capabilities | None = None,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        on_stage: StageCallback | None = None,
    ) -> None:
        """Download (or read from cache) the GGUF, check it and load it; idempotent.

        ``on_stage(stage, note)`` says where the bytes come from ("cache" or "network") and
        when llama.cpp starts reading them ("start", note = the backend). Every stage also goes
        to a ``models.loadstate`` log in the ``JOURNAL`` (the Diagnostics panel's load log).
        """
        if self._wllama is not None:
            return
        log = JOURNAL.begin(self.name, self.model_id)
        try:
            await self._load(caps, log, on_progress, cancel, on_stage)
        except BaseException as exc:
            log.fail(exc)
            raise
        log.finish(self.backend)

    async def _load(self, caps, log, on_progress, cancel, on_stage) -> None:
        import js

        told: set[str] = set()

        def stage(kind: str, note: str) -> None:
            if kind in STAGES:
                log.enter(kind, note)
            elif on_stage is not None and kind not in told:  # once per load, not per shard
                told.add(kind)
                on_stage(kind, note)

        started = time.monotonic()
        module_task = asyncio.ensure_future(import_module(MODULE_URL))  # while bytes are found
        use_gpu = bool(caps and caps.gpu and not caps.gpu.is_fallback)
        threads = caps.threads if caps else 1
        backend = f"WebGPU ({caps.gpu.vendor})" if use_gpu and caps and caps.gpu else \
            f"CPU, {threads} thread{'s' if threads > 1 else ''}"
        if all(COMPAT_URLS.values()) and _uses_compat_build(js):
            backend += ", compatibility build"
        stored, deleted = (await stored_blob(self.model_url, self.model_file)
                           if self.model_file and not self.files else (None, ""))
        if self.files:
            blobs = await self._download(on_progress, stage, cancel)
        elif stored is not None:  # the verified stored copy, Cache Storage's own Blob
            blobs = [stored]
        else:
            fetch_stage = stage
            if deleted:  # this page deleted it: the service worker cannot say so
                def fetch_stage(kind: str, note: str) -> None:
                    stage(kind, note or replaced_note(deleted))
            blobs = [await fetch_blob(self.model_url, model=self.model_file,
                                      on_progress=on_progress, on_stage=fetch_stage,
                                      cancel=cancel, engine=self.name, model_id=self.model_id,
                                      expected_size=self.size_bytes)]
        if cancel is not None and cancel.cancelled:
            raise GenerationCancelled("Model loading was cancelled.", stage="load")
        log.enter(INITIALISING, backend)
        if on_stage is not None:
            on_stage("start", backend)
            if stored is not None:
                on_stage("cache", "")
        try:
            module = await module_task
        except Exception as exc:
            raise ModelLoadError(
                f"The wllama engine script could not be loaded: {js_error_parts(exc)[1]}",
                cause="The app's files are incomplete (interrupted update or first visit "
                      "made offline).",
                fix="Reload the page while online; LocalLoom then works offline.",
                stage="load", engine=self.name) from exc
        watch = _watch_reads(blobs[0], on_progress) if len(blobs) == 1 else []
        try:
            wasm = str(js.URL.new(WASM_URL, js.document.baseURI).href)
            wllama = module.Wllama.new(js_object({"default": wasm}),
                                       js_object({"suppressNativeLog": True}))
            if all(COMPAT_URLS.values()):
                wllama.setCompat(js_object({
                    key: str(js.URL.new(url, js.document.baseURI).href)
                    for key, url in COMPAT_URLS.items()}))
            await wllama.loadModel(js.Array.of(*blobs), js_object({
                "n_ctx": self.context_window,
                "n_threads": threads,
                "n_gpu_layers": 999 if use_gpu else 0,
                "heapfs": not use_gpu,  # copy once and map (buildtools/wllama_patch.py)
            }))
        except Exception as exc:
            error = _classify(exc, "load", self.model_id)
            if not isinstance(error, EngineError):
                error = ModelLoadError(error.what, stage="load", engine=self.name)
            raise error from exc
        finally:
            _unwatch(blobs[0], watch)
        if self.files and is_nullish(wllama.getChatTemplate()):
            self.chat = False  # no chat template: a base model, prompted as one
        self._wllama = wllama
        self.backend = backend
        touch(self.model_id)
        self.load_seconds = time.monotonic() - started
        js.globalThis.localloomWllama = wllama  # the bench compares direct JS calls with ours

    async def unload(self) -> None:
        """Free the model's memory (the page switched to another model)."""
        wllama, self._wllama = self._wllama, None
        if wllama is not None:
            await wllama.exit()

    async def _download(self, on_progress, on_stage, cancel) -> list:
        """Every file of a downloaded model (a split GGUF has several), in load order."""
        blobs, done = [], 0
        total = sum(f.size for f in self.files)
        for file in self.files:
            def progress(loaded: int, size: int, before: int = done) -> None:
                if on_progress is not None:
                    on_progress(before + loaded, max(total, before + size))
            blob = await fetch_file(file, model_id=self.model_id, on_progress=progress,
                                    on_stage=on_stage, cancel=cancel)
            blobs.append(blob)
            done += int(blob.size)
        return blobs

    async def generate(
        self,
        request: GenerateRequest,
        on_token: TokenCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> str:
        cancel = start_call(self.name, self._wllama is not None, cancel)
        from pyodide.ffi import create_proxy

        pieces: list[str] = []
        stats = GenerationStats()
        started = time.monotonic()
        raw = request.prompt is not None

        def on_data(chunk) -> None:
            choices = chunk.choices
            if choices.length:
                choice = choices[0]
                # a chat chunk's delta may carry no content (the role-only first chunk,
                # the last one with finish_reason): the attribute is then missing
                text = js_get(choice, "text") if raw else js_get(js_get(choice, "delta"),
                                                                "content")
                if text:
                    if not pieces:
                        stats.first_token_s = time.monotonic() - started
                    pieces.append(str(text))
                    stats.tokens += 1
                    if on_token is not None:
                        on_token(str(text))
                reason = js_get(choice, "finish_reason")
                if reason:
                    stats.finish_reason = str(reason)
            timings = getattr(chunk, "timings", None)
            if timings:
                stats.engine_tokens_per_s = float(timings.predicted_per_second or 0)

        proxy = create_proxy(on_data)
        params: dict = {
            "stream": True,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "abortSignal": abort_signal(cancel),
            "onData": proxy,
        }
        if request.stop:
            params["stop"] = list(request.stop)
        # llama.cpp's own parameter names: wllama hands them to its server code as JSON.
        params.update(llama_sampling(request, self.context_window))
        schema = request.schema
        if isinstance(schema, str):
            schema = json.loads(schema)
        try:
            with call_errors(cancel, lambda exc: _classify(exc, "generate", self.model_id)):
                if raw:
                    params["prompt"] = request.prompt
                    if schema is not None:
                        params["json_schema"] = schema
                    await self._wllama.createCompletion(js_object(params))
                else:
                    params["messages"] = request.messages
                    if schema is not None:
                        params["response_format"] = {
                            "type": "json_schema",
                            "json_schema": {"name": request.task, "schema": schema, "strict": True},
                        }
                    await self._wllama.createChatCompletion(js_object(params))
        finally:
            proxy.destroy()
            stats.total_s = time.monotonic() - started
            self.stats = stats
        if cancel.cancelled:
            raise GenerationCancelled("Generation was cancelled.", stage="generate")
        return "".join(pieces)
