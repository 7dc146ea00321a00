"""The OpenAI-compatible chat-completions wire protocol, in pure Python (never imports ``js``).

Public names (the ones marked * live in a helper module and are re-exported here):

- ``Provider``*, ``PROVIDERS``*, ``get_provider``*: the catalog (groq, together, hf, openrouter,
  custom).
- ``build_request(provider, model, messages, schema=None, *, max_tokens, temperature,
  stream=True, key=None, base_url=None, stop=None, json_schema=None, schema_name)``
  → ``(url, headers, body)``.
- ``schema_instruction(schema)``: the prompt text used when ``response_format`` is not sent.
- ``models_request(provider, *, key=None, base_url=None)`` → ``(url, headers)`` of
  ``GET {base}/models``, and ``parse_models(body_text, provider_id)`` → the model ids it lists
  (how a blank Model field for the custom server is filled).
- ``SSEDecoder``*, ``ChatChunk``*: the incremental stream decoder (``openai_sse``).
- ``parse_completion(body_text, provider_id, *, key=None)`` → ``ChatResult``: a non-streaming
  answer; ``ChatResult`` also records what a stream produced.
- ``map_http_error``*, ``map_error_payload``*, ``parse_retry_after``*,
  ``SchemaUnsupportedError``*: error mapping (``openai_errors``).
- ``mask_key``*: ``"sk-…abcd"``.

Example::

    >>> url, headers, body = build_request("groq", None, [{"role": "user", "content": "Hi"}],
    ...                                    {"type": "object"}, key="gsk_0123456789abcdef")
    >>> url, sorted(headers), body["response_format"]["type"], body["stream_options"]
    ('https://api.groq.com/openai/v1/chat/completions', ['Authorization', 'Content-Type'], \
'json_schema', {'include_usage': True})

Only ``Authorization`` and ``Content-Type`` are ever sent (OpenRouter's CORS preflight rejects
anything else), and a named provider's key only ever goes to that provider's own host.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from localloom.errors import AuthError, EngineError, EngineUnavailable
from localloom.i18n import N_, _
from localloom.wire import json_guard
from localloom.wire.openai_errors import (
    ENGINE,
    SchemaUnsupportedError,
    map_error_payload,
    map_http_error,
    parse_retry_after,
)
from localloom.wire.providers import (
    PROVIDERS,
    Provider,
    display_url,
    endpoint,
    get_provider,
    mask_key,
    origin,
    provider_name,
    url_problem,
)
from localloom.wire.sse import ChatChunk, SSEDecoder

__all__ = [
    "PROVIDERS",
    "ChatChunk",
    "ChatResult",
    "Provider",
    "SSEDecoder",
    "SchemaUnsupportedError",
    "build_request",
    "get_provider",
    "map_error_payload",
    "map_http_error",
    "mask_key",
    "models_request",
    "parse_completion",
    "parse_models",
    "parse_retry_after",
    "schema_instruction",
]


@dataclass(frozen=True)
class ChatResult:
    """What one call produced: the text, why it stopped, token usage and stream warnings."""

    text: str
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None
    schema_sent: bool = False
    warnings: tuple[str, ...] = ()

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"


def _check_url(provider: Provider, path: str = "chat/completions") -> str:
    """The URL of ``path`` under the base URL, after checking the URL (scheme, host, no
    credentials, no fragment) and that a named provider's key stays on its own origin."""
    why = url_problem(provider.base_url)
    if why is not None:
        if why == _("must not contain a user name or password"):  # never repeat a password
            what = _("The base URL of {name} {why}.").format(name=provider.name, why=why)
        else:
            what = _("The base URL of {name} ({url}) {why}.").format(
                name=provider.name, url=repr(display_url(provider.base_url)), why=why)
        raise EngineUnavailable(
            what,
            cause=_("A base URL starts with http:// or https://, names a host, and carries no "
                    "password or '#'; a key belongs in the API key field."),
            fix=_("Fix the base URL in Settings, e.g. http://localhost:11434/v1 for Ollama."),
            engine=ENGINE, stage="request",
        )
    own = PROVIDERS.get(provider.id)
    if (own is not None and provider.id != "custom"
            and origin(provider.base_url) != origin(own.base_url)):
        parts, home = urlsplit(provider.base_url.strip()), urlsplit(own.base_url)
        raise EngineUnavailable(
            _("Refusing to send the {name} key to {origin}.").format(
                name=own.name, origin=f"{parts.scheme}://{parts.netloc}"),
            cause=_("A {name} key may only go to {origin}.").format(
                name=own.name, origin=f"{home.scheme}://{home.netloc}"),
            fix=_("Reset the provider's URL in Settings, or use the 'custom' provider for "
                  "your own server (with its own key)."),
            engine=ENGINE, stage="request",
        )
    return endpoint(provider.base_url, path)


def _check_key(provider: Provider, key: str | None) -> str:
    key = (key or "").strip()
    if provider.needs_key and not key:
        raise AuthError(
            _("No API key is set for {name}.").format(name=provider.name),
            fix=_("Add your {name} key in Settings ({hint}).").format(
                name=_(provider.name), hint=_(provider.key_url_hint)),
            engine=ENGINE, stage="request",
        )
    if key and any(not 33 <= ord(c) <= 126 for c in key):
        raise AuthError(
            _("The {name} key ({key}) contains spaces or unusual characters.").format(
                name=provider.name, key=mask_key(key)),
            fix=_("Copy the key again from the provider's site and paste it on its own."),
            engine=ENGINE, stage="request",
        )
    return key


def schema_instruction(schema: dict[str, Any] | str) -> str:
    """The note appended to the last user message when ``response_format`` is not used."""
    text = schema if isinstance(schema, str) else json.dumps(
        schema, ensure_ascii=False, separators=(",", ":"))
    return ("\n\nReply with one JSON object only (no prose, no Markdown code fences) that "
            f"matches this JSON Schema:\n{text}")


def _with_instruction(messages: list[dict[str, Any]], note: str) -> list[dict[str, Any]]:
    for message in reversed(messages):
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            message["content"] = message["content"] + note
            return messages
    return [*messages, {"role": "user", "content": note.strip()}]


def build_request(
    provider: Provider | str,
    model: str | None,
    messages: list[dict[str, Any]],
    schema: dict[str, Any] | str | None = None,
    *,
    max_tokens: int = 512,
    temperature: float = 0.7,
    stream: bool = True,
    key: str | None = None,
    base_url: str | None = None,
    stop: list[str] | None = None,
    json_schema: bool | None = None,
    schema_name: str = "response",
    seed: int | None = None,
    frequency_penalty: float | None = None,
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """Build one chat-completions request: ``(url, headers, body)``; ``messages`` is not changed.

    With a ``schema``: ``response_format: json_schema`` (strict) when ``json_schema`` is true
    (default: ``provider.supports_json_schema``), else the schema goes into the last user
    message. ``seed`` and ``frequency_penalty`` are sent when given (OpenAI's names, which
    Groq, Together, OpenRouter, llama-server and Ollama accept). Raises ``AuthError`` for a
    missing/garbled key of a provider that needs one, and
    ``EngineUnavailable`` for a bad URL or a named provider's key leaving its host.
    """
    provider = get_provider(provider, base_url)
    url = _check_url(provider)
    key = _check_key(provider, key)
    if isinstance(schema, str):
        schema = json.loads(schema)
    messages = copy.deepcopy(list(messages))
    body: dict[str, Any] = {
        "model": model or provider.default_model,
        "messages": messages,
        "max_tokens": int(max_tokens),
        "temperature": float(temperature),
        "stream": bool(stream),
    }
    if schema is not None:
        if provider.supports_json_schema if json_schema is None else json_schema:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": schema, "strict": True},
            }
        else:
            body["messages"] = _with_instruction(messages, schema_instruction(schema))
    if stop:
        body["stop"] = list(stop)[:4]
    if seed is not None:
        body["seed"] = int(seed)
    if frequency_penalty:
        body["frequency_penalty"] = float(frequency_penalty)
    if stream:
        body["stream_options"] = {"include_usage": True}
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return url, headers, body


def parse_completion(body_text: str, provider_id: str, *, key: str | None = None) -> ChatResult:
    """Read a non-streaming ``chat.completion`` JSON body (or the error it carries).

    A body too large or too deep to parse safely raises ``EngineError`` (``json_guard``)."""
    try:
        payload = json_guard.loads(body_text, provider_name(provider_id),
                                   N_("a response body"), stage="request")
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise EngineError(
            _("{name} answered with something that is not a chat completion.").format(
                name=provider_name(provider_id)),
            cause=_("The URL may point at a web page or proxy instead of an OpenAI-compatible "
                    "API."),
            fix=_("Check the base URL: it usually ends in /v1."),
            engine=ENGINE, stage="request",
        )
    if payload.get("error"):
        raise map_error_payload(payload["error"], provider_id, key=key)
    choices = payload.get("choices") or [{}]
    first = choices[0] if isinstance(choices[0], dict) else {}
    message = first.get("message") or {}
    content = message.get("content") if isinstance(message, dict) else None
    usage = payload.get("usage")
    return ChatResult(
        text=content if isinstance(content, str) else "",
        finish_reason=first.get("finish_reason"),
        usage=usage if isinstance(usage, dict) else None,
    )



def models_request(provider: Provider | str, *, key: str | None = None,
                   base_url: str | None = None) -> tuple[str, dict[str, str]]:
    """``(url, headers)`` for ``GET {base}/models``, checked like ``build_request``."""
    provider = get_provider(provider, base_url)
    url = _check_url(provider, "models")
    key = (key or "").strip()
    return url, ({"Authorization": f"Bearer {_check_key(provider, key)}"} if key else {})


def parse_models(body_text: str, provider_id: str) -> list[str]:
    """The model ids of a ``GET /models`` answer, in the server's order.

    Reads ``{"data": [{"id": ...}]}`` (OpenAI, llama-server, Ollama, LM Studio) and
    ``{"models": [{"model"|"name": ...}]}``; raises ``EngineError`` for anything else.
    """
    try:
        payload = json_guard.loads(body_text, provider_name(provider_id), N_("a model list"),
                                   stage="request")
    except ValueError:
        payload = None
    rows = None
    if isinstance(payload, dict):
        rows = payload.get("data") if isinstance(payload.get("data"), list) else \
            payload.get("models")
    if not isinstance(rows, list):
        raise EngineError(
            _("{name} answered GET /models with something that is not a model list.").format(
                name=provider_name(provider_id)),
            cause=_("The URL may point at a web page or proxy instead of an OpenAI-compatible "
                    "API."),
            fix=_("Check the base URL (it usually ends in /v1), or type the model name in "
                  "Settings."), engine=ENGINE, stage="request",
        )
    ids = []
    for row in rows:
        found = row.get("id") or row.get("model") or row.get("name") if isinstance(row, dict) \
            else None
        if isinstance(found, str) and found.strip() and found.strip() not in ids:
            ids.append(found.strip())
    return ids
