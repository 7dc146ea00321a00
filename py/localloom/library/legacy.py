"""Move what the first builds kept in ``localStorage`` into the library, once, losing nothing.

Public names: ``move_legacy``, ``LEGACY_KEYS``, ``MOVED``.

Those builds kept the last course (``localloom:last-course``), an unreadable one set aside
(``localloom:set-aside:last-course``) and the generator's checkpoints
(``localloom:checkpoint:<key>``). ``move_legacy`` writes them all into the library in one
transaction; only then does the caller remove the old keys, so each moves once (a failed
write leaves them where they were, and a tab of an old build still open may write one later:
the next boot moves it too)::

    moved, keys = await move_legacy(store, {"last-course": text, "checkpoint:course:ab": ...})
    for key in keys: local_storage.delete("localloom:" + key)

A last course that does not validate is kept as an ``unreadable`` record with its text.
"""

from __future__ import annotations

import json

from localloom.library.messages import MESSAGES
from localloom.library.records import CourseRecord, from_checkpoint, migrate, new_record
from localloom.library.store import LibraryStore, Write

__all__ = ["LEGACY_KEYS", "MOVED", "move_legacy"]

LEGACY_KEYS = ("last-course", "set-aside:last-course")
MOVED = "legacy-moved"


def _course_record(text: str) -> CourseRecord:
    try:
        return CourseRecord.model_validate(migrate(json.loads(text)))
    except (ValueError, RecursionError):
        return new_record(title=MESSAGES["untitled"], status="unreadable", raw=text)


async def move_legacy(store: LibraryStore, items: dict[str, str],
                      form: dict[str, str] | None = None) -> tuple[int, list[str]]:
    """``(records written, keys to remove)``; ``(0, [])`` when there is nothing to move."""
    moved = [k for k in items if k in LEGACY_KEYS or k.startswith("checkpoint:")]
    if not moved:
        return 0, []
    ops: list[Write] = []
    records: list[CourseRecord] = []
    for key in LEGACY_KEYS:
        if key in items:
            records.append(_course_record(items[key]))
    for key, text in items.items():
        if not key.startswith("checkpoint:"):
            continue
        ckpt = key.removeprefix("checkpoint:")
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            records.append(new_record(title=MESSAGES["untitled"], status="unreadable", raw=text))
            continue
        same_form = form if form and form.get("topic") == (data.get("request") or {}).get(
            "topic") else None
        ops.append(("put", "checkpoints", ckpt, text))
        records.append(from_checkpoint(ckpt, data, same_form))
    for record in records:
        ops += [("put", "records", record.id, record.to_json()),
                ("put", "summaries", record.id, record.summary().model_dump_json())]
    ops.append(("put", "meta", MOVED, json.dumps({"records": len(records)})))
    await store._write(ops)
    return len(records), moved
