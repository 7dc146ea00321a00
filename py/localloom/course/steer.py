"""Words a refused answer leaned on, turned into llama.cpp logit biases for the step's next
calls, so a base model stops reaching for them.

Public names: ``STEER_BIAS``, ``MAX_WORDS``, ``title_words``, ``subject_words``,
``code_pieces``, ``biased_words``, ``logit_bias``.

A re-ask's feedback is text a base model does not read as an instruction, and resampling the
same document gives the same words back. "Understanding climate and weather" (in the page):
the module written on its own after module 1, "Exploring Different Countries: Land and
Water", repeated that title in other words on ten calls, at three seeds and temperatures.
A probe continuing "Module 1: <that title>", then "Module 2:", reused its words in 3 of 4
samples in the page and 3 of 5 on llama-server; with those words biased by -8, in 0 of 8
and 0 of 5 (two of the page's eight echoed the topic instead, which its own gate refuses).
A biased word is discouraged, not banned, and only for the rest of that step; the course's
topic words are never biased::

    words = title_words(["Exploring Different Countries: Land and Water"],
                        topic="Understanding climate and weather")
    request.logit_bias = logit_bias(words)   # [[" Exploring", -6.0], ["Exploring", -6.0], ...]

A quiz question about another subject than its module (a worked example's, copied: "¿Cuántos
genes tiene un ser humano?" in a Python quiz) is biased by its specific words the same way.
A code name refused as a quiz option ("answer_type_list") is biased by the pieces that spell
it ("_type", "_list"), so " list" in a sentence stays free. JSON's own keys stay free too: a
title word that is part of a key ("lesson" of "lesson_titles") keeps its bare lower-case
form, which is how the key is spelled after its quote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from localloom.course.audit import FIELD_NAMES, content_stems, subject_roots

__all__ = ["STEER_BIAS", "biased_words", "code_pieces", "logit_bias", "subject_words",
           "title_words"]

#: Added to a biased token's logit: e^-6 ≈ 1/400 of its odds, so a word the answer needs can
#: still win, while a near-tie picks something else.
STEER_BIAS = -6.0
#: Words biased at most, per call (each gives up to six strings).
MAX_WORDS = 24
#: How the schema's keys are spelled after their opening quote: never biased.
_KEY_PIECES = frozenset(piece for name in FIELD_NAMES for piece in name.split("_"))
_CODE_NAME = re.compile(r"[^\W\d_]+(?:_[^\W_]+)+")


def title_words(texts: Iterable[str], topic: str = "") -> list[str]:
    """The words of refused titles: 3+ letters, no stop words, none of the topic's (plurals,
    case and accents ignored), each spelling once ("Volcanes", "volcán": both)."""
    keep = set(content_stems(topic))
    out: list[str] = []
    seen: set[str] = set()
    for text in texts:
        for word in re.findall(r"[^\W\d_]{3,}", text):
            stems = content_stems(word)  # empty for a stop word
            if not stems or stems[0] in keep or word.casefold() in seen:
                continue
            seen.add(word.casefold())
            out.append(word)
    return out


def subject_words(texts: Iterable[str], topic: str = "") -> list[str]:
    """``title_words`` that name a subject: not "tiene", "cuántos", "basics", words any
    subject uses (``audit.subject_roots``)."""
    return [word for word in title_words(texts, topic) if subject_roots(word)]


def code_pieces(text: str) -> list[str]:
    """The pieces that spell the code names in ``text`` ("answer_type_list" → "_type",
    "_list"; a first piece that is no key's, too: "foo_bar" → "foo_", "_bar")."""
    out: list[str] = []
    for name in _CODE_NAME.findall(text):
        first, *rest = name.split("_")
        pieces = ([] if first.casefold() in _KEY_PIECES else [first + "_"]) + [
            "_" + piece for piece in rest]
        out += [piece for piece in pieces if piece not in out]
    return out


def _forms(word: str) -> list[str]:
    if "_" in word:  # a code name's piece: exactly the tokens that spell it
        return [word]
    cases = dict.fromkeys([word, word.lower(), word[:1].upper() + word[1:]])
    return [form for case in cases for form in (" " + case, case)
            if form not in _KEY_PIECES]


def biased_words(words: Iterable[str]) -> list[str]:
    """The words a call is biased against: each once, the first ``MAX_WORDS``."""
    return list(dict.fromkeys(words))[:MAX_WORDS]


def logit_bias(words: Iterable[str], bias: float = STEER_BIAS) -> list[list]:
    """llama.cpp's ``logit_bias`` as ``[text, bias]`` pairs (llama.cpp biases every token of
    a text): each word with and without a leading space, as written, in lower case and
    capitalised (but no key's spelling); a code name's piece as it is; the first
    ``MAX_WORDS`` words."""
    pairs: list[list] = []
    seen: set[str] = set()
    for word in biased_words(words):
        for form in _forms(word):
            if form not in seen:
                seen.add(form)
                pairs.append([form, bias])
    return pairs
