"""CloudEngine: adapter logic with a pure scripted transport, then the real wire end to end
against tests/cloud_server.py over loopback HTTP with a urllib transport."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from localloom.engines.base import CancelToken, Engine, GenerateRequest
from localloom.engines.cloud import CloudEngine, FetchTransport
from localloom.errors import (
    AuthError,
    EngineError,
    EngineUnavailable,
    GenerationCancelled,
    NetworkError,
    QuotaError,
    RateLimitedError,
)
from localloom.openai_wire import SchemaUnsupportedError
from localloom.schema import course_json_schema
from tests.cloud_server import CloudServer
from tests.cloud_transports import Reply, ScriptedTransport, UrllibTransport, delta, sse

MESSAGES = [{"role": "user", "content": "A course on tides."}]
SCHEMA = {"type": "object", "properties": {"title": {"type": "string"}},
          "required": ["title"], "additionalProperties": False}
SCHEMA_400 = json.dumps({"error": {"message": "This model does not support response format "
                                   "`json_schema`.", "type": "invalid_request_error"}})
KEY = "sk-test-0123456789abcdef"


def _engine(*replies: Reply, **kw) -> tuple[CloudEngine, ScriptedTransport]:
    transport = ScriptedTransport(*replies)
    kw.setdefault("timeout", 2.0)
    engine = CloudEngine("custom", "m", base_url="http://127.0.0.1:9/v1", key=KEY,
                         transport=transport, **kw)
    return engine, transport


def _run(engine: CloudEngine, request: GenerateRequest | None = None, **kw):
    tokens: list[str] = []
    request = request or GenerateRequest(messages=MESSAGES, schema=SCHEMA, max_tokens=64)
    text = asyncio.run(engine.generate(request, on_token=tokens.append, **kw))
    return text, tokens


OK_STREAM = sse(delta('{"title": '), delta('"Tides"}'), delta(finish="stop"))


# -- pure transport ---------------------------------------------------------------------------
def test_engine_follows_the_protocol_and_masks_its_key():
    engine, _ = _engine()
    assert isinstance(engine, Engine) and engine.name == "openai" and engine.chat
    assert KEY not in repr(engine) and "sk-…cdef" in repr(engine)
    assert engine.count_tokens("x" * 40) == 10


def test_streams_tokens_and_returns_the_text():
    engine, transport = _engine(Reply(chunks=OK_STREAM))
    text, tokens = _run(engine)
    assert text == '{"title": "Tides"}' and tokens == ['{"title": ', '"Tides"}']
    call = transport.calls[0]
    assert call.url == "http://127.0.0.1:9/v1/chat/completions"
    assert call.headers == {"Content-Type": "application/json", "Authorization": f"Bearer {KEY}"}
    assert call.body["response_format"]["json_schema"]["name"] == "course"
    assert engine.last.finish_reason == "stop" and engine.last.schema_sent


def test_byte_chunks_split_inside_a_character_are_decoded():
    raw = "".join(sse(delta("Café 🎉"), delta(finish="stop"))).encode()
    engine, _ = _engine(Reply(chunks=[raw[i:i + 3] for i in range(0, len(raw), 3)]))
    assert _run(engine)[0] == "Café 🎉"


def test_schema_unsupported_retries_once_in_prompt_and_remembers():
    engine, transport = _engine(Reply(400, {"content-type": "application/json"}, [SCHEMA_400]),
                                Reply(chunks=OK_STREAM), Reply(chunks=OK_STREAM))
    assert _run(engine)[0] == '{"title": "Tides"}'
    first, second = (c.body for c in transport.calls)
    assert "response_format" in first and "response_format" not in second
    assert "JSON Schema" in second["messages"][-1]["content"]
    assert not engine.last.schema_sent
    _run(engine)  # the next call goes straight to prompt-only
    assert "response_format" not in transport.calls[2].body


def test_schema_unsupported_is_retried_only_once():
    bad = Reply(400, {}, [SCHEMA_400])
    engine, transport = _engine(bad, Reply(400, {}, [SCHEMA_400]))
    with pytest.raises(SchemaUnsupportedError):
        _run(engine)
    assert len(transport.calls) == 2


def test_rate_limit_maps_with_retry_after():
    engine, _ = _engine(Reply(429, {"Retry-After": "3"}, ['{"error":{"message":"slow"}}']))
    with pytest.raises(RateLimitedError) as info:
        _run(engine)
    assert info.value.retry_after == 3.0 and info.value.retryable


def test_non_streaming_json_answer_is_accepted():
    body = json.dumps({"choices": [{"message": {"content": "{}"}, "finish_reason": "stop"}]})
    engine, _ = _engine(Reply(200, {"Content-Type": "application/json"}, [body]))
    assert _run(engine) == ("{}", ["{}"])


def test_plain_prompt_becomes_a_user_message_without_schema():
    engine, transport = _engine(Reply(chunks=OK_STREAM))
    _run(engine, GenerateRequest(prompt="Summarize: tides", task="summary"))
    body = transport.calls[0].body
    assert body["messages"] == [{"role": "user", "content": "Summarize: tides"}]
    assert "response_format" not in body


def test_no_headers_within_timeout_is_a_network_error_and_aborts():
    engine, transport = _engine(Reply(head_delay=5.0, chunks=OK_STREAM), timeout=0.2)
    started = time.monotonic()
    with pytest.raises(NetworkError, match=r"sent nothing for 0\.2 s"):
        _run(engine)
    assert time.monotonic() - started < 2.0
    assert transport.calls[0].token.cancelled  # the transport was told to abort


def test_stalled_stream_is_a_network_error():
    engine, transport = _engine(Reply(chunks=OK_STREAM, hang_after=1), timeout=0.2)
    with pytest.raises(NetworkError, match="next chunk"):
        _run(engine)
    assert transport.calls[0].token.cancelled


def test_cancel_mid_stream_raises_promptly_and_aborts_the_transport():
    cancel = CancelToken()
    engine, transport = _engine(Reply(chunks=OK_STREAM, hang_after=1), timeout=5.0)

    async def scenario():
        tokens: list[str] = []

        def on_token(text: str) -> None:
            tokens.append(text)
            asyncio.get_running_loop().call_later(0.05, cancel.cancel)

        task = engine.generate(GenerateRequest(messages=MESSAGES), on_token, cancel)
        return await asyncio.wait_for(task, 2.0), tokens

    started = time.monotonic()
    with pytest.raises(GenerationCancelled):
        asyncio.run(scenario())
    assert time.monotonic() - started < 1.5
    assert transport.calls[0].token.cancelled


def test_already_cancelled_token_sends_nothing():
    cancel = CancelToken()
    cancel.cancel()
    engine, transport = _engine(Reply(chunks=OK_STREAM))
    with pytest.raises(GenerationCancelled):
        _run(engine, cancel=cancel)
    assert transport.calls == []


def test_transport_exception_becomes_network_error():
    engine, _ = _engine(Reply(error=ConnectionRefusedError("refused")))
    with pytest.raises(NetworkError, match="refused"):
        _run(engine)


def test_stream_that_ends_early_is_a_network_error():
    engine, _ = _engine(Reply(chunks=sse(delta("half"), done=False)))
    with pytest.raises(NetworkError, match="ended before") as info:
        _run(engine)
    assert engine.last.text == "half" and info.value.retryable


def test_truncation_is_recorded():
    engine, _ = _engine(Reply(chunks=sse(delta("cut"), delta(finish="length"))))
    assert _run(engine)[0] == "cut" and engine.last.truncated


def test_missing_key_fails_without_calling_the_transport():
    transport = ScriptedTransport()
    engine = CloudEngine("groq", transport=transport)
    with pytest.raises(AuthError):
        _run(engine)
    assert transport.calls == []


def test_fetch_transport_explains_it_needs_the_browser():
    engine = CloudEngine("custom", "m", transport=FetchTransport())
    with pytest.raises(EngineUnavailable, match="only runs in the browser"):
        _run(engine)


# -- real HTTP against the loopback server ----------------------------------------------------
@pytest.fixture(scope="module")
def server():
    with CloudServer(key=KEY, lifetime=60, slow_seconds=1.0, chunk_size=7) as srv:
        yield srv


@pytest.fixture
def cloud(server):
    server.reset().set_content(COURSE)
    return server


COURSE = json.dumps({"title": "Las mareas — tides 🌊", "description": "Why the sea moves.",
                     "modules": [{"title": "Moon", "lessons": ["Gravity", "Bulges"]}]},
                    ensure_ascii=False)


def _http_engine(server: CloudServer, model: str = "test-model", **kw) -> CloudEngine:
    kw.setdefault("key", KEY)
    return CloudEngine("custom", model, base_url=server.url, transport=UrllibTransport(),
                       timeout=kw.pop("timeout", 3.0), **kw)


def test_http_streams_a_course_with_schema_and_key(cloud):
    engine = _http_engine(cloud)
    schema = course_json_schema("openai")
    text, tokens = _run(engine, GenerateRequest(messages=MESSAGES, schema=schema))
    assert text == COURSE and len(tokens) > 5 and json.loads(text)["title"].endswith("🌊")
    (post,) = cloud.posts()
    assert post.path == "/v1/chat/completions"
    assert post.headers["authorization"] == f"Bearer {KEY}"
    assert post.headers["content-type"] == "application/json"
    assert post.body["response_format"]["json_schema"]["schema"] == schema
    assert post.body["stream_options"] == {"include_usage": True}
    assert engine.last.usage["completion_tokens"] > 0


def test_http_wrong_key_is_auth_error(cloud):
    with pytest.raises(AuthError, match="Invalid API Key"):
        _run(_http_engine(cloud, key="sk-wrong-0123456789"))


def test_http_faults_map_to_errors(cloud):
    cloud.script(["429", "402", "500", "502-html", "midstream-error", "malformed-many"])
    engine = _http_engine(cloud)
    with pytest.raises(RateLimitedError) as info:
        _run(engine)
    assert info.value.retry_after == 1.0
    with pytest.raises(QuotaError):
        _run(engine)
    for expected in ("Internal server error", "502 Bad Gateway", "Provider disconnected",
                     "malformed"):
        with pytest.raises(EngineError, match=expected) as info:
            _run(engine)
        assert info.value.retryable


def test_http_schema_unsupported_model_retries_in_prompt(cloud):
    engine = _http_engine(cloud, model="fault:schema-unsupported")
    assert _run(engine)[0] == COURSE
    first, second = cloud.posts()
    assert first.fault == "schema-unsupported" and second.fault == "ok"
    assert "response_format" not in second.body


def test_http_one_malformed_chunk_and_crlf_are_tolerated(cloud):
    cloud.script(["malformed", "crlf"])
    engine = _http_engine(cloud)
    assert _run(engine)[0] == COURSE and engine.last.warnings
    assert _run(engine)[0] == COURSE


def test_http_slow_server_times_out(cloud):
    cloud.script(["slow"])
    with pytest.raises(NetworkError, match="sent nothing"):
        _run(_http_engine(cloud, timeout=0.3))


def test_http_truncated_stream_is_a_network_error(cloud):
    cloud.script(["truncated"])
    with pytest.raises(NetworkError):
        _run(_http_engine(cloud))


def test_http_connection_refused_is_a_network_error():
    engine = CloudEngine("custom", "m", base_url="http://127.0.0.1:9/v1",
                         transport=UrllibTransport(timeout=2.0), timeout=3.0)
    with pytest.raises(NetworkError):
        _run(engine)
