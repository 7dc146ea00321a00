"""openai_wire: the provider catalog, build_request (shape, headers, key/host rule), mask_key,
parse_completion, and the re-exported public names."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from urllib.parse import urlsplit

import pytest

from localloom import openai_wire
from localloom.errors import AuthError, EngineError, EngineUnavailable, RateLimitedError
from localloom.openai_wire import (
    PROVIDERS,
    build_request,
    get_provider,
    mask_key,
    parse_completion,
    schema_instruction,
)
from localloom.schema import course_json_schema

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


@pytest.mark.parametrize("base_url", ["ftp://host/v1", "localhost:11434/v1", "http:///v1"])
def test_invalid_custom_url_is_explained(base_url):
    with pytest.raises(EngineUnavailable, match="no valid base URL"):
        build_request("custom", "m", MESSAGES, base_url=base_url)


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


def test_public_names_are_reexported():
    for name in openai_wire.__all__:
        assert hasattr(openai_wire, name), name
    assert {"SSEDecoder", "map_http_error", "SchemaUnsupportedError", "mask_key"} <= set(
        openai_wire.__all__)
