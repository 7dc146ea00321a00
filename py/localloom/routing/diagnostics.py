"""JS error classification: every engine failure gets a cause and a fix; does a model fit?

Public names:

- ``DOWNLOAD CACHE LOAD GENERATE PARSE``: the stage names errors carry.
- ``classify_js_error(name, message, *, engine, stage, model_id="", status=None)``: a JS error
  (``err.name``, ``err.message``, the HTTP status when known) → a ``LocalLoomError`` with
  ``stage``, ``engine`` and ``detail`` (the original ``"Name: message"``) set.
- ``LoadProgress`` / ``Progress``: bytes, smoothed speed and ETA for a model load (they live
  in ``localloom.models.progress`` and are re-exported here).
- ``fits_device(model_bytes, caps, engine, ...)``: ``(ok, reason)`` before picking a model;
  ``webgpu_problem(caps, needs_f16=...)``: why a WebGPU-only model cannot run here ("" if it can).
- ``format_bytes(n, digits=1)``: ``"253.0 MB"`` (decimal units, as download sizes are quoted).

Example::

    >>> err = classify_js_error("TypeError", "Failed to execute 'add' on 'Cache': Request failed",
    ...                         engine="webllm", stage=DOWNLOAD, model_id="Llama-3.2-1B-MLC")
    >>> err.kind, err.retryable, "Llama-3.2-1B-MLC" in err.what
    ('ModelDownloadError', True, True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from localloom import errors as E
from localloom.models.catalog import ENGINE_NAMES
from localloom.models.progress import LoadProgress, Progress, format_bytes
from localloom.routing._model_files import model_file, transformers_load, webllm_library
from localloom.routing.device import Capabilities

__all__ = [
    "CACHE", "DOWNLOAD", "GENERATE", "LOAD", "PARSE", "LoadProgress", "Progress",
    "classify_js_error", "fits_device", "format_bytes", "webgpu_problem",
]  # fmt: skip

DOWNLOAD, CACHE, LOAD, GENERATE, PARSE = "download", "cache", "load", "generate", "parse"
_FETCHING = {DOWNLOAD, CACHE, LOAD}


_RETRY_FIX = "Check the connection and try again, or choose a model that is already downloaded."
_NOT_KEPT = " The failed download is not kept, so it cannot break later loads."
_GPU_FREE = "or use wllama, which runs on the CPU without WebGPU."


@dataclass(frozen=True)
class _Ctx:
    name: str
    message: str
    engine: str
    stage: str
    model_id: str
    status: int | None

    @property
    def low(self) -> str:
        return f"{self.name}: {self.message}".lower()

    @property
    def eng(self) -> str:
        return ENGINE_NAMES.get(self.engine, self.engine or "The engine")

    @property
    def model(self) -> str:
        return f"the model {self.model_id}" if self.model_id else "the model"

    def has(self, *needles: str) -> bool:
        return any(n in self.low for n in needles)


# (class, what, cause, fix[, retryable]); "" keeps the class default, retryable overrides it.
_Rule = tuple | None


def _http_status(c: _Ctx) -> int | None:
    if c.status:
        return c.status
    m = re.search(r"(?:status(?: code)?|http)\D{0,3}([1-5]\d\d)\b", c.low)
    return int(m.group(1)) if m else None


def _rules(c: _Ctx) -> _Rule:
    """The first matching rule wins; the order puts specific messages before generic ones."""
    if c.name == "AbortError" or c.has("user aborted", "signal is aborted"):
        return (E.GenerationCancelled, f"{c.eng} stopped: the request was cancelled.", "", "")
    if c.engine == "transformers" and c.stage in _FETCHING and (
            rule := transformers_load(c.name, c.low, c.model, _http_status(c))):
        return rule
    if c.has("shader-f16", "shaderf16"):
        return (E.EngineUnavailable, f"{c.eng} cannot run {c.model} on this GPU.",
                "It is a q4f16 build, which needs the WebGPU feature shader-f16; this GPU or "
                "browser does not offer it.", f"Pick the q4f32 build of the model, {_GPU_FREE}")
    if c.has("maxstoragebufferbindingsize", "maxbuffersize", "max buffer size",
             "maximum binding size", "binding size",
             "cannot initialize runtime because of requested"):
        return (E.EngineUnavailable, f"{c.eng} cannot run {c.model} on this GPU.",
                "The model needs GPU limits beyond what this device allows (e.g. "
                "maxStorageBufferBindingSize; many phones allow only 128 MB).",
                f"Pick a smaller model, {_GPU_FREE}")
    if c.has("device was lost", "gpudevicelostinfo", "devicelosterror", "out of memory",
             "array buffer allocation failed", "could not allocate memory", "cannot enlarge memory",
             "aborted(oom)"):
        return (E.OutOfMemoryError, f"{c.eng} ran out of memory with {c.model}.",
                "The model needs more GPU or main memory than this device can give the tab "
                "(WebGPU reports this as a lost device).",
                "Close other tabs and apps, then try a smaller model.")
    if c.engine == "webllm" and c.has("expected magic word", "linkerror", "compileerror",
                                       "webassembly.instantiate"):
        return webllm_library(c.name, c.low, f"{c.eng} could not start {c.model}")
    if c.has("expected magic word", "linkerror", "compileerror", "webassembly.instantiate"):
        html = " (the server sent a web page instead)" if c.has("3c 21") else ""
        return (E.ModelLoadError, f"{c.eng}'s WebAssembly code failed to start.",
                "The browser used an outdated or wrong copy of the engine's .wasm file"
                f"{html}, usually a stale cache left over from an earlier version of the app.",
                "Reload the page; if it persists, clear this site's data in the browser "
                "(site settings → Clear data) and reload while online.")
    if c.has("gguf magic", "gguf_init", "not a gguf", "invalid magic", "llama_model_load",
             "error loading model", "failed to load model") and not c.has("fetch", "network"):
        return (E.ModelLoadError, f"{c.eng} could not load {c.model}.",
                "The model file is corrupt, incomplete (an interrupted download) or not a "
                "GGUF file this engine can read.",
                "Reload the page: LocalLoom checks its stored copy and downloads the model "
                "again when the copy is damaged.")
    if c.has("navigator.gpu", "webgpu is not supported", "webgpunotavailable", "webgpunotfound",
             "cannot find webgpu", "gpuadapter", "no gpu adapter", "requestadapter",
             "webgpu is not available", "webgpu not available",
             "unable to find a compatible gpu"):
        return (E.EngineUnavailable, f"{c.eng} needs WebGPU, and this browser offers no adapter.",
                "WebGPU only works on secure pages (https:// or http://localhost): opening the "
                "app by a LAN address over http:// turns it off. The GPU may also be blocklisted, "
                "or WebGPU is still behind chrome://flags/#enable-unsafe-webgpu (Linux).",
                f"Open the app over https:// or on localhost, update the browser, {_GPU_FREE}")
    if c.name == "NotAllowedError" and c.engine == "chrome":
        if c.has("permission", "policy"):
            return (E.EngineUnavailable, "This page may not use Chrome's built-in AI.",
                    "A permissions policy blocks it (the app runs inside a frame).",
                    "Open LocalLoom in its own tab.")
        return (E.EngineUnavailable, "Chrome needs a click before it downloads its built-in model.",
                "Chrome starts the model download only after a click or key press on the page "
                "(a user gesture); this request started without one.",
                "Press the Generate button to start the download, then try again.")
    if c.name == "NotSupportedError" and c.engine == "chrome":
        if c.stage in (GENERATE, PARSE) or c.has("schema", "constraint"):
            return (E.EngineUnavailable, f"{c.eng} does not support the requested output format.",
                    "The JSON schema uses a feature its structured output does not support.",
                    "LocalLoom moves on to the next engine; please report this if it repeats.")
        return (E.EngineUnavailable, f"{c.eng} does not support the requested options.",
                "The language or options asked for are not supported on this device.",
                "Switch the course language to English, or use another engine.")
    if c.name == "SyntaxError" and c.stage in _FETCHING:
        return (E.ModelDownloadError, f"{c.eng} received a broken file for {c.model}.",
                "The server sent a web page instead of the model file (usually a 404 page).",
                "Pick another model; this one's files are not where the catalog says.", False)
    if c.stage in (GENERATE, PARSE) and (c.name == "SyntaxError" or c.has("invalid json")):
        return (E.InvalidOutputError, f"{c.eng} returned output that does not fit the format.",
                "The model strayed from the JSON schema it was constrained to.",
                "LocalLoom re-asks, then uses the next engine; shorter requests help.")
    if c.name == "NetworkError" and c.engine == "chrome":
        return (E.ModelDownloadError, "Chrome could not download its built-in model.",
                "The connection dropped, or the network is metered (Chrome downloads Gemini "
                "Nano only on an unmetered connection and with about 22 GB free disk).",
                "Use Wi-Fi or Ethernet and press the button again; other engines work meanwhile.")
    if c.name == "QuotaExceededError" or c.has("quota exceeded", "quotaexceeded"):
        if c.stage == GENERATE and not c.has("cache", "storage", "indexeddb", "opfs"):
            return (E.ContextOverflowError, f"The request is too long for {c.eng}.",
                    "The prompt, schema and answer do not fit in the model's context window.",
                    "Ask for fewer modules or give shorter input; LocalLoom tries the next engine.")
        return (E.StorageQuotaError, f"The browser refused to store {c.model}.",
                "This site's storage quota is used up: the disk is nearly full, or this is a "
                "private (incognito) window, which grants very little storage.",
                "Free disk space or delete downloaded models in Settings, leave the private "
                "window, or pick a smaller model.")
    blocked = c.name == "SecurityError" and c.stage in _FETCHING
    if blocked or c.has("backing store", "mutation operation", "operation is insecure",
                        "access to storage is not allowed"):
        return (E.StorageQuotaError, "This site's browser storage cannot be used.",
                "Site data is blocked for this site, this is a private window (Firefox blocks "
                "IndexedDB there), or the browser profile's storage is damaged.",
                "Allow site data for this site, leave the private window, or clear its data.")
    if c.has("context window", "contextwindowsizeexceeded", "context_length_exceeded",
             "maximum context length", "context is full", "n_ctx", "too many tokens"):
        return (E.ContextOverflowError, f"The request is too long for {c.eng}.", "", "")
    return _network_rules(c, _http_status(c))


def _network_rules(c: _Ctx, status: int | None) -> _Rule:
    fetching = c.stage in _FETCHING and c.engine != "openai"
    if status and c.engine == "openai":
        by_status = {401: E.AuthError, 403: E.AuthError, 402: E.QuotaError,
                     429: E.RateLimitedError, 413: E.ContextOverflowError, 404: E.EngineUnavailable}
        cls = by_status.get(status, E.NetworkError if status >= 500 else E.EngineError)
        return (cls, f"{c.eng} answered HTTP {status}: {c.message}".strip(), "", "")
    if status in (404, 410) or c.has("could not locate file"):
        return (E.ModelDownloadError, f"{c.eng} could not download {c.model}: a file is missing.",
                f"The server does not have {model_file(c.low)}: HTTP {status or 404}. The "
                "model was moved or the catalog entry is wrong.",
                "Choose another model." + _NOT_KEPT, False)
    if status in (401, 403):
        return (E.ModelDownloadError, f"The server refused the files for {c.model}.",
                f"HTTP {status} for {model_file(c.low)}: the model is gated or private, or the "
                "host blocks this site.",
                "Choose another model." + _NOT_KEPT, False)
    if c.has("on 'cache'", "cache.add()", "encountered a network error") or (
            status and status >= 429):
        return (E.ModelDownloadError, f"{c.eng} could not download the files for {c.model}.",
                "The model files could not be fetched: the connection dropped or is offline, "
                "or the server did not deliver them" + (f" (HTTP {status})." if status else "."),
                _RETRY_FIX + _NOT_KEPT)
    if c.has("failed to fetch", "networkerror", "network error", "load failed", "net::err_",
             "timeout", "timed out") or c.name in ("NetworkError", "TimeoutError"):
        if fetching:
            return (E.ModelDownloadError, f"{c.eng} could not reach the server for {c.model}.",
                    "The browser is offline, or the server did not answer.",
                    _RETRY_FIX + _NOT_KEPT)
        return (E.NetworkError, f"{c.eng} could not be reached.",
                "The browser is offline, the server is down, or it blocked this site (CORS: "
                "the server must allow this site's origin, e.g. OLLAMA_ORIGINS for Ollama).",
                "Check the connection and the server URL; on-device engines work offline.")
    if c.has("no available backend found"):
        return (E.EngineUnavailable, f"{c.eng} found no backend (WebGPU or WASM) that starts.",
                "", "")
    if c.has("model not loaded", "is not loaded with a model", "enginenotloaded"):
        return (E.ModelLoadError, f"{c.eng} no longer holds {c.model}.",
                "The GPU was reset or the engine's worker restarted, which drops the model.",
                "Try again: LocalLoom loads the model again (from this browser's storage).")
    if c.name == "GrammarMatcherInitError" or c.has("json schema is only supported"):
        return (E.EngineUnavailable, f"{c.eng} does not support the requested output format.",
                "Its grammar engine (XGrammar) could not compile LocalLoom's JSON schema.",
                "LocalLoom moves on to the next engine; please report this if it repeats.")
    if c.has("cannot find model record", "modelnotfounderror", "unsupported model type"):
        return (E.EngineUnavailable, f"{c.eng} does not know {c.model}.",
                "The model is not in this engine version's catalog.", "Pick another model.")
    if c.has("can't create a session", "failed to create session"):
        return (E.ModelLoadError, f"{c.eng} could not load {c.model}.", "", "")
    return None


def classify_js_error(
    name: str, message: str, *, engine: str, stage: str, model_id: str = "",
    status: int | None = None,
) -> E.LocalLoomError:
    """Map a JS error to the LocalLoom error that says what happened, why, and the fix."""
    c = _Ctx((name or "Error").strip(), (message or "").strip(), engine, stage, model_id, status)
    rule = _rules(c) or (
        E.EngineError, f"{c.eng} failed while in the {stage or 'unknown'} stage: {c.name}: "
        f"{c.message}", "An error LocalLoom does not recognise.",
        "LocalLoom falls back to the next engine; reload the page and report this text if "
        "it keeps happening.")
    cls, what, cause, fix, *retryable = rule
    kw = {"engine": engine} if issubclass(cls, E.EngineError) else {}
    err = cls(what, cause=cause or None, fix=fix or None, stage=stage, **kw)
    err.engine = engine  # also on GenerationCancelled, which lacks the field
    err.detail = f"{c.name}: {c.message}"
    if retryable:
        err.retryable = retryable[0]  # e.g. a 404 will not heal on retry
    return err



_MEMORY_FACTOR = 1.5  # weights + KV cache + runtime, relative to the file size
_F16 = re.compile(r"q\d+f16")


def webgpu_problem(caps: Capabilities, *, needs_f16: bool = False) -> str:
    """Why a WebGPU-only model cannot run here, or "": no adapter, a software adapter (SwiftShader
    runs a model far slower than wllama on the CPU), or no ``shader-f16`` for a q4f16 build."""
    gpu = caps.gpu
    if gpu is None:
        return "no WebGPU adapter" + (f" ({caps.gpu_error})" if caps.gpu_error else "")
    if gpu.is_fallback:
        kind = gpu.architecture or gpu.vendor or "software"
        return (f"the only WebGPU adapter is a software fallback ({kind}), not a GPU: it would "
                "run the model far slower than wllama does on the CPU")
    if needs_f16 and not gpu.shader_f16:
        return "this GPU lacks shader-f16, which q4f16 models need; pick a q4f32 build"
    return ""


def fits_device(
    model_bytes: int, caps: Capabilities, engine: str, *, model_id: str = "",
    cached: bool = False, largest_tensor_bytes: int | None = None,
    needs_webgpu: bool | None = None, needs_f16: bool | None = None,
) -> tuple[bool, str]:
    """Whether a local model can run here, and why (not). Unknown facts never reject."""
    if engine not in ("webllm", "wllama", "transformers"):
        return True, f"{ENGINE_NAMES.get(engine, engine)} does not use this device's memory"
    gpu = caps.gpu
    if needs_webgpu is None:
        needs_webgpu = engine == "webllm"
    if needs_f16 is None:
        needs_f16 = bool(_F16.search(model_id.lower()))
    if needs_webgpu and (problem := webgpu_problem(caps, needs_f16=needs_f16)):
        return False, problem
    tensor = largest_tensor_bytes or model_bytes // 8
    limits = (gpu.max_storage_buffer_binding_size, gpu.max_buffer_size) if gpu else ()
    limit = min((x for x in limits if x > 0), default=0)
    if needs_webgpu and limit and tensor > limit:  # GPU limits are binary: 128 MiB on phones
        return False, (f"its largest weights (~{tensor / 2**20:.0f} MiB) exceed this GPU's "
                       f"{limit / 2**20:.0f} MiB buffer limit (phones often allow 128 MiB)")
    need = model_bytes * _MEMORY_FACTOR
    mem = caps.device_memory_gb
    if mem is not None and mem < 8 and need > mem * 1e9 / 2:  # Chrome caps deviceMemory at 8
        return False, (f"needs about {format_bytes(need, None)} of memory; this device reports "
                       f"{mem:g} GB and a tab gets about half")
    free = caps.storage.free
    if not cached and caps.storage.quota > 0 and free < model_bytes * 1.1:
        return False, (f"needs {format_bytes(model_bytes, None)} of browser storage plus 10% "
                       f"room, only {format_bytes(free, None)} free (private windows grant "
                       "little)")
    room = f" ({format_bytes(free, None)} storage free)" if free and not cached else ""
    return True, "fits this device" + room
