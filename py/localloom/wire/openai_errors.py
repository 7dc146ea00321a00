"""Map OpenAI-compatible error responses to LocalLoom errors, with the cause and the fix.

Public names:

- ``SchemaUnsupportedError``: a 400 "does not support response format json_schema"; the
  adapter retries once without ``response_format`` (``retry_without_schema`` is True).
- ``map_http_error(status, body_text, headers, provider_id, *, key=None, model="")``: an HTTP
  error response → an ``EngineError`` subclass (returned, not raised).
- ``map_error_payload(error, provider_id, *, key=None, model="")``: the ``error`` object of a
  mid-stream SSE event (HTTP 200) or of a 200 JSON body → an ``EngineError``.
- ``parse_retry_after(headers, now=None)``: seconds to wait, from ``retry-after`` (seconds or
  HTTP date) or ``x-ratelimit-reset-*`` (``"2m59.56s"``, ``"7.66s"``, epoch milliseconds).

Example::

    >>> err = map_http_error(429, '{"error":{"message":"Slow down"}}', {"Retry-After": "2"}, "groq")
    >>> type(err).__name__, err.retry_after
    ('RateLimitedError', 2.0)

Bodies understood: ``{error:{message,type,code}}`` (OpenAI, Groq, Ollama), flat
``{message,type_}`` (some Together 400s), ``{error:{code:<number>,message,metadata}}``
(OpenRouter), ``{error:"text"}``, ``{detail:"text"}`` and non-JSON text or HTML from a proxy.
``key`` is masked out of every message; a body too deep or too large to parse safely
(``json_guard``) is reported as such, never parsed. 5xx errors are ``EngineError`` with
``retryable = True`` set on the instance.
"""

from __future__ import annotations

import json
import math
import re
import time
from email.utils import parsedate_to_datetime
from typing import Any

from localloom.errors import (
    AuthError,
    ContextOverflowError,
    EngineError,
    EngineUnavailable,
    NetworkError,
    QuotaError,
    RateLimitedError,
)
from localloom.i18n import N_, _
from localloom.wire import json_guard
from localloom.wire.providers import PROVIDERS, mask_key, provider_name

__all__ = ["SchemaUnsupportedError", "map_error_payload", "map_http_error", "parse_retry_after"]

ENGINE = "openai"


class SchemaUnsupportedError(EngineError):
    """The model rejects ``response_format: json_schema``; retry with the schema in the prompt."""

    retry_without_schema = True
    default_cause = N_("This model does not accept a JSON Schema response format.")
    default_fix = N_("LocalLoom retries once with the schema in the prompt instead.")


_SCHEMA_UNSUPPORTED = re.compile(
    r"(not|n't|un)\s*support\w*.{0,40}(response.?format|json.?schema|structured)"
    r"|(response.?format|json.?schema|structured output).{0,60}(not|un)\s*support",
    re.IGNORECASE | re.DOTALL,
)
_CONTEXT = re.compile(
    r"context.?length|context window|maximum context|too many tokens|reduce the length"
    r"|prompt is too long",
    re.IGNORECASE,
)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_DURATIONS = re.compile(r"(?:\d+(?:\.\d+)?(?:ms|h|m|s))+")
_TAGS = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _lower(headers: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in dict(headers or {}).items()}


def _text_summary(text: str, limit: int = 200) -> str:
    title = _TITLE.search(text)
    plain = title.group(1) if title else _TAGS.sub(" ", text)
    plain = " ".join(plain.split())
    return plain if len(plain) <= limit else plain[: limit - 1] + "…"


def _parse_body(body_text: str) -> tuple[str, str, Any]:
    """(message, type, code) from any of the error body shapes providers send."""
    if not isinstance(body_text, str):
        return "", "", ""
    why = json_guard.problem(body_text)
    if why is not None:  # deep JSON would crash Pyodide's json.loads: never parse it
        return _("an error body that {why} (not read)").format(why=why), "", ""
    try:
        data = json.loads(body_text)
    except ValueError:
        return _text_summary(body_text), "", ""
    if not isinstance(data, dict):
        return _text_summary(str(data)), "", ""
    return _parse_error(data.get("error", data))


def _parse_error(err: Any) -> tuple[str, str, Any]:
    if isinstance(err, str):
        return _text_summary(err, 400), "", ""
    if not isinstance(err, dict):
        return "", "", ""
    message = err.get("message") or err.get("detail") or err.get("msg") or ""
    if not isinstance(message, str):
        message = json.dumps(message)
    meta = err.get("metadata")
    if isinstance(meta, dict) and isinstance(meta.get("raw"), str):
        message = f"{message} ({_text_summary(meta['raw'])})" if message else meta["raw"]
    kind = err.get("type") or err.get("type_") or err.get("error_type") or ""
    return _text_summary(message, 400), str(kind), err.get("code") or ""


def _seconds(value: str, now: float) -> float | None:
    """A duration from seconds, an HTTP date, ``2m59.56s`` or an epoch timestamp."""
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        if not math.isfinite(number) or number < 0:
            return None
        if number > 1e12:  # epoch milliseconds (OpenRouter X-RateLimit-Reset)
            return max(0.0, number / 1000 - now)
        if number > 1e9:  # epoch seconds
            return max(0.0, number - now)
        return number
    if _DURATIONS.fullmatch(value):
        scale = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
        return round(sum(float(n) * scale[u] for n, u in _DURATION.findall(value)), 3)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, round(when.timestamp() - now, 3))


def parse_retry_after(headers: Any, now: float | None = None) -> float | None:
    """Seconds until a retry may succeed, or None if the headers do not say.

    ``retry-after`` wins; otherwise the longest ``x-ratelimit-reset-*`` (which limit was hit is
    unknown, so wait for all of them).
    """
    now = time.time() if now is None else now
    low = _lower(headers)
    if "retry-after" in low:
        found = _seconds(low["retry-after"], now)
        if found is not None:
            return found
    resets = [
        _seconds(v, now) for k, v in low.items() if k.startswith("x-ratelimit-reset")
    ]
    resets = [r for r in resets if r is not None]
    return max(resets) if resets else None


def map_http_error(
    status: int,
    body_text: str,
    headers: Any,
    provider_id: str,
    *,
    key: str | None = None,
    model: str = "",
) -> EngineError:
    """Turn an HTTP error response into the matching LocalLoom error (returned, not raised)."""
    message, kind, code = _parse_body(body_text)
    return _classify(status, message, kind, code, _lower(headers), provider_id, key, model,
                     stage="request")


def map_error_payload(
    error: Any, provider_id: str, *, key: str | None = None, model: str = ""
) -> EngineError:
    """Turn the ``error`` field of a 200 response (often mid-stream) into a LocalLoom error.

    OpenRouter puts the HTTP-like status in ``error.code``; string codes are read for their
    meaning (``rate_limit_exceeded``, ``insufficient_quota``); anything else counts as a
    temporary server failure.
    """
    message, kind, code = _parse_error(error)
    status = code if isinstance(code, int) and 400 <= code <= 599 else 500
    blob = f"{code} {kind}".lower()
    if "rate_limit" in blob:
        status = 429
    elif "insufficient_quota" in blob or "credit" in blob:
        status = 402
    elif "context_length" in blob:
        status = 400
    return _classify(status, message, kind, code, {}, provider_id, key, model, stage="stream")


def _classify(
    status: int, message: str, kind: str, code: Any, headers: dict[str, str],
    provider_id: str, key: str | None, model: str, *, stage: str,
) -> EngineError:
    name = provider_name(provider_id)
    if key and len(key.strip()) >= 4:
        message = message.replace(key.strip(), mask_key(key))
    detail = message or f"HTTP {status}"
    if stage == "stream":
        what = _("{name} failed while streaming the answer: {detail}").format(name=name,
                                                                            detail=detail)
    else:
        what = _("{name} answered HTTP {status}: {detail}").format(name=name, status=status,
                                                                  detail=detail)
    blob = f"{message} {kind} {code}".lower()
    kw: dict[str, Any] = {"engine": ENGINE, "stage": stage}
    hint = _(PROVIDERS[provider_id].key_url_hint) if provider_id in PROVIDERS else ""

    if status == 402 or "insufficient_quota" in blob:
        return QuotaError(what, fix=_("Add credits to your {name} account, or use another "
                                      "provider or the on-device model.").format(name=name),
                          **kw)
    if status == 403 and ("moderation" in blob or "flagged" in blob):
        return EngineError(what, cause=_("{name}'s moderation flagged the input.").format(
                               name=name),
                           fix=_("Rephrase the topic, or use the on-device model."), **kw)
    if status == 403 and provider_id == "custom":
        return AuthError(what, cause=_("The server refused this page's origin or the key."),
                         fix=_("For Ollama, start it with OLLAMA_ORIGINS set to this page's "
                               "origin; for LM Studio, enable CORS; otherwise check the key."),
                         **kw)
    if status in (401, 403):
        if hint and provider_id != "custom":
            fix = _("Check the key for {name} in Settings (get one at {hint}).").format(
                name=name, hint=hint)
        else:
            fix = _("Check the key for {name} in Settings.").format(name=name)
        return AuthError(what, cause=_("{name} does not accept this API key, or it lacks "
                                       "permission for this model.").format(name=name),
                         fix=fix, **kw)
    if status == 429:
        retry_after = parse_retry_after(headers)
        if retry_after is not None:
            fix = _("Wait {seconds} s and retry, or let LocalLoom use the next provider.").format(
                seconds=f"{retry_after:g}")
        else:
            fix = _("Wait, or let LocalLoom use the next provider.")
        return RateLimitedError(what, retry_after=retry_after, fix=fix, **kw)
    if status == 404 or "model_not_found" in blob or "does not exist" in blob:
        if model:
            cause = _("{name} does not serve the model {model}, or this key has no access to "
                      "it.").format(name=name, model=repr(model))
        else:
            cause = _("{name} does not serve the model, or this key has no access to it.").format(
                name=name)
        return EngineUnavailable(what, cause=cause,
                                 fix=_("Pick another model in Settings, using the exact id "
                                       "from the provider's model list."), **kw)
    if status in (400, 422) and stage == "request" and _SCHEMA_UNSUPPORTED.search(message):
        return SchemaUnsupportedError(what, **kw)
    if status == 413 or (status in (400, 422) and _CONTEXT.search(blob)):
        return ContextOverflowError(what, **kw)
    if status in (408, 504):
        return NetworkError(what, cause=_("{name} took too long to answer.").format(name=name),
                            **kw)
    error = EngineError(what, **kw)
    if status >= 500:
        error.retryable = True
        error.cause = _("{name} had a temporary failure (HTTP {status}).").format(name=name,
                                                                                 status=status)
        error.fix = _("Retry in a moment, or let LocalLoom use the next provider.")
    return error
