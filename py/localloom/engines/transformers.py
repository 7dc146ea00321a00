"""Transformers.js adapter: ONNX text-generation models on WASM (or WebGPU on a real GPU).

Public names: ``TransformersEngine``, ``forget_stored`` (its pure helpers:
``engines.transformers_options``).

    engine = TransformersEngine("SmolLM2-135M-Instruct", folder)   # a TjsFolder of this build
    await engine.load(caps, on_progress=lambda line, fraction: ..., cancel=cancel)
    text = await engine.generate(GenerateRequest(messages=[...]), on_token=print)

Everything goes through the FFI (``browser.ffi``): no JS glue. The library and
onnxruntime-web's wasm come from ``dist/vendor/transformers/`` (``env.backends.onnx.wasm
.wasmPaths`` names them, so no CDN is used); model files come from the app's own origin
(``env.localModelPath``), and from the Hugging Face Hub only for a remote model and only with
the user's consent to downloads (``env.allowRemoteModels``). Chat models get their messages
through the model's chat template. Transformers.js has no grammar: ``request.schema`` is not
enforced (the runner puts the format in the prompt and validates); the answer is started for
the model with the JSON object's first key (``answer_prefix``), without which SmolLM2-135M
mostly answered in prose. Streaming is a ``TextStreamer``; Cancel is an
``InterruptableStoppingCriteria`` (the call returns at the next token). JS errors become
``localloom.errors`` at this boundary; a failed load deletes the model's stored files
(``forget_stored``), so a damaged download cannot break the next one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from localloom.browser.ffi import import_module, js_object
from localloom.browser.runtime import js_error_parts, js_get
from localloom.engine import (
    CancelToken,
    GenerateRequest,
    TokenCallback,
    call_errors,
    estimate_tokens,
    start_call,
)
from localloom.engines.transformers_options import (
    StopScanner,
    answer_prefix,
    env_settings,
    generation_options,
)
from localloom.engines.wllama import GenerationStats
from localloom.errors import (
    EngineError,
    GenerationCancelled,
    LocalLoomError,
    ModelLoadError,
)
from localloom.models.tjs_build import FileProgress, TjsFolder, choose_backend
from localloom.routing.device import Capabilities
from localloom.routing.diagnostics import classify_js_error

__all__ = ["TransformersEngine", "forget_stored"]

MODULE_URL = "./vendor/transformers/transformers.min.js"
ORT_MJS = "./vendor/transformers/ort-wasm-simd-threaded.asyncify.mjs"
ORT_WASM = "./vendor/transformers/ort-wasm-simd-threaded.asyncify.wasm"

#: ``on_progress(line, fraction)``: which file loads and how far, for the page's model box.
LoadCallback = Callable[[str, float], None]


def _classify(exc: BaseException, stage: str, model_id: str) -> LocalLoomError:
    name, message, _ = js_error_parts(exc)
    return classify_js_error(name, message, engine="transformers", stage=stage,
                             model_id=model_id)


def _absolute(url: str) -> str:
    import js

    return str(js.URL.new(url, js.document.baseURI).href)


class TransformersEngine:
    name = "transformers"

    def __init__(self, model_id: str, folder: TjsFolder | None = None, *, chat: bool = True,
                 context_window: int = 2048, allow_remote: bool = False,
                 dtypes: tuple[str, ...] = ("q8",)) -> None:
        self.model_id = model_id
        self.folder = folder  # None: a Hub model id (remote; needs consent)
        self.chat = chat
        self.context_window = folder.context_window if folder else context_window
        self.allow_remote = allow_remote
        self.dtypes = folder.dtypes if folder else dtypes
        self.stats = GenerationStats()
        self.load_seconds = 0.0
        self.backend = ""
        self._module: Any = None
        self._pipe: Any = None

    @property
    def loaded(self) -> bool:
        return self._pipe is not None

    def count_tokens(self, text: str) -> int:
        if self._pipe is not None:
            try:
                return int(self._pipe.tokenizer.encode(text).length)
            except Exception:
                pass
        return estimate_tokens(text)

    async def _library(self) -> Any:
        try:
            return await import_module(MODULE_URL)
        except Exception as exc:
            raise ModelLoadError(
                f"The Transformers.js engine script could not be loaded: {js_error_parts(exc)[1]}",
                cause="The app's files are incomplete (interrupted update or first visit "
                      "made offline).",
                fix="Reload the page while online; LocalLoom then works offline.",
                stage="load", engine=self.name) from exc

    async def load(self, caps: Capabilities | None = None, *,
                   on_progress: LoadCallback | None = None,
                   cancel: CancelToken | None = None) -> None:
        """Fetch (or read from the browser's cache) the model files and start the ONNX
        session; idempotent. Cancel returns at once; the load finishes unseen and is freed."""
        if self._pipe is not None:
            return
        import js
        from pyodide.ffi import create_proxy

        cancel = cancel or CancelToken()
        started = time.monotonic()
        local = None
        if self.folder is not None:
            local = str(js.URL.new(self.folder.parent, js.document.baseURI).pathname)
        settings = env_settings(local, allow_remote=self.allow_remote)
        gpu = caps.gpu if caps else None
        device, dtype = choose_backend(self.dtypes, real_gpu=bool(gpu and not gpu.is_fallback))
        module = self._module = await self._library()
        env = module.env
        for key, value in settings.items():
            setattr(env, key, value)
        env.backends.onnx.wasm.wasmPaths = js_object({"mjs": _absolute(ORT_MJS),
                                                      "wasm": _absolute(ORT_WASM)})
        backend = (f"WebGPU ({gpu.vendor or 'GPU'}), {dtype}" if device == "webgpu" and gpu
                   else f"WASM, {dtype}")
        files = FileProgress(sizes=dict(self.folder.files) if self.folder else {})

        def progress(event) -> None:
            data = {k: js_get(event, k) for k in ("status", "file", "loaded", "total")}
            if files.update(data) and on_progress is not None:
                line = files.line()
                if data["status"] == "done" and str(data["file"]).startswith("onnx/"):
                    line += f" — starting the ONNX session ({backend})…"
                on_progress(line, files.fraction)

        proxy = create_proxy(progress)
        name = self.folder.name if self.folder else self.model_id
        options = js_object({"dtype": dtype, "device": device})
        options.progress_callback = proxy
        stop = asyncio.Event()
        cancel.on_cancel(stop.set)
        loading = asyncio.ensure_future(_settled(module.pipeline("text-generation", name,
                                                                 options)))
        waiting = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({loading, waiting}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiting.cancel()
        if not loading.done():
            loading.add_done_callback(lambda f: _dispose_later(f, proxy))
            raise GenerationCancelled("Model loading was cancelled.", stage="load")
        proxy.destroy()
        try:
            pipe = loading.result()
        except Exception as exc:
            error = _classify(exc, "load", self.model_id)
            if not isinstance(error, EngineError):
                error = ModelLoadError(error.what, stage="load", engine=self.name)
            if self.folder is not None:
                await forget_stored(_absolute(self.folder.url))
            raise error from exc
        threads = js_get(env.backends.onnx.wasm, "numThreads")
        if device == "wasm" and threads:
            backend += f", {int(threads)} thread{'s' if int(threads) > 1 else ''}"
        self._pipe, self.backend = pipe, backend
        self.load_seconds = time.monotonic() - started

    async def generate(self, request: GenerateRequest, on_token: TokenCallback | None = None,
                       cancel: CancelToken | None = None) -> str:
        cancel = start_call(self.name, self._pipe is not None, cancel)
        from pyodide.ffi import create_proxy

        module, stats, started = self._module, GenerationStats(), time.monotonic()
        criteria = module.InterruptableStoppingCriteria.new()
        scanner = StopScanner(request.stop)

        def on_text(text) -> None:
            piece = scanner.feed(str(text))
            if scanner.hit:
                criteria.interrupt()
            if piece and on_token is not None:
                on_token(piece)

        def on_ids(_ids) -> None:
            if not stats.tokens:
                stats.first_token_s = time.monotonic() - started
            stats.tokens += 1

        text_proxy, ids_proxy = create_proxy(on_text), create_proxy(on_ids)
        streamer = module.TextStreamer.new(self._pipe.tokenizer, js_object(
            {"skip_prompt": True, "skip_special_tokens": True}))
        streamer.callback_function = text_proxy
        streamer.token_callback_function = ids_proxy
        options = js_object(generation_options(request))
        options.streamer, options.stopping_criteria = streamer, criteria
        cancel.on_cancel(lambda: criteria.interrupt())
        source = request.prompt
        prefix = answer_prefix(request.schema) if request.messages is not None else ""
        if request.messages is not None:
            source = str(self._pipe.tokenizer.apply_chat_template(
                js_object(request.messages),
                js_object({"tokenize": False, "add_generation_prompt": True}))) + prefix
            options.add_special_tokens, options.return_full_text = False, False
        if prefix:
            on_text(prefix)
        try:
            with call_errors(cancel, lambda exc: _classify(exc, "generate", self.model_id)):
                await self._pipe(source, options)
        finally:
            text_proxy.destroy()
            ids_proxy.destroy()
            stats.total_s = time.monotonic() - started
            stats.finish_reason = "stop" if scanner.hit else (
                "length" if stats.tokens >= request.max_tokens else "stop")
            self.stats = stats
        if cancel.cancelled:
            raise GenerationCancelled("Generation was cancelled.", stage="generate")
        return scanner.text

    async def unload(self) -> None:
        """Free the ONNX session (its wasm memory)."""
        pipe, self._pipe = self._pipe, None
        if pipe is not None:
            await pipe.dispose()


#: The Cache Storage cache Transformers.js keeps model files in (``env.cacheKey``).
CACHE_NAME = "transformers-cache"


async def forget_stored(prefix: str) -> int:
    """Delete this browser's stored copies of the files under ``prefix`` (a model folder's
    URL), so a damaged download cannot break the next load; how many were deleted."""
    import js

    if not await js.caches.has(CACHE_NAME):
        return 0
    cache = await js.caches.open(CACHE_NAME)
    gone = 0
    for request in await cache.keys():
        if str(request.url).startswith(prefix):
            gone += bool(await cache.delete(request))
    return gone


async def _settled(promise: Any) -> Any:
    return await promise


_DISPOSING: set[asyncio.Future] = set()


def _dispose_later(future: asyncio.Future, proxy: Any) -> None:
    """A load the user cancelled finished after all: free its session and its callback."""
    proxy.destroy()
    if not future.cancelled() and future.exception() is None:
        task = asyncio.ensure_future(_settled(future.result().dispose()))
        _DISPOSING.add(task)
        task.add_done_callback(_DISPOSING.discard)
