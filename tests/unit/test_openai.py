"""openai_wire: the provider catalog, build_request (shape, headers, key/host rule), mask_key,
parse_completion, and the re-exported public names."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from urllib.parse import urlsplit

import pytest

from localloom.course.schema import course_json_schema
from localloom.errors import AuthError, EngineError, EngineUnavailable, RateLimitedError
from localloom.wire import openai as openai_wire
from localloom.wire.openai import (
    PROVIDERS,
    build_request,
    get_provider,
    mask_key,
    parse_completion,
    schema_instruction,
)

MESSAGES = [{"role": "system", "content": "You write courses."},
            {"role": "user", "content": "A course on tides."}]
SCHEMA = {"type": "object", "properties": {"title": {"type": "string"}},
          "required": ["title"], "additionalProperties": False}
KEY = "gsk_0123456789abcdefWXYZ"


def test_catalog_has_the_five_providers_with_their_urls():
    assert set(PROVIDERS) == {"groq", "together", "hf", "openrouter", "custom"}
    assert PROVIDERS["groq"].base_url == "https://api.groq.com/openai/v1"
    assert PROVIDERS["groq"].default_model == "llama-3.1-8b-instant"
    assert PROVIDERS["together"].base_url == "https://api.together.ai/v1"
    assert PROVIDERS["hf"].base_url == "https://router.huggingface.co/v1"
    assert PROVIDERS["openrouter"].base_url == "https://openrouter.ai/api/v1"
    assert not PROVIDERS["openrouter"].extra_headers_allowed
    assert not PROVIDERS["custom"].needs_key
    for provider in PROVIDERS.values():
        if provider.id != "custom":
            assert provider.base_url.startswith("https://") and provider.needs_key
            assert provider.key_url_hint


def test_unknown_provider_id_is_a_clear_value_error():
    with pytest.raises(ValueError, match="expected one of"):
        get_provider("openai-lol")


def test_json_schema_request_shape():
    url, headers, body = build_request("groq", None, MESSAGES, SCHEMA, max_tokens=900,
                                       temperature=0.2, key=KEY, schema_name="course")
    assert url == "https://api.groq.com/openai/v1/chat/completions"
    assert headers == {"Content-Type": "application/json", "Authorization": f"Bearer {KEY}"}
    assert body["model"] == "llama-3.1-8b-instant"
    assert body["response_format"] == {"type": "json_schema", "json_schema": {
        "name": "course", "schema": SCHEMA, "strict": True}}
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["max_tokens"] == 900 and body["temperature"] == 0.2
    assert body["messages"] == MESSAGES
    assert KEY not in json.dumps(body)


def test_non_streaming_request_has_no_stream_options():
    _, _, body = build_request("groq", "m", MESSAGES, key=KEY, stream=False)
    assert body["stream"] is False and "stream_options" not in body
    assert "response_format" not in body


def test_prompt_only_json_appends_schema_to_last_user_message_without_mutating_input():
    original = copy.deepcopy(MESSAGES)
    _, _, body = build_request("groq", "m", MESSAGES, SCHEMA, key=KEY, json_schema=False)
    assert original == MESSAGES
    assert "response_format" not in body
    last = body["messages"][-1]
    assert last["role"] == "user" and last["content"].startswith("A course on tides.")
    assert last["content"].endswith(json.dumps(SCHEMA, separators=(",", ":")))
    assert "JSON" in last["content"] and body["messages"][0] == MESSAGES[0]


def test_prompt_only_json_adds_a_user_message_when_there_is_none():
    _, _, body = build_request("custom", "m", [{"role": "system", "content": "s"}], SCHEMA,
                               json_schema=False)
    assert body["messages"][-1] == {"role": "user",
                                    "content": schema_instruction(SCHEMA).strip()}


def test_provider_without_json_schema_support_gets_prompt_only():
    provider = replace(PROVIDERS["custom"], supports_json_schema=False)
    _, _, body = build_request(provider, "m", MESSAGES, SCHEMA)
    assert "response_format" not in body and "JSON Schema" in body["messages"][-1]["content"]


def test_schema_given_as_json_string_is_sent_as_object():
    _, _, body = build_request("custom", "m", MESSAGES, json.dumps(SCHEMA))
    assert body["response_format"]["json_schema"]["schema"] == SCHEMA


def test_real_course_schema_fits_the_request():
    schema = course_json_schema("openai")
    _, _, body = build_request("openrouter", None, MESSAGES, schema, key="sk-or-v1-abcdefghijkl")
    assert body["response_format"]["json_schema"]["schema"]["required"]


def test_stop_sequences_are_capped_at_four():
    _, _, body = build_request("custom", "m", MESSAGES, stop=list("abcdef"))
    assert body["stop"] == ["a", "b", "c", "d"]


def test_custom_server_needs_no_key_and_sends_no_authorization():
    url, headers, _ = build_request("custom", "llama3.2", MESSAGES,
                                    base_url="http://localhost:11434/v1/")
    assert url == "http://localhost:11434/v1/chat/completions"
    assert headers == {"Content-Type": "application/json"}


def test_custom_server_with_a_key_sends_it_to_that_server():
    url, headers, _ = build_request("custom", "m", MESSAGES, key="local-secret-123",
                                    base_url="http://127.0.0.1:8080/v1")
    assert urlsplit(url).hostname == "127.0.0.1"
    assert headers["Authorization"] == "Bearer local-secret-123"


@pytest.mark.parametrize("base_url", [
    "https://evil.example/openai/v1",
    "http://api.groq.com/openai/v1",  # plain http to the right host
    "https://api.groq.com.evil.example/openai/v1",
    "https://api.groq.com:8443/openai/v1",
    "http://127.0.0.1:9999/v1",
])
def test_named_provider_key_never_leaves_its_own_host(base_url):
    with pytest.raises(EngineUnavailable, match="Refusing to send the Groq key") as info:
        build_request("groq", None, MESSAGES, key=KEY, base_url=base_url)
    assert KEY not in str(info.value)


def test_a_tampered_provider_object_is_checked_against_the_catalog():
    tampered = replace(PROVIDERS["openrouter"], base_url="https://collector.example/v1")
    with pytest.raises(EngineUnavailable):
        build_request(tampered, None, MESSAGES, key="sk-or-v1-abcdefghijkl")


def test_named_provider_same_host_other_path_is_allowed():
    url, _, _ = build_request("groq", None, MESSAGES, key=KEY,
                              base_url="https://api.groq.com/openai/v1/")
    assert url == "https://api.groq.com/openai/v1/chat/completions"


def test_missing_key_for_a_provider_that_needs_one_fails_before_any_request():
    with pytest.raises(AuthError, match="No API key is set for OpenRouter") as info:
        build_request("openrouter", None, MESSAGES, key="  ")
    assert "openrouter.ai/keys" in info.value.fix


def test_key_with_whitespace_inside_is_rejected_and_masked():
    with pytest.raises(AuthError, match="unusual characters") as info:
        build_request("groq", None, MESSAGES, key="gsk_abc def0123456789")
    assert "abc def" not in str(info.value)


def test_key_is_stripped():
    _, headers, _ = build_request("groq", None, MESSAGES, key=f"  {KEY}\n")
    assert headers["Authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("base_url", [
    "ftp://host/v1", "localhost:11434/v1", "http:///v1", "javascript:alert(1)//x",
    "data:text/plain,hi", "file:///etc/passwd", "http://[::1/v1", "http://host:99999/v1",
])
def test_invalid_custom_url_is_explained(base_url):
    """Non-http(s) schemes (javascript:, data:, file:...), no host or a broken URL: refused,
    before any request, with the fix in Settings."""
    with pytest.raises(EngineUnavailable, match="The base URL of Custom server") as info:
        build_request("custom", "m", MESSAGES, base_url=base_url)
    assert "Settings" in info.value.fix


@pytest.mark.parametrize("base_url", [
    "http://me:s3cr3t-pw@127.0.0.1:8080/v1",
    "https://token-s3cr3t-pw@llm.example/v1",
    "http://me:s3cr3t-pw@127.0.0.1:8080/v1#frag",
])
def test_credentials_in_the_base_url_are_refused_and_never_echoed(base_url):
    """A ``user:password@`` base URL is refused; the password appears in no message."""
    with pytest.raises(EngineUnavailable, match="user name or password") as info:
        build_request("custom", "m", MESSAGES, base_url=base_url)
    assert "s3cr3t" not in str(info.value)


def test_a_fragment_in_the_base_url_is_refused():
    """``#x`` would swallow the appended /chat/completions (the request would go to /v1):
    refused with a clear message instead."""
    with pytest.raises(EngineUnavailable, match="'#' fragment"):
        build_request("custom", "m", MESSAGES, base_url="http://127.0.0.1:8080/v1#notes")


def test_the_path_goes_before_a_query_in_the_base_url():
    """A query in the base URL stays after the appended path."""
    url, _, _ = build_request("custom", "m", MESSAGES,
                              base_url="http://127.0.0.1:8080/v1/?api-version=2&x=1")
    assert url == "http://127.0.0.1:8080/v1/chat/completions?api-version=2&x=1"


def test_the_groq_key_goes_only_to_groq_even_on_the_default_port_spelled_out():
    """The key/origin rule compares origins: an explicit :443 is Groq's own origin, any other
    host is not."""
    url, _, _ = build_request("groq", None, MESSAGES, key=KEY,
                              base_url="https://api.groq.com:443/openai/v1")
    assert url == "https://api.groq.com:443/openai/v1/chat/completions"
    for base_url in ("https://api.groq.com@evil.example/openai/v1",
                     "https://evil.example/?https://api.groq.com"):
        with pytest.raises(EngineUnavailable):
            build_request("groq", None, MESSAGES, key=KEY, base_url=base_url)


@pytest.mark.parametrize(("key", "shown"), [
    ("sk-or-v1-0123456789abcd", "sk-…abcd"),
    ("gsk_0123456789abcdefWXYZ", "gsk…WXYZ"),
    ("short-key", "…"),
    ("", "(none)"),
    (None, "(none)"),
])
def test_mask_key(key, shown):
    assert mask_key(key) == shown


def test_parse_completion_reads_a_non_streaming_answer():
    body = json.dumps({"choices": [{"message": {"role": "assistant", "content": "{}"},
                                    "finish_reason": "length"}], "usage": {"total_tokens": 3}})
    result = parse_completion(body, "groq")
    assert result.text == "{}" and result.truncated and result.usage == {"total_tokens": 3}


def test_parse_completion_raises_the_error_in_a_200_body():
    with pytest.raises(RateLimitedError):
        parse_completion('{"error": {"code": 429, "message": "slow"}}', "openrouter")


def test_parse_completion_of_html_says_check_the_url():
    with pytest.raises(EngineError, match="not a chat completion") as info:
        parse_completion("<html>login</html>", "custom")
    assert "/v1" in info.value.fix


@pytest.mark.parametrize("body", [
    "[" * 7000 + "]" * 7000,
    '{"choices": ' + '{"a":' * 7000 + "1" + "}" * 7000 + "}",
    '{"choices": [{"message": {"content": "' + "x" * (1 << 20) + '"}}]}',
])
def test_parse_completion_refuses_deep_or_huge_json_before_parsing(body):
    """A 7,000-deep or >1 MiB body is an EngineError naming the problem, not a
    RecursionError (which is, in Pyodide, a fatal stack overflow)."""
    with pytest.raises(EngineError, match="refused to read it") as info:
        parse_completion(body, "custom")
    assert "nested more than 64 levels" in info.value.what or "larger than" in info.value.what
    assert info.value.fix and info.value.engine == "openai"


def test_parse_completion_accepts_brackets_inside_strings():
    """Depth is counted outside JSON strings only: a deep-looking string is fine."""
    content = "[" * 5000 + '\\"{' * 100
    body = json.dumps({"choices": [{"message": {"content": content}}]})
    assert parse_completion(body, "custom").text == content


def test_public_names_are_reexported():
    for name in openai_wire.__all__:
        assert hasattr(openai_wire, name), name
    assert {"SSEDecoder", "map_http_error", "SchemaUnsupportedError", "mask_key"} <= set(
        openai_wire.__all__)


def test_models_request_is_checked_like_a_chat_request():
    """GET {base}/models: the same URL rules, the key only when there is one."""
    from localloom.wire.openai import models_request

    assert models_request("custom", base_url="http://127.0.0.1:8080/v1/") == (
        "http://127.0.0.1:8080/v1/models", {})
    url, headers = models_request("custom", key="k-0123456789", base_url="http://h/v1?x=1")
    assert url == "http://h/v1/models?x=1" and headers == {"Authorization": "Bearer k-0123456789"}
    with pytest.raises(EngineUnavailable):
        models_request("custom", base_url="http://u:p@h/v1")


@pytest.mark.parametrize(("body", "ids"), [
    ('{"object": "list", "data": [{"id": "llama3.2:latest"}, {"id": "qwen"}]}',
     ["llama3.2:latest", "qwen"]),
    ('{"models": [{"name": "g.gguf", "model": "g.gguf"}], "data": [{"id": "g.gguf"}]}',
     ["g.gguf"]),
    ('{"data": []}', []),
    ('{"data": [{"id": ""}, {"nope": 1}, 3, {"id": "m"}]}', ["m"]),
])
def test_parse_models_reads_the_servers_lists(body, ids):
    """OpenAI/Ollama/LM Studio ``data`` and llama-server's extra ``models``."""
    from localloom.wire.openai import parse_models

    assert parse_models(body, "custom") == ids


@pytest.mark.parametrize("body", ["<html>", '{"object": "list"}',
                                  '{"data": ' + "[" * 7000 + "]" * 7000 + "}"])
def test_parse_models_refuses_anything_else(body):
    """A page, a list-less object or a 7,000-deep body: EngineError, never a crash."""
    from localloom.wire.openai import parse_models

    with pytest.raises(EngineError):
        parse_models(body, "custom")
