"""tests/cloud_server.py speaks the OpenAI wire protocol: SSE, JSON, CORS, faults, recording,
bounded sleeps, self-stop and the command line — checked with plain urllib."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.cloud_server import FAULTS, MAX_SLEEP, CloudServer

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
ORIGIN = "http://127.0.0.1:5173"
BODY = {"model": "test-model", "messages": [{"role": "user", "content": "hi"}]}


def _request(url: str, method: str = "POST", body: dict | None = None,
             headers: dict | None = None) -> tuple[int, dict[str, str], str]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", "Origin": ORIGIN, **(headers or {})})
    try:
        with OPENER.open(request, timeout=5) as response:
            return response.status, dict(response.headers.items()), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read().decode()


def _chat(server: CloudServer, **body) -> tuple[int, dict[str, str], str]:
    return _request(server.url + "/chat/completions", body={**BODY, **body})


def _data_lines(text: str) -> list[str]:
    return [line[6:] for line in text.split("\n") if line.startswith("data: ")]


@pytest.fixture(scope="module")
def shared():
    with CloudServer(lifetime=60, chunk_size=5, slow_seconds=0.3) as server:
        yield server


@pytest.fixture
def server(shared):
    return shared.reset().set_content("Hola, ¿qué tal? 🎉 fin")


def test_streaming_speaks_sse_with_comment_usage_and_done(server):
    status, headers, text = _chat(server, stream=True, stream_options={"include_usage": True})
    assert status == 200 and headers["Content-Type"].startswith("text/event-stream")
    assert headers["Transfer-Encoding"] == "chunked"
    assert text.startswith(": OPENROUTER PROCESSING\n\n") and text.endswith("data: [DONE]\n\n")
    events = [json.loads(d) for d in _data_lines(text)[:-1]]
    assert all(e["object"] == "chat.completion.chunk" for e in events)
    content = "".join(e["choices"][0]["delta"].get("content", "") for e in events
                      if e["choices"])
    assert content == server.content
    assert events[-2]["choices"][0]["finish_reason"] == "stop"
    assert events[-1]["choices"] == [] and events[-1]["usage"]["total_tokens"] > 0


def test_non_streaming_answer_is_a_chat_completion(server):
    status, headers, text = _chat(server)
    body = json.loads(text)
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["content"] == server.content


def test_cors_preflight_reflects_origin_and_allows_only_two_headers(server):
    status, headers, _ = _request(server.url + "/chat/completions", "OPTIONS", headers={
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-stainless-os"})
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == ORIGIN and headers["Vary"] == "Origin"
    assert "POST" in headers["Access-Control-Allow-Methods"]
    assert headers["Access-Control-Allow-Headers"] == "authorization, content-type"
    assert server.requests[-1].method == "OPTIONS"


def test_lenient_cors_reflects_requested_headers():
    with CloudServer(strict_cors=False, lifetime=10) as server:
        _, headers, _ = _request(server.url + "/chat/completions", "OPTIONS", headers={
            "Access-Control-Request-Headers": "authorization, x-stainless-os"})
    assert headers["Access-Control-Allow-Headers"] == "authorization, x-stainless-os"


def test_responses_carry_cors_and_expose_rate_limit_headers(server):
    server.script("429")
    _, headers, _ = _chat(server)
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "retry-after" in headers["Access-Control-Expose-Headers"]


def test_fault_queue_is_consumed_in_order_then_ok(server):
    server.script(["401", "402", "500"])
    statuses = [_chat(server)[0] for _ in range(4)]
    assert statuses == [401, 402, 500, 200]
    assert [r.fault for r in server.posts()] == ["401", "402", "500", "ok"]


def test_fault_by_model_name_applies_to_every_request(server):
    assert [_chat(server, model="fault:500")[0] for _ in range(2)] == [500, 500]


@pytest.mark.parametrize(("fault", "status", "check"), [
    ("401", 401, lambda b: b == {"error": {"message": "Invalid API Key",
                                           "type": "invalid_request_error",
                                           "code": "invalid_api_key"}}),
    ("402", 402, lambda b: b["error"]["code"] == 402),
    ("404", 404, lambda b: b["error"]["code"] == "model_not_found"),
    ("500", 500, lambda b: b["error"]["type"] == "internal_server_error"),
    ("schema-unsupported", 400, lambda b: "does not support response format" in
     b["error"]["message"]),
])
def test_json_error_faults(server, fault, status, check):
    server.script(fault)
    got, headers, text = _chat(server, response_format={"type": "json_schema",
                                                         "json_schema": {"schema": {}}})
    assert got == status and headers["Content-Type"] == "application/json"
    assert check(json.loads(text))


def test_rate_limit_faults_send_retry_after(server):
    server.script(["429", "429-long"])
    _, headers, text = _chat(server)
    assert headers["retry-after"] == "1" and headers["x-ratelimit-reset-tokens"] == "7.66s"
    assert headers["x-ratelimit-reset-requests"] == "2m59.56s"
    assert json.loads(text)["error"]["code"] == "rate_limit_exceeded"
    assert _chat(server)[1]["retry-after"] == "120"


def test_schema_unsupported_only_when_response_format_is_sent(server):
    assert _chat(server, model="fault:schema-unsupported")[0] == 200


def test_html_fault_is_a_proxy_page(server):
    server.script("502-html")
    status, headers, text = _chat(server)
    assert status == 502 and headers["Content-Type"] == "text/html" and "<title>" in text


def test_midstream_error_arrives_under_200_without_done(server):
    server.script("midstream-error")
    status, _, text = _chat(server, stream=True)
    last = json.loads(_data_lines(text)[-1])
    assert status == 200 and "[DONE]" not in text
    assert last["error"]["code"] == 502 and last["choices"][0]["finish_reason"] == "error"


@pytest.mark.parametrize(("fault", "bad"), [("malformed", 1), ("malformed-many", 5)])
def test_malformed_faults_send_unparsable_chunks(server, fault, bad):
    server.script(fault)
    broken = 0
    for data in _data_lines(_chat(server, stream=True)[2]):
        try:
            json.loads(data)
        except ValueError:
            broken += data != "[DONE]"
    assert broken == bad


def test_length_and_crlf_faults(server):
    server.script(["length", "crlf"])
    assert '"finish_reason":"length"' in _chat(server, stream=True)[2]
    text = _chat(server, stream=True)[2]
    assert "\r\n\r\n" in text and text.endswith("data: [DONE]\r\n\r\n")


def test_truncated_fault_drops_the_connection(server):
    server.script("truncated")
    with pytest.raises(http.client.IncompleteRead):
        _chat(server, stream=True)


def test_slow_fault_delays_the_first_byte_and_sleeps_are_bounded(server):
    server.script("slow")
    started = time.monotonic()
    assert _chat(server)[0] == 200
    assert 0.3 <= time.monotonic() - started < 3
    assert CloudServer(slow_seconds=60).slow_seconds == MAX_SLEEP == 5.0


def test_requests_are_recorded_with_lowercase_headers_and_body(server):
    _chat(server, stream=True, response_format={"type": "json_schema"},
          **{"max_tokens": 7})
    post = server.posts()[-1]
    assert post.path == "/v1/chat/completions" and post.body["max_tokens"] == 7
    assert post.headers["origin"] == ORIGIN and "authorization" not in post.headers
    assert json.loads(post.raw) == post.body


def test_required_key_is_enforced():
    with CloudServer(key="sk-right", lifetime=10) as server:
        assert _chat(server)[0] == 401
        status, _, _ = _request(server.url + "/chat/completions", body=BODY,
                                headers={"Authorization": "Bearer sk-right"})
        assert status == 200
        assert _request(server.url + "/models", "GET",
                        headers={"Authorization": "Bearer sk-right"})[0] == 200


def test_models_endpoint_and_unknown_paths(server):
    status, _, text = _request(server.url + "/models", "GET")
    assert status == 200 and json.loads(text)["data"][0]["id"] == "test-model"
    assert _request(server.origin + "/v2/other", body=BODY)[0] == 404


def test_unknown_fault_name_is_rejected(server):
    with pytest.raises(ValueError, match="unknown fault"):
        server.script(["418"])
    assert {"401", "402", "429", "500", "slow", "midstream-error"} <= set(FAULTS)


def test_server_stops_by_itself_after_its_lifetime():
    server = CloudServer(lifetime=0.3).start()
    port = server.port
    assert server.wait(3.0) and not server.running
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_command_line_prints_the_url_and_serves():
    script = Path(__file__).resolve().parents[1] / "cloud_server.py"
    process = subprocess.Popen(
        [sys.executable, str(script), "--port", "0", "--lifetime", "10", "--fault", "402"],
        stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline().strip()
        assert line.startswith("CLOUD_SERVER_URL=http://127.0.0.1:")
        url = line.split("=", 1)[1]
        assert _request(url + "/chat/completions", body=BODY)[0] == 402
        assert _request(url + "/chat/completions", body=BODY)[0] == 200
    finally:
        process.terminate()
        process.wait(5)
        process.stdout.close()


def test_models_are_listed_like_llama_server_and_ollama(server):
    """GET /v1/models and /models answer an OpenAI model list with id, object, created and
    owned_by; models=None answers 404 like a server without the endpoint."""
    for path in ("/v1/models", "/models"):
        status, headers, text = _request(server.origin + path, "GET")
        row = json.loads(text)["data"][0]
        assert status == 200 and headers["Content-Type"] == "application/json"
        assert row == {"id": "test-model", "object": "model", "created": row["created"],
                       "owned_by": "llamacpp"}
    with CloudServer(lifetime=10, models=None) as bare:
        assert _request(bare.url + "/models", "GET")[0] == 404


def test_redirect_fault_points_elsewhere_and_no_cors_sends_no_cors_headers():
    """The redirect fault is a 307 to redirect_to; cors=False leaves out every CORS header,
    in the preflight too."""
    with CloudServer(lifetime=10, redirect_to="http://127.0.0.1:9/v1/chat/completions",
                     cors=False) as srv:
        srv.script(["redirect"])
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.request("POST", "/v1/chat/completions", json.dumps(BODY),
                     {"Content-Type": "application/json", "Origin": ORIGIN})
        response = conn.getresponse()
        assert response.status == 307
        assert response.getheader("Location") == "http://127.0.0.1:9/v1/chat/completions"
        assert response.getheader("Access-Control-Allow-Origin") is None
        conn.close()
        status, headers, _ = _request(srv.url + "/chat/completions", "OPTIONS")
        assert status == 204 and "Access-Control-Allow-Origin" not in headers


@pytest.mark.parametrize(("fault", "status"), [("deep-json", 200), ("deep-400", 400)])
def test_deep_json_faults(server, fault, status):
    """The deep faults send JSON nested 7,000 levels deep, as a body or an error body."""
    server.script([fault])
    got, _, text = _chat(server)
    assert got == status and text.startswith("[" * 7000) and text.endswith("]" * 7000)


def test_deep_stream_faults(server):
    """deep-event sends one 7,000-deep data event; deep-content a well-formed stream whose
    content is 7,000 nested arrays."""
    server.script(["deep-event", "deep-content"])
    event = _data_lines(_chat(server, stream=True)[2])
    assert event == ["[" * 7000 + "]" * 7000]
    lines = _data_lines(_chat(server, stream=True)[2])
    content = "".join(json.loads(line)["choices"][0]["delta"].get("content") or ""
                      for line in lines if line.startswith("{") and '"choices":[{' in line)
    assert content == "[" * 7000 + "]" * 7000 and lines[-1] == "[DONE]"
