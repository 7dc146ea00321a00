"""The course data model and its JSON Schema in the shape each engine accepts.

Public names:

- ``Course``, ``Module``, ``Lesson``, ``QuizQuestion``: the validated course.
- ``Outline`` / ``OutlineModule``, ``Lesson``, ``ModuleQuiz``: the progressive steps.
- ``Summary``, ``Tags``, ``Classification``: the other tasks' results.
- ``CourseShape``: how many modules/lessons/questions a request asks for.
- ``json_schema(model, engine, shape=None, categories=None, *, bounds=None)``: the schema for
  one engine; ``bounds`` overrides whether it keeps the grammar bounds.
- ``enforces_bounds(engine)``: whether an engine object's structured output keeps the bounds
  (its ``schema_bounds`` attribute, else ``ENGINES[engine.name]``).
- ``course_json_schema(engine, shape=None)``: shortcut for ``Course``.

Example::

    >>> s = course_json_schema("wllama", CourseShape(modules=2))
    >>> s["properties"]["modules"]["maxItems"]
    2

Every exported schema is in the subset all engines accept: ``type``, ``properties``,
``required`` (every field), ``additionalProperties: false``, ``enum``, ``items``; no
``$ref``/``oneOf``/``anyOf``. Engines that enforce it with a grammar (wllama, WebLLM, Chrome)
also get ``minItems``/``maxItems``/``maxLength``, which keeps small models short and on track;
cloud strict modes and Transformers.js (no grammar: the schema is not enforced) get the plain
subset. A server that compiles the schema into a grammar
(llama-server, Ollama: the "custom" cloud provider) says so with ``schema_bounds`` and gets
the bounded schema too. WebLLM wants the schema as a JSON string.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "ENGINES",
    "FIELD_CAPS",
    "Classification",
    "Course",
    "CourseShape",
    "Lesson",
    "Level",
    "Module",
    "ModuleQuiz",
    "Outline",
    "OutlineModule",
    "QuizQuestion",
    "Summary",
    "Tags",
    "course_json_schema",
    "enforces_bounds",
    "json_schema",
]

Level = Literal["beginner", "intermediate", "advanced"]
LanguageCode = Literal["en", "es"]

#: Engines and whether their structured output keeps length/count bounds (grammar-based).
#: Transformers.js has no grammar at all: like a cloud chat model, it gets the format in the
#: prompt and its answers are validated and re-asked.
ENGINES: dict[str, bool] = {
    "wllama": True,
    "webllm": True,
    "chrome": True,
    "transformers": False,
    "openai": False,
}


def enforces_bounds(engine: Any) -> bool:
    """Whether ``engine`` enforces ``minItems``/``maxItems``/``maxLength`` (a grammar).

    An engine may say so itself with a ``schema_bounds`` attribute (``CloudEngine``: true for
    the custom server, false for strict cloud modes); otherwise ``ENGINES`` decides by name.
    """
    own = getattr(engine, "schema_bounds", None)
    return bool(own) if own is not None else ENGINES.get(getattr(engine, "name", ""), False)


class _Strict(BaseModel):
    # defer_build: validators are built on first use, not at import (the boot does not need them)
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, defer_build=True)


class QuizQuestion(_Strict):
    question: str = Field(min_length=3, max_length=400)
    options: list[str] = Field(min_length=2, max_length=6)
    answer: int = Field(ge=0, le=5, description="0-based index of the correct option")
    explanation: str = Field(max_length=600)

    @field_validator("options")
    @classmethod
    def _options_distinct(cls, options: list[str]) -> list[str]:
        cleaned = [o.strip() for o in options]
        if any(not o for o in cleaned):
            raise ValueError("options must not be empty")
        if len({o.casefold() for o in cleaned}) != len(cleaned):
            raise ValueError("options must be distinct")
        return cleaned

    @model_validator(mode="after")
    def _answer_in_range(self) -> QuizQuestion:
        if self.answer >= len(self.options):
            raise ValueError(
                f"answer {self.answer} is not an index of the {len(self.options)} options"
            )
        return self


class Lesson(_Strict):
    title: str = Field(min_length=2, max_length=160)
    objectives: list[str] = Field(min_length=1, max_length=8)
    content: str = Field(min_length=1, max_length=20000, description="Markdown")
    duration_minutes: int = Field(ge=1, le=600)
    key_points: list[str] = Field(min_length=1, max_length=10)


class Module(_Strict):
    title: str = Field(min_length=2, max_length=160)
    summary: str = Field(min_length=1, max_length=1200)
    lessons: list[Lesson] = Field(min_length=1, max_length=12)
    quiz: list[QuizQuestion] = Field(min_length=0, max_length=12)


class _CourseHead(_Strict):
    title: str = Field(min_length=2, max_length=160)
    description: str = Field(min_length=1, max_length=2000)
    language: LanguageCode
    level: Level
    audience: str = Field(min_length=1, max_length=400)
    prerequisites: list[str] = Field(max_length=10)
    learning_objectives: list[str] = Field(min_length=1, max_length=10)
    estimated_hours: float = Field(gt=0, le=500)


class Course(_CourseHead):
    modules: list[Module] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _distinct_module_titles(self) -> Course:
        seen: set[str] = set()
        for module in self.modules:
            key = module.title.casefold()
            if key in seen:
                raise ValueError(f"module title {module.title!r} is repeated")
            seen.add(key)
        return self


class OutlineModule(_Strict):
    title: str = Field(min_length=2, max_length=160)
    summary: str = Field(min_length=1, max_length=1200)
    lesson_titles: list[str] = Field(min_length=1, max_length=12)


class Outline(_CourseHead):
    modules: list[OutlineModule] = Field(min_length=1, max_length=20)


class ModuleQuiz(_Strict):
    questions: list[QuizQuestion] = Field(min_length=1, max_length=12)


class Summary(_Strict):
    summary: str = Field(min_length=1, max_length=4000)
    key_points: list[str] = Field(max_length=12)


class Tags(_Strict):
    tags: list[str] = Field(min_length=1, max_length=12)

    @field_validator("tags")
    @classmethod
    def _dedupe(cls, tags: list[str]) -> list[str]:
        out: list[str] = []
        for tag in (t.strip().lower() for t in tags):
            if tag and tag not in out:
                out.append(tag)
        if not out:
            raise ValueError("at least one non-empty tag is required")
        return out


class Classification(_Strict):
    label: str = Field(min_length=1, max_length=120)
    reason: str = Field(max_length=600)


@dataclass(frozen=True)
class CourseShape:
    """The size a request asks for; exported schemas pin array lengths to it."""

    modules: int = 4
    lessons_per_module: int = 3
    questions_per_quiz: int = 3
    max_text: int = 1200  # characters per lesson body, for grammar engines
    max_list: int = 6  # items in free lists (objectives, key points...), for grammar engines
    options: int = 4  # options per quiz question, pinned for grammar engines

    def __post_init__(self) -> None:
        if not 1 <= self.modules <= 20:
            raise ValueError("modules must be between 1 and 20")
        if not 1 <= self.lessons_per_module <= 12:
            raise ValueError("lessons_per_module must be between 1 and 12")
        if not 0 <= self.questions_per_quiz <= 12:
            raise ValueError("questions_per_quiz must be between 0 and 12")
        if not 2 <= self.options <= 6:
            raise ValueError("options must be between 2 and 6")
        if not 2 <= self.max_list <= 12:
            raise ValueError("max_list must be between 2 and 12")


_DROP_ALWAYS = {"title", "default", "examples"}
_BOUNDS = {"minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum",
           "exclusiveMinimum", "exclusiveMaximum", "pattern"}
# Grammar engines convert these well; numeric bounds on floats they do not.
_GRAMMAR_KEEPS = {"minItems", "maxItems", "minLength", "maxLength"}


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            return _inline(copy.deepcopy(defs[name]), defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def _to_subset(node: Any, keep_bounds: set[str]) -> Any:
    if isinstance(node, list):
        return [_to_subset(v, keep_bounds) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    if keep_bounds and node.get("type") == "number" and "maximum" in node and (
            "minimum" in node or "exclusiveMinimum" in node):
        # Grammars cannot bound floats (Gemma wrote 12000 hours): ask for a whole number in
        # range instead, which pydantic accepts for a float field.
        low = (math.ceil(node["minimum"]) if "minimum" in node
               else math.floor(node["exclusiveMinimum"]) + 1)
        node = {**{k: v for k, v in node.items() if k not in _BOUNDS}, "type": "integer",
                "minimum": low, "maximum": math.floor(node["maximum"])}
    # Grammars bound integers well (llama.cpp, XGrammar): keep ranges on integers only.
    keep = keep_bounds | ({"minimum", "maximum"} if keep_bounds and
                          node.get("type") == "integer" else set())
    for key, value in node.items():
        if key in _DROP_ALWAYS or (key in _BOUNDS and key not in keep):
            continue
        if key == "const":  # Literal with one value: enum is in the subset, const is not
            out["enum"] = [value]
            continue
        if key == "properties":
            out[key] = {name: _to_subset(v, keep_bounds) for name, v in value.items()}
            continue
        out[key] = _to_subset(value, keep_bounds)
    if out.get("type") == "object" and "properties" in out:
        out["required"] = list(out["properties"])
        out["additionalProperties"] = False
    return out


def _pin(schema: dict[str, Any], path: tuple[str, ...], count: int) -> None:
    node = schema
    for key in path:
        node = node["properties"][key] if key != "[]" else node["items"]
    node["minItems"] = count
    node["maxItems"] = count


def _pin_options(schema: dict[str, Any], path: tuple[str, ...], options: int) -> None:
    """Pin the options of every question at ``path`` and bound ``answer`` to their indexes."""
    node = schema
    for key in path:
        node = node["properties"][key] if key != "[]" else node["items"]
    question = node["items"]["properties"]
    question["options"]["minItems"] = question["options"]["maxItems"] = options
    question["answer"]["minimum"], question["answer"]["maximum"] = 0, options - 1


def _shape_paths(model: type[BaseModel], shape: CourseShape) -> list[tuple[tuple[str, ...], int]]:
    if model is Course:
        pins = [(("modules",), shape.modules),
                (("modules", "[]", "lessons"), shape.lessons_per_module)]
        # Always pinned, 0 included: an unpinned quiz let Gemma write one nobody asked for.
        pins.append((("modules", "[]", "quiz"), shape.questions_per_quiz))
        return pins
    if model is Outline:
        return [(("modules",), shape.modules),
                (("modules", "[]", "lesson_titles"), shape.lessons_per_module)]
    if model is ModuleQuiz and shape.questions_per_quiz:
        return [(("questions",), shape.questions_per_quiz)]
    return []


def _cap_text(node: Any, max_text: int, max_list: int) -> None:
    """Bound every string and every unpinned list, so a grammar stops small models early."""
    if isinstance(node, dict):
        if node.get("type") == "string" and "enum" not in node:
            node["maxLength"] = min(node.get("maxLength", max_text), max_text)
        pinned = "maxItems" in node and node.get("minItems") == node["maxItems"]
        if node.get("type") == "array" and not pinned:
            cap = max(node.get("minItems", 0), max_list)
            node["maxItems"] = min(node.get("maxItems", cap), cap)
        for value in node.values():
            _cap_text(value, max_text, max_list)
    elif isinstance(node, list):
        for value in node:
            _cap_text(value, max_text, max_list)


#: Grammar engines: the longest each named field may be (characters; for a list, each item).
#: Short fields keep a small model on track and fast; the worked examples fit well inside.
FIELD_CAPS = {"title": 60, "lesson_titles": 60, "description": 300, "audience": 100,
              "summary": 220, "prerequisites": 80, "learning_objectives": 100,
              "objectives": 100, "key_points": 100, "question": 160, "options": 100,
              "explanation": 160}
#: Grammar engines: the shortest a lesson's text may be. A small model otherwise closes the
#: string after a few words ("Ver los volcanos con un mapa geo-") and every re-ask fails the
#: same way; the grammar cannot end it before this (capped by the shape's ``max_text``).
FIELD_FLOORS = {"content": 80}


def _cap_fields(node: Any) -> None:
    if isinstance(node, dict):
        for name, prop in node.get("properties", {}).items():
            cap, floor = FIELD_CAPS.get(name), FIELD_FLOORS.get(name)
            target = prop.get("items") if prop.get("type") == "array" else prop
            if not (isinstance(target, dict) and target.get("type") == "string"
                    and "enum" not in target):
                continue
            if cap:
                target["maxLength"] = min(target.get("maxLength", cap), cap)
            if floor:
                target["minLength"] = min(max(target.get("minLength", 0), floor),
                                          target.get("maxLength", floor))
        for value in node.values():
            _cap_fields(value)
    elif isinstance(node, list):
        for value in node:
            _cap_fields(value)


def json_schema(
    model: type[BaseModel],
    engine: str = "openai",
    shape: CourseShape | None = None,
    categories: list[str] | None = None,
    *,
    bounds: bool | None = None,
    fixed: dict[str, str | list[str]] | None = None,
) -> dict[str, Any] | str:
    """Return ``model``'s JSON Schema in the subset and shape ``engine`` accepts.

    ``shape`` pins array lengths (modules, lessons, questions); ``categories`` turns
    ``Classification.label`` into an enum; ``bounds`` (default ``ENGINES[engine]``) keeps the
    length/count bounds a grammar enforces; ``fixed`` pins top-level fields to one value (a
    lesson's title from the outline, the course's language and level; a list pins its items),
    so the model cannot drift from them. WebLLM gets a JSON string, the others a dict.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; expected one of {sorted(ENGINES)}")
    raw = model.model_json_schema()
    grammar = ENGINES[engine] if bounds is None else bounds
    schema = _to_subset(_inline(raw, raw.get("$defs", {})), _GRAMMAR_KEEPS if grammar else set())
    if shape is not None:
        for path, count in _shape_paths(model, shape):
            _pin(schema, path, count)
        if grammar:
            _cap_text(schema, shape.max_text, shape.max_list)
            _cap_fields(schema)
            quiz_path = {Course: ("modules", "[]", "quiz"), ModuleQuiz: ("questions",)}
            if model in quiz_path:
                _pin_options(schema, quiz_path[model], shape.options)
        else:
            _strip(schema, {"minItems", "maxItems"})
    if categories:
        if model is not Classification:
            raise ValueError("categories apply only to Classification")
        schema["properties"]["label"] = {"type": "string", "enum": list(categories)}
    for name, value in (fixed or {}).items():
        if name not in schema["properties"]:
            raise ValueError(f"{model.__name__} has no field {name!r} to fix")
        if isinstance(value, list):
            schema["properties"][name] = {
                "type": "array", "minItems": len(value), "maxItems": len(value),
                "items": {"type": "string", "enum": list(value)} if value else {"type": "string"}}
        else:
            schema["properties"][name] = {"type": "string", "enum": [value]}
    return json.dumps(schema, ensure_ascii=False) if engine == "webllm" else schema


def _strip(node: Any, keys: set[str]) -> None:
    if isinstance(node, dict):
        for key in keys & node.keys():
            del node[key]
        for value in node.values():
            _strip(value, keys)
    elif isinstance(node, list):
        for value in node:
            _strip(value, keys)


def course_json_schema(engine: str = "openai", shape: CourseShape | None = None):
    """The ``Course`` schema for ``engine`` (a dict, or a JSON string for WebLLM)."""
    return json_schema(Course, engine, shape)
