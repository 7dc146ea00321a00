"""engines.chrome_ai in CPython: it imports without js and satisfies Engine.

The JS paths run in Chromium against tests/e2e/chrome_ai_double.js.
"""

from __future__ import annotations

import asyncio

import pytest

from localloom.engine import CancelToken, Engine, GenerateRequest
from localloom.engines import chrome_ai as C
from localloom.errors import GenerationCancelled


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
