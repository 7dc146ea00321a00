"""JS error classification: every engine failure gets a cause and a fix; does a model fit?

Public names:

- ``DOWNLOAD CACHE LOAD GENERATE PARSE``: the stage names errors carry.
- ``classify_js_error(name, message, *, engine, stage, model_id="", status=None)``: a JS error
  (``err.name``, ``err.message``, the HTTP status when known) → a ``LocalLoomError`` with
  ``stage``, ``engine`` and ``detail`` (the original ``"Name: message"``) set.
- ``LoadProgress`` / ``Progress``: bytes, smoothed speed and ETA for a model load (they live
  in ``localloom.models.progress`` and are re-exported here).
- ``fits_device(model_bytes, caps, engine, ...)``: ``(ok, reason)`` before picking a model;
  ``webgpu_problem(caps, needs_f16=...)``: why a WebGPU-only model cannot run here ("" if it can)
  (both live in ``localloom.routing.preflight`` and are re-exported here).
- ``format_bytes(n, digits=1)``: ``"253.0 MB"`` (decimal units, as download sizes are quoted).

Example::

    >>> err = classify_js_error("TypeError", "Failed to execute 'add' on 'Cache': Request failed",
    ...                         engine="webllm", stage=DOWNLOAD, model_id="Llama-3.2-1B-MLC")
    >>> err.kind, err.retryable, "Llama-3.2-1B-MLC" in err.what
    ('ModelDownloadError', True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

from localloom import errors as E
from localloom.i18n import N_, _
from localloom.models.catalog import ENGINE_NAMES
from localloom.models.progress import LoadProgress, Progress, format_bytes
from localloom.routing._model_files import transformers_load, webllm_library
from localloom.routing._network_rules import FETCHING as _FETCHING
from localloom.routing._network_rules import MODELS as _MODELS
from localloom.routing._network_rules import http_status, network_rules, service_worker
from localloom.routing.preflight import fits_device, webgpu_problem

__all__ = [
    "CACHE", "DOWNLOAD", "GENERATE", "LOAD", "PARSE", "LoadProgress", "Progress",
    "classify_js_error", "fits_device", "format_bytes", "webgpu_problem",
]  # fmt: skip

DOWNLOAD, CACHE, LOAD, GENERATE, PARSE = "download", "cache", "load", "generate", "parse"


_RETRY_FIX = N_("Check the connection and try again (a download continues where it stopped), or "
              "choose a model already stored in Models on this device.")
_GPU_FREE = N_("or set Settings → Preferred engine to \"Embedded model (wllama)\", which runs on "
             "the CPU without WebGPU.")


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
        return _(ENGINE_NAMES.get(self.engine, self.engine or N_("The engine")))

    @property
    def model(self) -> str:
        return _("the model {id}").format(id=self.model_id) if self.model_id else _("the model")

    @property
    def pick(self) -> str:
        """Where the user picks another model for this engine ("Choose another model …")."""
        if self.engine == "webllm":  # WebLLM's models are chosen by routing, not a picker
            return _('by setting Settings → Preferred engine to "Automatic" (LocalLoom then '
                     "picks one that fits)")
        return _(_MODELS)

    @property
    def retry_fix(self) -> str:
        if self.engine == "webllm":
            return _("Check the connection and try again, or set Settings → Preferred engine to "
                     '"Embedded model (wllama)", which needs no download.')
        return _(_RETRY_FIX)

    def has(self, *needles: str) -> bool:
        return any(n in self.low for n in needles)


# (class, what, cause, fix[, retryable]); "" keeps the class default, retryable overrides it.
_Rule = tuple | None


def _rules(c: _Ctx) -> _Rule:
    """The first matching rule wins; the order puts specific messages before generic ones."""
    eng, model = c.eng, c.model
    if c.name == "AbortError" or c.has("user aborted", "signal is aborted"):
        return (E.GenerationCancelled,
                _("{engine} stopped: the request was cancelled.").format(engine=eng), "", "")
    if c.engine == "transformers" and c.stage in _FETCHING and (
            rule := transformers_load(c.name, c.low, c.model, http_status(c))):
        return rule
    if c.has("serviceworker", "service worker"):
        return service_worker(c)
    if c.has("shader-f16", "shaderf16"):
        return (E.EngineUnavailable,
                _("{engine} cannot run {model} on this GPU.").format(engine=eng, model=model),
                _("It is a q4f16 build, which needs the WebGPU feature shader-f16; this GPU or "
                  "browser does not offer it."),
                _("Try again: LocalLoom then routes to a model without f16 shaders (Llama 3.2 "
                  "1B q4f32), {gpu_free}").format(gpu_free=_(_GPU_FREE)))
    if c.has("maxstoragebufferbindingsize", "maxbuffersize", "max buffer size",
             "maximum binding size", "binding size",
             "cannot initialize runtime because of requested"):
        return (E.EngineUnavailable,
                _("{engine} cannot run {model} on this GPU.").format(engine=eng, model=model),
                _("The model needs GPU limits beyond what this device allows (e.g. "
                  "maxStorageBufferBindingSize; many phones allow only 128 MB)."),
                _("Pick a smaller model {where}, {gpu_free}").format(where=c.pick,
                                                                     gpu_free=_(_GPU_FREE)))
    if c.has("device was lost", "gpudevicelostinfo", "devicelosterror", "out of memory",
             "array buffer allocation failed", "could not allocate memory", "cannot enlarge memory",
             "aborted(oom)", "maximum memory size exceeded", "memory.grow()"):
        return (E.OutOfMemoryError,
                _("{engine} ran out of memory with {model}.").format(engine=eng, model=model),
                _("The model needs more GPU or main memory than this device can give the tab "
                  "(WebGPU reports this as a lost device)."),
                _("Close other tabs and apps, then pick a smaller model {where}.").format(
                    where=c.pick))
    if c.engine == "webllm" and c.has("expected magic word", "linkerror", "compileerror",
                                       "webassembly.instantiate"):
        return webllm_library(c.name, c.low, eng, model)
    if c.has("expected magic word", "linkerror", "compileerror", "webassembly.instantiate"):
        cause = _("The browser used an outdated or wrong copy of the engine's .wasm file (the "
                  "server sent a web page instead), usually a stale cache left over from an "
                  "earlier version of the app.") if c.has("3c 21") else _(
            "The browser used an outdated or wrong copy of the engine's .wasm file, usually a "
            "stale cache left over from an earlier version of the app.")
        return (E.ModelLoadError,
                _("{engine}'s WebAssembly code failed to start.").format(engine=eng), cause,
                _("Reload the page; if it persists, clear this site's data in the browser "
                  "(site settings → Clear data) and reload while online."))
    if c.has("gguf magic", "gguf_init", "not a gguf", "invalid magic", "llama_model_load",
             "error loading model", "failed to load model") and not c.has("fetch", "network"):
        return (E.ModelLoadError,
                _("{engine} could not load {model}.").format(engine=eng, model=model),
                _("The model file is corrupt, incomplete (an interrupted download) or not a "
                  "GGUF file this engine can read."),
                _("Reload the page: LocalLoom checks its stored copy and downloads the model "
                  "again when the copy is damaged."))
    if c.has("navigator.gpu", "webgpu is not supported", "webgpunotavailable", "webgpunotfound",
             "cannot find webgpu", "gpuadapter", "no gpu adapter", "requestadapter",
             "webgpu is not available", "webgpu not available",
             "unable to find a compatible gpu"):
        return (E.EngineUnavailable,
                _("{engine} needs WebGPU, and this browser offers no adapter.").format(
                    engine=eng),
                _("WebGPU only works on secure pages (https:// or http://localhost): opening the "
                  "app by a LAN address over http:// turns it off. The GPU may also be "
                  "blocklisted, or WebGPU is still behind chrome://flags/#enable-unsafe-webgpu "
                  "(Linux)."),
                _("Open the app over https:// or on localhost, update the browser, "
                  "{gpu_free}").format(gpu_free=_(_GPU_FREE)))
    if c.name == "NotAllowedError" and c.engine == "chrome":
        if c.has("permission", "policy"):
            return (E.EngineUnavailable, _("This page may not use Chrome's built-in AI."),
                    _("A permissions policy blocks it (the app runs inside a frame)."),
                    _("Open LocalLoom in its own tab."))
        return (E.EngineUnavailable,
                _("Chrome needs a click before it downloads its built-in model."),
                _("Chrome starts the model download only after a click or key press on the page "
                  "(a user gesture); this request started without one."),
                _("Press the Generate button to start the download, then try again."))
    if c.name == "NotSupportedError" and c.engine == "chrome":
        if c.stage in (GENERATE, PARSE) or c.has("schema", "constraint"):
            return (E.EngineUnavailable,
                    _("{engine} does not support the requested output format.").format(
                        engine=eng),
                    _("The JSON schema uses a feature its structured output does not support."),
                    _("LocalLoom moves on to the next engine; please report this if it "
                      "repeats."))
        return (E.EngineUnavailable,
                _("{engine} does not support the requested options.").format(engine=eng),
                _("The language or options asked for are not supported on this device."),
                _("Switch the course language to English, or use another engine."))
    if c.name == "SyntaxError" and c.stage in _FETCHING:
        return (E.ModelDownloadError,
                _("{engine} received a broken file for {model}.").format(engine=eng,
                                                                         model=model),
                _("The server sent a web page instead of the model file (usually a 404 page)."),
                _("Pick another model {where}; this one's files are not where the catalog "
                  "says.").format(where=c.pick), False)
    if c.stage in (GENERATE, PARSE) and (c.name == "SyntaxError" or c.has("invalid json")):
        return (E.InvalidOutputError,
                _("{engine} returned output that does not fit the format.").format(engine=eng),
                _("The model strayed from the JSON schema it was constrained to."),
                _("LocalLoom re-asks, then uses the next engine; shorter requests help."))
    if c.name == "NetworkError" and c.engine == "chrome":
        return (E.ModelDownloadError, _("Chrome could not download its built-in model."),
                _("The connection dropped, or the network is metered (Chrome downloads Gemini "
                  "Nano only on an unmetered connection and with about 22 GB free disk)."),
                _("Use Wi-Fi or Ethernet and press the button again; other engines work "
                  "meanwhile."))
    if c.name == "QuotaExceededError" or c.has("quota exceeded", "quotaexceeded"):
        if c.stage == GENERATE and not c.has("cache", "storage", "indexeddb", "opfs"):
            return (E.ContextOverflowError,
                    _("The request is too long for {engine}.").format(engine=eng),
                    _("The prompt, schema and answer do not fit in the model's context window."),
                    _("Ask for fewer modules or give shorter input; LocalLoom tries the next "
                      "engine."))
        return (E.StorageQuotaError,
                _("The browser refused to store {model}.").format(model=model),
                _("This site's storage quota is used up: the disk is nearly full, or this is a "
                  "private (incognito) window, which grants very little storage."),
                _("Free disk space or delete stored models {where} (Stored in this browser → "
                  "Delete), leave the private window, or pick a smaller model.").format(
                    where=_(_MODELS)))
    blocked = c.name == "SecurityError" and c.stage in _FETCHING
    if blocked or c.has("backing store", "mutation operation", "operation is insecure",
                        "access to storage is not allowed"):
        return (E.StorageQuotaError, _("This site's browser storage cannot be used."),
                _("Site data is blocked for this site, this is a private window (Firefox blocks "
                  "IndexedDB there), or the browser profile's storage is damaged."),
                _("Allow site data for this site, leave the private window, or clear its "
                  "data."))
    if c.has("context window", "contextwindowsizeexceeded", "context_length_exceeded",
             "maximum context length", "context is full", "n_ctx", "too many tokens"):
        return (E.ContextOverflowError,
                _("The request is too long for {engine}.").format(engine=eng), "", "")
    return network_rules(c, http_status(c))


def classify_js_error(
    name: str, message: str, *, engine: str, stage: str, model_id: str = "",
    status: int | None = None,
) -> E.LocalLoomError:
    """Map a JS error to the LocalLoom error that says what happened, why, and the fix."""
    c = _Ctx((name or "Error").strip(), (message or "").strip(), engine, stage, model_id, status)
    rule = _rules(c) or (
        E.EngineError, _("{engine} failed while in the {stage} stage: {name}: {message}").format(
            engine=c.eng, stage=stage or _("unknown"), name=c.name, message=c.message),
        _("An error LocalLoom does not recognise."),
        _("LocalLoom falls back to the next engine; reload the page and report this text if "
          "it keeps happening."))
    cls, what, cause, fix, *retryable = rule
    kw = {"engine": engine} if issubclass(cls, E.EngineError) else {}
    err = cls(what, cause=cause or None, fix=fix or None, stage=stage, **kw)
    err.engine = engine  # also on GenerationCancelled, which lacks the field
    err.detail = f"{c.name}: {c.message}"
    if retryable:
        err.retryable = retryable[0]  # e.g. a 404 will not heal on retry
    return err
