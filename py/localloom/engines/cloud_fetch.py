"""The browser transport of the cloud tier: ``js.fetch`` with a streamed body and an abort.

Public names: ``FetchTransport``, ``redirect_refused`` (the ``errors.RedirectRefused`` for a URL).

``FetchTransport().post_stream(url, headers, body_json, token)`` and ``.get(url, headers,
token)`` return ``(status, headers, chunks)`` (see ``engines.cloud.Transport``); ``js`` and
``pyodide`` are imported only when they run. Every request is CORS, without cookies or
referrer, and with ``redirect: "manual"``: a server that answers 3xx gets a clear error
instead of the prompt and key being re-sent to wherever it points.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

from localloom.browser.ffi import abort_signal, js_object, stream_chunks
from localloom.engine import CancelToken
from localloom.errors import (
    EngineUnavailable,
    GenerationCancelled,
    NetworkError,
    RedirectRefused,
)
from localloom.i18n import _

__all__ = ["FetchTransport", "redirect_refused"]


class FetchTransport:
    """``js.fetch`` (CORS, no cookies, no referrer, no redirects) streaming the body's bytes."""

    async def post_stream(self, url, headers, body_json, signal_token):
        return await self._fetch("POST", url, headers, body_json, signal_token)

    async def get(self, url, headers, signal_token):
        return await self._fetch("GET", url, headers, None, signal_token)

    async def _fetch(self, method, url, headers, body, signal_token):
        try:
            import js
            from pyodide.ffi import JsException
        except ImportError as exc:
            raise EngineUnavailable(
                _("The fetch transport only runs in the browser."),
                fix=_("Pass a transport= to CloudEngine outside Pyodide."), engine="openai",
            ) from exc
        options = {"method": method, "headers": headers, "mode": "cors",
                   "credentials": "omit", "cache": "no-store", "referrerPolicy": "no-referrer",
                   "redirect": "manual", "signal": abort_signal(signal_token)}
        if body is not None:
            options["body"] = body
        init = js_object(options)
        try:
            response = await js.fetch(url, init)
        except JsException as exc:
            if signal_token.cancelled:
                raise GenerationCancelled(_("The request was cancelled."),
                                          stage="request") from exc
            raise _fetch_failed(url, exc) from exc
        # With redirect "manual", any 3xx comes back as an opaque redirect with status 0.
        if str(response.type) == "opaqueredirect" or int(response.status) == 0:
            raise redirect_refused(url)
        head = js.Object.fromEntries(response.headers.entries()).to_py()
        return int(response.status), dict(head), _read_body(response, signal_token, url)


def redirect_refused(url: str) -> RedirectRefused:
    """The error for a 3xx answer to ``url``."""
    return RedirectRefused(
        _("{url} redirected the request to another address; LocalLoom does not follow "
          "redirects with your prompt or key.").format(url=url), engine="openai",
        stage="request")


def _fetch_failed(url: str, exc: BaseException) -> NetworkError:
    return NetworkError(
        _("Could not reach {url} ({error}): offline, a wrong URL, or a server that does not "
          "allow this page's origin (CORS).").format(url=url, error=exc),
        cause=_("You are offline, the URL is wrong, or the server does not allow this page's "
                "origin (CORS)."),
        fix=_("Check the connection and the base URL; for Ollama set OLLAMA_ORIGINS to this "
              "page's origin, for LM Studio enable CORS."),
        engine="openai", stage="request",
    )


async def _read_body(response: Any, token: CancelToken, url: str) -> AsyncIterator[bytes]:
    from pyodide.ffi import JsException

    body = response.body
    if getattr(body, "getReader", None) is None:  # null body (e.g. 204)
        return
    try:
        async with aclosing(stream_chunks(body)) as chunks:
            async for chunk in chunks:
                yield chunk.to_bytes()
    except JsException as exc:
        if token.cancelled:
            raise GenerationCancelled(_("The stream was cancelled."), stage="stream") from exc
        raise NetworkError(
            _("The connection to {url} dropped during the answer: {error}").format(
                url=url, error=exc),
            cause=_("The network dropped, or the server or a proxy cut the stream."),
            engine="openai", stage="stream") from exc
