"""Private: find and decode the JSON inside a model's raw text.

- ``clean(text, notes)``: drop BOMs, unwrap JSON sent as one string, and decode HTML entities
  only when they replaced the JSON's own quotes (``{&quot;title&quot;: …}``: the whole answer
  went through an HTML escaper, so one unescape restores it exactly). Valid JSON whose strings
  hold entities (``"say &quot;hi&quot; &lt;b&gt;"``) is the model's text and is kept as is.
- ``spans(text)``: every top-level ``{...}``/``[...]`` as a ``Span``; string-aware, so braces in
  values and prose around fences do not confuse it; ``closed=False`` marks a truncated output.
  Raises ``TooDeep`` past ``MAX_DEPTH`` levels.
- ``decode(chunk, closed, notes)``: strict ``json.loads``; else a string-exact normalisation
  (comments, single quotes, ``True``/``None``, bare keys, trailing commas; typographic double
  quotes when they delimit keys, ``“title”:``, and no ASCII ``"`` appears) then ``json.loads``
  or, for a truncated chunk, ``JsonFeed`` (``_jsonfeed``, linear); else ``json_repair``.
  json-repair handles what needs guessing (missing commas, stray quotes) but can garble string
  contents that hold quotes and backslashes, so it comes last; ``repair=False`` (the streaming
  path) never calls it and raises ``ValueError`` instead.

Example::

    >>> text = "Sure: {'a': [1, 2,], /* x */ b: None"
    >>> [decode(text[s.start:s.end], s.closed, []) for s in spans(text)]
    [{'a': [1, 2], 'b': None}]
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

from localloom.course._jsonfeed import MAX_DEPTH, JsonFeed

__all__ = ["MAX_DEPTH", "Span", "TooDeep", "clean", "decode", "spans"]

_ENTITY_QUOTE = re.compile(r"&(?:quot|#34|#x22);")
# The first quote that follows an opening bracket says how the JSON's strings are delimited.
_FIRST_QUOTE = re.compile(r"""[{\[]\s*\\?(?:(["'])|&(?:quot|#34|#x22);)""")
_OUTSIDE = re.compile(r"[{}\[\]\"'`]")
# A string's body up to its closing quote, escapes included, in one regex step.
_BODY = {q: re.compile(rf"[^{q}\\]*(?:\\.[^{q}\\]*)*", re.S) for q in "\"'"}
_SMART = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"'})
_SMART_KEY = re.compile(r"[{,]\s*[“”„‟][^“”„‟\n]{1,60}[“”‟]\s*:")
_LEX = re.compile(
    r"""(?P<dq>"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z))
    |(?P<sq>'[^'\\]*(?:\\.[^'\\]*)*(?:'|\\?\Z))
    |(?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))
    |(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    |(?P<word>(?:[^\W\d]|\$)[\w$-]*)
    |(?P<ws>\s+)|(?P<comma>,)|(?P<close>[}\]])|(?P<other>.)""",
    re.S | re.X,
)
_KEY_NEXT = re.compile(r"\s*:")
_LITERALS = {"True": "true", "False": "false", "None": "null", "true": "true",
             "false": "false", "null": "null", "NaN": "NaN", "Infinity": "Infinity"}
_SQ_ESCAPE = re.compile(r'\\(x[0-9a-fA-F]{2}|.)|"', re.S)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    closed: bool


class TooDeep(Exception):
    """The text nests brackets more than ``MAX_DEPTH`` levels deep."""


def clean(text: str, notes: list[str]) -> str:
    """Undo transport damage that would hide the JSON; append what was done to ``notes``."""
    if "\ufeff" in text:
        text = text.replace("\ufeff", "")
        notes.append("removed a byte-order mark")
    if _ENTITY_QUOTE.search(text) and _entity_quoted(text):
        text = html.unescape(text)
        notes.append("decoded HTML entities")
    if text.lstrip().startswith('"'):
        try:
            inner = json.loads(text)
        except ValueError:
            inner = None
        if isinstance(inner, str):
            text = inner
            notes.append("decoded JSON that was sent as one string")
    return text


def _entity_quoted(text: str) -> bool:
    """The JSON's own quotes are entities (``{&quot;a&quot;: 1}``, not ``{"a": "&quot;"}``)."""
    match = _FIRST_QUOTE.search(text)
    return match is not None and match.group(1) is None


def spans(text: str) -> list[Span]:
    """Top-level bracketed spans; quotes count only inside a span, so prose apostrophes never
    open a string; a ``` fence inside an open span ends it."""
    found: list[Span] = []
    stack: list[str] = []
    start = pos = 0
    while match := _OUTSIDE.search(text, pos):
        char, i = match.group(), match.start()
        pos = i + 1
        if char in "{[":
            if not stack:
                start = i
            stack.append(char)
            if len(stack) > MAX_DEPTH:
                raise TooDeep
        elif char in "}]":
            if stack:
                stack.pop()
                if not stack:
                    found.append(Span(start, pos, True))
        elif not stack:
            continue
        elif char == "`":
            if text.startswith("```", i):
                found.append(Span(start, i, False))
                stack.clear()
        elif char == '"' or _prev_char(text, i) in "{[,:":
            pos = _string_end(text, pos, char)
    if stack:
        found.append(Span(start, len(text), False))
    return found


def _prev_char(text: str, i: int) -> str:
    i -= 1
    while i >= 0 and text[i] in " \t\r\n":
        i -= 1
    return text[i] if i >= 0 else ""


def _string_end(text: str, pos: int, quote: str) -> int:
    end = _BODY[quote].match(text, pos).end()
    return end + 1 if end < len(text) and text[end] == quote else len(text)


def _sq_escape(match: re.Match[str]) -> str:
    esc = match.group(1)
    if esc is None:  # a bare " inside a single-quoted string
        return '\\"'
    if esc == "'":
        return "'"
    if esc[0] == "x" and len(esc) == 3:
        return "\\u00" + esc[1:]
    if esc in '"\\/bfnrtu':
        return "\\" + esc
    return "" if esc == "\n" else "\\\\" + esc  # line continuation; unknown escape is literal


def _odd_backslashes(text: str) -> bool:
    return (len(text) - len(text.rstrip("\\"))) % 2 == 1


def _requote(token: str) -> str:
    body = token[1:]
    if body.endswith("'") and not _odd_backslashes(body[:-1]):
        body = body[:-1]
    if _odd_backslashes(body):  # truncated right after a backslash
        body = body[:-1]
    return '"' + _SQ_ESCAPE.sub(_sq_escape, body) + '"'


def _normalize(chunk: str, notes: set[str]) -> str:
    """Rewrite JSON-like text as JSON without touching the contents of double-quoted strings."""
    out: list[str] = []
    for match in _LEX.finditer(chunk):
        kind, token = match.lastgroup, match.group()
        if kind == "comment":
            notes.add("removed comments")
            continue
        if kind == "sq":
            token = _requote(token)
            notes.add("converted single-quoted strings")
        elif kind == "word" and _KEY_NEXT.match(chunk, match.end()):
            token = f'"{token}"'
            notes.add("quoted bare keys")
        elif kind == "word" and token in _LITERALS:
            if token != _LITERALS[token]:
                token = _LITERALS[token]
                notes.add("converted Python literals")
        elif kind == "word":
            token = json.dumps(token)
            notes.add("quoted bare words")
        elif kind == "close":
            i = len(out) - 1
            while i >= 0 and out[i].isspace():
                i -= 1
            if i >= 0 and out[i] == ",":
                del out[i]
                notes.add("removed trailing commas")
        out.append(token)
    return "".join(out)


def _loads(text: str) -> Any:
    return json.loads(text, strict=False)


def _prefix(text: str) -> Any:
    """The value of a strict JSON prefix (a truncated output), closed; ValueError if damaged."""
    feed = JsonFeed("{[")
    feed.feed(text)
    feed.end()
    if feed.broken or not feed.started:
        raise ValueError("not a JSON prefix")
    return feed.value()


def decode(chunk: str, closed: bool, notes: list[str], *, repair: bool = True) -> Any:
    """Decode one span; append the repairs it needed to ``notes``."""
    try:  # the fast path: valid JSON, or a valid prefix of it (truncation)
        return _loads(chunk) if closed else _prefix(chunk)
    except ValueError:
        pass
    variants = [chunk]
    if '"' not in chunk and _SMART_KEY.search(chunk):
        variants.append(chunk.translate(_SMART))
    for variant in variants:
        fixes: set[str] = set() if variant is chunk else {"replaced typographic quotes"}
        try:
            text = _normalize(variant, fixes)
            value = _loads(text) if closed else _prefix(text)
        except ValueError:
            continue
        notes.extend(sorted(fixes))
        return value
    if not repair:
        raise ValueError("the JSON needs json-repair")
    notes.append("repaired the JSON syntax with json-repair")
    import json_repair  # only for broken answers: the boot does not need it

    return json_repair.loads(chunk, skip_json_loads=True)
