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

The JS plumbing (a shim that settles every call, because Pyodide 314 hangs on a rejection
with Chrome's ``QuotaExceededError`` class) lives in ``engines._chrome_js``.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from localloom.browser.ffi import abort_signal, js_object
from localloom.engine import CancelToken, GenerateRequest, TokenCallback
from localloom.engines._chrome_js import (
    FractionCallback,
    _availability,
    _classify,
    _destroy,
    _get,
    _invoke,
    _js_error,
    _measure,
    _open,
    _quota,
    _read,
    _SchemaUnsupported,
)
from localloom.errors import GenerationCancelled, LocalLoomError
from localloom.i18n import N_, _
from localloom.wire import chrome_ai as P

__all__ = ["ChromeAIEngine", "ChromeSummarizer", "detect_language"]


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
            raise GenerationCancelled(_("Generation was cancelled."), stage="generate")
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
        signal = abort_signal(cancel)
        options: dict[str, Any] = {"responseConstraint": schema} if schema is not None else {}
        cutter = P.StreamCutter(request.stop,
                                lambda out: self.count_tokens(out) > request.max_tokens)
        session = base
        try:
            if _get(base, "clone") is not None:
                session = await _invoke(base, "clone", js_object({"signal": signal}))
            measured = await _measure(session, text, options)
            window, usage = _quota(session, "window"), _quota(session, "usage")
            self.last_usage = {"measured": measured, "usage": usage, "window": window}
            error = P.overflow_error(measured, usage, window)
            if error is not None:
                raise error
            stream = await _invoke(session, "promptStreaming", text,
                                   js_object({**options, "signal": signal}))
            return await _read(stream, on_token, cancel, cutter)
        except LocalLoomError:
            raise
        except Exception as exc:
            if cancel.cancelled:
                raise GenerationCancelled(_("Generation was cancelled."),
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
        cancel = cancel or CancelToken()
        await self.prepare(cancel=cancel)
        summarizer, signal = self._summarizer, abort_signal(cancel)
        extra = {"context": context} if context else {}
        try:
            if _get(summarizer, "measureInputUsage") is not None:
                measured = await _invoke(summarizer, "measureInputUsage", text, js_object(extra))
                error = P.overflow_error(measured, 0, _get(summarizer, "inputQuota"),
                                         what=N_("The text to summarize"))
                if error is not None:
                    raise error
            options = js_object({**extra, "signal": signal})
            if on_token is None:
                return str(await _invoke(summarizer, "summarize", text, options))
            stream = await _invoke(summarizer, "summarizeStreaming", text, options)
            return await _read(stream, on_token, cancel, P.StreamCutter())
        except LocalLoomError:
            raise
        except Exception as exc:
            if cancel.cancelled:
                raise GenerationCancelled(_("Summarizing was cancelled."),
                                          stage="generate") from exc
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
