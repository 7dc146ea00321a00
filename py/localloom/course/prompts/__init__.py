"""Prompt templates per task and language, as chat messages or as base-model completion text.

Public names:

- ``TASKS``, ``LANGUAGES``: what ``render_messages``/``render_completion`` accept.
- ``TASK_MODELS``: the schema model each task answers with.
- ``render_messages(task, language, **vars) -> list[dict]``: ``[system, user]`` chat messages.
- ``render_completion(task, language, **vars) -> str``: one text for base models, ending in
  ``JSON:\\n`` so the continuation is the JSON answer.
- ``render_user_template(source, **vars) -> str``: a user-edited template, sandboxed (jinja2's
  immutable ``SandboxedEnvironment``: it cannot reach Python internals or change the values).
- ``schema_fields(schema, language)``, ``schema_example(schema, values)``: schema as prompt text.

Templates live in ``templates/{en,es}/{task}.j2`` with ``system`` and ``user`` blocks (and an
optional ``completion`` block); they are read with ``importlib.resources`` so they load from a
wheel or a zip import in Pyodide as well as from the source tree. Undefined variables raise.

Variables: ``topic``, ``level``, ``audience``, ``shape`` (modules, lessons_per_module,
questions_per_quiz, max_text), ``source_text``, ``feedback`` (problems of a failed attempt),
``avoid`` (titles already used), ``fields``/``example`` (filled from ``TASK_MODELS`` when not
given); sub-steps add ``course_title``, ``module_titles``, ``module_index``, ``module_count``,
``module_title``, ``module_summary``, ``lesson_titles`` (a lesson also ``lesson_title`` and
``lesson_index``); text tasks take ``text`` (and ``categories`` for classify, ``max_tags`` for
tags). Base models get few-shot documents instead (``prompts.fewshot``). Example::

    >>> from localloom.course.schema import CourseShape
    >>> msgs = render_messages("outline", "es", topic="Fotosíntesis", level="beginner",
    ...                        shape=CourseShape(modules=2))
    >>> [m["role"] for m in msgs]
    ['system', 'user']
    >>> render_completion("tags", "en", text="Cats purr.").endswith("JSON:\\n")
    True
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from localloom.course.prompts._schema_text import schema_example, schema_fields
from localloom.course.schema import (
    Classification,
    Course,
    CourseShape,
    Lesson,
    ModuleQuiz,
    Outline,
    Summary,
    Tags,
    json_schema,
)
from localloom.errors import TemplateError
from localloom.i18n import _

__all__ = [
    "LANGUAGES",
    "TASKS",
    "TASK_MODELS",
    "render_completion",
    "render_messages",
    "render_user_template",
    "schema_example",
    "schema_fields",
]

TASK_MODELS: dict[str, type] = {
    "outline": Outline,
    "lesson": Lesson,
    "quiz": ModuleQuiz,
    "course": Course,
    "summary": Summary,
    "tags": Tags,
    "classify": Classification,
}
TASKS: tuple[str, ...] = tuple(TASK_MODELS)
LANGUAGES: tuple[str, ...] = ("en", "es")

_LEVELS = {
    "en": {"beginner": "beginner", "intermediate": "intermediate", "advanced": "advanced"},
    "es": {"beginner": "principiante", "intermediate": "intermedio", "advanced": "avanzado"},
}
_DEFAULTS: dict[str, Any] = {
    "feedback": "",
    "avoid": (),
    "audience": "",
    "source_text": "",
    "categories": (),
    "module_titles": (),
    "module_summary": "",
    "key_points": (),
    "max_tags": 6,
    "level": "beginner",
}


def _load(name: str) -> tuple[str, None, Any] | None:
    node = resources.files(__name__).joinpath("templates")
    for part in name.split("/"):
        node = node.joinpath(part)
    try:
        return node.read_text(encoding="utf-8"), None, lambda: True
    except (FileNotFoundError, NotADirectoryError, OSError):
        return None


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(_load),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def _check(task: str, language: str) -> None:
    if task not in TASK_MODELS:
        raise ValueError(f"unknown task {task!r}; expected one of {list(TASKS)}")
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {list(LANGUAGES)}")


def _context(task: str, language: str, vars: dict[str, Any]) -> dict[str, Any]:
    ctx = {**_DEFAULTS, **vars, "language": language}
    shape = ctx.get("shape")
    if isinstance(shape, CourseShape):
        ctx["shape"] = dataclasses.asdict(shape)
    elif shape is None:
        ctx["shape"] = dataclasses.asdict(CourseShape())
    ctx["level_label"] = _LEVELS[language].get(ctx["level"], ctx["level"])
    if "fields" not in ctx or "example" not in ctx:
        shape_obj = CourseShape(**ctx["shape"])
        categories = list(ctx["categories"]) or None
        schema = json_schema(TASK_MODELS[task], "wllama", shape_obj, categories)
        ctx.setdefault("fields", schema_fields(schema, language))
        values = {"language": language, "level": ctx["level"]} if task in ("outline",
                                                                           "course") else {}
        ctx.setdefault("example", schema_example(schema, values))
    return ctx


def _render_block(task: str, language: str, block: str, ctx: dict[str, Any]) -> str | None:
    try:
        template = _env().get_template(f"{language}/{task}.j2")
        render = template.blocks.get(block)
        if render is None:
            return None
        return "".join(render(template.new_context(ctx))).strip()
    except jinja2.TemplateError as exc:
        raise TemplateError(
            _("The built-in {name} prompt failed to render: {error}").format(
                name=f"{language}/{task}", error=exc),
            cause=_("A prompt variable is missing or the template is broken."),
            fix=_("Report this bug; it is not caused by your input."),
            stage="prompt",
        ) from exc


def render_messages(task: str, language: str, **vars: Any) -> list[dict[str, str]]:
    """The ``[system, user]`` chat messages for ``task`` in ``language``."""
    _check(task, language)
    ctx = _context(task, language, vars)
    return [
        {"role": "system", "content": _render_block(task, language, "system", ctx) or ""},
        {"role": "user", "content": _render_block(task, language, "user", ctx) or ""},
    ]


def render_completion(task: str, language: str, **vars: Any) -> str:
    """Plain prompt text for a base model (no chat template), ending in ``JSON:\\n``."""
    _check(task, language)
    ctx = _context(task, language, vars)
    custom = _render_block(task, language, "completion", ctx)
    if custom is None:
        system = _render_block(task, language, "system", ctx) or ""
        user = _render_block(task, language, "user", ctx) or ""
        custom = f"{system}\n\n{user}"
    return custom.rstrip() + "\n\nJSON:\n"


@lru_cache(maxsize=1)
def _sandbox() -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)


def render_user_template(source: str, **vars: Any) -> str:
    """Render a user-edited template in jinja2's sandbox; any failure is a ``TemplateError``."""
    try:
        return _sandbox().from_string(source).render(**vars)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            _("Your template has a syntax error on line {line}: {error}").format(
                line=exc.lineno, error=exc.message),
            cause=_("A tag or expression is not closed or not valid Jinja."),
            stage="prompt",
        ) from exc
    except jinja2.UndefinedError as exc:
        known = ", ".join(sorted(vars))
        raise TemplateError(
            _("Your template uses an unknown variable: {error}").format(error=exc.message),
            cause=_("Only these variables exist: {names}.").format(names=known) if known
            else _("No variables exist here."),
            stage="prompt",
        ) from exc
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(
            _("Your template tried something the sandbox forbids: {error}").format(error=exc),
            cause=_("Templates may only read variables, not reach into Python internals."),
            stage="prompt",
        ) from exc
    except (jinja2.TemplateError, ArithmeticError, LookupError, TypeError, ValueError) as exc:
        raise TemplateError(
            _("Your template failed to render: {error}").format(error=exc),
            stage="prompt",
        ) from exc
