"""The classifier's rules for the offline copy (service worker) and for network and HTTP
failures, and the wording they share with ``routing.diagnostics`` (private to it)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from localloom import errors as E
from localloom.i18n import N_, _
from localloom.routing._model_files import model_file

if TYPE_CHECKING:
    from localloom.routing.diagnostics import _Ctx, _Rule

FETCHING = frozenset(("download", "cache", "load"))  # diagnostics.DOWNLOAD, CACHE, LOAD
NOT_KEPT = N_("The failed download is not kept, so it cannot break later loads.")
MODELS = N_("in Models on this device")  # the panel to pick, download and delete models in


def http_status(c: _Ctx) -> int | None:
    if c.status:
        return c.status
    m = re.search(r"(?:status(?: code)?|http)\D{0,3}([1-5]\d\d)\b", c.low)
    return int(m.group(1)) if m else None


def service_worker(c: _Ctx) -> _Rule:
    """The offline copy (web/sw.js) failed to install or update; the page itself still runs."""
    if c.has("protocol", "insecure", "secure context") or c.name == "SecurityError":
        return (E.LocalLoomError, _("LocalLoom cannot keep an offline copy on this page."),
                _("Service workers only run on secure pages: https://, or http://localhost "
                  "(not a file, nor a LAN address over http://)."),
                _("Open LocalLoom by its https:// or http://localhost address."))
    what = _("LocalLoom's offline copy could not update.") if c.has("update") else \
        _("LocalLoom's offline copy could not install.")
    return (E.LocalLoomError, what,
            _("The browser could not fetch or start the service worker script (offline, a "
              "server error, or a stale copy); the page works on while online."),
            _("Reload the page while online; if it repeats, clear this site's data "
              "(site settings → Clear data) and reload."))


def _not_kept(fix: str) -> str:
    return f"{fix} {_(NOT_KEPT)}"


def network_rules(c: _Ctx, status: int | None) -> _Rule:
    fetching = c.stage in FETCHING and c.engine != "openai"
    eng, model = c.eng, c.model
    if status and c.engine == "openai":
        by_status = {401: E.AuthError, 403: E.AuthError, 402: E.QuotaError,
                     429: E.RateLimitedError, 413: E.ContextOverflowError, 404: E.EngineUnavailable}
        cls = by_status.get(status, E.NetworkError if status >= 500 else E.EngineError)
        return (cls, _("{engine} answered HTTP {status}: {message}").format(
            engine=eng, status=status, message=c.message).strip(), "", "")
    if status in (404, 410) or c.has("could not locate file"):
        return (E.ModelDownloadError,
                _("{engine} could not download {model}: a file is missing.").format(
                    engine=eng, model=model),
                _("The server does not have {file}: HTTP {status}. The model was moved or the "
                  "catalog entry is wrong.").format(file=model_file(c.low), status=status or 404),
                _not_kept(_("Choose another model {where}.").format(where=c.pick)), False)
    if status == 416 or c.has("range not satisfiable"):
        return (E.ModelDownloadError,
                _("The server refused to continue the download of {model}.").format(
                    model=model),
                _("HTTP 416: the part stored in this browser no longer fits the file on the "
                  "server (it changed or got shorter), so the download cannot resume from "
                  "there."),
                _("Delete the model {where} (Stored in this browser → Delete), then press "
                  "Download to start over.").format(where=_(MODELS)), False)
    if status in (401, 403):
        return (E.ModelDownloadError,
                _("The server refused the files for {model}.").format(model=model),
                _("HTTP {status} for {file}: the model is gated or private, or the host blocks "
                  "this site.").format(status=status, file=model_file(c.low)),
                _not_kept(_("Choose another model {where}.").format(where=c.pick)), False)
    if c.has("on 'cache'", "cache.add()", "encountered a network error") or (
            status and status >= 429):
        cause = _("The model files could not be fetched: the connection dropped or is offline, "
                  "or the server did not deliver them (HTTP {status}).").format(status=status) \
            if status else _("The model files could not be fetched: the connection dropped or "
                             "is offline, or the server did not deliver them.")
        return (E.ModelDownloadError,
                _("{engine} could not download the files for {model}.").format(engine=eng,
                                                                                model=model),
                cause, _not_kept(c.retry_fix))
    if c.has("cors", "access-control-allow-origin", "cross-origin request blocked"):
        what = _("The server blocked {engine} from reading {model}.").format(
            engine=eng, model=model) if fetching else \
            _("The server blocked {engine} from reading it.").format(engine=eng)
        return (E.ModelDownloadError if fetching else E.NetworkError, what,
                _("The server does not allow this site's origin (CORS: no "
                  "Access-Control-Allow-Origin header), so the browser hides its answer."),
                _("Use a Hugging Face …/resolve/main/….gguf address {where}, or a server that "
                  "allows this site (for Ollama: OLLAMA_ORIGINS).").format(where=_(MODELS)),
                False)
    if c.has("failed to fetch", "networkerror", "network error", "load failed", "net::err_",
             "timeout", "timed out") or c.name in ("NetworkError", "TimeoutError"):
        if fetching:
            return (E.ModelDownloadError,
                    _("{engine} could not reach the server for {model}.").format(engine=eng,
                                                                                 model=model),
                    _("The browser is offline, the server did not answer, or it does not let "
                      "this site download from it (CORS)."),
                    _not_kept(c.retry_fix))
        return (E.NetworkError, _("{engine} could not be reached.").format(engine=eng),
                _("The browser is offline, the server is down, or it blocked this site (CORS: "
                  "the server must allow this site's origin, e.g. OLLAMA_ORIGINS for Ollama)."),
                _("Check the connection and the server URL; on-device engines work offline."))
    if c.has("no available backend found"):
        return (E.EngineUnavailable,
                _("{engine} found no backend (WebGPU or WASM) that starts.").format(engine=eng),
                "", "")
    if c.has("model not loaded", "is not loaded with a model", "enginenotloaded"):
        return (E.ModelLoadError,
                _("{engine} no longer holds {model}.").format(engine=eng, model=model),
                _("The GPU was reset or the engine's worker restarted, which drops the model."),
                _("Try again: LocalLoom loads the model again (from this browser's storage)."))
    if c.name == "GrammarMatcherInitError" or c.has("json schema is only supported"):
        return (E.EngineUnavailable,
                _("{engine} does not support the requested output format.").format(engine=eng),
                _("Its grammar engine (XGrammar) could not compile LocalLoom's JSON schema."),
                _("LocalLoom moves on to the next engine; please report this if it repeats."))
    if c.has("cannot find model record", "modelnotfounderror", "unsupported model type"):
        return (E.EngineUnavailable,
                _("{engine} does not know {model}.").format(engine=eng, model=model),
                _("The model is not in this engine version's catalog."),
                _("Pick another model {where}.").format(where=c.pick))
    if c.has("can't create a session", "failed to create session"):
        return (E.ModelLoadError,
                _("{engine} could not load {model}.").format(engine=eng, model=model), "", "")
    return None
