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

Nothing read back is trusted: a saved course that no longer validates against the schema
(edited by hand, written by an older build, damaged) is set aside under ``SET_ASIDE`` with
its raw text, removed from its key, and reported as a ``Restored`` problem, so the page starts
clean and says what happened instead of failing to boot.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import ValidationError

from localloom.browser.runtime import is_nullish
from localloom.course.schema import Course

__all__ = ["SET_ASIDE", "BrowserStore", "KeyValue", "MemoryKeyValue", "Restored",
           "local_storage"]

PREFIX = "localloom:"
#: Where an unreadable saved course is kept, raw, for the user to recover by hand.
SET_ASIDE = "set-aside:last-course"


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


@dataclass
class Restored:
    """A value read back from storage: ``value`` (None when absent or unreadable) and,
    when it was unreadable, ``problem`` in plain words and whether it was ``set_aside``."""

    value: Any = None
    problem: str = ""
    set_aside: bool = False


def _first_problem(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in err["loc"]) or "the course"
    return f"{where}: {err['msg']}"


class BrowserStore:
    """Checkpoints (``CheckpointStore``), the last course, and settings."""

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

    def last_course(self) -> Restored:
        """The last saved course as a validated ``Course``; an unreadable one is set aside."""
        text = self._raw("last-course")
        if text is None:
            return Restored()
        try:
            return Restored(Course.model_validate(json.loads(text)))
        except (ValueError, RecursionError) as exc:  # ValidationError is a ValueError
            problem = _first_problem(exc) if isinstance(exc, ValidationError) else \
                "it is not valid JSON"
        kept = False
        with contextlib.suppress(Exception):
            self.kv.set(PREFIX + SET_ASIDE, text)
            kept = True
        with contextlib.suppress(Exception):
            self.kv.delete(PREFIX + "last-course")
        return Restored(None, problem, kept)

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
