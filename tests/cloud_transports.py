"""Transports for testing ``localloom.engines.cloud.CloudEngine`` in CPython.

Public names:

- ``Reply``: one scripted answer (status, headers, chunks, delays, or an exception).
- ``ScriptedTransport(*replies)``: pure Python, no sockets; records every ``Call``.
- ``UrllibTransport(timeout=10.0)``: real HTTP with ``urllib`` in a daemon thread, streaming
  the body chunk by chunk, for end-to-end tests against ``tests/cloud_server.py``.
- ``sse(*payloads, done=True)``: SSE text for chat-completion chunk payloads.

Example::

    transport = ScriptedTransport(Reply(chunks=sse({"choices": [{"delta": {"content": "hi"}}]})))
    engine = CloudEngine("custom", transport=transport, base_url="http://127.0.0.1:9/v1")

Both follow the ``Transport`` protocol of ``engines/cloud.py``: ``post_stream(url, headers,
body_json, signal_token)`` and ``get(url, headers, signal_token)`` return ``(status, headers,
async iterator of chunks)`` and stop when ``signal_token`` is cancelled, as the browser's
``AbortController`` does. Like ``FetchTransport`` (``redirect: "manual"``), neither follows a
redirect: ``UrllibTransport`` hands a 3xx back as it came.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import urllib.error
import urllib.request
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Call", "Reply", "ScriptedTransport", "UrllibTransport", "sse"]


def sse(*payloads: Any, done: bool = True) -> list[str]:
    """One ``data:`` event per payload (dicts are JSON-encoded), then ``[DONE]``."""
    events = [f"data: {p if isinstance(p, str) else json.dumps(p)}\n\n" for p in payloads]
    return [*events, "data: [DONE]\n\n"] if done else events


def delta(text: str = "", finish: str | None = None) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}]}


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(
        default_factory=lambda: {"content-type": "text/event-stream"})
    chunks: list[bytes | str] = field(default_factory=list)
    head_delay: float = 0.0  # before the status line
    chunk_delay: float = 0.0  # before each chunk
    hang_after: int | None = None  # stop sending (but keep the stream open) after N chunks
    error: BaseException | None = None  # raised by post_stream itself


@dataclass
class Call:
    url: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    token: Any
    method: str = "POST"


class ScriptedTransport:
    """Replays ``Reply`` objects in order; waits honour cancellation of the signal token."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = deque(replies)
        self.calls: list[Call] = []
        self.aborted = 0

    async def post_stream(self, url, headers, body_json, signal_token):
        self.calls.append(Call(url, dict(headers), json.loads(body_json), signal_token))
        return await self._reply(signal_token)

    async def get(self, url, headers, signal_token):
        self.calls.append(Call(url, dict(headers), None, signal_token, "GET"))
        return await self._reply(signal_token)

    async def _reply(self, signal_token):
        reply = self.replies.popleft()
        stop = asyncio.Event()
        signal_token.on_cancel(stop.set)
        if reply.head_delay:
            await _wait(stop, reply.head_delay)
        if reply.error is not None:
            raise reply.error
        if stop.is_set():
            raise ConnectionAbortedError("aborted")
        return reply.status, dict(reply.headers), self._chunks(reply, stop)

    async def _chunks(self, reply: Reply, stop: asyncio.Event) -> AsyncIterator[bytes | str]:
        for index, chunk in enumerate(reply.chunks):
            if reply.hang_after is not None and index >= reply.hang_after:
                await _wait(stop, 30.0)  # a stalled connection, bounded
            elif reply.chunk_delay:
                await _wait(stop, reply.chunk_delay)
            if stop.is_set():
                self.aborted += 1
                raise ConnectionAbortedError("The operation was aborted.")
            yield chunk


async def _wait(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a 3xx comes back as an HTTPError
        return None


class UrllibTransport:
    """Real HTTP/1.1 through ``urllib`` (proxies disabled, no redirects), one daemon thread per
    request."""

    def __init__(self, timeout: float = 10.0, read_size: int = 1024) -> None:
        self.timeout = timeout
        self.read_size = read_size
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                   _NoRedirect())

    async def post_stream(self, url, headers, body_json, signal_token):
        return await self._open(url, headers, body_json.encode(), "POST", signal_token)

    async def get(self, url, headers, signal_token):
        return await self._open(url, headers, None, "GET", signal_token)

    async def _open(self, url, headers, data, method, signal_token):
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        state: dict[str, Any] = {"cancelled": False, "response": None}

        def put(item: tuple[str, Any]) -> None:
            with contextlib.suppress(RuntimeError):  # the loop may already be closed
                loop.call_soon_threadsafe(queue.put_nowait, item)

        def abort() -> None:
            state["cancelled"] = True
            with contextlib.suppress(Exception):
                if state["response"] is not None:
                    state["response"].close()

        signal_token.on_cancel(abort)
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        thread = threading.Thread(target=self._run, args=(request, put, state), daemon=True)
        thread.start()
        kind, value = await queue.get()
        if kind == "error":
            raise value
        status, head = value
        return status, head, self._chunks(queue)

    def _run(self, request, put, state) -> None:
        try:
            try:
                response = self._opener.open(request, timeout=self.timeout)
            except urllib.error.HTTPError as exc:  # 4xx/5xx still carry a body
                response = exc
            state["response"] = response
            put(("head", (response.status, dict(response.headers.items()))))
            read = getattr(response, "read1", None) or response.read
            while not state["cancelled"]:
                data = read(self.read_size)
                if not data:
                    break
                put(("data", data))
            put(("end", None))
        except Exception as exc:
            put(("error", exc))

    async def _chunks(self, queue: asyncio.Queue) -> AsyncIterator[bytes]:
        while True:
            kind, value = await queue.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
