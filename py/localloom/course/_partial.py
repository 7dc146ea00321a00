"""Private: the object so far of a model's answer while it streams.

Public names (re-exported by ``localloom.course.parsing``): ``PartialReader``, ``parse_partial``,
``LENIENT_PARTIAL_CHARS``.

Strict JSON — what a grammar or a structured-output API gives — is read incrementally by
``_jsonfeed.JsonFeed``: each delta costs O(len(delta)). Damaged JSON (single quotes, comments,
``{&quot;``...) is re-read whole by the lenient decoder of ``_jsontext``, never with
json-repair, and only while the answer is under ``LENIENT_PARTIAL_CHARS``; past that the
object is the one read before the damage. Example::

    >>> reader = PartialReader()
    >>> for delta in ["Sure! {'title': 'Intro', ", "'tags': ['a', 'b"]:
    ...     reader.feed(delta)
    >>> reader.value()
    {'title': 'Intro', 'tags': ['a', 'b']}
"""

from __future__ import annotations

from localloom.course._jsonfeed import JsonFeed
from localloom.course._jsontext import clean, decode, spans

__all__ = ["LENIENT_PARTIAL_CHARS", "PartialReader", "parse_partial"]

LENIENT_PARTIAL_CHARS = 64_000  # a damaged stream is re-read whole only while this short


class PartialReader:
    """The object so far of an answer that is still streaming; see the module docstring."""

    def __init__(self) -> None:
        self._feed = JsonFeed()
        self._parts: list[str] = []  # kept for the lenient reading while the text is short
        self.chars = 0
        self._lenient: tuple[int, dict | None] = (-1, None)

    def feed(self, delta: str) -> None:
        self.chars += len(delta)
        self._feed.feed(delta)
        if self.chars <= LENIENT_PARTIAL_CHARS:
            self._parts.append(delta)
        else:
            self._parts.clear()

    def value(self) -> dict | None:
        """The object so far, or ``None``; never raises."""
        if self._feed.broken and self.chars <= LENIENT_PARTIAL_CHARS:
            if self._lenient[0] != self.chars:
                self._lenient = (self.chars, _lenient_partial("".join(self._parts)))
            if self._lenient[1] is not None:
                return self._lenient[1]
        value = self._feed.value()
        return value if isinstance(value, dict) else None


def _lenient_partial(text: str) -> dict | None:
    try:
        text = clean(text, [])
        objects = [s for s in spans(text) if text[s.start] == "{"]
        if not objects:
            return None
        span = max(objects, key=lambda s: s.end - s.start)
        value = decode(text[span.start:span.end], span.closed, [], repair=False)
        return value if isinstance(value, dict) else None
    except Exception:  # TooDeep, or JSON that only json-repair could read
        return None


def parse_partial(text: str) -> dict | None:
    """The object decoded so far from a streaming output, or ``None``; never raises.

    One linear pass for strict JSON; while an answer streams, feed a ``PartialReader`` the
    deltas instead of calling this on the growing text."""
    reader = PartialReader()
    reader.feed(text)
    return reader.value()
