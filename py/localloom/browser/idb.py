"""IndexedDB as the library's ``Backend``: string values under string keys, one transaction
per write (browser only).

Public names: ``IndexedDB``, ``DB_NAME``, ``DB_VERSION``.

A small hand-written adapter rather than a wrapper package: the library needs four calls
(open, get, get all, one atomic write across stores) and the FFI makes each a few lines; a
wrapper (idb, Dexie) would add a package to package.json for less than it saves. Every
request of a transaction is issued in one synchronous block and only then awaited, because
IndexedDB commits a transaction as soon as a task ends with no request pending, and Pyodide
resumes a coroutine in a later task::

    db = await IndexedDB.open()
    await db.write([("put", "records", "id1", "{...}"), ("delete", "summaries", "id0", None)])
    await db.get("records", "id1")   # '{...}' or None
    await db.get_all("summaries")    # {"id1": "{...}"}

A failed write (quota, a private window) raises ``OSError`` with the browser's reason; the
write is then not applied at all. When another tab opens a newer version of the database
(a new build), this connection closes and the next call reopens it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from localloom.library.store import STORES

__all__ = ["DB_NAME", "DB_VERSION", "IndexedDB"]

DB_NAME = "localloom"
DB_VERSION = 1


def _settle(target: Any, ok: str, bad: tuple[str, ...], value) -> asyncio.Future:
    """A future resolved by ``target``'s ``ok`` event (with ``value()``), failed by ``bad``."""
    from pyodide.ffi import create_proxy

    future = asyncio.get_event_loop().create_future()
    proxies: list[Any] = []

    def done(result: Any = None, error: BaseException | None = None) -> None:
        for proxy in proxies:
            proxy.destroy()
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def on_ok(_event: Any) -> None:
        done(value())

    def on_bad(_event: Any) -> None:
        err = getattr(target, "error", None)
        name = getattr(err, "name", "") or "AbortError"
        done(error=OSError(f"{name}: {getattr(err, 'message', '') or 'the write was undone'}"))

    proxies.append(create_proxy(on_ok))
    target.addEventListener(ok, proxies[-1])
    for event in bad:
        proxies.append(create_proxy(on_bad))
        target.addEventListener(event, proxies[-1])
    return future


class IndexedDB:
    def __init__(self, db: Any, name: str) -> None:
        self._db, self.name = db, name

    @classmethod
    async def open(cls, name: str = DB_NAME, version: int = DB_VERSION) -> IndexedDB:
        """Open (or create) the database; ``OSError`` when IndexedDB is blocked."""
        import js
        from pyodide.ffi import create_once_callable

        try:
            request = js.indexedDB.open(name, version)
        except Exception as exc:  # SecurityError: storage blocked for this site
            raise OSError(str(exc)) from exc

        def upgrade(_event: Any) -> None:
            db = request.result
            for store in STORES:
                if not db.objectStoreNames.contains(store):
                    db.createObjectStore(store)
        request.onupgradeneeded = create_once_callable(upgrade)
        db = await _settle(request, "success", ("error",), lambda: request.result)
        self = cls(db, name)
        db.onversionchange = create_once_callable(lambda _event: self._close())
        return self

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    async def _connection(self) -> Any:
        if self._db is None:
            self._db = (await IndexedDB.open(self.name))._db
        return self._db

    async def get(self, store: str, key: str) -> str | None:
        db = await self._connection()
        request = db.transaction(store, "readonly").objectStore(store).get(key)
        value = await _settle(request, "success", ("error",), lambda: request.result)
        return value if isinstance(value, str) else None

    async def get_all(self, store: str) -> dict[str, str]:
        db = await self._connection()
        objects = db.transaction(store, "readonly").objectStore(store)
        keys, values = objects.getAllKeys(), objects.getAll()  # one transaction, both issued
        # Both listeners before the first await: the second request may succeed meanwhile.
        pending_keys = _settle(keys, "success", ("error",), lambda: keys.result.to_py())
        pending = _settle(values, "success", ("error",), lambda: values.result.to_py())
        found_keys, found = await pending_keys, await pending
        return {str(k): v for k, v in zip(found_keys, found, strict=True) if isinstance(v, str)}

    async def write(self, ops: list[tuple[str, str, str, str | None]]) -> None:
        """Apply every put/delete in one readwrite transaction, or none of them."""
        from pyodide.ffi import to_js

        db = await self._connection()
        stores = sorted({store for _, store, _, _ in ops})
        try:
            tx = db.transaction(to_js(stores), "readwrite")
            done = _settle(tx, "complete", ("error", "abort"), lambda: None)
            for op, store, key, value in ops:
                objects = tx.objectStore(store)
                if op == "put":
                    objects.put(value, key)
                else:
                    objects.delete(key)
        except Exception as exc:  # DataError, QuotaExceededError thrown synchronously
            raise OSError(str(exc)) from exc
        await done
