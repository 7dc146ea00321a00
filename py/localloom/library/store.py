"""The library: every course, finished or in progress, kept as it is written.

Public names: ``LibraryStore``, ``Backend``, ``MemoryBackend``, ``Write``, ``STORES``.

``LibraryStore`` is the generator's ``CheckpointStore`` (each checkpoint also writes the
course's in-progress record, in the same transaction) and the library's list, open, rename,
duplicate, delete (with undo) and import. It runs on a ``Backend``: IndexedDB in the browser
(``browser.idb``), ``MemoryBackend`` in tests. Every change is one backend transaction, so a
second tab never sees half of one; ``on_change(ids)`` is called after each, for the page to
tell its other tabs (BroadcastChannel)::

    store = LibraryStore(MemoryBackend())
    store.begin_run(form)                          # before generate_course(..., store)
    store.note("lesson:0.1", Provenance(...))      # as each part is written
    record = await store.finish_run(key, course)   # the finished course replaces its run
    await store.summaries()                        # the list, newest first

Records are stored as JSON text (``records``) with their list line beside them
(``summaries``), so listing reads no course. What is read back is migrated and validated;
a record that does not validate is listed as ``unreadable`` with its text kept.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any, Protocol

from pydantic import ValidationError

from localloom.course.generator import RESTORED
from localloom.course.schema import Course
from localloom.library.messages import MESSAGES
from localloom.library.records import (
    CourseRecord,
    Provenance,
    RecordSummary,
    from_checkpoint,
    migrate,
    new_record,
    now_iso,
)
from localloom.library.transfer import import_json

__all__ = ["STORES", "Backend", "LibraryStore", "MemoryBackend", "Write"]

#: Object stores: key → JSON text.
STORES = ("records", "summaries", "checkpoints", "meta")
#: ("put", store, key, text) or ("delete", store, key, None)
Write = tuple[str, str, str, str | None]


class Backend(Protocol):
    async def get(self, store: str, key: str) -> str | None: ...
    async def get_all(self, store: str) -> dict[str, str]: ...
    async def write(self, ops: list[Write]) -> None: ...


class MemoryBackend:
    """Stores in dicts; ``write`` applies all of its operations or none."""

    def __init__(self) -> None:
        self.data: dict[str, dict[str, str]] = {name: {} for name in STORES}
        self.fail = False  # tests: every write raises, as a full disk does

    async def get(self, store: str, key: str) -> str | None:
        return self.data[store].get(key)

    async def get_all(self, store: str) -> dict[str, str]:
        return dict(self.data[store])

    async def write(self, ops: list[Write]) -> None:
        if self.fail:
            raise OSError("QuotaExceededError")
        for op, store, key, value in ops:
            if op == "put":
                self.data[store][key] = str(value)
            else:
                self.data[store].pop(key, None)


def _put(record: CourseRecord) -> list[Write]:
    return [("put", "records", record.id, record.to_json()),
            ("put", "summaries", record.id, record.summary().model_dump_json())]


def _drop(record_id: str) -> list[Write]:
    return [("delete", "records", record_id, None), ("delete", "summaries", record_id, None)]


class LibraryStore:
    def __init__(self, backend: Backend,
                 on_change: Callable[[list[str]], None] | None = None) -> None:
        self.backend = backend
        self.on_change = on_change
        self.run_form: dict[str, str] = {}
        self.run_provenance: dict[str, Provenance] = {}
        self.run_key = ""  # the checkpoint key of the run (set when the generator loads it)
        self._run_created = ""

    async def _write(self, ops: list[Write]) -> None:
        await self.backend.write(ops)
        ids = sorted({key for _, store, key, _ in ops if store == "records"})
        if self.on_change is not None and ids:
            self.on_change(ids)

    # -- the generator's CheckpointStore, and the run it belongs to ----------------------------

    def begin_run(self, form: dict[str, str]) -> None:
        """A generation starts: its form is kept with its in-progress record."""
        self.run_form, self.run_provenance, self._run_created = dict(form), {}, ""
        self.run_key = ""

    def note(self, part: str, provenance: Provenance) -> None:
        """Part ``part`` was just written; saved with the next checkpoint or the course."""
        self.run_provenance[part] = provenance

    def note_event(self, event: Any, engine: str, model: str) -> None:
        """``note`` a generator event if it is a part the model just wrote (not restored)."""
        if event.kind == "step_done" and event.key and event.message != RESTORED:
            self.note(event.key, Provenance(engine=engine, model=model, at=now_iso()))

    async def load(self, key: str) -> dict[str, Any] | None:
        self.run_key = key
        run = await self.get(f"run:{key}")
        if run is not None:  # resuming: the parts already written keep who wrote them
            self.run_provenance = {**run.provenance, **self.run_provenance}
            self._run_created = run.created
        text = await self.backend.get("checkpoints", key)
        with contextlib.suppress(ValueError, RecursionError):
            data = json.loads(text) if text is not None else None
            return data if isinstance(data, dict) else None
        return None

    async def save(self, key: str, data: dict[str, Any]) -> None:
        record = from_checkpoint(key, data, self.run_form, self.run_provenance)
        if self._run_created:
            record = record.model_copy(update={"created": self._run_created})
        self._run_created = record.created
        await self._write([("put", "checkpoints", key, json.dumps(data, ensure_ascii=False)),
                           *_put(record)])

    async def delete(self, key: str) -> None:
        """The generator is done with ``key``: the run's record stays until ``finish_run``."""
        with contextlib.suppress(Exception):
            await self.backend.write([("delete", "checkpoints", key, None)])

    async def finish_run(self, key: str, course: Course) -> CourseRecord:
        """The finished course replaces its in-progress record (one transaction)."""
        record = new_record(course, form=self.run_form, provenance=self.run_provenance)
        if self._run_created:
            record = record.model_copy(update={"created": self._run_created})
        await self._write([*_drop(f"run:{key}"), ("delete", "checkpoints", key, None),
                           *_put(record)])
        self.run_provenance, self._run_created = {}, ""
        return record

    # -- the library -------------------------------------------------------------------------

    async def summaries(self, deleted: bool = False) -> list[RecordSummary]:
        """The list, most recently changed first (deleted records only when asked)."""
        found = []
        for key, text in (await self.backend.get_all("summaries")).items():
            try:
                summary = RecordSummary.model_validate_json(text)
            except (ValidationError, ValueError):
                summary = RecordSummary(id=key, title=key, status="unreadable", language="",
                                        level="", created="", updated="", size=len(text),
                                        writers=[])
            if summary.deleted == deleted:
                found.append(summary)
        return sorted(found, key=lambda s: (s.updated, s.id), reverse=True)

    async def get(self, record_id: str) -> CourseRecord | None:
        """The record, migrated and validated; an unreadable one keeps its text in ``raw``."""
        text = await self.backend.get("records", record_id)
        if text is None:
            return None
        try:
            return CourseRecord.model_validate(migrate(json.loads(text)))
        except (ValueError, RecursionError):  # ValidationError is a ValueError
            return new_record(record_id=record_id, title=MESSAGES["untitled"],
                              status="unreadable", raw=text)

    async def put(self, record: CourseRecord) -> CourseRecord:
        await self._write(_put(record))
        return record

    async def rename(self, record_id: str, title: str) -> CourseRecord | None:
        record = await self.get(record_id)
        return None if record is None else await self.put(record.renamed(title))

    async def duplicate(self, record_id: str) -> CourseRecord | None:
        record = await self.get(record_id)
        if record is None:
            return None
        title = MESSAGES["copy_title"].format(title=record.title)
        return await self.put(record.duplicated(title))

    async def remove(self, record_id: str) -> CourseRecord | None:
        """Delete, undoably: the record is marked and hidden until ``undo`` or ``purge``."""
        record = await self.get(record_id)
        if record is None:
            return None
        return await self.put(record.model_copy(update={"deleted": now_iso()}))

    async def undo(self, record_id: str) -> CourseRecord | None:
        record = await self.get(record_id)
        if record is None:
            return None
        return await self.put(record.model_copy(update={"deleted": ""}))

    async def purge(self) -> int:
        """Forget the deleted records (at boot: an undo does not outlive its page)."""
        gone = await self.summaries(deleted=True)
        ops: list[Write] = []
        for summary in gone:
            ops += _drop(summary.id)
            record = await self.get(summary.id)
            if record is not None and record.checkpoint:
                ops.append(("delete", "checkpoints", record.checkpoint, None))
        if ops:
            await self._write(ops)
        return len(gone)

    async def import_text(self, text: str, file: str) -> CourseRecord:
        """Validate a whole export, then store it (``LocalLoomError`` for a bad file)."""
        return await self.put(import_json(text, file))

    async def replace_course(self, record_id: str, course: Course,
                             provenance: dict[str, Provenance]) -> CourseRecord | None:
        """A part was written again: the new course, with that part's provenance."""
        record = await self.get(record_id)
        if record is None:
            return None
        return await self.put(record.with_course(course, provenance))

    async def latest(self) -> CourseRecord | None:
        """The most recently changed finished course (what the page shows at boot)."""
        for summary in await self.summaries():
            if summary.status == "done":
                return await self.get(summary.id)
        return None
