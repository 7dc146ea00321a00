"""Incremental decoder for OpenAI-compatible chat-completion streams (Server-Sent Events).

Public names:

- ``SSEDecoder(provider_id="custom", *, max_malformed=3, key=None)``: feed it byte or text
  chunks split anywhere (inside a UTF-8 character, between ``\\r`` and ``\\n``); ``feed()`` and
  ``close()`` return the ``ChatChunk`` events decoded so far.
- ``ChatChunk``: one event: a ``content`` delta, a ``finish_reason``, ``usage``, or ``done``.

Example::

    >>> d = SSEDecoder("groq")
    >>> d.feed(b': OPENROUTER PROCESSING\\n\\ndata: {"choices":[{"delta":{"content":"H\\xc3')
    []
    >>> [c.content for c in d.feed(b'\\xa9"}}]}\\n\\ndata: [DONE]\\n\\n')]
    ['Hé', '']
    >>> d.text, d.done
    ('Hé', True)

Decoding follows the WHATWG SSE rules (comment lines, multi-line ``data``, ``\\r\\n``/``\\r``/
``\\n``), then reads each data event as a ``chat.completion.chunk``: an ``error`` field (how
OpenRouter reports mid-stream failures under HTTP 200) raises the mapped error; up to
``max_malformed`` unparsable chunks are skipped and listed in ``warnings``, one more raises
``EngineError``; ``finish_reason == "length"`` sets ``truncated``. An event larger than
``json_guard.MAX_CHARS`` or nested deeper than ``json_guard.MAX_DEPTH`` raises ``EngineError``
before it is parsed (deep JSON would crash Pyodide). Each chunk is scanned once: a line that
arrives in many pieces costs linear time.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Any

from localloom.errors import EngineError
from localloom.i18n import N_, _, ngettext
from localloom.wire import json_guard
from localloom.wire.openai_errors import ENGINE, map_error_payload
from localloom.wire.providers import provider_name

__all__ = ["ChatChunk", "SSEDecoder"]

_EOL = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class ChatChunk:
    """One decoded stream event; ``done`` marks the ``data: [DONE]`` sentinel."""

    content: str = ""
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None
    done: bool = False


class SSEDecoder:
    """Turns a chat-completion SSE byte stream into ``ChatChunk`` events and a running state.

    State after feeding: ``text`` (all content so far), ``done``, ``finish_reason``,
    ``truncated``, ``usage``, ``complete`` (``[DONE]`` or a finish reason was seen),
    ``malformed`` (count), ``warnings``, ``comments`` (keep-alive lines seen).
    """

    def __init__(self, provider_id: str = "custom", *, max_malformed: int = 3,
                 key: str | None = None) -> None:
        self.provider_id = provider_id
        self.max_malformed = max_malformed
        self._key = key
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._partial: list[str] = []  # the current line, not yet ended
        self._partial_chars = 0
        self._held_cr = False  # the last chunk ended in "\r", maybe half of "\r\n"
        self._data: list[str] = []
        self._data_chars = 0
        self._event = ""
        self._parts: list[str] = []
        self.done = False
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] | None = None
        self.malformed = 0
        self.comments = 0
        self.warnings: list[str] = []

    @property
    def text(self) -> str:
        return "".join(self._parts)

    @property
    def truncated(self) -> bool:
        """The model stopped at ``max_tokens``: the output is cut off."""
        return self.finish_reason == "length"

    @property
    def complete(self) -> bool:
        """The stream ended properly (``[DONE]`` or a finish reason), not by a dropped line."""
        return self.done or self.finish_reason is not None

    def feed(self, chunk: bytes | bytearray | memoryview | str) -> list[ChatChunk]:
        """Decode one network chunk; return the events it completed."""
        text = chunk if isinstance(chunk, str) else self._utf8.decode(bytes(chunk))
        if self._held_cr:
            text = "\r" + text
        self._held_cr = text.endswith("\r")
        if self._held_cr:
            text = text[:-1]
        lines = _EOL.split(text)
        rest = lines.pop()
        out: list[ChatChunk] = []
        for line in lines:
            if self._partial:
                line = "".join(self._partial) + line
                self._partial, self._partial_chars = [], 0
            self._line(line, out)
        if rest:
            self._partial.append(rest)
            self._partial_chars += len(rest)
            self._check_size(self._partial_chars)
        return out

    def close(self) -> list[ChatChunk]:
        """End of stream: flush a trailing partial line and a pending event (leniently)."""
        out: list[ChatChunk] = []
        rest = "".join(self._partial) + self._utf8.decode(b"", final=True)
        self._partial, self._partial_chars, self._held_cr = [], 0, False
        for line in _EOL.split(rest):
            if line:
                self._line(line, out)
        self._line("", out)
        return out

    def _check_size(self, chars: int) -> None:
        if chars > json_guard.MAX_CHARS:
            raise json_guard.too_big(
                provider_name(self.provider_id), N_("a stream event"),
                json_guard.larger_than(json_guard.MAX_CHARS), engine=ENGINE, stage="stream")

    def _line(self, line: str, out: list[ChatChunk]) -> None:
        if not line:
            self._dispatch(out)
            return
        if line.startswith(":"):
            self.comments += 1
            return
        field, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if field == "data":
            self._data.append(value)
            self._data_chars += len(value) + 1
            self._check_size(self._data_chars)
        elif field == "event":
            self._event = value

    def _dispatch(self, out: list[ChatChunk]) -> None:
        data, event = "\n".join(self._data), self._event
        self._data, self._data_chars, self._event = [], 0, ""
        if not data or self.done:
            return
        if data.strip() == "[DONE]":
            self.done = True
            out.append(ChatChunk(done=True))
            return
        try:
            payload = json_guard.loads(data, provider_name(self.provider_id),
                                       N_("a stream event"), stage="stream")
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            self._skip(data)
            return
        if payload.get("error") or event == "error":
            raise map_error_payload(payload.get("error") or payload, self.provider_id,
                                    key=self._key)
        chunk = self._read(payload)
        if chunk is not None:
            out.append(chunk)

    def _read(self, payload: dict[str, Any]) -> ChatChunk | None:
        choices = payload.get("choices")
        first = choices[0] if isinstance(choices, list) and choices else {}
        first = first if isinstance(first, dict) else {}
        delta = first.get("delta")
        content = delta.get("content") if isinstance(delta, dict) else None
        content = content if isinstance(content, str) else ""
        finish = first.get("finish_reason") or None
        usage = payload.get("usage")
        if not isinstance(usage, dict):  # Groq also reports it under x_groq.usage
            x_groq = payload.get("x_groq")
            usage = x_groq.get("usage") if isinstance(x_groq, dict) else None
            usage = usage if isinstance(usage, dict) else None
        if content:
            self._parts.append(content)
        if finish:
            self.finish_reason = str(finish)
        if usage:
            self.usage = usage
        if not (content or finish or usage):
            return None
        return ChatChunk(content=content, finish_reason=finish and str(finish), usage=usage)

    def _skip(self, data: str) -> None:
        self.malformed += 1
        self.warnings.append(f"skipped a malformed stream chunk: {data[:80]!r}")
        if self.malformed > self.max_malformed:
            name = provider_name(self.provider_id)
            error = EngineError(
                ngettext("{name} sent {count} malformed stream chunk; the answer cannot be "
                         "trusted.",
                         "{name} sent {count} malformed stream chunks; the answer cannot be "
                         "trusted.", self.malformed).format(name=name, count=self.malformed),
                cause=_("A proxy or the provider garbled the event stream."),
                fix=_("Retry; if it persists, use another provider or the on-device model."),
                engine=ENGINE, stage="stream",
            )
            error.retryable = True
            raise error
