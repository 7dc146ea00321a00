"""library.records: records of finished and in-progress courses, provenance, migration."""

from __future__ import annotations

import json

import pytest

from localloom.course.schema import Course
from localloom.library.records import (
    SCHEMA_VERSION,
    CourseRecord,
    Provenance,
    from_checkpoint,
    migrate,
    new_record,
    part_keys,
    part_label,
)
from tests.unit.test_render import course_data

AT = "2026-11-29T10:00:00Z"


def _record() -> CourseRecord:
    prov = {"outline": Provenance(engine="openai", model="llama", at=AT),
            "lesson:0.0": Provenance(engine="wllama", model="gemma", at=AT),
            "lesson:1.0": Provenance(engine="openai", model="llama", at=AT)}
    return new_record(Course.model_validate(course_data()), form={"topic": "Light"},
                      provenance=prov)


def test_summary_lists_title_language_level_dates_size_and_each_writer_once():
    """The list's line: writers in the order they first wrote, size in stored bytes."""
    record = _record()
    summary = record.summary()
    assert (summary.title, summary.language, summary.level) == ("Light and life", "en",
                                                                "beginner")
    assert summary.writers == ["openai (llama)", "wllama (gemma)"]
    assert summary.size == len(record.to_json().encode())
    assert summary.created and summary.status == "done"


def test_rename_and_duplicate_make_new_records():
    """Rename changes the course's title too; a duplicate has a new id and keeps provenance."""
    record = _record()
    renamed = record.renamed("  Light   101 ")
    assert renamed.title == "Light 101" and renamed.course.title == "Light 101"
    assert record.title == "Light and life"
    copy = record.duplicated("Light and life (copy)")
    assert copy.id != record.id and copy.provenance == record.provenance
    assert copy.course == record.course


def test_an_in_progress_record_comes_from_the_checkpoint():
    """Title from the outline (else the topic), the draft holds the lessons written so far."""
    outline = {"title": "Light", "modules": [
        {"title": "A", "summary": "s", "lesson_titles": ["One", "Two"]}]}
    data = {"version": 2, "request": {"topic": "light", "language": "en", "level": "beginner"},
            "outline": outline, "lessons": {"0.0": {"title": "One", "content": "x"}},
            "quizzes": {}}
    record = from_checkpoint("course:abc", data, form={"size": "short"})
    assert record.status == "in_progress" and record.checkpoint == "course:abc"
    assert record.id == "run:course:abc" and record.title == "Light"
    assert record.form == {"size": "short", "topic": "light", "language": "en",
                           "level": "beginner"}
    assert record.draft["modules"][0]["lessons"] == [{"title": "One", "content": "x"}]
    assert record.draft["modules"][0]["lesson_titles"] == ["Two"]
    early = from_checkpoint("course:abc", {"request": {"topic": "light"}})
    assert early.title == "light" and early.draft is None


def test_version_0_a_bare_course_migrates_to_a_finished_record():
    """The first builds kept a bare course: it becomes a record, nothing lost."""
    data = migrate(course_data())
    assert data["schema_version"] == SCHEMA_VERSION
    record = CourseRecord.model_validate(data)
    assert record.course == Course.model_validate(course_data())
    current = record.model_dump(mode="json")
    assert migrate(current) == current


@pytest.mark.parametrize("bad", [[1], {"schema_version": 99}, {"schema_version": "1"},
                                 {"title": "no modules"}])
def test_migrate_refuses_what_is_not_a_record(bad):
    """Not a record, a newer record, or a course that does not validate: ValueError."""
    with pytest.raises(ValueError):
        migrate(bad)


def test_parts_in_reading_order_and_their_names():
    """Lessons then the quiz of each module; labels a reader understands."""
    course = Course.model_validate(course_data())
    assert part_keys(course) == ["outline", "lesson:0.0", "quiz:0", "lesson:1.0"]
    assert part_label("lesson:1.0") == "module 2, lesson 1"
    assert part_label("quiz:0") == "the quiz of module 1"


def test_with_course_finishes_a_record_and_merges_provenance():
    """A finished course replaces the draft; provenance of earlier parts is kept."""
    record = from_checkpoint("k", {"request": {"topic": "light"}},
                             provenance={"outline": Provenance(engine="a", at=AT)})
    course = Course.model_validate(course_data())
    done = record.with_course(course, {"lesson:0.0": Provenance(engine="b", at=AT)})
    assert done.status == "done" and done.draft is None and done.checkpoint == ""
    assert set(done.provenance) == {"outline", "lesson:0.0"}
    assert json.loads(done.to_json())["course"]["title"] == "Light and life"
