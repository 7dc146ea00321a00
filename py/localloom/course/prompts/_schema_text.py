"""Turn an exported JSON Schema into prompt text a small model can follow.

Public names: ``schema_fields(schema, language)``, ``schema_example(schema, values)``.

Example::

    >>> from localloom.course.schema import Tags, json_schema
    >>> schema_example(json_schema(Tags, "wllama"))
    '{"tags":["..."]}'
    >>> print(schema_fields(json_schema(Tags, "wllama")))
    - tags: list of text (1 to 12)
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["schema_example", "schema_fields"]

_WORDS = {
    "en": {"string": "text", "integer": "integer", "number": "number", "boolean": "true/false",
           "object": "object", "list": "list of", "exactly": "exactly", "to": "to",
           "up_to": "up to", "one_of": "one of", "objects": "objects, each with"},
    "es": {"string": "texto", "integer": "entero", "number": "número", "boolean": "true/false",
           "object": "objeto", "list": "lista de", "exactly": "exactamente", "to": "a",
           "up_to": "hasta", "one_of": "uno de", "objects": "objetos, cada uno con"},
}


def _as_dict(schema: dict[str, Any] | str) -> dict[str, Any]:
    return json.loads(schema) if isinstance(schema, str) else schema


def _count(node: dict[str, Any], words: dict[str, str]) -> str:
    low, high = node.get("minItems"), node.get("maxItems")
    if low is not None and low == high:
        return f"{words['exactly']} {low} "
    if high is not None and low:
        return f"({low} {words['to']} {high}) "
    if high is not None:
        return f"({words['up_to']} {high}) "
    return ""


def _describe(node: dict[str, Any], words: dict[str, str]) -> str:
    if "enum" in node:
        return f"{words['one_of']} " + ", ".join(json.dumps(v, ensure_ascii=False)
                                                  for v in node["enum"])
    kind = node.get("type", "string")
    if kind == "array":
        return ""  # handled by the caller, which knows about nesting
    return words.get(kind, kind)


def _lines(node: dict[str, Any], words: dict[str, str], indent: str) -> list[str]:
    out: list[str] = []
    for name, prop in node.get("properties", {}).items():
        note = f" — {prop['description']}" if prop.get("description") else ""
        if prop.get("type") == "array":
            items = prop.get("items", {})
            count = _count(prop, words)
            if items.get("type") == "object":
                out.append(f"{indent}- {name}: {words['list']} {count}{words['objects']}:{note}")
                out.extend(_lines(items, words, indent + "  "))
            else:
                kind = _describe(items, words)
                if count.startswith(words["exactly"]):
                    head = f"{words['list']} {count}{kind}"
                else:
                    head = f"{words['list']} {kind} {count}".rstrip()
                out.append(f"{indent}- {name}: {head}{note}")
        elif prop.get("type") == "object":
            out.append(f"{indent}- {name}: {words['object']}:{note}")
            out.extend(_lines(prop, words, indent + "  "))
        else:
            out.append(f"{indent}- {name}: {_describe(prop, words)}{note}")
    return out


def schema_fields(schema: dict[str, Any] | str, language: str = "en") -> str:
    """A bullet list of the fields, their types, counts and descriptions."""
    words = _WORDS.get(language, _WORDS["en"])
    return "\n".join(_lines(_as_dict(schema), words, ""))


def _skeleton(node: dict[str, Any], values: dict[str, Any], name: str = "") -> Any:
    if name in values:
        return values[name]
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type", "string")
    if kind == "object":
        return {k: _skeleton(v, values, k) for k, v in node.get("properties", {}).items()}
    if kind == "array":
        return [_skeleton(node.get("items", {}), values)]
    if kind == "integer":
        return max(1, int(node.get("minimum", 1)))
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    return "..."


def schema_example(schema: dict[str, Any] | str, values: dict[str, Any] | None = None) -> str:
    """A compact JSON skeleton of the expected answer (one item per list).

    ``values`` fills named fields, e.g. ``{"language": "es"}`` so the example agrees with
    the instructions.
    """
    skeleton = _skeleton(_as_dict(schema), dict(values or {}))
    return json.dumps(skeleton, ensure_ascii=False, separators=(",", ":"))
