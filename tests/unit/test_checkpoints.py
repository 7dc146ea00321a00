"""checkpoints: the store protocol, the in-memory store and stable keys."""

from __future__ import annotations

import asyncio

import pytest

from localloom.course.checkpoints import CheckpointStore, MemoryCheckpointStore, stable_key
from localloom.course.generator import CourseRequest
from localloom.course.schema import CourseShape


def test_memory_store_round_trip_and_delete():
    store = MemoryCheckpointStore()

    async def go():
        assert await store.load("k") is None
        await store.save("k", {"outline": {"title": "T"}, "n": [1, 2]})
        assert await store.load("k") == {"outline": {"title": "T"}, "n": [1, 2]}
        await store.delete("k")
        await store.delete("k")  # deleting a missing key is fine
        return await store.load("k")
    assert asyncio.run(go()) is None


def test_memory_store_keeps_copies_not_references():
    store, data = MemoryCheckpointStore(), {"parts": ["a"]}
    asyncio.run(store.save("k", data))
    data["parts"].append("b")
    loaded = asyncio.run(store.load("k"))
    loaded["parts"].append("c")
    assert asyncio.run(store.load("k")) == {"parts": ["a"]}
    assert store.keys() == ["k"] and len(store) == 1


def test_memory_store_rejects_what_a_real_store_could_not_keep():
    with pytest.raises((TypeError, ValueError)):
        asyncio.run(MemoryCheckpointStore().save("k", {"x": object()}))
    with pytest.raises(ValueError):
        asyncio.run(MemoryCheckpointStore().save("k", {"x": float("nan")}))


def test_memory_store_satisfies_the_protocol():
    assert isinstance(MemoryCheckpointStore(), CheckpointStore)


def test_stable_key_ignores_dict_order_and_differs_by_content():
    assert stable_key("course", {"a": 1, "b": "é"}) == stable_key("course", {"b": "é", "a": 1})
    assert stable_key("course", {"a": 1}) != stable_key("course", {"a": 2})
    assert stable_key("course", {"a": 1}).startswith("course:")
    assert stable_key("course", {"a": 1}) != stable_key("summary", {"a": 1})


def test_course_request_key_derives_from_the_request():
    base = CourseRequest("Rust", language="en", level="beginner", shape=CourseShape(modules=2))
    same = CourseRequest(" Rust ", language="en", level="beginner", shape=CourseShape(modules=2))
    assert base.key == same.key
    assert base.key == "course:" + stable_key("course", base.to_dict()).split(":")[1]
    others = [
        CourseRequest("Go", shape=CourseShape(modules=2)),
        CourseRequest("Rust", language="es", shape=CourseShape(modules=2)),
        CourseRequest("Rust", level="advanced", shape=CourseShape(modules=2)),
        CourseRequest("Rust", shape=CourseShape(modules=3)),
        CourseRequest("Rust", shape=CourseShape(modules=2), source_text="notes"),
        CourseRequest("Rust", shape=CourseShape(modules=2), audience="kids"),
    ]
    assert len({base.key, *(o.key for o in others)}) == len(others) + 1
