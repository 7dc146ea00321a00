"""Courses in and out of the browser: JSON export and import, Markdown export.

Public names: ``CourseExport``, ``EXPORT_FORMAT``, ``MAX_IMPORT_BYTES``, ``export_json``,
``import_json``, ``export_markdown``, ``export_schema``, ``file_name``.

An export is a JSON object that names its format and schema version and carries the course
with the provenance of each part::

    text = export_json(record)               # {"format": "localloom-course", ...}
    again = import_json(text, "rust.json")   # a new CourseRecord with the same course
    export_markdown(record)                  # the course as a Markdown document

Import trusts nothing: the file is size-checked, parsed and validated whole before anything
is stored, so a bad file is refused with a ``LocalLoomError`` (what / cause / fix) and never
half-imported. Exports of an older schema version are migrated; a newer one is refused with
a fix that says to update. ``export_schema()`` is the JSON Schema an export validates against.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import jinja2
from pydantic import BaseModel, ConfigDict, ValidationError

from localloom.course.schema import Course
from localloom.errors import LocalLoomError
from localloom.library.messages import MESSAGES
from localloom.library.records import SCHEMA_VERSION, CourseRecord, Provenance, new_record, now_iso

__all__ = ["EXPORT_FORMAT", "MAX_IMPORT_BYTES", "CourseExport", "export_json",
           "export_markdown", "export_schema", "file_name", "import_json"]

EXPORT_FORMAT = "localloom-course"
#: A course export is far smaller than this (20 modules of long lessons is about 2 MB).
MAX_IMPORT_BYTES = 8_000_000


class CourseExport(BaseModel):
    """The file Export JSON writes."""

    model_config = ConfigDict(extra="forbid")
    format: Literal["localloom-course"]
    schema_version: int
    exported: str
    title: str
    created: str = ""
    form: dict[str, str] = {}
    provenance: dict[str, Provenance] = {}
    course: Course


def export_schema() -> dict[str, Any]:
    """The JSON Schema of an export file (for other tools; import validates with pydantic)."""
    return CourseExport.model_json_schema()


def export_json(record: CourseRecord) -> str:
    """A finished record as an export file's text (pretty, UTF-8, stable key order)."""
    if record.course is None:
        raise ValueError("only a finished course can be exported as JSON")
    data = CourseExport(format=EXPORT_FORMAT, schema_version=SCHEMA_VERSION,
                        exported=now_iso(), title=record.title, created=record.created,
                        form=record.form, provenance=record.provenance, course=record.course)
    return json.dumps(data.model_dump(mode="json"), ensure_ascii=False, indent=1) + "\n"


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def _problem(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in err["loc"]) or "the file"
    return f"{where}: {err['msg']}"


def _refuse(file: str, cause: str, fix: str = "") -> LocalLoomError:
    return LocalLoomError(MESSAGES["import_what"].format(file=file[:120]), cause=cause,
                          fix=fix or MESSAGES["import_fix"], stage="import")


def import_json(text: str, file: str = "the file") -> CourseRecord:
    """A new finished record from an export's text; ``LocalLoomError`` for a bad file."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_IMPORT_BYTES:
        raise _refuse(file, MESSAGES["import_too_big"].format(
            size=_size(size), limit=_size(MAX_IMPORT_BYTES)))
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else "it is nested too deeply"
        raise _refuse(file, MESSAGES["import_not_json"].format(detail=detail)) from None
    if not isinstance(data, dict):
        raise _refuse(file, MESSAGES["import_not_course"])
    if "format" not in data and "modules" in data:  # a bare course (schema version 0)
        data = {"format": EXPORT_FORMAT, "schema_version": 0, "exported": "",
                "title": str(data.get("title", "")), "course": data}
    if data.get("format") != EXPORT_FORMAT:
        raise _refuse(file, MESSAGES["import_not_course"])
    version = data.get("schema_version")
    if type(version) is not int or version < 0:
        raise _refuse(file, MESSAGES["import_not_course"])
    if version > SCHEMA_VERSION:
        raise _refuse(file, MESSAGES["import_newer"].format(version=version),
                      MESSAGES["import_fix_newer"])
    try:
        export = CourseExport.model_validate(data)
    except ValidationError as exc:
        raise _refuse(file, MESSAGES["import_invalid"].format(detail=_problem(exc))) from None
    record = new_record(export.course, form=export.form, provenance=export.provenance)
    if export.title.strip():
        record = record.model_copy(update={"title": " ".join(export.title.split())[:200]})
    return record


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    source = resources.files("localloom.library").joinpath("templates/course.md.j2")
    env = jinja2.Environment(autoescape=False, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    return env.from_string(source.read_text(encoding="utf-8"))  # type: ignore[return-value]


def export_markdown(record: CourseRecord) -> str:
    """A finished record as a Markdown document: every title, text, key point and quiz."""
    course = record.course
    if course is None:
        raise ValueError("only a finished course can be exported as Markdown")

    def writer(part: str) -> str:
        prov = record.provenance.get(part)
        if prov is None:
            return ""
        key = "written_by" if prov.model else "written_by_no_model"
        return MESSAGES[key].format(engine=prov.engine, model=prov.model, date=prov.at[:10])
    hours = f"{course.estimated_hours:g}"
    text = _env().render(course=course, msg=_Messages(), hours=hours, writer=writer)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


class _Messages:
    """``MESSAGES`` as attributes, for templates."""

    def __getattr__(self, name: str) -> str:
        return MESSAGES[name]


def file_name(title: str, extension: str) -> str:
    """A safe download name from a title: ``Intro to ML`` → ``intro-to-ml.json``."""
    slug = re.sub(r"[^\w]+", "-", title.casefold(), flags=re.UNICODE).strip("-_")[:60]
    return f"{slug or 'course'}.{extension}"
