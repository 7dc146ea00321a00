"""engines._chrome_js in CPython: JS error reading, DOMException mapping, quota names."""

from __future__ import annotations

import pytest

from localloom.engines import _chrome_js as J
from localloom.errors import (
    ContextOverflowError,
    EngineUnavailable,
    GenerationCancelled,
    InvalidOutputError,
    ModelDownloadError,
    StorageQuotaError,
)


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
    assert J._js_error(FakeJsError("AbortError", "aborted"))[:2] == ("AbortError", "aborted")
    assert J._js_error(WrappedJsError("SyntaxError", "bad"))[:2] == ("SyntaxError", "bad")
    assert J._js_error(RuntimeError("NetworkError: down"))[:2] == ("NetworkError", "down")
    assert J._js_error(RuntimeError("no prefix here"))[:2] == ("RuntimeError", "no prefix here")


@pytest.mark.parametrize(("name", "stage", "kind"), [
    ("AbortError", "generate", GenerationCancelled),
    ("SyntaxError", "generate", InvalidOutputError),
    ("QuotaExceededError", "generate", ContextOverflowError),
    ("QuotaExceededError", "download", StorageQuotaError),
    ("NetworkError", "download", ModelDownloadError),
    ("NotSupportedError", "load", EngineUnavailable),
])
def test_classify_maps_dom_exceptions(name, stage, kind):
    err = J._classify(FakeJsError(name, "x"), stage)
    assert isinstance(err, kind) and err.engine == "chrome" and err.detail == f"{name}: x"


def test_classify_quota_error_with_numbers_reports_them():
    err = J._classify(FakeJsError("QuotaExceededError", "too big", requested=5000, quota=4096),
                      "generate")
    assert isinstance(err, ContextOverflowError)
    assert "5000 tokens" in err.what and "4096-token" in err.what
    assert err.detail == "QuotaExceededError: too big"


def test_classify_not_allowed_means_a_click_is_needed_unless_policy():
    gesture = J._classify(FakeJsError("NotAllowedError", "Requires a user gesture"), "download")
    policy = J._classify(FakeJsError("NotAllowedError", "blocked by permissions policy"),
                         "load")
    assert isinstance(gesture, EngineUnavailable) and gesture.needs_gesture
    assert "Press" in gesture.fix
    assert not getattr(policy, "needs_gesture", False) and "own tab" in policy.fix


def test_classify_passes_localloom_errors_through():
    err = ContextOverflowError("too long")
    assert J._classify(err, "generate") is err


def test_get_treats_missing_and_js_null_as_none():
    class JsNull:
        pass

    class Obj:
        present = 3
        null = JsNull()

    assert J._get(Obj(), "present") == 3
    assert J._get(Obj(), "null") is None and J._get(Obj(), "missing") is None
    assert J._get(None, "anything") is None


def test_quota_prefers_current_names_then_old_aliases():
    class Current:
        contextWindow, inputQuota, contextUsage = 9216, 1, 10

    class Old:
        inputQuota, inputUsage = 6144, 20

    class Oldest:
        maxTokens, tokensSoFar = 4096, 30

    assert (J._quota(Current(), "window"), J._quota(Current(), "usage")) == (9216, 10)
    assert (J._quota(Old(), "window"), J._quota(Old(), "usage")) == (6144, 20)
    assert (J._quota(Oldest(), "window"), J._quota(Oldest(), "usage")) == (4096, 30)
    assert J._quota(object(), "window") is None
