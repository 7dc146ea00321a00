"""Where a generation keeps its finished steps, so an interrupted one resumes.

Public names:

- ``CheckpointStore``: the async storage protocol (``load``, ``save``, ``delete``);
  ``storage.py`` implements it on IndexedDB in the browser.
- ``MemoryCheckpointStore``: an in-memory store (tests, and a fallback without IndexedDB).
- ``stable_key(prefix, data) -> str``: a key that is the same for the same request on any run.

Checkpoint data is plain JSON (dicts, lists, strings, numbers), so any store can keep it.
Example::

    store = MemoryCheckpointStore()
    key = stable_key("course", {"topic": "Rust", "language": "en"})
    await store.save(key, {"outline": {...}})
    await store.load(key)        # {"outline": {...}}; None when absent
    await store.delete(key)
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Protocol, runtime_checkable

__all__ = ["CheckpointStore", "MemoryCheckpointStore", "stable_key"]


@runtime_checkable
class CheckpointStore(Protocol):
    """Async key → JSON-object storage. ``load`` returns ``None`` for a missing key."""

    async def load(self, key: str) -> dict[str, Any] | None: ...

    async def save(self, key: str, data: dict[str, Any]) -> None: ...

    async def delete(self, key: str) -> None: ...


class MemoryCheckpointStore:
    """Keeps checkpoints in a dict, as JSON text: callers never share mutable state with it,
    and data that a real store could not serialise fails here too."""

    def __init__(self) -> None:
        self._data: dict[str, str] = {}

    async def load(self, key: str) -> dict[str, Any] | None:
        raw = self._data.get(key)
        return None if raw is None else json.loads(raw)

    async def save(self, key: str, data: dict[str, Any]) -> None:
        self._data[key] = json.dumps(data, ensure_ascii=False, allow_nan=False)

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    def keys(self) -> list[str]:
        """The keys held, for tests and a "resume" list in the UI."""
        return list(self._data)

    def __len__(self) -> int:
        return len(self._data)


def stable_key(prefix: str, data: dict[str, Any]) -> str:
    """``prefix:`` + a SHA-256 digest of ``data`` as canonical JSON (sorted keys)."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f"{prefix}:{hashlib.sha256(canonical.encode('utf-8')).hexdigest()[:32]}"
