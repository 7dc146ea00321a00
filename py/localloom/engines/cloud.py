"""The cloud tier: an ``Engine`` over any OpenAI-compatible chat-completions API.

Public names:

- ``CloudEngine(provider, model=None, *, key=None, base_url=None, transport=None,
  timeout=60.0, context_window=8192)``: the adapter (``name == "openai"``).
- ``Transport``: the protocol a transport implements:
  ``async post_stream(url, headers, body_json, signal_token) -> (status, headers, chunks)``,
  where ``chunks`` is an async iterator of ``bytes`` or ``str`` and ``signal_token`` is a
  ``CancelToken`` that aborts the request when cancelled.
- ``FetchTransport``: the browser transport (``js.fetch`` + ``ReadableStream`` reader +
  ``AbortController``); ``js``/``pyodide`` are imported only when it runs.

Example (in the browser; tests pass ``transport=`` a pure-Python one)::

    engine = CloudEngine("groq", key=settings.groq_key)
    text = await engine.generate(GenerateRequest(messages=msgs, schema=schema),
                                 on_token=ui.append, cancel=token)
    engine.last.truncated, engine.last.usage

Errors are mapped by ``openai_wire``. A ``SchemaUnsupportedError`` makes the engine retry once
with the schema in the prompt, and remember that for later calls. No byte for ``timeout``
seconds (before the headers or between chunks) aborts the request with ``NetworkError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable
from typing import Any, Protocol

from localloom.engines.base import CancelToken, GenerateRequest, TokenCallback
from localloom.errors import EngineUnavailable, GenerationCancelled, LocalLoomError, NetworkError
from localloom.openai_wire import (
    ChatResult,
    Provider,
    SchemaUnsupportedError,
    SSEDecoder,
    build_request,
    get_provider,
    map_http_error,
    mask_key,
    parse_completion,
)

__all__ = ["CloudEngine", "FetchTransport", "Transport"]

_ERROR_BODY_LIMIT = 65536
_END = object()


class Transport(Protocol):
    async def post_stream(
        self, url: str, headers: dict[str, str], body_json: str, signal_token: CancelToken
    ) -> tuple[int, dict[str, str], AsyncIterator[bytes | str]]: ...


class FetchTransport:
    """POST with ``js.fetch`` (CORS, no cookies, no referrer) and stream the body's bytes."""

    async def post_stream(self, url, headers, body_json, signal_token):
        try:
            import js
            from pyodide.ffi import JsException, to_js
        except ImportError as exc:
            raise EngineUnavailable(
                "The fetch transport only runs in the browser.",
                fix="Pass a transport= to CloudEngine outside Pyodide.", engine="openai",
            ) from exc
        controller = js.AbortController.new()
        signal_token.on_cancel(lambda: controller.abort())
        init = to_js(
            {"method": "POST", "headers": headers, "body": body_json, "mode": "cors",
             "credentials": "omit", "cache": "no-store", "referrerPolicy": "no-referrer",
             "signal": controller.signal},
            dict_converter=js.Object.fromEntries,
        )
        try:
            response = await js.fetch(url, init)
        except JsException as exc:
            if signal_token.cancelled:
                raise GenerationCancelled("The request was cancelled.", stage="request") from exc
            raise _fetch_failed(url, exc) from exc
        head = js.Object.fromEntries(response.headers.entries()).to_py()
        return int(response.status), dict(head), _read_body(response, signal_token, url)


def _fetch_failed(url: str, exc: BaseException) -> NetworkError:
    return NetworkError(
        f"Could not reach {url}: {exc}",
        cause="You are offline, the URL is wrong, or the server does not allow this page's "
        "origin (CORS).",
        fix="Check the connection and the base URL; for Ollama set OLLAMA_ORIGINS to this "
        "page's origin, for LM Studio enable CORS.",
        engine="openai", stage="request",
    )


async def _read_body(response: Any, token: CancelToken, url: str) -> AsyncIterator[bytes]:
    from pyodide.ffi import JsException

    body = response.body
    if getattr(body, "getReader", None) is None:  # null body (e.g. 204)
        return
    reader = body.getReader()
    finished = False
    try:
        while True:
            try:
                result = await reader.read()
            except JsException as exc:
                if token.cancelled:
                    raise GenerationCancelled("The stream was cancelled.", stage="stream") from exc
                raise NetworkError(
                    f"The connection to {url} dropped during the answer: {exc}",
                    cause="The network dropped, or the server or a proxy cut the stream.",
                    engine="openai", stage="stream") from exc
            if result.done:
                finished = True
                return
            yield result.value.to_bytes()
    finally:
        if not finished:
            _cancel_quietly(reader)


def _cancel_quietly(reader: Any) -> None:
    """Cancel a stream reader without leaving an unhandled rejection behind."""
    try:
        pending = reader.cancel()
    except Exception:
        return
    with contextlib.suppress(Exception):
        if hasattr(pending, "add_done_callback"):  # Pyodide hands back a PyodideFuture
            pending.add_done_callback(lambda f: f.cancelled() or f.exception())
        else:
            pending.catch(lambda _error: None)


class CloudEngine:
    """An ``Engine`` for one provider and model. The key is kept here, never logged."""

    name = "openai"
    chat = True

    def __init__(
        self,
        provider: Provider | str = "groq",
        model: str | None = None,
        *,
        key: str | None = None,
        base_url: str | None = None,
        transport: Transport | None = None,
        timeout: float = 60.0,
        context_window: int = 8192,
    ) -> None:
        self.provider = get_provider(provider, base_url)
        self.model_id = model or self.provider.default_model
        self.transport = transport if transport is not None else FetchTransport()
        self.timeout = timeout
        self.context_window = context_window
        self.last: ChatResult | None = None
        self._key = key
        self._schema_ok = self.provider.supports_json_schema

    def __repr__(self) -> str:
        return (f"CloudEngine({self.provider.id!r}, {self.model_id!r}, "
                f"key={mask_key(self._key)!r})")

    def count_tokens(self, text: str) -> int:
        """About four characters per token; providers report the real count in ``usage``."""
        return max(1, len(text) // 4)

    async def generate(
        self,
        request: GenerateRequest,
        on_token: TokenCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> str:
        cancel = cancel or CancelToken()
        if cancel.cancelled:
            raise GenerationCancelled("Cancelled before the request was sent.", stage="request")
        messages = request.messages or [{"role": "user", "content": request.prompt or ""}]
        use_schema = request.schema is not None and self._schema_ok
        try:
            return await self._call(request, messages, use_schema, on_token, cancel)
        except SchemaUnsupportedError:
            if not use_schema:
                raise
            self._schema_ok = False  # remember: this model wants the schema in the prompt
        return await self._call(request, messages, False, on_token, cancel)

    async def _call(self, request, messages, use_schema, on_token, cancel) -> str:
        url, headers, body = build_request(
            self.provider, self.model_id, messages, request.schema,
            max_tokens=request.max_tokens, temperature=request.temperature,
            stream=True, key=self._key, stop=request.stop, json_schema=use_schema,
            schema_name=request.task or "response",
        )
        watch = _Watch(cancel, self.timeout, self.provider.name)
        chunks: Any = None
        try:
            status, raw_headers, chunks = await watch(
                self.transport.post_stream(url, headers, json.dumps(body), watch.abort),
                "the response")
            rheaders = {str(k).lower(): str(v) for k, v in dict(raw_headers).items()}
            if not 200 <= status < 300:
                raise map_http_error(status, await watch.read_all(chunks), rheaders,
                                     self.provider.id, key=self._key, model=self.model_id)
            if "application/json" in rheaders.get("content-type", ""):
                found = parse_completion(await watch.read_all(chunks), self.provider.id,
                                         key=self._key)
                self.last = ChatResult(found.text, found.finish_reason, found.usage, use_schema)
                if on_token and found.text:
                    on_token(found.text)
                return found.text
            return await self._stream(chunks, on_token, watch, use_schema)
        finally:
            watch.abort.cancel()  # release the connection whatever happened
            if chunks is not None and hasattr(chunks, "aclose"):
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(chunks.aclose(), 1.0)

    async def _stream(self, chunks, on_token, watch: _Watch, use_schema: bool) -> str:
        decoder = SSEDecoder(self.provider.id, key=self._key)
        iterator = chunks.__aiter__()
        while not decoder.done:
            chunk = await watch(_next(iterator), "the next chunk")
            if watch.cancel.cancelled:
                raise GenerationCancelled("Generation was cancelled.", stage="stream")
            for event in decoder.close() if chunk is _END else decoder.feed(chunk):
                if event.content and on_token:
                    on_token(event.content)
            if chunk is _END:
                break
        self.last = ChatResult(decoder.text, decoder.finish_reason, decoder.usage, use_schema,
                               tuple(decoder.warnings))
        if not decoder.complete:
            raise NetworkError(
                f"The stream from {self.provider.name} ended before the answer was finished "
                f"({len(decoder.text)} characters received).",
                cause="The connection dropped or a proxy cut the stream.",
                engine=self.name, stage="stream")
        return decoder.text


class _Watch:
    """Races each await of one call against the user's Cancel and the idle ``timeout``.

    ``abort`` is the token handed to the transport: it fires on Cancel, on timeout and when
    the call ends, so the fetch is always released.
    """

    def __init__(self, cancel: CancelToken, timeout: float, name: str) -> None:
        self.cancel, self.timeout, self.name = cancel, timeout, name
        self.abort = CancelToken()
        self.waiter = asyncio.get_running_loop().create_future()
        cancel.on_cancel(self.abort.cancel)
        cancel.on_cancel(lambda: _settle(self.waiter))

    async def __call__(self, awaitable: Awaitable[Any], waiting_for: str) -> Any:
        task = asyncio.ensure_future(awaitable)
        done, _ = await asyncio.wait({task, self.waiter}, timeout=self.timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if task not in done:
            self.abort.cancel()
            task.cancel()
            with contextlib.suppress(BaseException):
                await asyncio.wait({task}, timeout=1.0)
            if self.cancel.cancelled:
                raise GenerationCancelled("Generation was cancelled.", stage="stream")
            raise NetworkError(
                f"{self.name} sent nothing for {self.timeout:g} s while LocalLoom waited for "
                f"{waiting_for}.",
                cause="The provider or the network stalled, or a large model is still loading.",
                fix="Retry, or let LocalLoom use the next provider.",
                engine="openai", stage="stream")
        try:
            return task.result()
        except Exception as exc:
            if self.cancel.cancelled:
                raise GenerationCancelled("Generation was cancelled.", stage="stream") from exc
            if isinstance(exc, LocalLoomError):
                raise
            raise NetworkError(
                f"The connection to {self.name} failed: {exc}",
                cause="The network dropped, or the server closed the connection.",
                engine="openai", stage="stream") from exc

    async def read_all(self, chunks: AsyncIterator[bytes | str]) -> str:
        """A whole (error) body, capped at 64 KiB."""
        iterator, parts, size = chunks.__aiter__(), [], 0
        while size < _ERROR_BODY_LIMIT:
            chunk = await self(_next(iterator), "the body")
            if chunk is _END:
                break
            data = chunk.encode() if isinstance(chunk, str) else bytes(chunk)
            parts.append(data)
            size += len(data)
        return b"".join(parts).decode("utf-8", errors="replace")


async def _next(iterator: AsyncIterator[Any]) -> Any:
    try:
        return await iterator.__anext__()
    except StopAsyncIteration:
        return _END


def _settle(future: asyncio.Future) -> None:
    with contextlib.suppress(RuntimeError):  # the loop may be gone after the call ended
        if not future.done():
            future.set_result(None)
