"""library.store and library.legacy: runs, the list, undoable delete, import, old data moved."""

from __future__ import annotations

import asyncio
import json

import pytest

from localloom.course.checkpoints import CheckpointStore
from localloom.course.generator import CourseRequest, generate_course
from localloom.course.schema import Course, CourseShape
from localloom.errors import GenerationCancelled, LocalLoomError
from localloom.library.legacy import move_legacy
from localloom.library.store import LibraryStore, MemoryBackend
from localloom.library.transfer import export_json
from tests.fakes import ScriptedEngine, script_for
from tests.unit.test_render import course_data

SHAPE = CourseShape(modules=1, lessons_per_module=2, questions_per_quiz=1)
AT = "2026-11-29T10:00:00Z"
FORM = {"topic": "Photosynthesis", "language": "en", "level": "beginner", "size": "short"}


def run(coro):
    return asyncio.run(coro)


def _store():
    changes: list[list[str]] = []
    return LibraryStore(MemoryBackend(), on_change=changes.append), changes


def _noting(store, engine_name):
    return lambda event: store.note_event(event, engine_name, "m")


def test_is_a_checkpoint_store():
    assert isinstance(LibraryStore(MemoryBackend()), CheckpointStore)


def test_a_run_is_in_the_library_while_written_then_finished_with_provenance():
    """Cancelled after 2 steps: an in-progress record with its draft; resumed on another
    engine: one finished record, each part naming the engine that wrote it."""
    store, changes = _store()
    request = CourseRequest("Photosynthesis", shape=SHAPE)
    script = script_for(SHAPE)
    cancel_after = [*script[:2], GenerationCancelled("stop")]
    store.begin_run(FORM)
    with pytest.raises(GenerationCancelled):
        run(generate_course(ScriptedEngine(cancel_after), request, store,
                            on_event=_noting(store, "first")))
    [summary] = run(store.summaries())
    assert summary.status == "in_progress" and summary.title == "Photosynthesis"
    record = run(store.get(summary.id))
    assert record.form == FORM and len(record.draft["modules"][0]["lessons"]) == 1
    assert set(record.provenance) == {"outline", "lesson:0.0"}
    store2 = LibraryStore(store.backend)  # a reload: a new page, the same database
    store2.begin_run(FORM)
    course = run(generate_course(ScriptedEngine(script[2:]), request, store2,
                                 on_event=_noting(store2, "second")))
    finished = run(store2.finish_run(request.key, course))
    [summary] = run(store2.summaries())
    assert summary.id == finished.id and summary.status == "done"
    assert summary.created == record.created
    assert {k: p.engine for k, p in finished.provenance.items()} == {
        "outline": "first", "lesson:0.0": "first", "lesson:0.1": "second", "quiz:0": "second"}
    assert store.backend.data["checkpoints"] == {}
    assert changes  # every write told the other tabs


def test_rename_duplicate_delete_undo_and_purge():
    """Delete hides a record until undo; purge forgets deleted ones for good."""
    store, _ = _store()
    record = run(store.import_text(json.dumps(course_data()), "c.json"))
    run(store.rename(record.id, "Renamed"))
    copy = run(store.duplicate(record.id))
    assert copy.title == "Renamed (copy)"
    assert [s.title for s in run(store.summaries())] == ["Renamed (copy)", "Renamed"]
    run(store.remove(record.id))
    assert [s.title for s in run(store.summaries())] == ["Renamed (copy)"]
    run(store.undo(record.id))
    assert len(run(store.summaries())) == 2
    run(store.remove(copy.id))
    assert run(store.purge()) == 1
    assert run(store.get(copy.id)) is None and run(store.get(record.id)) is not None


def test_a_bad_import_stores_nothing():
    """A refused file leaves the library as it was."""
    store, _ = _store()
    data = json.loads(export_json(run(store.import_text(json.dumps(course_data()), "a"))))
    before = json.dumps(store.backend.data, sort_keys=True)
    data["course"]["modules"] = []
    with pytest.raises(LocalLoomError):
        run(store.import_text(json.dumps(data), "bad.json"))
    assert json.dumps(store.backend.data, sort_keys=True) == before


def test_an_unreadable_record_keeps_its_text():
    """A damaged record opens as unreadable, its text intact."""
    store, _ = _store()
    store.backend.data["records"]["x"] = '{"schema_version": 1, "id": "x", "title": 3}'
    record = run(store.get("x"))
    assert record.status == "unreadable" and record.raw.startswith('{"schema_version"')


def test_a_full_disk_raises_so_the_page_can_say_not_saved():
    """Writes that fail raise; the generator turns a failed checkpoint into an event."""
    store, _ = _store()
    store.backend.fail = True
    with pytest.raises(OSError):
        run(store.import_text(json.dumps(course_data()), "a"))


def test_legacy_local_storage_moves_once_and_nothing_is_lost():
    """The last course, a set-aside text and a checkpoint become records; the keys to remove
    are exactly the moved ones, and once they are gone a second run does nothing."""
    store, _ = _store()
    ckpt = {"version": 2, "request": {"topic": "Rust"}, "outline": None, "lessons": {},
            "quizzes": {}}
    items = {"last-course": json.dumps(course_data()), "set-aside:last-course": "{bad",
             "checkpoint:course:ab": json.dumps(ckpt), "form": "{}", "settings": "{}"}
    moved, keys = run(move_legacy(store, items))
    assert moved == 3
    assert sorted(keys) == ["checkpoint:course:ab", "last-course", "set-aside:last-course"]
    by_status = {s.status: s for s in run(store.summaries())}
    assert set(by_status) == {"done", "unreadable", "in_progress"}
    assert run(store.get(by_status["unreadable"].id)).raw == "{bad"
    assert run(store.latest()).course == Course.model_validate(course_data())
    assert run(store.load("course:ab")) == ckpt
    left = {k: v for k, v in items.items() if k not in keys}  # the caller removed them
    assert run(move_legacy(store, left)) == (0, [])
    assert len(run(store.summaries())) == 3
