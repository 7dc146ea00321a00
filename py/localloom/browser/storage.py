"""Browser persistence of the small things: the course form and the settings (keys included),
kept in this browser's ``localStorage`` only.

Public names: ``BrowserStore``, ``KeyValue``, ``MemoryKeyValue``, ``local_storage``, ``PREFIX``.

Courses and their generation checkpoints live in the library (IndexedDB, ``library.store``);
``library.legacy`` moves what older builds kept here. Tests use ``MemoryKeyValue``::

    store = BrowserStore(local_storage())
    store.save_form({"topic": "Fractions"})     # False when storage is full or blocked
    store.settings()                            # what was saved, for Settings.from_dict

Values are JSON text. A full or unavailable storage (private windows, quota) never breaks the
page: writes that fail return False and the caller shows "not saved".
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from localloom.browser.runtime import is_nullish

__all__ = ["PREFIX", "BrowserStore", "KeyValue", "MemoryKeyValue", "local_storage"]

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
    """The course form and the settings, as JSON under ``PREFIX``."""

    def __init__(self, kv: KeyValue) -> None:
        self.kv = kv

    def _raw(self, key: str) -> str | None:
        try:
            return self.kv.get(PREFIX + key)
        except Exception:  # SecurityError: storage blocked for this site
            return None

    def _read(self, key: str) -> Any:
        text = self._raw(key)
        try:
            return None if text is None else json.loads(text)
        except (ValueError, RecursionError):
            return None

    def _write(self, key: str, data: Any) -> bool:
        try:
            self.kv.set(PREFIX + key, json.dumps(data, ensure_ascii=False))
        except Exception:  # QuotaExceededError, SecurityError in some private modes
            return False
        return True

    def save_form(self, form: dict[str, str]) -> bool:
        return self._write("form", form)

    def form(self) -> dict[str, str]:
        data = self._read("form")
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    # settings (cloud keys included: they stay in this browser, never in a course or a log)
    def save_settings(self, settings: dict) -> bool:
        return self._write("settings", settings)

    def settings(self) -> Any:
        """What was saved: a dict when readable, else the value or raw text as found (for
        ``Settings.from_dict`` to report), or None when nothing is saved."""
        text = self._raw("settings")
        try:
            return None if text is None else json.loads(text)
        except (ValueError, RecursionError):
            return text
