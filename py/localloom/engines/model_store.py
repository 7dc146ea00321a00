"""Where downloaded models live in this browser, and the storage view across engines.

Public names: ``DOWNLOADS``, ``store_name``, ``part_key``, ``record_key``, ``stored_parts``,
``put_part``, ``delete_parts``, ``part_blobs``, ``record``, ``write_record``, ``delete_file``,
``sha256_of``, ``list_entries``, ``delete_entries``, ``estimate``, ``touch``; browser only.

A download (``engines.resumable``) is kept in a Cache Storage cache of its own,
``"localloom-file " + url``, as parts of ``models.resume.PART_BYTES`` under
``<url>?localloom-part=<start>``, each stored only when whole, tagged with the file's size,
ETag and model id. Once every part is in and the whole file passed its checks (size, GGUF
magic, sha256), a record ``<url>?localloom-file`` says so; only a file with that record is
ever handed to an engine. One cache per file because deleting a cache frees its space at
once, while Chromium frees a deleted entry's bytes only once nothing holds it open (measured:
the usage did not drop after deleting parts the page had read). The embedded model stays in
``localloom-models`` (the service worker's). ``list_entries`` adds what other engines keep
(``models.inventory.STORES``) so one view shows, sizes and deletes all of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from dataclasses import replace

from localloom.browser.ffi import js_object
from localloom.browser.runtime import is_nullish, js_get
from localloom.models.inventory import (
    DOWNLOADS,
    PART_QUERY,
    RECORD_QUERY,
    STORES,
    Entry,
    model_of,
)
from localloom.models.modelfile import SIZE_HEADER, VERIFIED_HEADER
from localloom.models.resume import StoredPart

__all__ = [
    "DOWNLOADS",
    "delete_entries",
    "delete_file",
    "delete_parts",
    "estimate",
    "list_entries",
    "part_blobs",
    "part_key",
    "put_part",
    "record",
    "record_key",
    "sha256_of",
    "store_name",
    "stored_parts",
    "touch",
    "write_record",
]

MODEL_HEADER = "X-LocalLoom-Model"
ETAG_HEADER = "X-LocalLoom-Etag"
START_HEADER = "X-LocalLoom-Start"
USED_KEY = "localloom:model-used"  # localStorage: {model id: last load, ms since the epoch}
HASH_SLICE = 8 * 2**20


def _join(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}"


def part_key(url: str, start: int) -> str:
    return _join(url, f"{PART_QUERY}={start}")


def record_key(url: str) -> str:
    return _join(url, RECORD_QUERY)


def store_name(url: str) -> str:
    return DOWNLOADS + url


async def _cache(url: str):
    import js

    return await js.caches.open(store_name(url))


async def stored_parts(url: str) -> list[StoredPart]:
    """The parts of ``url`` stored so far (whatever their state; ``resume_point`` judges)."""
    cache = await _cache(url)
    prefix = _join(url, f"{PART_QUERY}=")
    out = []
    for request in await cache.keys(url, js_object({"ignoreSearch": True})):
        key = str(request.url)
        if not key.startswith(prefix):
            continue
        stored = await cache.match(request)
        if is_nullish(stored):
            continue
        headers = stored.headers
        with contextlib.suppress(TypeError, ValueError):
            out.append(StoredPart(int(key[len(prefix):]), await _size(stored),
                                  int(headers.get(SIZE_HEADER) or -1),
                                  str(headers.get(ETAG_HEADER) or "")))
    return out


async def put_part(url: str, start: int, pieces, total: int, etag: str, model_id: str) -> None:
    """Store one whole part (``pieces``: a JS array of Uint8Array) of ``url``.

    Raises the browser's error (QuotaExceededError when storage is full)."""
    import js

    body = js.Blob.new(pieces)
    headers = {"Content-Type": "application/octet-stream", SIZE_HEADER: str(total),
               ETAG_HEADER: etag, MODEL_HEADER: model_id, START_HEADER: str(start),
               "Content-Length": str(int(body.size))}
    await (await _cache(url)).put(part_key(url, start),
                               js.Response.new(body, js_object({"headers": headers})))


async def _size(stored) -> int:
    """Bytes of a stored response: its Content-Length when it has one. Reading the Blob
    instead would pin the stored bytes until the page's garbage collector frees the Blob, so
    a deleted model's space would not come back at once."""
    length = str(stored.headers.get("content-length") or "")
    return int(length) if length.isdigit() else int((await stored.blob()).size)


async def part_blobs(url: str, total: int, part_bytes: int) -> list:
    """The stored parts of ``url`` in order, as Blobs (disk-backed: no bytes are read)."""
    cache = await _cache(url)
    blobs = []
    for start in range(0, total, part_bytes):
        stored = await cache.match(part_key(url, start))
        if is_nullish(stored):
            return []
        blobs.append(await stored.blob())
    return blobs


async def record(url: str) -> dict | None:
    """The verified record of ``url`` ({"size", "sha256", "etag", "model", "parts"}), or None."""
    stored = await (await _cache(url)).match(record_key(url))
    if is_nullish(stored):
        return None
    try:
        return json.loads(str(await stored.text()))
    except ValueError:
        return None


async def write_record(url: str, *, size: int, sha256: str, etag: str, model_id: str,
                       part_bytes: int, checked: bool) -> None:
    """Mark ``url`` whole and verified (``checked``: the sha256 was compared with a known one;
    else it was computed on first download and later checks compare with it)."""
    import js

    body = json.dumps({"size": size, "sha256": sha256, "etag": etag, "model": model_id,
                       "part_bytes": part_bytes, "checked": checked,
                       "stored": int(time.time() * 1000)})
    headers = {"Content-Type": "application/json", VERIFIED_HEADER: sha256,
               SIZE_HEADER: str(size), MODEL_HEADER: model_id}
    await (await _cache(url)).put(record_key(url),
                               js.Response.new(body, js_object({"headers": headers})))


async def delete_file(url: str) -> None:
    """Delete ``url``'s record first (so it is never taken as whole), then all of it."""
    import js

    await (await _cache(url)).delete(record_key(url))
    await js.caches.delete(store_name(url))


async def delete_parts(url: str, starts: list[int]) -> None:
    cache = await _cache(url)
    for start in starts:
        await cache.delete(part_key(url, start))


async def sha256_of(blobs) -> str:
    """sha256 of the blobs' bytes in order, read a slice at a time (memory stays small)."""
    digest = hashlib.sha256()
    for blob in blobs:
        size = int(blob.size)
        for start in range(0, size, HASH_SLICE):
            chunk = await blob.slice(start, min(size, start + HASH_SLICE)).arrayBuffer()
            digest.update(chunk.to_bytes())
    return digest.hexdigest()


def touch(model_id: str) -> None:
    """Note that ``model_id`` was loaded now (the storage view's "last used")."""
    used = _used()
    used[model_id] = int(time.time() * 1000)
    with contextlib.suppress(Exception):
        import js

        js.localStorage.setItem(USED_KEY, json.dumps(used))


def _used() -> dict:
    try:
        import js

        return dict(json.loads(str(js.localStorage.getItem(USED_KEY) or "{}")))
    except Exception:
        return {}


async def _cache_entries(name: str) -> list[Entry]:
    import js

    if not await js.caches.has(name):
        return []
    cache = await js.caches.open(name)
    used = _used()
    out = []
    for request in await cache.keys():
        stored = await cache.match(request)
        if is_nullish(stored):
            continue
        headers = stored.headers
        model = str(headers.get(MODEL_HEADER) or "")
        verified = ""
        if name.startswith("localloom-"):
            verified = "yes" if headers.get(VERIFIED_HEADER) else "no"
            if PART_QUERY in str(request.url):
                verified = ""
        entry = Entry(name, str(request.url), await _size(stored), model=model,
                      verified=verified)
        last = float(used.get(model_of(entry)[1], 0))
        out.append(replace(entry, last_used=last))
    return out


async def _opfs_entries(name: str) -> list[Entry]:
    import js

    try:
        root = await js.navigator.storage.getDirectory()
        folder = await root.getDirectoryHandle(name)
    except Exception:  # no OPFS, or wllama never cached anything
        return []
    out = []
    async for handle in folder.values():
        if str(handle.kind) == "file":
            size = int((await handle.getFile()).size)
            out.append(Entry(name, str(handle.name), size, kind="opfs"))
    return out


async def _idb_entries(names: set[str]) -> list[Entry]:
    import js

    try:
        databases = await js.indexedDB.databases()
    except Exception:
        return []
    return [Entry(str(db.name), str(db.name), -1, kind="idb") for db in databases
            if str(js_get(db, "name", "")) in names]


async def list_entries() -> list[Entry]:
    """Everything any engine stored for models in this browser."""
    import js

    out: list[Entry] = []
    idb = {name for kind, name in STORES if kind == "idb"}
    names = [str(n) for n in await js.caches.keys() if str(n).startswith(DOWNLOADS)]
    for kind, name in [*STORES, *(("cache", n) for n in names)]:
        try:
            if kind == "cache":
                out += await _cache_entries(name)
            elif kind == "opfs":
                out += await _opfs_entries(name)
        except Exception as exc:  # one unreadable store must not hide the others
            js.console.warn(f"LocalLoom: could not list {name}: {exc!r}")
    out += await _idb_entries(idb)
    return out


async def delete_entries(entries: list[Entry]) -> None:
    """Delete these entries (records before parts, so nothing half-deleted looks whole)."""
    import js

    ordered = sorted(entries, key=lambda e: PART_QUERY in e.key)
    for entry in ordered:
        try:
            if entry.kind == "cache":
                await (await js.caches.open(entry.store)).delete(entry.key)
            elif entry.kind == "opfs":
                root = await js.navigator.storage.getDirectory()
                folder = await root.getDirectoryHandle(entry.store)
                await folder.removeEntry(entry.key)
            elif entry.kind == "idb":
                js.indexedDB.deleteDatabase(entry.key)
        except Exception as exc:
            js.console.warn(f"LocalLoom: could not delete {entry.key}: {exc!r}")
    for name in {e.store for e in entries if e.kind == "cache"}:
        with contextlib.suppress(Exception):  # an emptied cache goes too: its space is freed
            if not (await (await js.caches.open(name)).keys()).length:
                await js.caches.delete(name)


async def estimate() -> tuple[int, int]:
    """``(usage, quota)`` of this origin in bytes; (0, 0) when the browser does not say."""
    import js

    try:
        result = await js.navigator.storage.estimate()
        return int(js_get(result, "usage", 0)), int(js_get(result, "quota", 0))
    except Exception:
        return 0, 0
