"""A loopback OpenAI-compatible server for tests: real HTTP, real SSE, scripted faults.

Public names: ``CloudServer``, ``RecordedRequest``, ``FAULTS``, ``main``.

Example (pytest or a Playwright test)::

    server = CloudServer(key="sk-test").start()        # 127.0.0.1, a free port
    server.set_content('{"title": "..."}').script(["429", "ok"])
    ...  # point the app's "custom" provider at server.url ("http://127.0.0.1:PORT/v1")
    assert server.requests[-1].body["response_format"]["type"] == "json_schema"
    server.stop()

or from a shell: ``python tests/cloud_server.py --port 8808 --key sk-test --fault 429``
(prints ``CLOUD_SERVER_URL=http://127.0.0.1:8808/v1``).

Endpoints: ``POST /v1/chat/completions`` (SSE when ``stream`` is true, else JSON),
``GET /v1/models`` (and ``GET /models``, as llama-server also serves it: ``{"object": "list",
"data": [{"id", "object": "model", "created", "owned_by"}]}``; ``models=None`` answers 404 like
a server without the endpoint), and ``OPTIONS`` preflight for both. CORS reflects ``Origin``;
with ``strict_cors`` (the default, like OpenRouter) the preflight allows only ``authorization``
and ``content-type``, so a browser request with any other header fails as it would in
production; ``cors=False`` sends no CORS header at all (an Ollama without OLLAMA_ORIGINS).

Faults (``FAULTS``) are taken per POST from the ``script()`` queue, or from the model name
``fault:<name>`` (which applies to every request naming it). Every sleep is at most 5 s, and
the server stops by itself after ``lifetime`` seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FAULTS", "CloudServer", "RecordedRequest", "main"]

MAX_SLEEP = 5.0
DEFAULT_CONTENT = '{"title": "Hello from the loopback cloud", "ok": true}'
FAULTS = {
    "ok": "200 with the content (SSE or JSON)",
    "401": "401 invalid_api_key (Groq/OpenAI body)",
    "402": "402 out of credits (OpenRouter body, numeric code)",
    "404": "404 model_not_found",
    "429": "429 with retry-after: 1 and x-ratelimit-reset-* headers",
    "429-long": "429 with retry-after: 120",
    "500": "500 internal_server_error",
    "502-html": "502 with an HTML page, as a proxy sends",
    "slow": "sleeps slow_seconds (≤ 5) before the first byte, then ok",
    "midstream-error": "200, half the content, then an OpenRouter error event, no [DONE]",
    "malformed": "200 with one unparsable data chunk among good ones",
    "malformed-many": "200 with five unparsable data chunks",
    "schema-unsupported": "400 'does not support response format json_schema' when the body "
    "has response_format json_schema, else ok",
    "truncated": "200, part of the content, then the connection closes (no finish, no [DONE])",
    "length": "200 with finish_reason 'length'",
    "crlf": "ok, with \\r\\n line endings",
    "redirect": "307 to redirect_to (a server that moved, or a hostile one)",
    "deep-event": "200 SSE whose one data event is JSON nested 7,000 levels deep",
    "deep-json": "200 application/json body nested 7,000 levels deep",
    "deep-400": "400 whose JSON error body is nested 7,000 levels deep",
    "deep-content": "200 SSE, well-formed, whose content is 7,000 nested arrays",
}
DEEP = 7000
_DEEP_JSON = "[" * DEEP + "]" * DEEP
_ALLOWED_HEADERS = "authorization, content-type"
_EXPOSED = "retry-after, x-ratelimit-reset-requests, x-ratelimit-reset-tokens, x-request-id"


@dataclass
class RecordedRequest:
    """One request as received; ``headers`` keys are lower-case."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any = None
    raw: str = ""
    fault: str = ""
    at: float = field(default_factory=time.monotonic)


class CloudServer:
    """Loopback OpenAI-compatible server; every public method returns quickly."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, key: str | None = None,
                 content: str = DEFAULT_CONTENT, chunk_size: int = 12, lifetime: float = 120.0,
                 slow_seconds: float = 2.0, chunk_delay: float = 0.0, strict_cors: bool = True,
                 models: Iterable[str] | None = ("test-model",), cors: bool = True,
                 redirect_to: str = "") -> None:
        self.host, self.port, self.key = host, port, key
        self.content, self.chunk_size = content, max(1, chunk_size)
        self.lifetime = lifetime
        self.slow_seconds = min(slow_seconds, MAX_SLEEP)
        self.chunk_delay = min(chunk_delay, 0.5)
        self.strict_cors, self.cors = strict_cors, cors
        self.models = None if models is None else list(models)
        self.redirect_to = redirect_to
        self.requests: list[RecordedRequest] = []
        self._faults: deque[str] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None

    # -- control -------------------------------------------------------------------------
    def start(self) -> CloudServer:
        handler = type("Handler", (_Handler,), {"cloud": self})
        self._httpd = _QuietServer((self.host, self.port), handler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        self._timer = threading.Timer(self.lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        with self._lock:
            if self._stopping.is_set():
                return
            self._stopping.set()
        if self._timer is not None and self._timer is not threading.current_thread():
            self._timer.cancel()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        self._stopped.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the server has stopped (by ``stop()`` or its lifetime)."""
        return self._stopped.wait(timeout)

    def __enter__(self) -> CloudServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The base URL to configure, like a provider's: ``http://127.0.0.1:PORT/v1``."""
        return f"{self.origin}/v1"

    @property
    def running(self) -> bool:
        return self._httpd is not None and not self._stopping.is_set()

    def script(self, faults: Iterable[str] | str) -> CloudServer:
        """Queue faults, one per coming POST (then ``ok``); see ``FAULTS``."""
        names = [faults] if isinstance(faults, str) else list(faults)
        for name in names:
            if name not in FAULTS:
                raise ValueError(f"unknown fault {name!r}; expected one of {sorted(FAULTS)}")
        with self._lock:
            self._faults.extend(names)
        return self

    def set_content(self, text: str) -> CloudServer:
        self.content = text
        return self

    def reset(self) -> CloudServer:
        """Forget recorded requests and queued faults."""
        with self._lock:
            self.requests.clear()
            self._faults.clear()
        return self

    def posts(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST"]

    # -- used by the handler ---------------------------------------------------------------
    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next_fault(self, model: str) -> str:
        if isinstance(model, str) and model.startswith("fault:") and model[6:] in FAULTS:
            return model[6:]
        with self._lock:
            return self._faults.popleft() if self._faults else "ok"

    def _sleep(self, seconds: float) -> None:
        self._stopping.wait(min(seconds, MAX_SLEEP))


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _error_body(message: str, kind: str, code: Any) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": code}}


_ERRORS: dict[str, tuple[int, dict[str, Any], dict[str, str]]] = {
    "401": (401, _error_body("Invalid API Key", "invalid_request_error", "invalid_api_key"), {}),
    "402": (402, {"error": {"code": 402, "message": "Insufficient credits. Add more credits "
                            "and retry the request.", "metadata": {}}}, {}),
    "404": (404, _error_body("The model does not exist or you do not have access to it.",
                             "invalid_request_error", "model_not_found"), {}),
    "429": (429, _error_body("Rate limit reached for model on tokens per minute (TPM). "
                             "Please try again in 1s.", "tokens", "rate_limit_exceeded"),
            {"retry-after": "1", "x-ratelimit-reset-requests": "2m59.56s",
             "x-ratelimit-reset-tokens": "7.66s"}),
    "429-long": (429, _error_body("Rate limit reached for requests per day (RPD).",
                                  "requests", "rate_limit_exceeded"), {"retry-after": "120"}),
    "500": (500, _error_body("Internal server error", "internal_server_error", None), {}),
    "schema-unsupported": (400, _error_body(
        "This model does not support response format `json_schema`. See supported models at "
        "the provider's structured outputs documentation.", "invalid_request_error", None), {}),
}


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # a client that aborted or timed out is normal here
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LocalLoomTestCloud/1.0"
    timeout = 10  # idle keep-alive connections end by themselves
    cloud: CloudServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # -- helpers -----------------------------------------------------------------------------
    def _cors(self) -> None:
        if not self.cloud.cors:
            return
        self.send_header("Access-Control-Allow-Origin", self.headers.get("Origin") or "*")
        self.send_header("Vary", "Origin")
        self.send_header("Access-Control-Expose-Headers", _EXPOSED)

    def _send_bytes(self, status: int, data: bytes, ctype: str,
                    extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self._cors()
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _json(self, status: int, obj: Any, extra: dict[str, str] | None = None) -> None:
        self._send_bytes(status, json.dumps(obj).encode(), "application/json", extra)

    def _record(self, body: Any = None, raw: str = "") -> RecordedRequest:
        headers = {k.lower(): v for k, v in self.headers.items()}
        recorded = RecordedRequest(self.command, self.path, headers, body, raw)
        self.cloud._record(recorded)
        return recorded

    # -- methods -----------------------------------------------------------------------------
    def do_OPTIONS(self) -> None:
        self._record()
        asked = self.headers.get("Access-Control-Request-Headers", "")
        self.send_response(204)
        if self.cloud.cors:
            self.send_header("Access-Control-Allow-Origin", self.headers.get("Origin") or "*")
            self.send_header("Vary", "Origin")
            self.send_header("Access-Control-Allow-Methods", "POST, GET, OPTIONS")
            self.send_header("Access-Control-Allow-Headers",
                             _ALLOWED_HEADERS if self.cloud.strict_cors else asked)
            self.send_header("Access-Control-Max-Age", "0")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        self._record()
        if self.path.rstrip("/") not in ("/v1/models", "/models") or self.cloud.models is None:
            self._json(404, _error_body("Not found", "not_found_error", None))
            return
        if not self._authorized():
            return
        data = [{"id": m, "object": "model", "created": 1764000000, "owned_by": "llamacpp"}
                for m in self.cloud.models]
        self._json(200, {"object": "list", "data": data})

    def do_POST(self) -> None:
        try:
            self._post()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout, abort)
            self.close_connection = True

    def _post(self) -> None:
        length = min(int(self.headers.get("Content-Length") or 0), 1 << 20)
        raw = self.rfile.read(length).decode("utf-8", errors="replace")
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        recorded = self._record(body, raw)
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._json(404, _error_body(f"Unknown path {self.path}", "not_found_error", None))
            return
        if not self._authorized():
            return
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            self._json(400, _error_body("Invalid JSON body: 'messages' is required",
                                        "invalid_request_error", None))
            return
        fault = self.cloud._next_fault(body.get("model", ""))
        wants_schema = (body.get("response_format") or {}).get("type") == "json_schema"
        if fault == "schema-unsupported" and not wants_schema:
            fault = "ok"  # like Groq: the same model works without response_format
        recorded.fault = fault
        if fault in _ERRORS:
            status, payload, extra = _ERRORS[fault]
            self._json(status, payload, extra)
        elif fault == "redirect":
            self._send_bytes(307, b"", "text/plain", {"Location": self.cloud.redirect_to})
        elif fault in ("deep-json", "deep-400"):
            status = 200 if fault == "deep-json" else 400
            self._send_bytes(status, _DEEP_JSON.encode(), "application/json")
        elif fault == "502-html":
            page = ("<html><head><title>502 Bad Gateway</title></head><body><center>"
                    "<h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>")
            self._send_bytes(502, page.encode(), "text/html")
        else:
            if fault == "slow":
                self.cloud._sleep(self.cloud.slow_seconds)
            if body.get("stream"):
                self._stream(body, fault)
            else:
                self._completion(body, fault)

    def _authorized(self) -> bool:
        key = self.cloud.key
        if key and self.headers.get("Authorization") != f"Bearer {key}":
            self._json(401, _ERRORS["401"][1])
            return False
        return True

    # -- success paths -------------------------------------------------------------------------
    def _usage(self, body: dict[str, Any], text: str) -> dict[str, int]:
        prompt = sum(len(str(m.get("content", ""))) for m in body["messages"]
                     if isinstance(m, dict)) // 4
        completion = max(1, len(text) // 4)
        return {"prompt_tokens": prompt, "completion_tokens": completion,
                "total_tokens": prompt + completion}

    def _completion(self, body: dict[str, Any], fault: str) -> None:
        text = self.cloud.content
        self._json(200, {
            "id": "chatcmpl-loopback", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", ""),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": "length" if fault == "length" else "stop"}],
            "usage": self._usage(body, text),
        })

    def _events(self, body: dict[str, Any], fault: str) -> Iterator[str]:
        text, size = self.cloud.content, self.cloud.chunk_size
        if fault == "deep-content":
            text, size = _DEEP_JSON, 500
        base = {"id": "chatcmpl-loopback", "object": "chat.completion.chunk",
                "created": int(time.time()), "model": body.get("model", "")}

        def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
            obj = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            return "data: " + _dumps({**obj, **extra})

        pieces = [text[i:i + size] for i in range(0, len(text), size)]
        half = max(1, len(pieces) // 2)
        yield ": OPENROUTER PROCESSING"
        if fault == "deep-event":
            yield "data: " + _DEEP_JSON
            return
        yield chunk({"role": "assistant", "content": ""})
        for index, piece in enumerate(pieces):
            if fault == "midstream-error" and index == half:
                yield chunk({"content": ""}, "error", error={
                    "code": 502, "message": "Provider disconnected unexpectedly"})
                return
            if fault == "truncated" and index == half:
                return
            if fault in ("malformed", "malformed-many") and index == 1:
                for _ in range(1 if fault == "malformed" else 5):
                    yield 'data: {"choices": [{"delta": {"content": "oops"'
            yield chunk({"content": piece})
        yield chunk({}, "length" if fault == "length" else "stop")
        if (body.get("stream_options") or {}).get("include_usage"):
            yield "data: " + _dumps({**base, "choices": [], "usage": self._usage(body, text)})
        yield "data: [DONE]"

    def _stream(self, body: dict[str, Any], fault: str) -> None:
        self.send_response(200)
        self._cors()
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        eol = "\r\n" if fault == "crlf" else "\n"
        for event in self._events(body, fault):
            if self.cloud._stopping.is_set():
                break
            data = (event + eol + eol).encode()
            cut = len(data) // 2  # two writes: a reader may see an event split anywhere
            for part in (data[:cut], data[cut:]):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.flush()
            if self.cloud.chunk_delay:
                self.cloud._sleep(self.cloud.chunk_delay)
        if fault == "truncated":
            self.close_connection = True
            return  # no terminating chunk: the client sees the connection drop
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--key", default=None, help="require 'Authorization: Bearer KEY'")
    parser.add_argument("--content-file", default=None, help="file with the answer text")
    parser.add_argument("--fault", action="append", default=[], choices=sorted(FAULTS),
                        help="queue a fault for the next POST (repeatable)")
    parser.add_argument("--lifetime", type=float, default=600.0, help="stop after N seconds")
    parser.add_argument("--chunk-delay", type=float, default=0.0)
    args = parser.parse_args(argv)
    server = CloudServer(args.host, args.port, key=args.key, lifetime=args.lifetime,
                         chunk_delay=args.chunk_delay)
    if args.content_file:
        with open(args.content_file, encoding="utf-8") as handle:
            server.set_content(handle.read())
    server.script(args.fault).start()
    print(f"CLOUD_SERVER_URL={server.url}", flush=True)
    try:
        server.wait()
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
