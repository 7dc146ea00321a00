"""The cloud tier: an ``Engine`` over any OpenAI-compatible chat-completions API.

Public names:

- ``CloudEngine(provider, model=None, *, key=None, base_url=None, transport=None,
  timeout=60.0, context_window=8192)``: the adapter (``name == "openai"``).
- ``Transport``: the protocol a transport implements:
  ``async post_stream(url, headers, body_json, signal_token) -> (status, headers, chunks)``
  and ``async get(url, headers, signal_token)`` (same result), where ``chunks`` is an async
  iterator of ``bytes`` or ``str`` and ``signal_token`` is a ``CancelToken`` that aborts the
  request when cancelled.
- ``FetchTransport``: the browser transport (``engines.cloud_fetch``: ``js.fetch`` +
  ``ReadableStream`` reader + ``AbortController``, redirects refused).

Example (in the browser; tests pass ``transport=`` a pure-Python one)::

    engine = CloudEngine("groq", key=settings.groq_key)
    text = await engine.generate(GenerateRequest(messages=msgs, schema=schema),
                                 on_token=ui.append, cancel=token)
    engine.last.truncated, engine.last.usage

Errors are mapped by ``openai_wire``. A ``SchemaUnsupportedError`` makes the engine retry once
with the schema in the prompt, and remember that for later calls. No byte for ``timeout``
seconds (before the headers or between chunks) aborts the request with ``NetworkError``.
Foreign data is bounded (``json_guard``): a body over 1 MiB, JSON or an answer nested over 64
levels ends the call with ``EngineError`` before anything parses it, and a 200 web page is
named as such. ``schema_bounds`` says whether the provider's structured output enforces
``maxItems``/``maxLength`` (the custom server: llama-server, Ollama), so ``Runner`` sends it
the bounded grammar schema. With no model set (custom server), the first ``generate`` asks
``GET {base}/models`` once and uses the first id listed (``model_id``, ``model_source``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, Protocol

from localloom.engine import CancelToken, GenerateRequest, TokenCallback
from localloom.engines.cloud_fetch import FetchTransport, redirect_refused
from localloom.engines.cloud_watch import END, Watch, close_chunks, next_chunk
from localloom.errors import (
    AuthError,
    EngineError,
    EngineUnavailable,
    GenerationCancelled,
    NetworkError,
    RedirectRefused,
)
from localloom.i18n import N_, _
from localloom.wire import json_guard
from localloom.wire.openai import (
    ChatResult,
    Provider,
    SchemaUnsupportedError,
    SSEDecoder,
    build_request,
    get_provider,
    map_http_error,
    mask_key,
    models_request,
    parse_completion,
    parse_models,
)

__all__ = ["CloudEngine", "FetchTransport", "Transport"]

#: Bytes of a network chunk decoded between two yields to the page (frame gaps < 200 ms).
_PIECE = 16384


class Transport(Protocol):
    async def post_stream(
        self, url: str, headers: dict[str, str], body_json: str, signal_token: CancelToken
    ) -> tuple[int, dict[str, str], AsyncIterator[bytes | str]]: ...

    async def get(
        self, url: str, headers: dict[str, str], signal_token: CancelToken
    ) -> tuple[int, dict[str, str], AsyncIterator[bytes | str]]: ...


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
        self.model_source = "settings" if model else "default"  # or "server" once asked
        self.transport = transport if transport is not None else FetchTransport()
        self.timeout = timeout
        self.context_window = context_window
        self.last: ChatResult | None = None
        self._key = key
        self._schema_ok = self.provider.supports_json_schema

    def __repr__(self) -> str:
        return (f"CloudEngine({self.provider.id!r}, {self.model_id!r}, "
                f"key={mask_key(self._key)!r})")

    @property
    def schema_bounds(self) -> bool:
        """Whether a ``json_schema`` sent now is enforced with its bounds (a grammar)."""
        return self.provider.schema_bounds and self._schema_ok

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
            raise GenerationCancelled(_("Cancelled before the request was sent."),
                                      stage="request")
        if not self.model_id:
            await self._ask_model(cancel)
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
            schema_name=request.task or "response", seed=request.seed,
            frequency_penalty=request.frequency_penalty,
        )
        watch = Watch(cancel, self.timeout, self.provider.name)
        chunks: Any = None
        try:
            status, raw_headers, chunks = await watch(
                self.transport.post_stream(url, headers, json.dumps(body), watch.abort),
                N_("the response"))
            rheaders = {str(k).lower(): str(v) for k, v in dict(raw_headers).items()}
            if 300 <= status < 400:  # a transport that hands a redirect back: never follow
                raise redirect_refused(url)
            if not 200 <= status < 300:
                raise map_http_error(status, await watch.read_all(chunks), rheaders,
                                     self.provider.id, key=self._key, model=self.model_id)
            ctype = rheaders.get("content-type", "")
            if "text/html" in ctype:
                raise _web_page(self.provider.name, ctype)
            if "application/json" in ctype:
                found = parse_completion(await watch.read_all(chunks, json_guard.MAX_CHARS),
                                         self.provider.id, key=self._key)
                _check_answer(found.text, self.provider.name)
                self.last = ChatResult(found.text, found.finish_reason, found.usage, use_schema)
                if on_token and found.text:
                    on_token(found.text)
                return found.text
            return await self._stream(chunks, on_token, watch, use_schema)
        finally:
            watch.abort.cancel()  # release the connection whatever happened
            await close_chunks(chunks)

    async def _stream(self, chunks, on_token, watch: Watch, use_schema: bool) -> str:
        decoder = SSEDecoder(self.provider.id, key=self._key)
        depth, size = json_guard.DepthScanner(strings=False), 0
        iterator = chunks.__aiter__()
        while not decoder.done:
            chunk = await watch(next_chunk(iterator), N_("the next chunk"))
            if watch.cancel.cancelled:
                raise GenerationCancelled(_("Generation was cancelled."), stage="stream")
            pieces = [chunk] if chunk is END else [chunk[i:i + _PIECE]
                                                   for i in range(0, len(chunk), _PIECE)]
            for k, piece in enumerate(pieces):
                if k:  # a big network chunk: let the page paint and take clicks in between
                    await asyncio.sleep(0)
                    if watch.cancel.cancelled:
                        raise GenerationCancelled(_("Generation was cancelled."),
                                                  stage="stream")
                for event in decoder.close() if piece is END else decoder.feed(piece):
                    if not event.content:
                        continue
                    # The answer is foreign JSON the parser reads leniently: bound it too.
                    size += len(event.content)
                    if depth.feed(event.content) > depth.limit or size > json_guard.MAX_CHARS:
                        _check_answer(decoder.text, self.provider.name)
                    if on_token:
                        on_token(event.content)
            if chunk is END:
                break
        self.last = ChatResult(decoder.text, decoder.finish_reason, decoder.usage, use_schema,
                               tuple(decoder.warnings))
        if not decoder.complete:
            raise NetworkError(
                _("The stream from {name} ended before the answer was finished ({count} "
                  "characters received).").format(name=self.provider.name,
                                                  count=len(decoder.text)),
                cause=_("The connection dropped or a proxy cut the stream."),
                engine=self.name, stage="stream")
        return decoder.text

    async def _ask_model(self, cancel: CancelToken) -> None:
        """Fill a blank model from ``GET {base}/models`` (the first id), or explain the fix."""
        url, headers = models_request(self.provider, key=self._key)
        watch = Watch(cancel, self.timeout, self.provider.name)
        chunks: Any = None
        try:
            status, _headers, chunks = await watch(
                self.transport.get(url, headers, watch.abort), N_("its model list"))
            body = await watch.read_all(chunks, json_guard.MAX_CHARS)
            if 300 <= status < 400:
                raise redirect_refused(url)
            if status in (401, 403):
                raise map_http_error(status, body, {}, self.provider.id, key=self._key)
            if status != 200:
                raise EngineError(_("GET {url} answered HTTP {status}.").format(
                    url=url, status=status), engine=self.name)
            ids = parse_models(body, self.provider.id)
            if not ids:
                raise EngineError(_("GET {url} lists no model (is one loaded?).").format(url=url),
                                  engine=self.name)
        except (AuthError, NetworkError, RedirectRefused):
            raise  # the chat request would fail the same way: say why, not "type a model"
        except EngineError as exc:
            raise EngineUnavailable(
                _("No model is set for {name}, and the server did not say which to use: "
                  "{error}").format(name=self.provider.name, error=exc.what),
                cause=_("The Model field in Settings is blank, so LocalLoom asked the server "
                        "for its models."),
                fix=_("Type the model name in Settings → Cloud provider → Model (e.g. llama3.2 "
                      "for Ollama), then Save provider."),
                engine=self.name, stage="request") from exc
        finally:
            watch.abort.cancel()
            await close_chunks(chunks)
        self.model_id, self.model_source = ids[0], "server"


def _web_page(name: str, ctype: str) -> EngineError:
    return EngineError(
        _("{name} answered with a web page ({type}), not a chat completion.").format(
            name=name, type=ctype.split(";")[0].strip()),
        cause=_("The base URL points at a web page, a login page or a proxy instead of an "
                "OpenAI-compatible API."),
        fix=_("Check the base URL in Settings: it usually ends in /v1."),
        engine="openai", stage="request")


def _check_answer(text: str, name: str) -> None:
    """Refuse an answer too large, or nested too deep, for the parser to read safely."""
    why = json_guard.problem(text, strings=False)
    if why is not None:
        raise json_guard.too_big(name, N_("an answer"), why, stage="stream")
