"""engines.chrome_ai in CPython: it imports without js, satisfies Engine, and maps errors.

The JS paths run in Chromium against tests/e2e/chrome_ai_double.js.
"""

from __future__ import annotations

import asyncio

import pytest

from localloom.engines import chrome_ai as C
from localloom.engines.base import CancelToken, Engine, GenerateRequest
from localloom.errors import (
    ContextOverflowError,
    EngineUnavailable,
    GenerationCancelled,
    InvalidOutputError,
    ModelDownloadError,
    StorageQuotaError,
)


def test_module_imports_without_js_and_engine_matches_the_protocol():
    engine = C.ChromeAIEngine("es")
    assert isinstance(engine, Engine)
    assert (engine.name, engine.model_id, engine.chat) == ("chrome", "gemini-nano", True)
    assert engine.language == "es" and engine.context_window == 4096
    assert engine.count_tokens("x" * 40) == 11


def test_cancelled_token_raises_before_any_js_is_touched():
    token = CancelToken()
    token.cancel()
    with pytest.raises(GenerationCancelled):
        asyncio.run(C.ChromeAIEngine().generate(GenerateRequest(prompt="x"), cancel=token))


def test_close_with_no_sessions_is_a_no_op():
    asyncio.run(C.ChromeAIEngine().close())
    asyncio.run(C.ChromeSummarizer().close())


def test_summarizer_builds_its_options_from_arguments():
    s = C.ChromeSummarizer(type="key-points", format="markdown", length="long", language="es")
    assert s.options["type"] == "key-points" and s.options["outputLanguage"] == "es"


class FakeJsError(Exception):
    """Shaped like Pyodide's JsException: .name/.message from the JS error."""

    def __init__(self, name, message, **extra):
        super().__init__(f"{name}: {message}")
        self.name, self.message = name, message
        for key, value in extra.items():
            setattr(self, key, value)


class WrappedJsError(Exception):
    """Older Pyodide: the JS error sits in .js_error."""

    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.js_error = FakeJsError(name, message)


def test_js_error_reads_name_and_message_in_every_shape():
    assert C._js_error(FakeJsError("AbortError", "aborted"))[:2] == ("AbortError", "aborted")
    assert C._js_error(WrappedJsError("SyntaxError", "bad"))[:2] == ("SyntaxError", "bad")
    assert C._js_error(RuntimeError("NetworkError: down"))[:2] == ("NetworkError", "down")
    assert C._js_error(RuntimeError("no prefix here"))[:2] == ("RuntimeError", "no prefix here")


@pytest.mark.parametrize(("name", "stage", "kind"), [
    ("AbortError", "generate", GenerationCancelled),
    ("SyntaxError", "generate", InvalidOutputError),
    ("QuotaExceededError", "generate", ContextOverflowError),
    ("QuotaExceededError", "download", StorageQuotaError),
    ("NetworkError", "download", ModelDownloadError),
    ("NotSupportedError", "load", EngineUnavailable),
])
def test_classify_maps_dom_exceptions(name, stage, kind):
    err = C._classify(FakeJsError(name, "x"), stage)
    assert isinstance(err, kind) and err.engine == "chrome" and err.detail == f"{name}: x"


def test_classify_quota_error_with_numbers_reports_them():
    err = C._classify(FakeJsError("QuotaExceededError", "too big", requested=5000, quota=4096),
                      "generate")
    assert isinstance(err, ContextOverflowError)
    assert "5000 tokens" in err.what and "4096-token" in err.what
    assert err.detail == "QuotaExceededError: too big"


def test_classify_not_allowed_means_a_click_is_needed_unless_policy():
    gesture = C._classify(FakeJsError("NotAllowedError", "Requires a user gesture"), "download")
    policy = C._classify(FakeJsError("NotAllowedError", "blocked by permissions policy"),
                         "load")
    assert isinstance(gesture, EngineUnavailable) and gesture.needs_gesture
    assert "Press" in gesture.fix
    assert not getattr(policy, "needs_gesture", False) and "own tab" in policy.fix


def test_classify_passes_localloom_errors_through():
    err = ContextOverflowError("too long")
    assert C._classify(err, "generate") is err


def test_get_treats_missing_and_js_null_as_none():
    class JsNull:
        pass

    class Obj:
        present = 3
        null = JsNull()

    assert C._get(Obj(), "present") == 3
    assert C._get(Obj(), "null") is None and C._get(Obj(), "missing") is None
    assert C._get(None, "anything") is None


def test_quota_prefers_current_names_then_old_aliases():
    class Current:
        contextWindow, inputQuota, contextUsage = 9216, 1, 10

    class Old:
        inputQuota, inputUsage = 6144, 20

    class Oldest:
        maxTokens, tokensSoFar = 4096, 30

    assert (C._quota(Current(), "window"), C._quota(Current(), "usage")) == (9216, 10)
    assert (C._quota(Old(), "window"), C._quota(Old(), "usage")) == (6144, 20)
    assert (C._quota(Oldest(), "window"), C._quota(Oldest(), "usage")) == (4096, 30)
    assert C._quota(object(), "window") is None
