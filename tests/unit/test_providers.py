"""openai_providers: URL checks (credentials, fragments, schemes), endpoints, origins."""

from __future__ import annotations

import pytest

from localloom.wire.providers import (
    PROVIDERS,
    display_url,
    endpoint,
    origin,
    url_problem,
)


@pytest.mark.parametrize(("url", "why"), [
    ("http://localhost:11434/v1", None),
    ("https://api.groq.com/openai/v1/", None),
    ("http://[::1]:8080/v1?x=1", None),
    ("javascript:alert(1)", "must start with http:// or https://"),
    ("data:text/html,<script>", "must start with http:// or https://"),
    ("file:///etc/passwd", "must start with http:// or https://"),
    ("//host/v1", "must start with http:// or https://"),
    ("http://user:pw@host/v1", "must not contain a user name or password"),
    ("http://token@host/v1", "must not contain a user name or password"),
    ("http://host/v1#frag", "must not contain a '#' fragment"),
    ("http://host:notaport/v1", "is not a valid URL"),
])
def test_url_problem(url, why):
    """Each unusable base URL gets a reason; the reason never repeats the URL."""
    found = url_problem(url)
    assert (found is None) if why is None else found.startswith(why)
    assert found is None or "pw" not in found


def test_endpoint_appends_the_path_and_keeps_the_query():
    """The path is appended to the URL's path, never to its query or fragment."""
    assert endpoint("http://h:1/v1", "models") == "http://h:1/v1/models"
    assert endpoint("http://h:1/v1/", "/chat/completions") == "http://h:1/v1/chat/completions"
    assert endpoint("http://h/v1?key=a&b=c", "models") == "http://h/v1/models?key=a&b=c"
    assert endpoint("http://h/v1#frag", "models") == "http://h/v1/models"


def test_origin_fills_the_default_port_and_lowercases_the_host():
    """Two spellings of one origin compare equal; scheme, host and port all count."""
    assert origin("https://API.groq.com/x") == origin("https://api.groq.com:443/y")
    assert origin("http://h/v1") == ("http", "h", 80)
    assert origin("http://h:8080") != origin("https://h:8080")
    assert origin("javascript:x") is None and origin("http://h:bad") is None


def test_display_url_drops_credentials_only():
    """display_url keeps everything but user:password@."""
    assert display_url("http://u:pw@h:8/v1?q=1") == "http://h:8/v1?q=1"
    assert display_url("http://h/v1") == "http://h/v1"


def test_the_custom_provider_has_no_made_up_model_and_enforces_bounds():
    """A blank model for the custom server asks the server (no silent 'llama3.2'); only the
    custom server's schema output is a bounds-enforcing grammar."""
    assert PROVIDERS["custom"].default_model == "" and PROVIDERS["custom"].schema_bounds
    assert not any(p.schema_bounds for p in PROVIDERS.values() if p.id != "custom")
    assert all(p.default_model for p in PROVIDERS.values() if p.id != "custom")
