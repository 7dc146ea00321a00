"""map_http_error / map_error_payload / parse_retry_after: every body shape and status."""

from __future__ import annotations

import json
from email.utils import formatdate

import pytest

from localloom.errors import (
    AuthError,
    ContextOverflowError,
    EngineError,
    EngineUnavailable,
    NetworkError,
    QuotaError,
    RateLimitedError,
)
from localloom.wire.openai_errors import (
    SchemaUnsupportedError,
    map_error_payload,
    map_http_error,
    parse_retry_after,
)

GROQ_401 = json.dumps({"error": {"message": "Invalid API Key", "type": "invalid_request_error",
                                 "code": "invalid_api_key"}})
OPENROUTER_402 = json.dumps({"error": {"code": 402, "message": "Insufficient credits",
                                       "metadata": {}}})
TOGETHER_FLAT = json.dumps({"message": "Input validation error", "type_": "invalid_request"})
SCHEMA_400 = json.dumps({"error": {
    "message": "This model does not support response format `json_schema`. See supported models",
    "type": "invalid_request_error"}})
NGINX = ("<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>"
         "</body></html>")

# (status, body, headers, provider, expected class, retryable, text expected in `what`)
TABLE = [
    (401, GROQ_401, {}, "groq", AuthError, False, "Groq answered HTTP 401: Invalid API Key"),
    (403, '{"error": "Forbidden"}', {}, "hf", AuthError, False, "Hugging Face"),
    (402, OPENROUTER_402, {}, "openrouter", QuotaError, False, "Insufficient credits"),
    (429, '{"error":{"message":"x","code":"insufficient_quota"}}', {}, "custom", QuotaError,
     False, "x"),
    (429, '{"error":{"message":"Rate limit reached"}}', {"retry-after": "1"}, "groq",
     RateLimitedError, True, "Rate limit"),
    (404, '{"error":{"message":"The model `nope` does not exist","code":"model_not_found"}}',
     {}, "groq", EngineUnavailable, False, "does not exist"),
    (400, SCHEMA_400, {}, "groq", SchemaUnsupportedError, False, "json_schema"),
    (400, '{"error":{"message":"This model\'s maximum context length is 8192 tokens",'
          '"code":"context_length_exceeded"}}', {}, "together", ContextOverflowError, False,
     "maximum context"),
    (413, '{"error":{"message":"Request too large for model"}}', {}, "groq",
     ContextOverflowError, False, "too large"),
    (400, TOGETHER_FLAT, {}, "together", EngineError, False, "Input validation error"),
    (400, '{"error":{"message":"Invalid schema for response_format: bad"}}', {}, "openrouter",
     EngineError, False, "Invalid schema"),
    (500, '{"error":{"message":"Internal server error","type":"internal_server_error"}}', {},
     "groq", EngineError, True, "Internal server error"),
    (502, NGINX, {}, "openrouter", EngineError, True, "HTTP 502: 502 Bad Gateway"),
    (503, "", {}, "hf", EngineError, True, "HTTP 503: HTTP 503"),
    (504, "upstream timed out", {}, "together", NetworkError, True, "upstream timed out"),
    (403, '{"error":{"code":403,"message":"Input was flagged by moderation"}}', {},
     "openrouter", EngineError, False, "flagged"),
]


@pytest.mark.parametrize(("status", "body", "headers", "provider", "kind", "retryable", "text"),
                         TABLE)
def test_error_table(status, body, headers, provider, kind, retryable, text):
    error = map_http_error(status, body, headers, provider)
    assert type(error) is kind
    assert error.retryable is retryable
    assert text in error.what
    assert error.engine == "openai" and error.stage == "request"
    assert error.cause and error.fix


def test_auth_error_names_the_provider_and_where_to_get_a_key():
    error = map_http_error(401, GROQ_401, {}, "groq")
    assert "Groq" in error.fix and "console.groq.com/keys" in error.fix and "key" in error.fix


def test_custom_403_points_at_ollama_origins():
    error = map_http_error(403, "", {}, "custom")
    assert isinstance(error, AuthError) and "OLLAMA_ORIGINS" in error.fix


def test_retryable_5xx_is_set_on_the_instance_only():
    error = map_http_error(500, "", {}, "groq")
    assert error.retryable and EngineError.retryable is False


def test_rate_limit_retry_after_is_in_seconds_and_in_the_fix():
    error = map_http_error(429, "{}", {"Retry-After": "120"}, "openrouter")
    assert error.retry_after == 120.0 and "120 s" in error.fix


def test_schema_unsupported_tells_the_adapter_to_retry_without_schema():
    error = map_http_error(400, SCHEMA_400, {}, "groq")
    assert error.retry_without_schema and isinstance(error, EngineError)


def test_model_name_appears_in_not_found_cause():
    error = map_http_error(404, "", {}, "together", model="meta-llama/x")
    assert "'meta-llama/x'" in error.cause


def test_key_echoed_by_a_provider_is_masked():
    key = "gsk_live_0123456789abcdefXYZ"
    body = json.dumps({"error": {"message": f"Incorrect API key provided: {key}"}})
    error = map_http_error(401, body, {}, "groq", key=key)
    assert key not in str(error) and "gsk…fXYZ" in error.what


def test_openrouter_metadata_raw_is_included():
    body = json.dumps({"error": {"code": 502, "message": "Provider returned error",
                                 "metadata": {"raw": "upstream overloaded",
                                              "provider_name": "X"}}})
    assert "upstream overloaded" in map_http_error(502, body, {}, "openrouter").what


@pytest.mark.parametrize(("payload", "kind", "retryable"), [
    ({"code": 502, "message": "Provider disconnected"}, EngineError, True),
    ({"code": "server_error", "message": "oops"}, EngineError, True),
    ({"code": 429, "message": "slow"}, RateLimitedError, True),
    ({"message": "too long", "code": "context_length_exceeded"}, ContextOverflowError, False),
    ("plain text error", EngineError, True),
])
def test_stream_error_payloads(payload, kind, retryable):
    error = map_error_payload(payload, "openrouter")
    assert type(error) is kind and error.retryable is retryable and error.stage == "stream"


def test_stream_error_is_never_schema_unsupported():
    error = map_error_payload({"code": 400, "message": "does not support json_schema"}, "groq")
    assert not isinstance(error, SchemaUnsupportedError)


NOW = 1_800_000_000.0


@pytest.mark.parametrize(("headers", "expected"), [
    ({"retry-after": "1"}, 1.0),
    ({"Retry-After": "2.5"}, 2.5),
    ({"retry-after": formatdate(NOW + 30, usegmt=True)}, 30.0),
    ({"retry-after": formatdate(NOW - 30, usegmt=True)}, 0.0),
    ({"x-ratelimit-reset-requests": "2m59.56s", "x-ratelimit-reset-tokens": "7.66s"}, 179.56),
    ({"x-ratelimit-reset-tokens": "7.66s"}, 7.66),
    ({"x-ratelimit-reset-requests": "1h2m3s"}, 3723.0),
    ({"x-ratelimit-reset-tokens": "250ms"}, 0.25),
    ({"X-RateLimit-Reset": str(int((NOW + 12) * 1000))}, 12.0),
    ({"retry-after": "soon", "x-ratelimit-reset-tokens": "3s"}, 3.0),
    ({"retry-after": "-4"}, None),
    ({}, None),
    ({"x-ratelimit-reset-tokens": "garbage"}, None),
])
def test_parse_retry_after(headers, expected):
    found = parse_retry_after(headers, now=NOW)
    assert found == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize("body", ['{"error": ' + "[" * 7000 + "]" * 7000 + "}",
                                  '{"error": {"message": ' + '{"a":' * 7000 + "1"
                                  + "}" * 7000 + "}}"])
def test_a_deeply_nested_error_body_is_reported_not_parsed(body):
    """An HTTP 400 whose body nests 7,000 levels maps to a clear EngineError (in CPython the
    old code raised RecursionError; in Pyodide it was a fatal stack overflow)."""
    err = map_http_error(400, body, {}, "custom")
    assert type(err) is EngineError
    assert "HTTP 400" in err.what and "nested more than 64 levels" in err.what
