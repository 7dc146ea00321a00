"""Texts a grammar cut at their length cap, ended at their last whole clause or word.

A grammar engine closes a string when it reaches the schema's ``maxLength``; a small model
does not finish its sentence first. Over 22 Short courses from the embedded Gemma 3 270M, 43 %
of key points, 29 % of lesson objectives and 14 % of titles stopped at the cap mid-phrase
("…tienen una superficie llena por agua (por ejemplo,", "…y plantas que producen frutas,
híg"). A learner reads those as broken. ``end_cleanly`` ends such a text where a reader
expects it to end, without adding words:

    >>> end_cleanly("Los volcanes se forman en las placas tectónicas y tienen una superficie "
    ...             "llena por agua (por ejemplo,")
    'Los volcanes se forman en las placas tectónicas y tienen una superficie llena por agua'
    >>> end_cleanly("Use the knife with care to clean up spilled food; use it with caution when")
    'Use the knife with care to clean up spilled food'

Public names: ``end_cleanly(text)``, ``end_cut_texts(data, schema) -> paths``,
``ends_mid_phrase(text)`` (the audit's count of what a learner would read as broken).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["end_cleanly", "end_cut_texts", "ends_mid_phrase"]

#: Words a text cannot end on (en, es): articles, prepositions, conjunctions, auxiliaries.
_DANGLING = frozenset("""
a an the and or but nor of to in on at by for from with into onto than as that which who
whose whom is are was were be been being has have had do does can could will would should may
might must its their your our his her my this these those such very more most so if when
while where how what not no
y e o u ni de del la el los las lo un una unos unas en con por para que a al se su sus es
son era fue ser muy más mas menos como cuando donde mientras sin sobre entre hasta desde
tan cual cuales cuyo este esta estos estas ese esa esos esas le les me te nos
""".split())
_SENTENCE_END = re.compile(r"[.!?…](?=\s+[A-ZÁÉÍÓÚÑÜ¿¡\"«“]|\s*$)")  # not "vs. dry"
_CLAUSE = re.compile(r"\s*(?:[,;:]|\s[-–—(]|\s/)\s*")
_TRAIL = " \t\n,;:-–—(/&*\"'«“‘"


def _strip_dangling(text: str) -> str:
    words = text.rstrip(_TRAIL).split()
    while len(words) > 1 and words[-1].casefold().strip(_TRAIL) in _DANGLING:
        words.pop()
    return " ".join(words).rstrip(_TRAIL)


def _balanced(text: str) -> str:
    """Drop an opening bracket (and what follows) that the cut left unclosed."""
    open_at = text.rfind("(")
    if open_at > text.rfind(")"):
        return text[:open_at].rstrip(_TRAIL)
    return text


def ends_mid_phrase(text: str) -> bool:
    """True when ``text`` stops on a comma, an open bracket or a small word that needs a
    next one ("…y plantas que producen frutas, y", "…agua (por ejemplo,")."""
    body = text.rstrip()
    if not body or len(body.split()) < 3:
        return False
    last = body.split()[-1].casefold()
    return (body[-1] in ",;:(-–—/&" or body.rfind("(") > body.rfind(")")
            or (last.strip(_TRAIL) in _DANGLING and not last.endswith((".", "!", "?"))))


def end_cleanly(text: str, mid_word: bool = True) -> str:
    """``text`` ended at its last sentence end, else (``mid_word``: the cut may have split
    its last word) its last clause boundary or its last whole word, when that keeps at least
    half of it; dangling small words and an unclosed bracket are dropped."""
    body = text.rstrip()
    half = len(body) // 2
    sentences = [m.end() for m in _SENTENCE_END.finditer(body) if m.end() >= half]
    if sentences:
        return body[:sentences[-1]]
    if not mid_word:
        ended = _strip_dangling(_balanced(body))
        return ended if len(ended) >= half else body
    clauses = [m.start() for m in _CLAUSE.finditer(body) if m.start() >= half]
    if clauses:
        ended = _strip_dangling(_balanced(body[:clauses[-1]]))
        if len(ended) >= half:
            return ended
    words = body.split()
    ended = _strip_dangling(_balanced(" ".join(words[:-1]))) if len(words) > 1 else body
    return ended if len(ended) >= half else body


def _walk(data: Any, schema: Any, path: str, found: list[str]) -> Any:
    if not isinstance(schema, dict):
        return data
    if isinstance(data, dict):
        props = schema.get("properties") or {}
        for key, value in data.items():
            data[key] = _walk(value, props.get(key), f"{path}.{key}" if path else key, found)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            data[i] = _walk(value, schema.get("items"), f"{path}[{i}]", found)
    elif (isinstance(data, str) and "enum" not in schema
          and len(data) >= schema.get("maxLength", len(data) + 2) - 1):
        # at the cap the cut may split a word; one short of it, the grammar's last character
        # was a space that parsing stripped, so the last word is whole
        ended = end_cleanly(data, mid_word=len(data) >= schema["maxLength"])
        if ended != data and len(ended) >= schema.get("minLength", 0):
            found.append(path)
            return ended
    return data


def end_cut_texts(data: Any, schema: dict[str, Any]) -> list[str]:
    """End, in place, every string of ``data`` that reached its ``maxLength`` in ``schema``
    (the grammar cut it there); the paths of those changed."""
    found: list[str] = []
    _walk(data, schema, "", found)
    return found
