"""CloudEngine: adapter logic with a pure scripted transport, then the real wire end to end
against tests/cloud_server.py over loopback HTTP with a urllib transport."""

from __future__ import annotations

import asyncio
import itertools
import json
import time

import pytest

from localloom.course.budget import schema_token_bound, step_budget
from localloom.course.generator import CourseRequest
from localloom.course.runner import Runner, Step
from localloom.course.schema import CourseShape, Outline, course_json_schema
from localloom.engine import CancelToken, Engine, GenerateRequest
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
from localloom.wire.openai import SchemaUnsupportedError
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


# -- hostile or broken servers (issue 7) ------------------------------------------------------
@pytest.mark.parametrize("fault", ["deep-event", "deep-json", "deep-400", "deep-content"])
def test_http_deeply_nested_json_is_a_clear_error_not_a_crash(cloud, fault):
    """A 7,000-deep SSE event, JSON body, 400 error body or answer ends in an EngineError with
    a cause and a fix (the old code raised RecursionError here, and in Pyodide crashed for
    good); the next tier can then run."""
    cloud.script([fault])
    with pytest.raises(EngineError, match="nested more than 64 levels") as info:
        _run(_http_engine(cloud))
    assert info.value.fix and info.value.cause and not info.value.retryable


def test_deep_content_stops_before_the_parser_sees_it():
    """The answer's own nesting is bounded while it streams: no token past the limit reaches
    on_token (which feeds the lenient partial parser)."""
    deep = "[" * 7000
    engine, _ = _engine(Reply(chunks=sse(*(delta(deep[i:i + 50]) for i in range(0, 7000, 50)),
                                         delta(finish="stop"))))
    tokens: list[str] = []
    request = GenerateRequest(messages=MESSAGES, max_tokens=64)
    with pytest.raises(EngineError, match="an answer that is nested more than 64"):
        asyncio.run(engine.generate(request, on_token=tokens.append))
    assert len("".join(tokens)) <= 64


def test_an_html_page_under_200_is_named_as_a_web_page():
    """A 200 text/html answer (a captive portal, a wrong URL) says so, with the URL fix,
    instead of 'the stream ended early'."""
    page = "<html><head><title>Sign in</title></head><body>Wi-Fi login</body></html>"
    engine, transport = _engine(Reply(200, {"content-type": "text/html; charset=utf-8"}, [page]))
    with pytest.raises(EngineError, match=r"answered with a web page \(text/html\)") as info:
        _run(engine)
    assert "/v1" in info.value.fix and not isinstance(info.value, NetworkError)
    assert len(transport.calls) == 1


def test_a_huge_json_answer_is_refused_not_truncated():
    """A JSON body over 1 MiB is refused by name (the old reader cut it at 64 KiB and then
    called it 'not a chat completion')."""
    body = json.dumps({"choices": [{"message": {"content": "x" * (1 << 20)}}]})
    engine, _ = _engine(Reply(200, {"content-type": "application/json"},
                              [body[i:i + 65536] for i in range(0, len(body), 65536)]))
    with pytest.raises(EngineError, match="larger than 1024 KiB"):
        _run(engine)


def test_http_redirects_are_refused_and_the_prompt_goes_nowhere_else(cloud):
    """A 307 from the configured server is an error; the host it points at gets nothing."""
    with CloudServer(lifetime=30) as elsewhere:
        cloud.redirect_to = elsewhere.url + "/chat/completions"
        cloud.script(["redirect"])
        with pytest.raises(EngineError, match="does not follow redirects") as info:
            _run(_http_engine(cloud))
        assert "Settings" in info.value.fix
        assert elsewhere.requests == []


def test_endless_stream_is_cancelled_within_a_tenth_of_a_second():
    """An endless stream (a token every millisecond, forever) stops on Cancel: measured here
    at under 0.001 s after the click; the transport is aborted."""
    cancel = CancelToken()
    forever = itertools.cycle(sse(delta("la "), done=False))
    engine, transport = _engine(Reply(chunks=forever, chunk_delay=0.001), timeout=60.0)

    async def scenario():
        loop = asyncio.get_running_loop()
        clicked: list[float] = []
        loop.call_later(0.2, lambda: (clicked.append(time.monotonic()), cancel.cancel()))
        with pytest.raises(GenerationCancelled):
            await engine.generate(GenerateRequest(messages=MESSAGES), cancel=cancel)
        return time.monotonic() - clicked[0]

    latency = asyncio.run(asyncio.wait_for(scenario(), 5.0))
    assert latency < 0.1, f"{latency:.3f} s"
    assert transport.calls[0].token.cancelled


def test_the_idle_timeout_is_60_seconds_by_default():
    """A stall ends after 60 s without a byte (NetworkError, retryable: fallback retries
    once, then moves on), not never."""
    engine = CloudEngine("custom", "m", base_url="http://127.0.0.1:9/v1",
                         transport=ScriptedTransport())
    assert engine.timeout == 60.0


# -- which schema the provider gets (issue 7, item 10) ----------------------------------------
def test_the_custom_server_enforces_bounds_named_providers_do_not():
    """llama-server/Ollama compile the schema into a grammar: the custom provider says it
    enforces bounds, strict cloud modes do not; after a schema 400 it no longer does."""
    assert _engine()[0].schema_bounds
    assert not CloudEngine("groq", key="gsk_0123456789abcdef").schema_bounds
    engine, _ = _engine(Reply(400, {}, [SCHEMA_400]), Reply(chunks=OK_STREAM))
    _run(engine)
    assert not engine.schema_bounds


def _outline_request(engine) -> GenerateRequest:
    shape = CourseShape(modules=2, lessons_per_module=2, questions_per_quiz=0, max_text=300,
                        max_list=3)
    step = Step("outline", Outline, "Outline", 1, 1, CourseRequest("Tides").prompt_vars(),
                step_budget("outline", shape), shape=shape)
    return Runner(engine, "en").request(step, "", [], 0)


def test_runner_sends_the_bounded_schema_to_the_custom_server_only():
    """Runner.request gives the custom server the grammar schema (maxItems/maxLength, so the
    model stops at 3 objectives, not 42) and the longer max_tokens that schema allows; Groq
    gets the plain strict subset."""
    custom = _outline_request(_engine()[0])
    groq = _outline_request(CloudEngine("groq", key="gsk_0123456789abcdef"))
    objectives = custom.schema["properties"]["learning_objectives"]
    assert objectives["maxItems"] == 3
    assert "maxLength" in json.dumps(custom.schema)
    assert "maxItems" not in json.dumps(groq.schema) and "maxLength" not in json.dumps(groq.schema)
    bound = schema_token_bound(custom.schema)
    assert custom.max_tokens >= min(bound, 8192 // 2) and custom.max_tokens > groq.max_tokens


def test_a_bounded_schema_rejected_by_the_server_falls_back_to_the_prompt(cloud):
    """A custom server that answers 400 'does not support json_schema' to the bounded schema:
    the existing retry with the schema in the prompt still serves."""
    engine = _http_engine(cloud, model="fault:schema-unsupported")
    request = _outline_request(engine)
    assert "maxItems" in json.dumps(request.schema)
    assert _run(engine, request)[0] == COURSE
    first, second = cloud.posts()
    assert first.body["response_format"]["json_schema"]["schema"] == request.schema
    assert "response_format" not in second.body and not engine.schema_bounds


# -- a blank model for the custom server (item 11a) ----------------------------------------------
def test_blank_model_asks_the_server_once_and_uses_its_model(cloud):
    """No model set: GET /v1/models once (with the key), then every call names the server's
    first model; the engine says where the model came from."""
    engine = _http_engine(cloud, model=None)
    assert engine.model_id == ""
    assert _run(engine)[0] == COURSE
    _run(engine)
    gets = [r for r in cloud.requests if r.method == "GET"]
    assert [g.path for g in gets] == ["/v1/models"]
    assert gets[0].headers["authorization"] == f"Bearer {KEY}"
    assert [p.body["model"] for p in cloud.posts()] == ["test-model", "test-model"]
    assert (engine.model_id, engine.model_source) == ("test-model", "server")


@pytest.mark.parametrize("models", [None, ()])
def test_blank_model_without_a_model_list_says_to_type_it_in_settings(models):
    """A server without /models (404) or with none loaded: a clear error naming the Model
    field in Settings, and no chat request is sent."""
    with CloudServer(lifetime=30, models=models) as server:
        engine = CloudEngine("custom", None, base_url=server.url, transport=UrllibTransport(),
                             timeout=3.0)
        with pytest.raises(EngineUnavailable, match="No model is set for Custom server") as info:
            _run(engine)
        assert "Model" in info.value.fix and "Settings" in info.value.fix
        assert server.posts() == []


def test_blank_model_with_a_wrong_key_is_an_auth_error(cloud):
    """401 on /models is the key's problem, and says so."""
    with pytest.raises(AuthError):
        _run(_http_engine(cloud, model=None, key="sk-wrong-0123456789"))


def test_blank_model_over_a_scripted_transport_reads_llama_server_lists():
    """llama-server's list (``data`` and ``models``) gives its first id."""
    listing = json.dumps({"models": [{"name": "qwen.gguf", "model": "qwen.gguf"}],
                          "object": "list", "data": [{"id": "qwen.gguf", "object": "model"}]})
    transport = ScriptedTransport(Reply(200, {"content-type": "application/json"}, [listing]),
                                  Reply(chunks=OK_STREAM))
    engine = CloudEngine("custom", "", base_url="http://127.0.0.1:9/v1/", transport=transport)
    _run(engine)
    assert [(c.method, c.url) for c in transport.calls] == [
        ("GET", "http://127.0.0.1:9/v1/models"), ("POST", "http://127.0.0.1:9/v1/chat/completions")]
    assert transport.calls[1].body["model"] == "qwen.gguf"
