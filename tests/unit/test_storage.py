"""BrowserStore: checkpoints, the last course and the form survive as JSON; failures are soft."""

from __future__ import annotations

import asyncio
import json

import pytest

from localloom.browser.storage import PREFIX, SET_ASIDE, BrowserStore, MemoryKeyValue
from localloom.course.checkpoints import CheckpointStore
from localloom.course.schema import Course
from tests.unit.test_render import course_data


class FullStorage(MemoryKeyValue):
    """localStorage when the quota is exhausted: every write throws."""

    def set(self, key: str, value: str) -> None:
        raise RuntimeError("QuotaExceededError")


def test_is_a_checkpoint_store():
    assert isinstance(BrowserStore(MemoryKeyValue()), CheckpointStore)


def test_checkpoint_round_trip_and_delete():
    kv = MemoryKeyValue()
    store = BrowserStore(kv)
    asyncio.run(store.save("k1", {"outline": {"title": "Álgebra"}, "modules": {}}))
    assert PREFIX + "checkpoint:k1" in kv.data
    assert asyncio.run(store.load("k1")) == {"outline": {"title": "Álgebra"}, "modules": {}}
    asyncio.run(store.delete("k1"))
    assert asyncio.run(store.load("k1")) is None


def test_corrupt_checkpoint_reads_as_missing():
    kv = MemoryKeyValue()
    kv.set(PREFIX + "checkpoint:bad", "{not json")
    assert asyncio.run(BrowserStore(kv).load("bad")) is None


def test_full_storage_raises_on_checkpoint_save_so_the_generator_reports_it():
    with pytest.raises(OSError):
        asyncio.run(BrowserStore(FullStorage()).save("k", {"a": 1}))


def test_last_course_and_form_are_kept():
    """A saved course comes back as a validated Course; the form as strings."""
    store = BrowserStore(MemoryKeyValue())
    assert store.last_course().value is None and store.form() == {}
    assert store.save_course(course_data())
    assert store.save_form({"topic": "Fractions", "size": "tiny"})
    assert store.last_course().value == Course.model_validate(course_data())
    assert store.last_course().problem == ""
    assert store.form() == {"topic": "Fractions", "size": "tiny"}


def _tampered(**changes) -> str:
    data = course_data()
    for path, value in changes.items():
        node = data
        *parents, leaf = path.split("__")
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(leaf) if leaf.isdigit() else leaf] = value
    return json.dumps(data)


TAMPERED = [  # each of these stopped the boot with a TypeError in the renderer
    _tampered(modules=3),
    _tampered(modules="ab"),
    _tampered(learning_objectives=7),
    _tampered(modules__0__lessons=1),
    _tampered(modules__0__quiz__0__options=2),
    "{not json",
    "[1, 2]",
    "[" * 5000 + "]" * 5000,
]


@pytest.mark.parametrize("text", TAMPERED, ids=range(len(TAMPERED)))
def test_a_tampered_saved_course_is_set_aside_not_trusted(text):
    """Anything that is not a valid course is moved aside with its raw text, and the store
    says why, so the page starts clean instead of failing on every visit."""
    kv = MemoryKeyValue()
    kv.set(PREFIX + "last-course", text)
    restored = BrowserStore(kv).last_course()
    assert restored.value is None and restored.problem and restored.set_aside
    assert kv.get(PREFIX + SET_ASIDE) == text
    assert kv.get(PREFIX + "last-course") is None
    assert BrowserStore(kv).last_course().problem == ""  # the next visit starts clean


def test_a_course_that_cannot_be_set_aside_is_still_not_trusted():
    """Full storage: the bad course cannot be copied aside; it is still not returned."""
    kv = FullStorage()
    kv.data[PREFIX + "last-course"] = _tampered(modules=3)
    restored = BrowserStore(kv).last_course()
    assert restored.value is None and restored.problem and not restored.set_aside


class BlockedStorage(MemoryKeyValue):
    """localStorage in a browser that blocks site data: every access throws."""

    def get(self, key: str) -> str | None:
        raise RuntimeError("SecurityError")


def test_blocked_storage_reads_as_empty():
    store = BrowserStore(BlockedStorage())
    assert store.last_course().value is None and store.form() == {}
    assert store.settings() is None


def test_full_storage_does_not_break_saving_the_course():
    assert BrowserStore(FullStorage()).save_course({"title": "x"}) is False


def test_settings_come_back_as_saved_even_when_unreadable():
    """Settings that are not JSON come back as their raw text, for Settings.from_dict to
    report ("all settings" reset) instead of silently booting with defaults."""
    kv = MemoryKeyValue()
    store = BrowserStore(kv)
    assert store.settings() is None
    assert store.save_settings({"on_device_only": True})
    assert store.settings() == {"on_device_only": True}
    kv.set(PREFIX + "settings", "{broken")
    assert store.settings() == "{broken"
