"""Browser persistence: checkpoints, the last course and settings, kept in this browser only.

Public names: ``BrowserStore``, ``KeyValue``, ``MemoryKeyValue``, ``local_storage``.

``BrowserStore`` implements ``checkpoints.CheckpointStore`` on top of a small key-value
backend, so the generator resumes after a reload. In the browser the backend is
``localStorage`` (synchronous, same-origin, survives reloads and offline); tests use
``MemoryKeyValue``::

    store = BrowserStore(local_storage())
    await store.save("course:abc", {"outline": ...})
    store.save_course(course.model_dump(mode="json"))

Values are JSON text. A full or unavailable storage (private windows, quota) never breaks
generation: writes that fail return False and the caller shows "not saved".
"""

from __future__ import annotations

import contextlib
import json
from typing import Any, Protocol

from .runtime import is_nullish

__all__ = ["BrowserStore", "KeyValue", "MemoryKeyValue", "local_storage"]

PREFIX = "localloom:"


class KeyValue(Protocol):
    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str) -> None: ...
    def delete(self, key: str) -> None: ...


class MemoryKeyValue:
    def __init__(self) -> None:
        self.data: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        return self.data.get(key)

    def set(self, key: str, value: str) -> None:
        self.data[key] = value

    def delete(self, key: str) -> None:
        self.data.pop(key, None)


class _LocalStorage:
    def __init__(self, backend) -> None:
        self._ls = backend

    def get(self, key: str) -> str | None:
        value = self._ls.getItem(key)
        return None if is_nullish(value) else str(value)

    def set(self, key: str, value: str) -> None:
        self._ls.setItem(key, value)

    def delete(self, key: str) -> None:
        self._ls.removeItem(key)


def local_storage() -> KeyValue:
    """The page's ``localStorage``; an in-memory stand-in when it is blocked."""
    try:
        import js

        backend = js.localStorage
        backend.getItem(PREFIX + "probe")
    except Exception:
        return MemoryKeyValue()
    return _LocalStorage(backend)


class BrowserStore:
    """Checkpoints (``CheckpointStore``), the last course, and settings."""

    def __init__(self, kv: KeyValue) -> None:
        self.kv = kv

    def _read(self, key: str) -> Any:
        try:
            text = self.kv.get(PREFIX + key)
            return None if text is None else json.loads(text)
        except (ValueError, Exception):
            return None

    def _write(self, key: str, data: Any) -> bool:
        try:
            self.kv.set(PREFIX + key, json.dumps(data, ensure_ascii=False))
        except Exception:  # QuotaExceededError, SecurityError in some private modes
            return False
        return True

    # CheckpointStore protocol
    async def load(self, key: str) -> dict | None:
        data = self._read(f"checkpoint:{key}")
        return data if isinstance(data, dict) else None

    async def save(self, key: str, data: dict) -> None:
        if not self._write(f"checkpoint:{key}", data):
            raise OSError("browser storage is full or blocked")

    async def delete(self, key: str) -> None:
        with contextlib.suppress(Exception):
            self.kv.delete(PREFIX + f"checkpoint:{key}")

    # the last finished course and the form, so a reload loses nothing
    def save_course(self, course: dict) -> bool:
        return self._write("last-course", course)

    def last_course(self) -> dict | None:
        data = self._read("last-course")
        return data if isinstance(data, dict) else None

    def save_form(self, form: dict[str, str]) -> bool:
        return self._write("form", form)

    def form(self) -> dict[str, str]:
        data = self._read("form")
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    # settings (cloud keys included: they stay in this browser, never in a course or a log)
    def save_settings(self, settings: dict) -> bool:
        return self._write("settings", settings)

    def settings(self) -> dict:
        data = self._read("settings")
        return data if isinstance(data, dict) else {}
