"""A grammar that keeps a base model's titles from starting with the course topic, once one
of the step's answers wrote the topic as a title.

Public names: ``topic_prefix``, ``no_prefix_pattern``, ``guard_titles``.

Gemma 3 270M writes the topic as module 1's title on about half the topics it is given
(26 of 228 calls natively, 11 of 22 topics, in the quality bench), and for "Primeros
auxilios básicos" on every call of the outline step: the title the grammar pins, then the
same words again as the first module. The re-ask's feedback is text a base model does not
read, and biasing the topic's words against it also biases them in the summaries, which then
drift off the topic. A JSON-schema ``pattern`` on the module and lesson titles forbids only
the start: a title may not begin with the topic's first word (its first four letters,
after any short words before it), in any letter case. llama.cpp turns the pattern into
grammar rules (wllama and llama-server alike), so the model picks another first word
("Cómo actuar ante…", "La guía de salud") instead of being re-asked for the same one::

    topic_prefix("Primeros auxilios básicos")      # "Prim"
    topic_prefix("El sistema solar")                # "El sist"
    no_prefix_pattern("Prim", 2, 60)                # '^([^Pp"\\\\\\x00-\\x1f]…)$'
    guard_titles(schema, "Prim")                    # every title under "modules" patterned

A damaged copy ("Pimero auxiliares básicos") still passes the grammar; the echo check
refuses it as before.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

__all__ = ["guard_titles", "no_prefix_pattern", "topic_prefix"]

#: Letters of the topic's first long word a title may not begin with.
PREFIX_LETTERS = 4
#: The characters of a JSON string the grammar allows after the prefix: no quote, no
#: backslash, no control character (what llama.cpp's own string rule allows, minus escapes).
_FREE = r'"\\\x00-\x1f'
_TITLE_KEYS = ("title", "lesson_titles")


def topic_prefix(topic: str) -> str:
    """The start of ``topic`` a title may not repeat: its words up to the first one of at
    least ``PREFIX_LETTERS`` letters, cut to that many; "" when the topic has no such word
    or it starts with a character other than a letter or digit."""
    words = []
    for word in topic.split():
        lead = re.match(r"[^\W_]+", word)
        if lead is None:
            return ""
        if len(lead.group()) >= PREFIX_LETTERS:
            return " ".join([*words, lead.group()[:PREFIX_LETTERS]])
        if lead.group() != word:
            return ""
        words.append(word)
    return ""


def _either_case(char: str) -> str:
    variants = {char}
    for other in (char.lower(), char.upper()):
        if len(other) == 1:
            variants.add(other)
    return "".join(sorted(variants))


def no_prefix_pattern(prefix: str, low: int, high: int) -> str:
    """A regular expression (``^…$``, the subset llama.cpp's grammar converter takes) for a
    JSON string of ``low`` to ``high`` characters that does not begin with ``prefix`` in any
    letter case (nor is a start of it: "Pr"). ``prefix``: letters, digits and single
    spaces."""
    if not prefix or not re.fullmatch(r"[^\W_]+( [^\W_]+)*", prefix):
        raise ValueError(f"prefix must be words of letters or digits, not {prefix!r}")
    if not 1 <= low <= high or high <= len(prefix):
        raise ValueError(f"lengths {low}..{high} do not fit after the prefix {prefix!r}")
    branches = []
    for i, char in enumerate(prefix):
        head = "".join(f"[{_either_case(c)}]" for c in prefix[:i])
        rest = f"[^{_FREE}]{{{max(0, low - i - 1)},{high - i - 1}}}"
        branches.append(f"{head}[^{_either_case(char)}{_FREE}]{rest}")
    return "^(" + "|".join(branches) + ")$"


def _guard(node: dict[str, Any], prefix: str) -> None:
    if node.get("type") != "string" or "enum" in node or "pattern" in node:
        return
    high = int(node.get("maxLength", 160))
    if high <= len(prefix):
        return
    node["pattern"] = no_prefix_pattern(prefix, max(1, int(node.get("minLength", 1))), high)


def guard_titles(schema: dict[str, Any] | str, prefix: str) -> dict[str, Any] | str:
    """``schema`` with every module's title and lesson titles patterned so none begins with
    ``prefix`` (``no_prefix_pattern``); unchanged (the same object) when ``prefix`` is "" or
    the schema has no modules. ``minLength``/``maxLength`` stay for the token budget; the
    grammar reads the pattern, which carries them."""
    if not prefix:
        return schema
    data = json.loads(schema) if isinstance(schema, str) else schema
    modules = data.get("properties", {}).get("modules", {}).get("items")
    if not isinstance(modules, dict):
        return schema
    data = copy.deepcopy(data)
    item = data["properties"]["modules"]["items"].get("properties", {})
    for key in _TITLE_KEYS:
        node = item.get(key)
        if isinstance(node, dict):
            _guard(node.get("items", {}) if node.get("type") == "array" else node, prefix)
    return data
