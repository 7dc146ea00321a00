"""BrowserStore: checkpoints, the last course and the form survive as JSON; failures are soft."""

from __future__ import annotations

import asyncio

import pytest

from localloom.checkpoints import CheckpointStore
from localloom.storage import PREFIX, BrowserStore, MemoryKeyValue


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
    store = BrowserStore(MemoryKeyValue())
    assert store.last_course() is None and store.form() == {}
    assert store.save_course({"title": "Fractions"})
    assert store.save_form({"topic": "Fractions", "size": "tiny"})
    assert store.last_course() == {"title": "Fractions"}
    assert store.form() == {"topic": "Fractions", "size": "tiny"}


def test_full_storage_does_not_break_saving_the_course():
    assert BrowserStore(FullStorage()).save_course({"title": "x"}) is False
