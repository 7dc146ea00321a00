"""WebLLM adapter: MLC-compiled models on WebGPU, with the engine in a Web Worker.

Public names: ``WebLLMEngine``, ``shared_engine``, ``cached_models``, ``chat_request``,
``load_stage``, ``MODULE_URL``, ``WORKER_URL``.

    engine = shared_engine(spec)        # one loaded WebLLM model per page (GPU memory)
    await engine.load(caps, on_progress=lambda fraction, text: ..., cancel=token)
    text = await engine.generate(GenerateRequest(messages=[...], schema=schema_text),
                                 on_token=print, cancel=token)

The library (``dist/vendor/web-llm/``, left out of the service worker's precache and cached on
first use) runs in ``web/webllm-worker.js``; the page holds web-llm's own ``WebWorkerMLCEngine``
client. Before anything is downloaded, the adapter refuses what cannot run here
(``diagnostics.webgpu_problem``: no adapter, a software adapter, no shader-f16 for a q4f16
build): the library itself would fetch the model's config and library first and only then look
for a GPU. JS errors become ``localloom.errors`` here; a file that arrived broken (a web page
for JSON, a damaged .wasm) is deleted from web-llm's caches so it cannot break later loads.
Cancel stops the worker during a load and calls ``interruptGenerate`` during a generation.
Structured output is ``response_format: {type: "json_object", schema: <JSON text>}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Callable
from typing import Any

from localloom.browser.ffi import import_module, js_object
from localloom.browser.runtime import js_error_parts, js_get
from localloom.engine import (
    CancelToken,
    GenerateRequest,
    TokenCallback,
    estimate_tokens,
    start_call,
)
from localloom.errors import (
    EngineUnavailable,
    GenerationCancelled,
    LocalLoomError,
    ModelLoadError,
    OutOfMemoryError,
)
from localloom.models.catalog import ModelSpec
from localloom.models.loadstate import JOURNAL, METADATA, READY, webllm_stage
from localloom.routing.device import Capabilities
from localloom.routing.diagnostics import (
    DOWNLOAD,
    GENERATE,
    LOAD,
    classify_js_error,
    webgpu_problem,
)

__all__ = ["MODULE_URL", "WORKER_URL", "WebLLMEngine", "cached_models", "chat_request",
           "load_stage", "shared_engine"]

MODULE_URL = "./vendor/web-llm/index.js"
WORKER_URL = "./webllm-worker.js"
CACHES = ("webllm/config", "webllm/wasm", "webllm/model")  # web-llm's Cache Storage scopes
_FETCH = re.compile(r"\bHTTP \d{3}\b|fetch|network|on 'cache'", re.IGNORECASE)
_BROKEN_FILE = ("SyntaxError", "CompileError", "LinkError")  # a stored file is not what it says
_GONE = (OutOfMemoryError, ModelLoadError)  # after these the worker holds no usable model
ProgressCallback = Callable[[float, str], None]  # (fraction 0-1, web-llm's own text)


def chat_request(request: GenerateRequest) -> dict[str, Any]:
    """web-llm's streaming request for ``request`` (OpenAI-style, its own field names)."""
    params: dict[str, Any] = {
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
    }
    if request.messages is not None:
        params["messages"] = request.messages
    else:
        params["prompt"] = request.prompt
    if request.stop:
        params["stop"] = list(request.stop)
    if request.seed is not None:
        params["seed"] = request.seed
    if request.frequency_penalty is not None:
        params["frequency_penalty"] = request.frequency_penalty
    if request.repeat_penalty is not None:
        params["repetition_penalty"] = request.repeat_penalty
    if request.schema is not None:
        schema = request.schema
        text = schema if isinstance(schema, str) else json.dumps(schema, ensure_ascii=False)
        params["response_format"] = {"type": "json_object", "schema": text}
    return params


def load_stage(message: str) -> str:
    """The stage a load error belongs to: fetching a file, or starting the model."""
    return DOWNLOAD if _FETCH.search(message) else LOAD


def _error(exc: BaseException, stage: str, model_id: str) -> tuple[LocalLoomError, str]:
    name, message, _ = js_error_parts(exc)
    stage = load_stage(message) if stage == LOAD else stage
    return classify_js_error(name, message, engine="webllm", stage=stage,
                             model_id=model_id), name


class WebLLMEngine:
    name = "webllm"
    chat = True

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.model_id = spec.id
        self.context_window = spec.context_window
        self._engine: Any = None
        self._worker: Any = None
        self._proxies: list[Any] = []

    @property
    def loaded(self) -> bool:
        return self._engine is not None

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    def preflight(self, caps: Capabilities) -> None:
        """Raise ``EngineUnavailable`` when this device cannot run the model (no download)."""
        problem = webgpu_problem(caps, needs_f16=self.spec.needs_f16)
        if problem:
            raise EngineUnavailable(
                f"WebLLM cannot run {self.model_id} here: {problem}.",
                cause="WebLLM runs models only on a WebGPU GPU.",
                fix="LocalLoom uses the next engine; the built-in model (wllama) runs on the CPU.",
                stage="route", engine=self.name)

    async def load(self, caps: Capabilities | None = None, *,
                   on_progress: ProgressCallback | None = None,
                   cancel: CancelToken | None = None) -> None:
        """Check the device, then download (or read from cache) and start the model. The
        stages web-llm reports go to a ``models.loadstate`` log in the ``JOURNAL``."""
        if self._engine is not None:
            return
        log = JOURNAL.begin(self.name, self.model_id)
        try:
            await self._load(caps, log, on_progress, cancel)
        except BaseException as exc:
            log.fail(exc)
            raise
        log.finish("WebGPU")

    async def _load(self, caps, log, on_progress, cancel) -> None:
        if caps is None:
            from localloom.browser.capabilities import probe

            caps = await probe()
        self.preflight(caps)
        import js
        from pyodide.ffi import create_proxy

        cancel = cancel or CancelToken()
        log.enter(METADATA, "web-llm library, model config")
        module = await _library()

        def progress(r: Any) -> None:
            text = str(js_get(r, "text", ""))
            stage = webllm_stage(text)
            if stage and stage != READY and stage != log.stage:
                with contextlib.suppress(ValueError):  # web-llm's order is its own
                    log.enter(stage, text[:80])
            if on_progress:
                on_progress(float(js_get(r, "progress", 0)), text)
        report = create_proxy(progress)
        stop: asyncio.Future = asyncio.get_event_loop().create_future()

        def halt(why: str) -> None:
            if not stop.done():
                stop.set_result(why)
        failed = create_proxy(lambda event: halt("worker"))
        self._proxies += [report, failed]
        cancel.on_cancel(lambda: halt("cancel"))
        worker = js.Worker.new(WORKER_URL, js_object({"type": "module"}))
        worker.addEventListener("error", failed)
        creating = asyncio.ensure_future(_outcome(_call(
            module.CreateWebWorkerMLCEngine, module, worker, self.model_id,
            js_object({"initProgressCallback": report, "logLevel": "WARN"}))))
        await asyncio.wait({creating, stop}, return_when=asyncio.FIRST_COMPLETED)
        if not creating.done():
            creating.cancel()
            worker.terminate()
            self.unload()
            if stop.result() == "cancel":
                raise GenerationCancelled("Model loading was cancelled.", stage="load")
            raise _script_error()
        engine, exc = creating.result()
        if exc is not None:
            worker.terminate()
            self.unload()
            error, name = _error(exc, LOAD, self.model_id)
            if name in _BROKEN_FILE:
                await _forget(module, self.model_id)
            if cancel.cancelled:
                raise GenerationCancelled("Model loading was cancelled.", stage="load") from exc
            raise error from exc
        self._engine, self._worker = engine, worker

    def unload(self) -> None:
        """Stop the worker (frees the GPU memory) and drop its callbacks; ``load`` starts over."""
        if self._worker is not None:
            self._worker.terminate()
        self._engine = self._worker = None
        for proxy in self._proxies:
            proxy.destroy()
        self._proxies = []

    async def generate(self, request: GenerateRequest, on_token: TokenCallback | None = None,
                       cancel: CancelToken | None = None) -> str:
        cancel = start_call(self.name, self._engine is not None, cancel)
        from pyodide.ffi import JsException  # anything else is a bug here: let it surface

        engine = self._engine
        chat = request.messages is not None
        api = engine.chat.completions if chat else engine.completions
        pieces: list[str] = []
        try:
            stream = await _call(api.create, api, js_object(chat_request(request)))
            cancel.on_cancel(lambda: engine.interruptGenerate())
            while not (step := await _call(stream.next, stream)).done:  # an interrupt ends it
                chunk = step.value
                for choice in chunk.choices:
                    text = js_get(js_get(choice, "delta"), "content") if chat else \
                        js_get(choice, "text")
                    if text and not cancel.cancelled:
                        pieces.append(str(text))
                        if on_token is not None:
                            on_token(str(text))
        except JsException as exc:
            if cancel.cancelled:
                raise GenerationCancelled("Generation was cancelled.",
                                          stage="generate") from exc
            error, _ = _error(exc, GENERATE, self.model_id)
            if isinstance(error, _GONE):
                self.unload()
            raise error from exc
        if cancel.cancelled:
            raise GenerationCancelled("Generation was cancelled.", stage="generate")
        return "".join(pieces)


_shared: WebLLMEngine | None = None


def shared_engine(spec: ModelSpec) -> WebLLMEngine:
    """The page's WebLLM engine for ``spec``; another model's engine is unloaded first."""
    global _shared
    if _shared is None or _shared.model_id != spec.id:
        if _shared is not None:
            _shared.unload()
        _shared = WebLLMEngine(spec)
    return _shared


async def cached_models(specs: list[ModelSpec]) -> list[str]:
    """Ids of the models whose files web-llm has stored (the library is not even fetched when
    nothing is stored, so users who never use WebLLM never download it)."""
    import js

    try:
        if not specs or not await js.caches.has("webllm/model"):
            return []
        module = await _library()
        return [s.id for s in specs if await module.hasModelInCache(s.id)]
    except Exception:
        return []


async def _library() -> Any:
    try:
        return await import_module(MODULE_URL)
    except Exception as exc:
        raise _script_error(js_error_parts(exc)[1]) from exc


def _script_error(detail: str = "") -> ModelLoadError:
    return ModelLoadError(
        "The WebLLM engine script could not be loaded" + (f": {detail}" if detail else "."),
        cause="The app's files are incomplete: WebLLM's library is fetched on its first use, "
              "and this browser was offline then, or an update was interrupted.",
        fix="Reload the page while online; after one use WebLLM's library works offline.",
        stage="load", engine="webllm")


def _call(fn: Any, this: Any, *args: Any) -> Any:
    """``fn.apply(this, args)``, awaitable. web-llm's worker rejects with "Name: message" text,
    which Pyodide cannot raise (the awaiting future never settles): it becomes an Error first."""
    global _TEXT_TO_ERROR
    if _TEXT_TO_ERROR is None:
        from pyodide.code import run_js

        _TEXT_TO_ERROR = run_js("""(fn, self) => (...args) =>
          Promise.resolve(fn.apply(self, args)).catch((e) => {
            if (e instanceof Error) throw e;
            const text = String(e), m = /^(\\w+): ([\\s\\S]*)$/.exec(text);
            const error = new Error(m ? m[2] : text);
            if (m) error.name = m[1];
            throw error;
          })""")
    return _TEXT_TO_ERROR(fn, this)(*args)


_TEXT_TO_ERROR: Any = None


async def _outcome(awaitable: Any) -> tuple[Any, BaseException | None]:
    try:
        return await awaitable, None
    except Exception as exc:
        return None, exc


async def _forget(module: Any, model_id: str) -> None:
    """Delete every file web-llm stored for ``model_id`` (no network: keys only)."""
    import js

    try:
        record = next(r for r in module.prebuiltAppConfig.model_list if r.model_id == model_id)
        base = str(record.model).rstrip("/") + "/"
        lib = str(record.model_lib)
        for name in CACHES:
            if not await js.caches.has(name):
                continue
            cache = await js.caches.open(name)
            for key in await cache.keys():
                if str(key.url).startswith(base) or str(key.url) == lib:
                    await cache.delete(key)
    except Exception as exc:  # a cleanup must not hide the error the user needs to see
        js.console.warn(f"LocalLoom: could not delete WebLLM's stored files: {exc}")
