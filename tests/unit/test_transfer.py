"""library.transfer: JSON export/import round trip, refused files, Markdown export."""

from __future__ import annotations

import json

import pytest

from localloom.course.schema import Course
from localloom.errors import LocalLoomError
from localloom.library.records import SCHEMA_VERSION, Provenance, new_record
from localloom.library.transfer import (
    MAX_IMPORT_BYTES,
    CourseExport,
    export_json,
    export_markdown,
    file_name,
    import_json,
)
from tests.unit.test_render import course_data

AT = "2026-11-29T10:00:00Z"


def _record(evil: str = ""):
    return new_record(Course.model_validate(course_data(evil)), form={"topic": "Light"},
                      provenance={"lesson:0.0": Provenance(engine="openai", model="m", at=AT)})


def test_export_then_import_gives_the_same_course_and_provenance():
    """Round trip: course, title and provenance identical; the import is a new record."""
    record = _record()
    text = export_json(record)
    data = json.loads(text)
    assert data["format"] == "localloom-course"
    assert data["schema_version"] == SCHEMA_VERSION
    CourseExport.model_validate(data)
    again = import_json(text, "light.json")
    assert again.course == record.course and again.provenance == record.provenance
    assert again.title == record.title and again.id != record.id


@pytest.mark.parametrize(("text", "cause"), [
    ("{not json", "not a JSON file"),
    ("[1, 2]", "not a LocalLoom course export"),
    ('{"format": "other"}', "not a LocalLoom course export"),
    ('{"format": "localloom-course", "schema_version": 99}', "newer LocalLoom"),
    ("[" * 5000 + "]" * 5000, "not a JSON file"),
])
def test_bad_files_are_refused_with_what_cause_and_fix(text, cause):
    """Each bad file says why, and that nothing was imported."""
    with pytest.raises(LocalLoomError) as info:
        import_json(text, "bad.json")
    assert "bad.json" in info.value.what
    assert cause in info.value.cause
    assert "nothing was imported" in info.value.fix


def test_a_course_that_does_not_validate_names_the_field():
    """A quiz answer out of range: the problem names where it is."""
    data = json.loads(export_json(_record()))
    data["course"]["modules"][0]["quiz"][0]["answer"] = 5
    with pytest.raises(LocalLoomError) as info:
        import_json(json.dumps(data))
    assert "course.modules.0.quiz.0" in info.value.cause


def test_a_huge_file_is_refused_before_parsing():
    """More than MAX_IMPORT_BYTES: refused by size."""
    with pytest.raises(LocalLoomError) as info:
        import_json(" " * (MAX_IMPORT_BYTES + 1))
    assert "MB" in info.value.cause


def test_a_bare_course_imports_as_schema_version_0():
    """The old last-course JSON (a bare course) is accepted and migrated."""
    record = import_json(json.dumps(course_data()))
    assert record.course == Course.model_validate(course_data())


def test_markdown_holds_every_part_of_the_course():
    """Every title, text, list item, quiz option and answer is in the Markdown."""
    record = _record()
    text = export_markdown(record)
    course = record.course
    assert text.startswith(f"# {course.title}\n")
    for module in course.modules:
        assert f"{module.title}" in text and module.summary in text
        for lesson in module.lessons:
            assert f"### {lesson.title}" in text and lesson.content in text
            for item in [*lesson.objectives, *lesson.key_points]:
                assert f"- {item}" in text
        for question in module.quiz:
            assert question.question in text
            assert all(option in text for option in question.options)
            assert f"Answer: {'ABCDEF'[question.answer]}" in text
    assert "Written by openai (m) on 2026-11-29" in text


def test_file_names_are_safe():
    """No path separators or odd characters in a download name."""
    assert file_name("Intro to ML / 2", "json") == "intro-to-ml-2.json"
    assert file_name("../..", "md") == "course.md"
    assert file_name("Álgebra básica", "md") == "álgebra-básica.md"
