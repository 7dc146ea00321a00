"""Resumable downloads, the bookkeeping: which stored parts of a file can be trusted, what to
ask the server next, and whether its answer continues the same file (pure).

Public names: ``PART_BYTES``, ``StoredPart``, ``Answer``, ``resume_point``, ``cuts``,
``content_range``, ``judge_answer``.

A file is downloaded with one ``Range: bytes=<next>-`` request and kept as parts of
``PART_BYTES`` (the last one shorter), each stored only when whole, under the file's URL,
total size and ETag. After a dropped connection or a reload, the parts that still make an
unbroken run from byte 0 are kept and the download asks only for the rest::

    >>> parts = [StoredPart(0, 4, 10, '"e"'), StoredPart(4, 4, 10, '"e"')]
    >>> resume_point(parts, total=10, etag='"e"', part_bytes=4)
    (8, [])
    >>> cuts(6, 5, part_bytes=4)   # bytes 6..10 of the file arrive in one chunk
    [(0, 2, True), (2, 3, False)]

Nothing here is handed to an engine: the caller checks the whole file (size, GGUF magic,
sha256) once every part is in, and deletes every part when that check fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PART_BYTES", "Answer", "StoredPart", "content_range", "cuts", "judge_answer",
           "resume_point"]

PART_BYTES = 8 * 2**20  # 8 MiB: a dropped connection loses at most this much
_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.I)


@dataclass(frozen=True)
class StoredPart:
    start: int
    length: int
    total: int  # the file's size when the part was stored
    etag: str  # the server's ETag then ("" when it sent none)


def resume_point(parts: list[StoredPart], *, total: int, etag: str,
                 part_bytes: int = PART_BYTES) -> tuple[int, list[int]]:
    """``(next byte to fetch, starts of parts to delete)`` for a file of ``total`` bytes.

    Kept: the unbroken run of whole parts from byte 0 stored for this very file (same total
    and ETag, each exactly ``part_bytes`` long except the file's last). Everything else is
    listed for deletion. ``etag=""`` (not known yet) accepts the parts' own ETag when they
    all agree.
    """
    by_start = sorted(parts, key=lambda p: p.start)
    tags = {p.etag for p in by_start}
    if not etag and len(tags) == 1:
        etag = tags.pop()
    nxt, drop = 0, []
    for part in by_start:
        whole = part.length == min(part_bytes, total - part.start)
        if part.start == nxt and part.total == total and part.etag == etag and whole:
            nxt += part.length
        else:
            drop.append(part.start)
    return nxt, drop


def cuts(position: int, length: int, *,
         part_bytes: int = PART_BYTES) -> list[tuple[int, int, bool]]:
    """How a chunk of ``length`` bytes at file offset ``position`` splits at part boundaries:
    ``(offset in the chunk, bytes, this piece ends a part)``."""
    out = []
    offset = 0
    while offset < length:
        room = part_bytes - (position + offset) % part_bytes
        n = min(room, length - offset)
        out.append((offset, n, n == room))
        offset += n
    return out


def content_range(value: str | None) -> tuple[int, int, int | None] | None:
    """``"bytes 0-99/1000"`` → ``(0, 99, 1000)``; the total is None for ``/*``."""
    m = _RANGE.match(value or "")
    if not m:
        return None
    total = None if m.group(3) == "*" else int(m.group(3))
    return int(m.group(1)), int(m.group(2)), total


@dataclass(frozen=True)
class Answer:
    """What the server's answer to ``Range: bytes=<start>-`` means.

    ``kind``: "continue" (the rest of the file from ``start``), "whole" (the whole file: the
    server ignored the range, or the file changed, so stored parts go), "restart" (the file
    changed and the answer is not from byte 0: ask again from 0) or "error".
    """

    kind: str
    total: int | None = None  # the file's size, when the answer says it
    why: str = ""


def judge_answer(status: int, start: int, *, range_header: str | None,
                 length_header: str | None, etag: str, stored_etag: str,
                 stored_total: int | None) -> Answer:
    """Read a response to ``Range: bytes=<start>-`` (``stored_*``: what the kept parts say)."""
    length = int(length_header) if length_header and length_header.isdigit() else None
    if status == 200:
        why = "the server sent the whole file" + (" again" if start else "")
        return Answer("whole", length, why if start else "")
    if status == 416:
        return Answer("restart", None, "the server's file is shorter than the stored parts")
    if status != 206:
        return Answer("error", None, f"HTTP {status}")
    parsed = content_range(range_header)
    if parsed is None:  # a CORS answer that hides Content-Range: trust the length
        total = start + length if length is not None else None
    else:
        first, _last, total = parsed
        if first != start:
            return Answer("error", total, f"the server sent bytes from {first}, not {start}")
    changed = (stored_total is not None and total is not None and total != stored_total) or \
        (bool(etag) and bool(stored_etag) and etag != stored_etag)
    if changed and start:
        return Answer("restart", total, "the file on the server changed since the last try")
    return Answer("continue", total)
