"""JS plumbing shared by Chrome's built-in AI APIs (``LanguageModel``, ``Summarizer``,
``LanguageDetector``): settle-every-call shim, availability, session opening with download
progress and the user-gesture rule, stream reading, quota checks, error mapping.

Private module of ``engines.chrome_ai``. Every call into these APIs goes through ``_invoke``,
a one-line JS shim that settles the call into ``{ok, value}`` or ``{ok: false, name, message,
requested, quota}``: Pyodide 314 cannot turn a rejection with Chrome's ``QuotaExceededError``
class (a DOMException subclass that has no ``stack``) into a Python exception, and the
``await`` then never returns. ``js``/``pyodide`` are imported inside functions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import aclosing
from typing import Any

from localloom.browser.ffi import abort_signal, js_object, stream_chunks
from localloom.browser.runtime import js_error_parts as _js_error
from localloom.browser.runtime import js_get as _get
from localloom.engine import CancelToken, TokenCallback
from localloom.errors import GenerationCancelled, LocalLoomError
from localloom.wire import chrome_ai as P

FractionCallback = Callable[[float], None]
_OLD_NAMES = {"LanguageModel": "languageModel", "Summarizer": "summarizer",
              "LanguageDetector": "languageDetector"}


class _SchemaUnsupported(Exception):
    """NotSupportedError for a responseConstraint, before any output: retry without it."""


class _JsFailure(Exception):
    """A settled JS rejection or throw: ``name``, ``message`` and QuotaExceededError's numbers."""

    def __init__(self, name: str, message: str, requested: Any = None, quota: Any = None):
        super().__init__(f"{name}: {message}")
        self.name, self.message, self.requested, self.quota = name, message, requested, quota


_SETTLE_JS = """(target, method, args) => {
  const bad = (e) => ({ok: false, name: String(e?.name ?? 'Error'),
                       message: String(e?.message ?? e), requested: e?.requested, quota: e?.quota});
  try { return Promise.resolve(target[method](...args)).then((value) => ({ok: true, value}), bad); }
  catch (e) { return Promise.resolve(bad(e)); }
}"""
_settle: list[Any] = []


def _start(target: Any, method: str, *args: Any) -> Any:
    """Call ``target[method](...args)``; a JS promise that always resolves to a record."""
    import js
    from pyodide.code import run_js

    if not _settle:
        _settle.append(run_js(_SETTLE_JS))
    return _settle[0](target, method, js.Array.of(*args))


async def _invoke(target: Any, method: str, *args: Any) -> Any:
    """``await target[method](...args)``; a JS throw or rejection raises ``_JsFailure``."""
    record = await _start(target, method, *args)
    if not record.ok:
        raise _JsFailure(str(record.name), str(record.message), _get(record, "requested"),
                         _get(record, "quota"))
    return _get(record, "value")


def _classify(exc: BaseException, stage: str) -> LocalLoomError:
    if isinstance(exc, LocalLoomError):
        return exc
    from localloom.routing.diagnostics import classify_js_error

    name, message, err = _js_error(exc)
    mapped = classify_js_error(name, message, engine="chrome", stage=stage,
                               model_id="gemini-nano")
    if name == "QuotaExceededError" and err is not None and stage == "generate":
        numbered = P.overflow_error(_get(err, "requested"), 0, _get(err, "quota"))
        if numbered is not None:  # the QuotaExceededError class carries the numbers
            numbered.detail = mapped.detail
            mapped = numbered
    if name == "NotAllowedError" and "policy" not in message.lower():
        mapped.needs_gesture = True
    return mapped


def _factory(api: str) -> tuple[Any, bool]:
    """``(factory, old_shape)``: the global (``LanguageModel``) or ``window.ai.*``, or None."""
    import js

    current = _get(js.globalThis, api)
    if current is not None:
        return current, False
    old = _get(_get(js.globalThis, "ai"), _OLD_NAMES[api])
    return old, old is not None


async def _availability(api: str, options: dict[str, Any], language: str | None) -> str:
    """"absent" or one of the four states, asked with the options ``create()`` will get."""
    factory, old = _factory(api)
    if factory is None:
        return "absent"
    try:
        if not old:
            return P.normalize_state(await _invoke(factory, "availability", js_object(options)))
        caps = await _invoke(factory, "capabilities")  # 2024: available readily|after-download|no
        state = P.normalize_state(_get(caps, "available"))
        if language and _get(caps, "languageAvailable") is not None and P.normalize_state(
                await _invoke(caps, "languageAvailable", language)) == "unavailable":
            return "unavailable"
        return state
    except Exception:
        return "unavailable"


async def _open(api: str, options: dict[str, Any], language: str, state: str, *,
                on_progress: FractionCallback | None = None, cancel: CancelToken | None = None,
                user_gesture: bool = False) -> Any:
    """Check the state, then ``create()`` with a download monitor, a signal and mapped errors."""
    from pyodide.ffi import create_proxy

    if state != "available":
        state = await _availability(api, options, language)
    if state in ("absent", "unavailable"):
        raise P.unavailable_error(state, api, language, stage="load")
    if state != "available" and not user_gesture:
        raise P.needs_gesture_error(state, api)
    cancel = cancel or CancelToken()
    if cancel.cancelled:
        raise GenerationCancelled("Cancelled before Chrome's model was opened.", stage="load")
    signal = abort_signal(cancel)
    targets: list[Any] = []

    def on_event(event: Any) -> None:
        if on_progress is not None:
            on_progress(P.progress_fraction(_get(event, "loaded"), _get(event, "total")))

    def monitor(target: Any) -> None:
        targets.append(target)
        target.addEventListener("downloadprogress", listener)

    listener, monitor_proxy = create_proxy(on_event), create_proxy(monitor)
    stage = "load" if state == "available" else "download"
    try:
        return await _invoke(_factory(api)[0], "create", js_object(
            {**options, "monitor": monitor_proxy, "signal": signal}))
    except Exception as exc:
        if cancel.cancelled:
            raise GenerationCancelled("Opening Chrome's model was cancelled.",
                                      stage=stage) from exc
        raise _classify(exc, stage) from exc
    finally:
        for target in targets:
            with contextlib.suppress(Exception):
                target.removeEventListener("downloadprogress", listener)
        listener.destroy()
        monitor_proxy.destroy()


def _destroy(session: Any) -> None:
    with contextlib.suppress(Exception):
        session.destroy()


def _cancel_quietly(reader: Any) -> None:
    with contextlib.suppress(Exception):
        _start(reader, "cancel")  # settled in JS: no unhandled rejection left behind


def _quota(session: Any, kind: str) -> Any:
    return next((v for v in (_get(session, n) for n in P.QUOTA_NAMES[kind]) if v is not None),
                None)


async def _measure(session: Any, text: str, options: dict[str, Any]) -> Any:
    """Tokens ``text`` would use (current name, then older ones); None if unknown."""
    for name in P.QUOTA_NAMES["measure"]:
        if _get(session, name) is not None:
            try:
                return await _invoke(session, name, text, js_object(options))
            except Exception:
                return None  # measuring is advisory; the call itself still maps an overflow
    return None


async def _read(stream: Any, on_token: TokenCallback | None, cancel: CancelToken,
                cutter: P.StreamCutter) -> str:
    """Read a ReadableStream of text chunks (deltas or cumulative) as deltas for on_token."""
    chunks = stream_chunks(stream, read=lambda r: _invoke(r, "read"), cancel=_cancel_quietly)
    async with aclosing(chunks):
        async for value in chunks:
            delta, finished = cutter.feed(str(value))
            if delta and on_token is not None:
                on_token(delta)
            if cancel.cancelled:
                raise GenerationCancelled("Generation was cancelled.", stage="generate")
            if finished:  # a stop sequence or the token cap: closing stops Chrome generating
                return cutter.text
    return cutter.text
