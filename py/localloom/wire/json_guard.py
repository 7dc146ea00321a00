"""Bounds on foreign JSON: depth and size are checked before ``json.loads`` ever sees it.

Public names: ``MAX_DEPTH``, ``MAX_CHARS``, ``DepthScanner``, ``problem``, ``larger_than``,
``too_big``, ``loads``.

A provider's answer, stream event or error body nested a few thousand levels deep makes
``json.loads`` recurse until Pyodide's WebAssembly stack overflows: a fatal error that kills
Python in the page for good (CPython raises ``RecursionError`` instead). No real
chat-completion JSON nests more than a handful of levels, so anything deeper than
``MAX_DEPTH`` (or longer than ``MAX_CHARS``) is refused with a LocalLoom error::

    >>> problem('{"a": [1, {"b": "[[[["}]}')            # brackets in strings do not count
    >>> problem("[" * 7000 + "]" * 7000)
    'is nested more than 64 levels deep'
    >>> scanner = DepthScanner(strings=False)           # incremental, for streamed text
    >>> scanner.feed("[[["), scanner.feed("[ ]"), scanner.exceeded
    (3, 4, False)

The scan is one pass (a regular expression finds the next bracket or quote), stops as soon as
the limit is passed, and works on text split anywhere, inside strings and escapes included.
"""

from __future__ import annotations

import json
import re
from typing import Any

from localloom.errors import EngineError
from localloom.i18n import _

__all__ = ["MAX_CHARS", "MAX_DEPTH", "DepthScanner", "larger_than", "loads", "problem",
           "too_big"]

MAX_DEPTH = 64  # chat-completion chunks nest 4-5 levels, error bodies 2-4, courses ~7
MAX_CHARS = 1 << 20  # one stream event, one JSON body, one answer: 1 MiB of text

_OUTSIDE = re.compile(r'[\[\]{}"]')
_OUTSIDE_NO_STRINGS = re.compile(r"[\[\]{}]")
_INSIDE = re.compile(r'["\\]')


class DepthScanner:
    """Tracks the bracket depth of JSON text fed in pieces; ``max`` is the deepest seen.

    ``strings=True`` skips brackets inside JSON strings (exact for ``json.loads``);
    ``strings=False`` counts every bracket, an upper bound for lenient parsers that may start
    reading in the middle of a string. Scanning stops once ``max`` passes ``limit``.
    """

    def __init__(self, limit: int = MAX_DEPTH, *, strings: bool = True) -> None:
        self.limit = limit
        self.depth = 0
        self.max = 0
        self._outside = _OUTSIDE if strings else _OUTSIDE_NO_STRINGS
        self._in_string = False
        self._escape = False

    @property
    def exceeded(self) -> bool:
        return self.max > self.limit

    def feed(self, text: str) -> int:
        """Scan the next piece; return the deepest nesting seen so far."""
        i, n = 0, len(text)
        while i < n and not self.exceeded:
            if self._escape:
                self._escape = False
                i += 1
                continue
            if self._in_string:
                found = _INSIDE.search(text, i)
                if found is None:
                    break
                i = found.end()
                self._escape = found.group() == "\\"
                self._in_string = self._escape
                continue
            found = self._outside.search(text, i)
            if found is None:
                break
            i = found.end()
            char = found.group()
            if char == '"':
                self._in_string = True
            elif char in "[{":
                self.depth += 1
                self.max = max(self.max, self.depth)
            else:
                self.depth = max(0, self.depth - 1)
        return self.max


def problem(text: str, *, max_depth: int = MAX_DEPTH, max_chars: int = MAX_CHARS,
            strings: bool = True) -> str | None:
    """What makes ``text`` unsafe to parse (``"is nested more than 64 levels deep"``), or None.

    ``strings=False`` counts brackets inside strings too (see ``DepthScanner``)."""
    if len(text) > max_chars:
        return larger_than(max_chars)
    if DepthScanner(max_depth, strings=strings).feed(text) > max_depth:
        return _("is nested more than {depth} levels deep").format(depth=max_depth)
    return None


def larger_than(limit: int) -> str:
    """The ``why`` of a text over ``limit`` characters or bytes: ``"is larger than 1024 KiB"``."""
    return _("is larger than {size} KiB").format(size=limit // 1024)


def too_big(source: str, part: str, why: str, *, engine: str = "openai",
            stage: str = "") -> EngineError:
    """The error for foreign data refused by the guard: ``"<source> sent <part> that <why>."``

    ``part`` is a noun phrase marked ``N_`` by the caller (``N_("a stream event")``), translated
    here; ``why`` comes from ``problem`` or ``larger_than``, already translated."""
    return EngineError(
        _("{source} sent {part} that {why}; LocalLoom refused to read it.").format(
            source=source, part=_(part), why=why),
        cause=_("The server is broken, misconfigured or hostile: no chat-completion answer "
                "looks like this."),
        fix=_("LocalLoom moves on to the next tier. Check the base URL in Settings, or use "
              "another provider or the on-device model."),
        engine=engine, stage=stage,
    )


def loads(text: str, source: str, part: str, *, engine: str = "openai", stage: str = "",
          max_depth: int = MAX_DEPTH, max_chars: int = MAX_CHARS) -> Any:
    """``json.loads(text)`` after the checks: ``EngineError`` if a bound is passed, and
    ``ValueError`` for text that is not JSON, as ``json.loads`` raises it."""
    why = problem(text, max_depth=max_depth, max_chars=max_chars)
    if why is not None:
        raise too_big(source, part, why, engine=engine, stage=stage)
    return json.loads(text)
