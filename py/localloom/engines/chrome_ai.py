"""Chrome built-in AI adapter: Gemini Nano through ``LanguageModel``, ``Summarizer`` and
``LanguageDetector`` (and the older ``window.ai.languageModel`` shape).

Public names: ``ChromeAIEngine``, ``ChromeSummarizer``, ``detect_language``.

    engine = ChromeAIEngine(language="en")
    await engine.availability()        # "absent" | "unavailable" | "downloadable" | …
    await engine.prepare(on_progress=bar.set_fraction, user_gesture=True)  # from a click
    text = await engine.generate(GenerateRequest(messages=msgs, schema=schema), on_token=out)
    await engine.close()

One template session per distinct system prompt (``initialPrompts``), cloned for every call
so calls never see each other. Chrome has no ``max_tokens``/``stop``: the stream is cut
here. A prompt that will not fit is refused before it is sent. JS errors become
``localloom.errors`` here (``diagnostics.classify_js_error``); a schema Chrome cannot
enforce (NotSupportedError) is retried once with the schema described in the prompt.
``js``/``pyodide`` are imported inside functions, so this module imports in CPython.

Every call into these APIs goes through ``_invoke``, a one-line JS shim that settles the
call into ``{ok, value}`` or ``{ok: false, name, message, requested, quota}``: Pyodide 314
cannot turn a rejection with Chrome's ``QuotaExceededError`` class (a DOMException subclass
that has no ``stack``) into a Python exception, and the ``await`` then never returns.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .. import chrome_ai_protocol as P
from ..errors import GenerationCancelled, LocalLoomError
from .base import CancelToken, GenerateRequest, TokenCallback

__all__ = ["ChromeAIEngine", "ChromeSummarizer", "detect_language"]

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


def _get(obj: Any, name: str) -> Any:
    """A JS property, or None when missing, undefined or null."""
    try:
        value = getattr(obj, name)
    except Exception:
        return None
    return None if type(value).__name__ in {"JsNull", "JsUndefined"} else value


def _js_error(exc: BaseException) -> tuple[str, str, Any]:
    """``(name, message, js_error_or_None)`` of a JsException (or any exception)."""
    for err in (getattr(exc, "js_error", None), exc):
        name = _get(err, "name") if err is not None else None
        if isinstance(name, str) and name:
            return name, str(_get(err, "message") or ""), err
    return (*P.error_parts(str(exc), type(exc).__name__), None)


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
    from ..diagnostics import classify_js_error

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


def _obj(value: Any) -> Any:
    import js
    from pyodide.ffi import to_js

    return to_js(value, dict_converter=js.Object.fromEntries)


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
            return P.normalize_state(await _invoke(factory, "availability", _obj(options)))
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
    import js
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
    controller = js.AbortController.new()
    cancel.on_cancel(lambda: controller.abort())
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
        return await _invoke(_factory(api)[0], "create", _obj(
            {**options, "monitor": monitor_proxy, "signal": controller.signal}))
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
                return await _invoke(session, name, text, _obj(options))
            except Exception:
                return None  # measuring is advisory; the call itself still maps an overflow
    return None


async def _read(stream: Any, on_token: TokenCallback | None, cancel: CancelToken,
                cutter: P.StreamCutter) -> str:
    """Read a ReadableStream of text chunks (deltas or cumulative) as deltas for on_token."""
    reader = stream.getReader()
    try:
        while True:
            result = await _invoke(reader, "read")
            if result.done:
                return cutter.text
            delta, finished = cutter.feed(str(result.value))
            if delta and on_token is not None:
                on_token(delta)
            if cancel.cancelled:
                raise GenerationCancelled("Generation was cancelled.", stage="generate")
            if finished:  # a stop sequence or the token cap: stop Chrome generating
                _cancel_quietly(reader)
                return cutter.text
    except BaseException:
        _cancel_quietly(reader)
        raise


class ChromeAIEngine:
    """The ``Engine`` over Chrome's Prompt API (Gemini Nano)."""

    name = "chrome"
    chat = True
    model_id = "gemini-nano"
    api = "LanguageModel"

    def __init__(self, language: str = "en", *, context_window: int = 4096,
                 max_sessions: int = 6) -> None:
        self.language = language
        self.context_window = context_window  # then the sessions' own contextWindow
        self.state = "unknown"
        self.last_usage: dict[str, Any] = {}  # measured / usage / window of the last call
        self.schema_in_prompt = False  # set once Chrome refused a responseConstraint
        self._sessions: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._max_sessions = max_sessions

    def count_tokens(self, text: str) -> int:
        """About four characters per token (Chrome measures exactly before each call)."""
        return max(1, len(text) // 4 + 1)

    async def availability(self) -> str:
        options = P.prompt_options(self.language)
        self.state = await _availability(self.api, options, self.language)
        return self.state

    async def prepare(self, on_progress: FractionCallback | None = None,
                      cancel: CancelToken | None = None, user_gesture: bool = False,
                      system: str | None = None) -> None:
        """Open a session, downloading the model first if needed (then only from a click)."""
        await self._session(system, on_progress=on_progress, cancel=cancel,
                            user_gesture=user_gesture)

    async def _session(self, system: str | None, **kw: Any) -> Any:
        key = (self.language, system or "")
        if key in self._sessions:
            self._sessions.move_to_end(key)
            return self._sessions[key]
        session = await _open(self.api, P.create_options(self.language, system), self.language,
                              self.state, **kw)
        self.state = "available"
        window = _quota(session, "window")
        if isinstance(window, int | float) and 0 < window < float("inf"):
            self.context_window = int(window)
        self._sessions[key] = session
        while len(self._sessions) > self._max_sessions:
            _destroy(self._sessions.popitem(last=False)[1])
        return session

    async def generate(self, request: GenerateRequest, on_token: TokenCallback | None = None,
                       cancel: CancelToken | None = None) -> str:
        cancel = cancel or CancelToken()
        if cancel.cancelled:
            raise GenerationCancelled("Generation was cancelled.", stage="generate")
        system, text = P.split_messages(request.messages, request.prompt)
        schema = P.schema_object(request.schema)
        base = await self._session(system, cancel=cancel)
        if schema is not None and not self.schema_in_prompt:
            try:
                return await self._call(base, text, schema, request, on_token, cancel)
            except _SchemaUnsupported:
                self.schema_in_prompt = True  # remember for later calls
        note = P.schema_note(schema) if schema is not None else ""
        return await self._call(base, text + note, None, request, on_token, cancel)

    async def _call(self, base: Any, text: str, schema: dict | None, request: GenerateRequest,
                    on_token: TokenCallback | None, cancel: CancelToken) -> str:
        import js

        controller = js.AbortController.new()
        cancel.on_cancel(lambda: controller.abort())
        options: dict[str, Any] = {"responseConstraint": schema} if schema is not None else {}
        cutter = P.StreamCutter(request.stop,
                                lambda out: self.count_tokens(out) > request.max_tokens)
        session = base
        try:
            if _get(base, "clone") is not None:
                session = await _invoke(base, "clone", _obj({"signal": controller.signal}))
            measured = await _measure(session, text, options)
            window, usage = _quota(session, "window"), _quota(session, "usage")
            self.last_usage = {"measured": measured, "usage": usage, "window": window}
            error = P.overflow_error(measured, usage, window)
            if error is not None:
                raise error
            stream = await _invoke(session, "promptStreaming", text,
                                   _obj({**options, "signal": controller.signal}))
            return await _read(stream, on_token, cancel, cutter)
        except LocalLoomError:
            raise
        except Exception as exc:
            if cancel.cancelled:
                raise GenerationCancelled("Generation was cancelled.",
                                          stage="generate") from exc
            if _js_error(exc)[0] == "NotSupportedError" and schema and not cutter.text:
                raise _SchemaUnsupported() from exc
            raise _classify(exc, "generate") from exc
        finally:
            if session is not base:
                _destroy(session)

    async def close(self) -> None:
        """Destroy every cached session (frees Chrome's model memory for this page)."""
        while self._sessions:
            _destroy(self._sessions.popitem()[1])


class ChromeSummarizer:
    """Chrome's ``Summarizer``: ``await s.summarize(text, context=..., on_token=...)``."""

    api = "Summarizer"

    def __init__(self, *, type: str = "tldr", format: str = "plain-text", length: str = "medium",
                 language: str = "en", shared_context: str | None = None) -> None:
        self.language = language
        self.options = P.summarizer_options(type, format, length, language, shared_context)
        self.state = "unknown"
        self._summarizer: Any = None

    async def availability(self) -> str:
        self.state = await _availability(self.api, self.options, self.language)
        return self.state

    async def prepare(self, on_progress: FractionCallback | None = None,
                      cancel: CancelToken | None = None, user_gesture: bool = False) -> None:
        if self._summarizer is None:
            self._summarizer = await _open(self.api, self.options, self.language, self.state,
                                           on_progress=on_progress, cancel=cancel,
                                           user_gesture=user_gesture)
            self.state = "available"

    async def summarize(self, text: str, *, context: str | None = None,
                        on_token: TokenCallback | None = None,
                        cancel: CancelToken | None = None) -> str:
        """The summary text; streamed as deltas to ``on_token`` when given."""
        import js

        cancel = cancel or CancelToken()
        await self.prepare(cancel=cancel)
        summarizer, controller = self._summarizer, js.AbortController.new()
        cancel.on_cancel(lambda: controller.abort())
        extra = {"context": context} if context else {}
        try:
            if _get(summarizer, "measureInputUsage") is not None:
                measured = await _invoke(summarizer, "measureInputUsage", text, _obj(extra))
                error = P.overflow_error(measured, 0, _get(summarizer, "inputQuota"),
                                         what="The text to summarize")
                if error is not None:
                    raise error
            options = _obj({**extra, "signal": controller.signal})
            if on_token is None:
                return str(await _invoke(summarizer, "summarize", text, options))
            stream = await _invoke(summarizer, "summarizeStreaming", text, options)
            return await _read(stream, on_token, cancel, P.StreamCutter())
        except LocalLoomError:
            raise
        except Exception as exc:
            if cancel.cancelled:
                raise GenerationCancelled("Summarizing was cancelled.", stage="generate") from exc
            raise _classify(exc, "generate") from exc

    async def close(self) -> None:
        if self._summarizer is not None:
            _destroy(self._summarizer)
            self._summarizer = None


async def detect_language(text: str, *, languages: list[str] | None = None,
                          user_gesture: bool = False) -> tuple[str, float] | None:
    """``(language, confidence)`` from Chrome's ``LanguageDetector``; None when it cannot say
    (API absent or unavailable, model not downloaded and no click, or only "und")."""
    options = P.detector_options(languages)
    state = await _availability("LanguageDetector", options, None)
    if state in ("absent", "unavailable") or (state != "available" and not user_gesture):
        return None
    detector = None
    try:
        detector = await _open("LanguageDetector", options, "", state, user_gesture=user_gesture)
        results = (await _invoke(detector, "detect", text)).to_py()
    except Exception:
        return None
    finally:
        if detector is not None:
            _destroy(detector)
    return P.best_language(results)
