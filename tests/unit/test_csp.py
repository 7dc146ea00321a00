"""csp: the policy's directives and relaxations, and which URLs it lets the page reach."""

from __future__ import annotations

import pytest

from localloom.csp import allows_connect, connect_sources, policy

PAGE = "https://loom.example"


def test_the_header_policy_is_strict_except_the_named_relaxations():
    """Only what Pyodide, PyScript and the engines need beyond 'self'; frame-ancestors in
    the header, not in the meta tag (a meta tag cannot carry it)."""
    text = policy()
    assert "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval';" in text
    assert "worker-src 'self' blob:;" in text and "style-src 'self';" in text
    assert "'unsafe-inline'" not in text and "object-src 'none'" in text
    assert text.endswith("frame-ancestors 'none'")
    assert "frame-ancestors" not in policy(meta=True)


@pytest.mark.parametrize(("url", "allowed"), [
    ("https://api.groq.com/openai/v1/chat/completions", True),
    ("https://openrouter.ai/api/v1/chat/completions", True),
    ("http://localhost:11434/v1/models", True),
    ("http://127.0.0.1:8080/v1/chat/completions", True),
    ("https://loom.example/precache.json", True),
    ("http://192.168.1.5:11434/v1/models", False),
    ("https://evil.example/collect", False),
    ("http://api.groq.com/openai/v1", False),
])
def test_connect_src_follows_the_providers_and_this_device(url, allowed):
    assert allows_connect(policy(), url, PAGE) is allowed


def test_a_server_added_at_build_time_is_allowed():
    """LOCALLOOM_CONNECT_SRC adds an origin to connect-src."""
    text = policy(extra_connect=("https://llm.lan:8443",))
    assert allows_connect(text, "https://llm.lan:8443/v1/models", PAGE)
    assert not allows_connect(text, "https://llm.lan:9443/v1/models", PAGE)
    assert "https://llm.lan:8443" in connect_sources(text)


def test_no_policy_allows_everything():
    assert allows_connect("", "https://anywhere.example/")
