"""Turn a language model's noisy output into a validated object, or say exactly what is wrong.

Public names:

- ``parse_course(text)`` → ``Course``.
- ``parse_as(text, model, categories=None)`` → an instance of ``model`` (``Course``, ``Outline``,
  ``Lesson``, ``ModuleQuiz``, ``Summary``, ``Tags``, ``Classification``); with
  ``categories`` a ``Classification.label`` must be one of them (its case is fixed).
- ``parse_with_report(text, model, categories=None)`` → ``(object, ParseReport)``: the same, plus
  what was repaired and whether the output was truncated (its tail was invented, so a value
  near the end may be cut short).
- ``parse_partial(text)`` → the object so far while the model streams (``dict``), or ``None``;
  it never raises.
- ``PartialReader``: the same for a stream, fed delta by delta: ``feed(delta)`` costs
  O(len(delta)), ``value()`` reads the object so far (cached until more text arrives); both
  live in ``_partial``.
- ``ParseReport``; ``MAX_CHARS``: longer outputs are refused.

Failures raise ``CourseParseError`` whose ``problems`` are ``(json_path, message)`` pairs such as
``("modules[0].quiz[1].answer", "answer 4 is not an index of the 3 options")``; nothing else
escapes for any input string.

Example::

    >>> tags = parse_as("Sure! ```json\\n{'tags': ['Python', 'data',]}\\n```", Tags)
    >>> tags.tags
    ['python', 'data']

How: find every top-level ``{...}``/``[...]`` in the text and decode it (``_jsontext``: strict
JSON, a string-exact normalisation, ``_jsonfeed`` for a truncated tail, ``json_repair`` last,
and only for spans up to ``REPAIR_MAX_CHARS``: it is superlinear, 38 s for 1 MB); fix the
common slips (``_coerce``); validate with pydantic; keep the candidate that validates (the
largest, if several do), else the one closest to the schema, and report its problems in plain
words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from localloom.course._coerce import coerce, fold
from localloom.course._jsontext import MAX_DEPTH, TooDeep, clean, decode, spans
from localloom.course._partial import PartialReader, parse_partial
from localloom.course.schema import Course
from localloom.errors import CourseParseError

__all__ = ["MAX_CHARS", "ParseReport", "PartialReader", "parse_as", "parse_course",
           "parse_partial", "parse_with_report"]

M = TypeVar("M", bound=BaseModel)

MAX_CHARS = 2_000_000
REPAIR_MAX_CHARS = 100_000  # json-repair is superlinear: 1.3 s for 200 KB, 38 s for 1 MB
MAX_CANDIDATES = 20  # the largest spans are tried; prose full of [1]-style brackets stays cheap
_NAMES = {"Course": "course", "Outline": "course outline", "Lesson": "lesson",
          "ModuleQuiz": "quiz", "Summary": "summary", "Tags": "tags",
          "Classification": "classification"}
# Model validators report on the object; these messages belong to one of its fields.
_VALIDATOR_FIELDS = (("answer ", "answer"), ("module title ", "modules"))


@dataclass
class ParseReport:
    """What the parser did to get the object: text ``repairs``, value ``coercions``, and
    ``truncated`` when the output stopped before its last bracket (its tail was made up)."""

    repairs: list[str] = field(default_factory=list)
    coercions: list[str] = field(default_factory=list)
    truncated: bool = False
    candidates: int = 0


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return {list: "a list", dict: "an object", str: "text"}.get(type(value), type(value).__name__)


def _message(err: dict[str, Any]) -> str:
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    if kind == "missing":
        return "missing"
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return f"must have at least {n} item{'s' if n != 1 else ''}"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} items, not {ctx.get('actual_length')}"
    if kind == "string_too_short":
        n = ctx.get("min_length", 1)
        return "must not be empty" if n == 1 else f"must be at least {n} characters"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters, not {len(value)}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, not {shown}"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    simple = {"string_type": "must be text", "list_type": "must be a list",
              "model_type": "must be an object", "dict_type": "must be an object",
              "int_type": "must be a whole number", "int_parsing": "must be a whole number",
              "int_from_float": "must be a whole number", "float_type": "must be a number",
              "float_parsing": "must be a number", "finite_number": "must be a finite number"}
    if kind in simple:
        return f"{simple[kind]}, not {shown if isinstance(value, str) else _kind(value)}"
    bounds = {"greater_than_equal": ("ge", "at least"), "less_than_equal": ("le", "at most"),
              "greater_than": ("gt", "more than"), "less_than": ("lt", "less than")}
    if kind in bounds:
        key, words = bounds[kind]
        limit = ctx.get(key)
        limit = int(limit) if isinstance(limit, float) and limit.is_integer() else limit
        return f"must be {words} {limit}, not {shown}"
    return str(err["msg"])


def _problems(exc: ValidationError) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for err in exc.errors(include_url=False):
        path, message = _path(tuple(err["loc"])), _message(err)
        for prefix, name in _VALIDATOR_FIELDS:
            if err["type"] == "value_error" and message.startswith(prefix):
                path = f"{path}.{name}" if path else name
        if (path, message) not in out:
            out.append((path, message))
    return out


def _check_label(data: Any, categories: list[str], log: list[str]) -> list[tuple[str, str]]:
    label = data.get("label") if isinstance(data, dict) else None
    if not isinstance(label, str):
        return []
    wanted = fold(label).rstrip(".")
    match = next((c for c in categories if fold(c) == wanted), None)
    if match is None:
        return [("label", f"must be one of {', '.join(map(repr, categories))}, not {label!r}")]
    if match != label:
        data["label"] = match
        log.append(f"label: {label!r} → {match!r}")
    return []


def _evaluate(value: Any, model: type[M], categories: list[str] | None):
    """Coerce and validate one candidate → (rank, object or None, problems, coercions)."""
    log: list[str] = []
    data = coerce(value, model, log)
    label_problems = _check_label(data, categories, log) if categories else []
    obj, problems = None, []
    try:
        obj = model.model_validate(data)
    except ValidationError as exc:
        problems = _problems(exc)
    problems += [p for p in label_problems if p[0] not in {q[0] for q in problems}]
    ok = obj is not None and not problems
    known = len(set(data) & set(model.model_fields)) if isinstance(data, dict) else 0
    rank = (ok, known, -len(problems), len(str(value)))
    return rank, (obj if ok else None), problems, log


def _fail(what: str, problems: list[tuple[str, str]]) -> CourseParseError:
    return CourseParseError(what, problems=problems, stage="parse")


def _parse(text: str, model: type[M], categories: list[str] | None, report: ParseReport) -> M:
    if not text.strip():
        raise _fail("The model returned no output.", [("", "the output is empty")])
    if len(text) > MAX_CHARS:
        raise _fail("The model's output is too long.",
                    [("", f"the output is longer than {MAX_CHARS:,} characters")])
    text = clean(text, report.repairs)
    try:
        found = spans(text)
    except TooDeep:
        raise _fail("The model's output is nested too deeply.",
                    [("", f"JSON nested more than {MAX_DEPTH} levels deep")]) from None
    if not found:
        raise _fail("The model's output contains no JSON object.",
                    [("", "no JSON object found; answer with one JSON object only")])
    name = _NAMES.get(model.__name__, model.__name__)
    best = None
    for span in sorted(found, key=lambda s: s.start - s.end)[:MAX_CANDIDATES]:
        repairs: list[str] = []
        repairable = span.end - span.start <= REPAIR_MAX_CHARS
        try:
            value = decode(text[span.start:span.end], span.closed, repairs, repair=repairable)
        except ValueError:
            if repairable:
                raise
            continue  # it needs json-repair, and is too long for it
        items = [value] + [v for v in value if isinstance(v, dict)] if isinstance(
            value, list) else [value]
        for item in items:
            report.candidates += 1
            result = _evaluate(item, model, categories)
            if best is None or result[0] > best[0][0]:
                best = (result, span, repairs)
    if best is None:
        raise _fail("The model's output is not valid JSON, and too long to repair.",
                    [("", f"the JSON is broken and longer than {REPAIR_MAX_CHARS:,} "
                          "characters; answer with valid JSON")])
    (_, obj, problems, log), span, repairs = best
    if text[:span.start].strip() or text[span.end:].strip():
        report.repairs.append("ignored the text around the JSON")
    if report.candidates > 1:
        report.repairs.append(f"chose the best of {report.candidates} JSON values")
    report.repairs += repairs
    report.coercions, report.truncated = log, not span.closed
    if report.truncated:
        report.repairs.append("closed a truncated output")
    if obj is None:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        raise _fail(f"The model's {name} has {count}.", problems)
    return obj


def parse_with_report(
    text: str, model: type[M], *, categories: list[str] | None = None
) -> tuple[M, ParseReport]:
    """Parse ``text`` into ``model``; also return the ``ParseReport`` of what was repaired."""
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"model must be a pydantic model class, not {model!r}")
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, not {type(text).__name__}")
    report = ParseReport()
    try:
        return _parse(text, model, categories, report), report
    except CourseParseError:
        raise
    except Exception as exc:  # the boundary: json-repair/pydantic surprises become parse errors
        raise _fail("LocalLoom could not read the model's output.",
                    [("", f"unreadable output ({type(exc).__name__})")]) from exc


def parse_as(text: str, model: type[M], *, categories: list[str] | None = None) -> M:
    """Parse ``text`` into ``model``; raise ``CourseParseError`` with precise problems."""
    return parse_with_report(text, model, categories=categories)[0]


def parse_course(text: str) -> Course:
    """Parse a model's course output into a validated ``Course``."""
    return parse_as(text, Course)
