"""A saved course: finished or in progress, who wrote each part, and old records migrated.

Public names: ``CourseRecord``, ``Provenance``, ``RecordSummary``, ``SCHEMA_VERSION``,
``migrate``, ``new_record``, ``from_checkpoint``, ``part_keys``, ``part_label``, ``now_iso``.

A record is what the library keeps for one course::

    record = new_record(course, form={"topic": "Rust", "size": "short", ...},
                        provenance={"outline": Provenance(engine="openai", model="m", at=t)})
    record.summary()            # title, language, level, dates, size, engines: for the list
    record.renamed("Rust 101")  # a new record (records are never edited in place)

``status`` is ``done`` (``course`` is set), ``in_progress`` (``checkpoint`` names the
generator's checkpoint and ``draft`` holds what is written so far) or ``unreadable`` (an old
saved course that does not validate: its text is kept in ``raw``, nothing is lost).

Parts are named like the generator's checkpoint steps: ``outline``, ``lesson:M.J`` and
``quiz:M`` (0-based), and ``course`` for a course written in one call.

``migrate(data)`` brings any record this app ever wrote up to ``SCHEMA_VERSION`` (version 0
is the bare course the first builds kept in ``localStorage``); the store migrates on read.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from localloom.course.schema import Course
from localloom.library.messages import MESSAGES

__all__ = ["SCHEMA_VERSION", "CourseRecord", "Provenance", "RecordSummary", "from_checkpoint",
           "migrate", "new_record", "now_iso", "part_keys", "part_label"]

#: The record layout this build writes; ``migrate`` reads every older one.
SCHEMA_VERSION = 1
Status = Literal["done", "in_progress", "unreadable"]


def now_iso() -> str:
    """The current time, UTC, to the microsecond (the list sorts by it):
    ``2026-11-29T17:40:00.123456Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Provenance(BaseModel):
    """Which engine and model wrote a part, and when."""

    model_config = ConfigDict(extra="ignore")
    engine: str = Field(max_length=80)
    model: str = Field(default="", max_length=200)
    at: str = Field(max_length=40)


class RecordSummary(BaseModel):
    """What the library list shows for one record."""

    id: str
    title: str
    status: Status
    language: str
    level: str
    created: str
    updated: str
    size: int  # bytes of the record as stored
    writers: list[str]  # "engine (model)", once each, in the order they first wrote
    deleted: bool = False


class CourseRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    schema_version: int = SCHEMA_VERSION
    id: str = Field(min_length=1, max_length=80)
    title: str = Field(max_length=200)
    status: Status = "done"
    language: str = Field(default="", max_length=8)
    level: str = Field(default="", max_length=20)
    created: str = ""
    updated: str = ""
    form: dict[str, str] = Field(default_factory=dict)  # topic, language, level, size
    checkpoint: str = ""  # the generator's checkpoint key while in progress
    course: Course | None = None
    draft: dict[str, Any] | None = None  # what is written so far, while in progress
    raw: str = ""  # the text of an unreadable course, kept as found
    provenance: dict[str, Provenance] = Field(default_factory=dict)
    deleted: str = ""  # when it was deleted (kept until the undo is gone)

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=False)

    def summary(self) -> RecordSummary:
        writers: list[str] = []
        for prov in self.provenance.values():
            who = f"{prov.engine} ({prov.model})" if prov.model else prov.engine
            if who not in writers:
                writers.append(who)
        return RecordSummary(id=self.id, title=self.title, status=self.status,
                             language=self.language, level=self.level, created=self.created,
                             updated=self.updated, size=len(self.to_json().encode()),
                             writers=writers, deleted=bool(self.deleted))

    def _changed(self, **fields: Any) -> CourseRecord:
        return self.model_copy(update={"updated": now_iso(), **fields}, deep=True)

    def renamed(self, title: str) -> CourseRecord:
        """The record under a new title (the course's own title follows)."""
        title = " ".join(title.split())[:200]
        course = self.course.model_copy(update={"title": title}) if self.course else None
        return self._changed(title=title, course=course)

    def duplicated(self, title: str) -> CourseRecord:
        """A finished copy with a new id; an in-progress record copies its draft only."""
        stamp = now_iso()
        return self._changed(id=uuid.uuid4().hex, title=title, created=stamp, checkpoint="",
                             deleted="")

    def with_course(self, course: Course, provenance: dict[str, Provenance]) -> CourseRecord:
        """The record finished (or a part regenerated): ``course`` and merged provenance."""
        merged = {**self.provenance, **provenance}
        return self._changed(course=course, status="done", checkpoint="", draft=None,
                             title=course.title, language=course.language, level=course.level,
                             provenance=merged)

    def request_dict(self) -> dict[str, str]:
        """The form values that wrote this course (to resume it, or regenerate a part)."""
        return dict(self.form)


def new_record(course: Course | None = None, *, form: dict[str, str] | None = None,
               provenance: dict[str, Provenance] | None = None, record_id: str = "",
               title: str = "", status: Status = "done", checkpoint: str = "",
               draft: dict[str, Any] | None = None, raw: str = "") -> CourseRecord:
    stamp = now_iso()
    form = dict(form or {})
    return CourseRecord(
        id=record_id or uuid.uuid4().hex,
        title=(course.title if course else title or form.get("topic", "")).strip()[:200],
        status=status, language=course.language if course else form.get("language", ""),
        level=course.level if course else form.get("level", ""), created=stamp,
        updated=stamp, form=form, checkpoint=checkpoint, course=course, draft=draft, raw=raw,
        provenance=dict(provenance or {}))


def from_checkpoint(key: str, data: dict[str, Any], form: dict[str, str] | None = None,
                    provenance: dict[str, Provenance] | None = None) -> CourseRecord:
    """An in-progress record for the generator's checkpoint ``data`` saved under ``key``.

    Its title is the outline's once there is one, else the requested topic.
    """
    request = data.get("request") if isinstance(data.get("request"), dict) else {}
    outline = data.get("outline") if isinstance(data.get("outline"), dict) else {}
    form = dict(form or {})
    for name in ("topic", "language", "level"):
        if name not in form and isinstance(request.get(name), str):
            form[name] = request[name]
    title = outline.get("title") if isinstance(outline.get("title"), str) else ""
    return new_record(form=form, provenance=provenance, record_id=f"run:{key}",
                      title=title or form.get("topic", "") or MESSAGES["untitled"],
                      status="in_progress", checkpoint=key, draft=_draft(data))


def _draft(data: dict[str, Any]) -> dict[str, Any] | None:
    """The course so far, from checkpoint data (the outline with the lessons written)."""
    outline = data.get("outline")
    if not isinstance(outline, dict):
        return None
    lessons = data.get("lessons") if isinstance(data.get("lessons"), dict) else {}
    quizzes = data.get("quizzes") if isinstance(data.get("quizzes"), dict) else {}
    modules = []
    for m, module in enumerate(outline.get("modules") or []):
        if not isinstance(module, dict):
            continue
        titles = [t for t in module.get("lesson_titles") or [] if isinstance(t, str)]
        written = [lessons[f"{m}.{j}"] for j in range(len(titles)) if f"{m}.{j}" in lessons]
        quiz = quizzes.get(str(m))
        modules.append({"title": module.get("title", ""), "summary": module.get("summary", ""),
                        "lessons": written,
                        "lesson_titles": titles[len(written):],
                        "quiz": quiz.get("questions", []) if isinstance(quiz, dict) else []})
    return {**outline, "modules": modules}


def part_keys(course: Course) -> list[str]:
    """The parts of a finished course, in reading order."""
    keys = ["outline"]
    for m, module in enumerate(course.modules):
        keys += [f"lesson:{m}.{j}" for j in range(len(module.lessons))]
        if module.quiz:
            keys.append(f"quiz:{m}")
    return keys


def part_label(part: str) -> str:
    """A part key as a reader says it: ``lesson:0.1`` → ``module 1, lesson 2``."""
    kind, _, where = part.partition(":")
    if kind == "lesson":
        m, _, j = where.partition(".")
        return MESSAGES["part_lesson"].format(module=int(m) + 1, lesson=int(j) + 1)
    if kind == "quiz":
        return MESSAGES["part_quiz"].format(module=int(where) + 1)
    return MESSAGES["part_outline"] if kind == "outline" else MESSAGES["part_course"]


def migrate(data: Any) -> dict[str, Any]:
    """Any stored record (or a bare course) as a ``SCHEMA_VERSION`` record dict.

    Version 0 is a bare ``Course`` dict (the first builds' ``last-course``): it becomes a
    finished record with no provenance. Raises ``ValueError`` for something that is neither.
    """
    if not isinstance(data, dict):
        raise ValueError("a saved course must be a JSON object")
    version = data.get("schema_version", 0)
    if type(version) is not int or version < 0:
        raise ValueError("its schema_version is not a whole number")
    if version > SCHEMA_VERSION:
        raise ValueError(f"it was written by a newer LocalLoom (schema version {version})")
    if version == 0:
        course = Course.model_validate(data)
        record = new_record(course)
        return json.loads(record.to_json())
    return data
