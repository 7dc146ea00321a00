"""The catalog of OpenAI-compatible cloud providers, and key masking.

Public names:

- ``Provider``: one provider's id, display name, base URL, default model and quirks.
- ``PROVIDERS``: ``{id: Provider}`` for ``groq``, ``together``, ``hf``, ``openrouter``, ``custom``.
- ``get_provider(provider, base_url=None)``: a ``Provider`` from an id or instance; ``custom``
  takes the user's base URL (e.g. ``http://localhost:11434/v1`` for Ollama).
- ``provider_name(provider_id)``: the display name used in error messages.
- ``mask_key(key)``: a key safe to show or log, e.g. ``"gsk…abcd"``.
- ``url_problem(url)``: why ``url`` cannot be a base URL (scheme, host, credentials, fragment),
  never repeating a user name or password; None when it is fine.
- ``endpoint(base_url, path)``: ``path`` appended to the base URL's path, its query kept.
- ``origin(url)``: ``(scheme, host, port)`` with the default port filled in, or None.
- ``display_url(url)``: the URL with any ``user:password@`` removed, for messages and lists.

Example::

    >>> PROVIDERS["groq"].default_model
    'llama-3.1-8b-instant'
    >>> get_provider("custom", "http://localhost:11434/v1").base_url
    'http://localhost:11434/v1'
    >>> mask_key("sk-or-v1-0123456789abcdef")
    'sk-…cdef'
    >>> endpoint("http://127.0.0.1:8080/v1/?trace=1", "chat/completions")
    'http://127.0.0.1:8080/v1/chat/completions?trace=1'
    >>> url_problem("http://me:secret@localhost:11434/v1")
    'must not contain a user name or password'

``openai_wire`` re-exports all of these; this module exists so that the error mapping can name
providers without importing the request builder.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlsplit, urlunsplit

from localloom.i18n import N_, _

__all__ = [
    "PROVIDERS",
    "Provider",
    "display_url",
    "endpoint",
    "get_provider",
    "mask_key",
    "origin",
    "provider_name",
    "url_problem",
]


@dataclass(frozen=True)
class Provider:
    """An OpenAI-compatible chat-completions endpoint.

    ``supports_json_schema``: send ``response_format: {type: 'json_schema', ...}`` (a 400
    "does not support response format" still makes the adapter retry once without it).
    ``extra_headers_allowed``: whether its CORS preflight accepts headers beyond
    ``Authorization``/``Content-Type`` (LocalLoom never sends any; recorded for the UI).
    ``schema_bounds``: its ``json_schema`` output is a grammar that enforces
    ``minItems``/``maxItems``/``maxLength`` (llama-server, Ollama), so it gets the bounded
    schema; strict cloud modes (Groq and others) reject those keywords.
    An empty ``default_model`` means: ask the server's ``GET /models``.
    """

    id: str
    name: str
    base_url: str
    default_model: str
    supports_json_schema: bool = True
    needs_key: bool = True
    extra_headers_allowed: bool = True
    key_url_hint: str = ""
    schema_bounds: bool = False


PROVIDERS: dict[str, Provider] = {
    p.id: p
    for p in (
        Provider(
            "groq", "Groq", "https://api.groq.com/openai/v1", "llama-3.1-8b-instant",
            key_url_hint="https://console.groq.com/keys",
        ),
        Provider(
            "together", "Together AI", "https://api.together.ai/v1",
            "meta-llama/Llama-3.3-70B-Instruct-Turbo",
            key_url_hint="https://api.together.ai/settings/api-keys",
        ),
        Provider(
            "hf", "Hugging Face", "https://router.huggingface.co/v1",
            "meta-llama/Llama-3.1-8B-Instruct",
            key_url_hint=N_("https://huggingface.co/settings/tokens (fine-grained, with 'Make "
                            "calls to Inference Providers')"),
        ),
        Provider(
            "openrouter", "OpenRouter", "https://openrouter.ai/api/v1",
            "meta-llama/llama-3.3-70b-instruct:free",
            extra_headers_allowed=False,
            key_url_hint="https://openrouter.ai/keys",
        ),
        Provider(
            "custom", N_("Custom server"), "http://localhost:11434/v1", "",
            needs_key=False, schema_bounds=True,
            key_url_hint=N_("usually none for Ollama, llama-server or LM Studio"),
        ),
    )
}


def get_provider(provider: Provider | str, base_url: str | None = None) -> Provider:
    """Resolve ``provider`` (an id or a ``Provider``), with ``base_url`` overriding its URL.

    Overriding a named provider's URL is allowed here; ``build_request`` refuses to send its
    key anywhere but the provider's own host.
    """
    if isinstance(provider, str):
        try:
            provider = PROVIDERS[provider]
        except KeyError:
            raise ValueError(
                f"unknown provider {provider!r}; expected one of {sorted(PROVIDERS)}"
            ) from None
    if base_url:
        provider = replace(provider, base_url=base_url.strip().rstrip("/"))
    return provider


def provider_name(provider_id: str) -> str:
    """The display name for ``provider_id`` (the id itself if it is not in the catalog)."""
    found = PROVIDERS.get(provider_id)
    return _(found.name) if found else provider_id or _("The provider")


def mask_key(key: str | None) -> str:
    """Show at most a 3-character prefix and the last 4 characters: ``"gsk…abcd"``.

    Keys shorter than 12 characters show nothing but ``"…"``; no key gives ``"(none)"``.
    """
    key = (key or "").strip()
    if not key:
        return "(none)"
    if len(key) < 12:
        return "…"
    return f"{key[:3]}…{key[-4:]}"


_DEFAULT_PORTS = {"http": 80, "https": 443}


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot serve as a base URL, as the end of "The base URL …", or None."""
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return _("is not a valid URL")
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return _("must start with http:// or https:// and name a host")
    if "@" in parts.netloc:
        return _("must not contain a user name or password")
    if "#" in text:
        return _("must not contain a '#' fragment")
    if port == 0:
        return _("is not a valid URL")
    return None


def origin(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of ``url``, the default port filled in; None if unreadable."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[parts.scheme]


def endpoint(base_url: str, path: str) -> str:
    """``base_url`` with ``/path`` appended to its path; its query is kept, a fragment dropped
    (``url_problem`` refuses fragments before any request is built)."""
    parts = urlsplit(base_url.strip())
    joined = parts.path.rstrip("/") + "/" + path.lstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, joined, parts.query, ""))


def display_url(url: str) -> str:
    """``url`` without ``user:password@``, safe to show in a message or the provider list."""
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return "(an invalid URL)"
    if "@" not in parts.netloc:
        return text
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
