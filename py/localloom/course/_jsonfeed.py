"""Private: read a JSON object while it streams, at a cost linear in its length.

- ``JsonFeed()``: ``feed(delta)`` lexes only the new text — the string, escape and bracket
  state is kept between deltas — so a whole answer costs O(len(answer)) however it is split.
  ``value()`` materialises the object written so far (one ``json.loads`` of the text, cached
  until more text arrives): a string cut mid-way is closed, a dangling key, comma or unfinished
  number/literal is dropped, open brackets are closed. ``end()`` says no more text will come,
  so a number at the very end is complete (a truncated output, not a stream).
- Prose before the first ``{`` (a fence, "Sure! ...") is skipped; text after the object closes
  is ignored (``done``). ``JsonFeed("{[")`` also reads a list.
- ``broken``: the text is not strict JSON (single quotes, comments, bare words, trailing
  commas, or nesting deeper than ``MAX_DEPTH``); ``value()`` then keeps the object as it was
  before the damage, and callers may fall back to the lenient ``_jsontext.decode``.

This replaces ``partial_json_parser`` on the streaming path: that library only takes the whole
text, and its escape check copies the text before every quote (6 s for a 1 MB answer).

Example::

    >>> feed = JsonFeed()
    >>> for delta in ['Sure: {"title": "Int', 'ro", "tags": ["a", "b', '"], "n": 1']:
    ...     feed.feed(delta)
    >>> feed.value()
    {'title': 'Intro', 'tags': ['a', 'b']}
    >>> feed.end()
    >>> feed.value()
    {'title': 'Intro', 'tags': ['a', 'b'], 'n': 1}
"""

from __future__ import annotations

import json
import re

__all__ = ["MAX_DEPTH", "JsonFeed"]

MAX_DEPTH = 64

# Lexer states. KEY0/VALUE0 follow an opening bracket, where a closer may come instead.
PROSE, KEY0, KEY, COLON, VALUE, VALUE0, AFTER, STRING, BARE, DONE, BROKEN = range(11)
# A string's body with its complete escapes, in one regex step; it stops at the closing quote,
# at the end of the delta, or at an escape cut by the delta's end (or an invalid one).
_STRING_BODY = re.compile(r'[^"\\]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\]*)*')
_SPACE = re.compile(r"[ \t\n\r]*")
_BARE = re.compile(r"[A-Za-z0-9+\-.]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\Z")
_LITERALS = frozenset({"true", "false", "null", "NaN", "Infinity", "-Infinity"})
_HIGH_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}")
_HEX = frozenset("0123456789abcdefABCDEF")
_CLOSER = {"{": "}", "[": "]"}
_MAX_BARE = 400  # no number or literal is longer; a longer bare run is not JSON


def _complete_bare(token: str) -> bool:
    return token in _LITERALS or _NUMBER.match(token) is not None


def _half_pair(text: str, end: int) -> bool:
    """``text[:end]`` ends with the escape of a high surrogate (not an escaped backslash)."""
    if _HIGH_SURROGATE.match(text, max(0, end - 6), end) is None:
        return False
    i = end - 6
    while i > 0 and text[i - 1] == "\\":
        i -= 1
    return (end - 6 - i) % 2 == 0


class JsonFeed:
    """Incremental reader of the first JSON object in a text; see the module docstring.

    ``opening`` lists the brackets that may start it: ``"{"`` (an object, the default) or
    ``"{["`` (an object or a list)."""

    def __init__(self, opening: str = "{") -> None:
        self._find = re.compile("[" + re.escape(opening) + "]").search
        self.state = PROSE
        self.chars = 0  # characters fed so far
        self._start = -1  # index of the object's "{"
        self._parts: list[str] = []  # the text from "{" on, joined lazily
        self._stack: list[str] = []
        self._key = False  # the open string is a key
        self._esc = 0  # inside an escape: -1 wants its letter, 1..4 hex digits still to come
        self._esc_at = 0
        self._bare = ""
        self._bare_at = 0
        self._commit = 0  # text[start:commit] + closers is valid JSON
        self._ended = False
        self._cached_at = -1
        self._cached: dict | list | None = None

    @property
    def done(self) -> bool:
        return self.state == DONE

    @property
    def broken(self) -> bool:
        return self.state == BROKEN

    @property
    def started(self) -> bool:
        return self._start >= 0

    def feed(self, delta: str) -> None:
        """Lex ``delta`` (any split of the text); O(len(delta))."""
        base, i, n = self.chars, 0, len(delta)
        self.chars += n
        if not n or self.state in (DONE, BROKEN) or self._ended:
            return
        if self.state == PROSE:
            match = self._find(delta)
            if match is None:
                return
            i = match.start()
            self._start = self._commit = base + i
            self._parts.append(delta[i:])
            self.state = VALUE
        else:
            self._parts.append(delta)
        while i < n:
            i = self._step(delta, i, base)

    def end(self) -> None:
        """No more text: a number or literal at the very end is complete."""
        if self.state == BARE and _complete_bare(self._bare):
            self._commit = self._bare_at + len(self._bare)
            self.state = AFTER
        self._ended = True
        self._cached_at = -1

    def value(self) -> dict | list | None:
        """The object so far, or ``None`` before its opening bracket; never raises."""
        if self._start < 0:
            return None
        if self._cached_at == self.chars:
            return self._cached
        if len(self._parts) > 1:
            self._parts = ["".join(self._parts)]
        text = self._parts[0]
        cut, tail = self._commit, ""
        if self.state == STRING and not self._key:
            cut = self._esc_at if self._esc else self.chars
            if _half_pair(text, cut - self._start):
                cut -= 6  # half of a surrogate pair: wait for the other half
            tail = '"'
        tail += "".join(_CLOSER[c] for c in reversed(self._stack))
        head = text[: cut - self._start]
        try:
            value = json.loads(head + tail if tail else head, strict=False)
        except ValueError:  # not reachable for a state the lexer accepted; keep the last
            value = self._cached
        self._cached_at, self._cached = self.chars, value
        return self._cached

    # -- the lexer ----------------------------------------------------------------------------

    def _break(self) -> int:
        self.state = BROKEN
        return 1 << 62  # ends the loop in feed()

    def _step(self, delta: str, i: int, base: int) -> int:
        state = self.state
        if state == STRING:
            if self._esc:
                return self._escape(delta, i)
            i = _STRING_BODY.match(delta, i).end()
            if i == len(delta):
                return i
            if delta[i] == "\\":
                self._esc, self._esc_at = -1, base + i
                return i + 1
            if self._key:
                self.state = COLON
            else:
                self.state, self._commit = AFTER, base + i + 1
            return i + 1
        if state == BARE:
            match = _BARE.match(delta, i)
            self._bare += match.group()
            i = match.end()
            if len(self._bare) > _MAX_BARE:
                return self._break()
            if i == len(delta):
                return i
            if not _complete_bare(self._bare):
                return self._break()
            self.state, self._commit = AFTER, base + i
            return i
        char = delta[i]
        if char in " \t\n\r":
            return _SPACE.match(delta, i).end()
        if state == AFTER:
            if char == ",":
                self.state = KEY if self._stack[-1] == "{" else VALUE
                return i + 1
            return self._close(char, i, base)
        if state in (KEY0, KEY):
            if char == '"':
                self.state, self._key = STRING, True
                return i + 1
            return self._close(char, i, base) if state == KEY0 else self._break()
        if state == COLON:
            if char != ":":
                return self._break()
            self.state = VALUE
            return i + 1
        # VALUE or VALUE0
        if char == '"':
            self.state, self._key = STRING, False
            return i + 1
        if char in "{[":
            if len(self._stack) >= MAX_DEPTH:
                return self._break()
            self._stack.append(char)
            self.state, self._commit = (KEY0 if char == "{" else VALUE0), base + i + 1
            return i + 1
        if char in "-0123456789tfnNI" and self._stack:
            self.state, self._bare, self._bare_at = BARE, "", base + i
            return i
        return self._close(char, i, base) if state == VALUE0 else self._break()

    def _close(self, char: str, i: int, base: int) -> int:
        if not self._stack or char != _CLOSER[self._stack[-1]]:
            return self._break()
        self._stack.pop()
        self.state, self._commit = (AFTER if self._stack else DONE), base + i + 1
        return i + 1 if self._stack else 1 << 62

    def _escape(self, delta: str, i: int) -> int:
        char = delta[i]
        if self._esc < 0:
            if char == "u":
                self._esc = 4
            elif char in '"\\/bfnrt':
                self._esc = 0
            else:
                return self._break()
        elif char in _HEX:
            self._esc -= 1
        else:
            return self._break()
        return i + 1
