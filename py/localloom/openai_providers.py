"""The catalog of OpenAI-compatible cloud providers, and key masking.

Public names:

- ``Provider``: one provider's id, display name, base URL, default model and quirks.
- ``PROVIDERS``: ``{id: Provider}`` for ``groq``, ``together``, ``hf``, ``openrouter``, ``custom``.
- ``get_provider(provider, base_url=None)``: a ``Provider`` from an id or instance; ``custom``
  takes the user's base URL (e.g. ``http://localhost:11434/v1`` for Ollama).
- ``provider_name(provider_id)``: the display name used in error messages.
- ``mask_key(key)``: a key safe to show or log, e.g. ``"gsk…abcd"``.

Example::

    >>> PROVIDERS["groq"].default_model
    'llama-3.1-8b-instant'
    >>> get_provider("custom", "http://localhost:11434/v1").base_url
    'http://localhost:11434/v1'
    >>> mask_key("sk-or-v1-0123456789abcdef")
    'sk-…cdef'

``openai_wire`` re-exports all of these; this module exists so that the error mapping can name
providers without importing the request builder.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["PROVIDERS", "Provider", "get_provider", "mask_key", "provider_name"]


@dataclass(frozen=True)
class Provider:
    """An OpenAI-compatible chat-completions endpoint.

    ``supports_json_schema``: send ``response_format: {type: 'json_schema', ...}`` (a 400
    "does not support response format" still makes the adapter retry once without it).
    ``extra_headers_allowed``: whether its CORS preflight accepts headers beyond
    ``Authorization``/``Content-Type`` (LocalLoom never sends any; recorded for the UI).
    """

    id: str
    name: str
    base_url: str
    default_model: str
    supports_json_schema: bool = True
    needs_key: bool = True
    extra_headers_allowed: bool = True
    key_url_hint: str = ""


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
            key_url_hint="https://huggingface.co/settings/tokens "
            "(fine-grained, with 'Make calls to Inference Providers')",
        ),
        Provider(
            "openrouter", "OpenRouter", "https://openrouter.ai/api/v1",
            "meta-llama/llama-3.3-70b-instruct:free",
            extra_headers_allowed=False,
            key_url_hint="https://openrouter.ai/keys",
        ),
        Provider(
            "custom", "Custom server", "http://localhost:11434/v1", "llama3.2",
            needs_key=False,
            key_url_hint="usually none for Ollama, llama-server or LM Studio",
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
    return found.name if found else provider_id or "The provider"


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
