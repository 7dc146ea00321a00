"""Progress of a model load: bytes, percent, smoothed speed and ETA, as text the UI can show.

Public names: ``LoadProgress``, ``Progress``, ``format_bytes``. ``localloom.routing.diagnostics``
re-exports them. Pure: the clock is injectable, so tests run without waiting. Example::

    >>> p = LoadProgress(clock=iter([0.0, 10.0]).__next__)
    >>> _ = p.update(0, 253_000_000)
    >>> r = p.update(123_400_000, 253_000_000)
    >>> r.text, r.detail
    ('123.4 MB of 253.0 MB, 48%', '12.3 MB/s, about 11 s left')

Engines that report only a fraction (WebLLM's ``progress``) can pass
``loaded = fraction * catalog_size``. Servers that compress may report ``loaded > total``;
the fraction is then clamped at 100%.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["LoadProgress", "Progress", "format_bytes"]


def format_bytes(n: float, digits: int | None = 1) -> str:
    """Decimal units, as download sizes are quoted: ``format_bytes(253e6) == "253.0 MB"``.

    ``digits=None`` rounds for prose: ``"253 MB"``, ``"1.1 GB"``.
    """
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            places = (1 if unit == "GB" else 0) if digits is None else digits
            return f"{n / size:.{places}f} {unit}"
    return f"{int(n)} B"


def _duration(s: float) -> str:
    if s < 60:
        return f"{max(1, round(s))} s"
    if s < 3600:
        return f"{round(s / 60)} min"
    return f"{int(s // 3600)} h {round(s % 3600 / 60)} min"


@dataclass(frozen=True)
class Progress:
    loaded: int  # bytes loaded so far, all files
    total: int  # bytes of the current file; 0 when unknown
    fraction: float | None  # 0..1 over all files; None when it cannot be known
    speed: float | None  # bytes/s, smoothed
    eta: float | None  # seconds left
    text: str  # "123.4 MB of 253.0 MB, 48%"
    detail: str  # "2.1 MB/s, about 1 min left"

    @property
    def line(self) -> str:
        """The one line a progress label shows: the text, then the detail when known."""
        return f"{self.text} — {self.detail}" if self.detail else self.text


class LoadProgress:
    """Turns ``(loaded, total)`` callbacks into text, a smoothed speed and an ETA.

    Multi-file loads pass ``file_index``/``file_count``; files are assumed to be of similar
    size for the overall fraction. ``total_bytes=0`` means the size is unknown.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, smoothing: float = 0.3):
        self._clock, self._alpha = clock, smoothing
        self._t: float | None = None
        self._seen = 0  # overall bytes at the last speed sample
        self._done = 0  # bytes of finished files
        self._file, self._loaded = 0, 0
        self._sizes: dict[int, int] = {}
        self.speed: float | None = None

    def update(self, loaded_bytes: int, total_bytes: int = 0, *, file_index: int = 0,
               file_count: int = 1) -> Progress:
        if file_index > self._file:
            self._done += max(self._loaded, self._sizes.get(self._file, 0))
            self._file, self._loaded = file_index, 0
        self._loaded = max(0, loaded_bytes)
        if total_bytes > 0:
            self._sizes[file_index] = total_bytes
        overall = self._done + self._loaded
        now = self._clock()
        if self._t is None or overall < self._seen:
            self._t, self._seen = now, overall
        elif now > self._t:
            rate = (overall - self._seen) / (now - self._t)
            self.speed = rate if self.speed is None else (
                self._alpha * rate + (1 - self._alpha) * self.speed)
            self._t, self._seen = now, overall
        count = max(1, file_count)
        part = min(1.0, self._loaded / total_bytes) if total_bytes > 0 else None
        index = min(max(0, file_index), count - 1)
        fraction = part if count == 1 else (index + (part or 0.0)) / count
        left = None
        if total_bytes > 0:
            avg = sum(self._sizes.values()) / len(self._sizes)
            left = max(0, total_bytes - self._loaded) + avg * max(0, count - file_index - 1)
        eta = left / self.speed if left is not None and self.speed else None
        now_text = format_bytes(self._loaded)
        if total_bytes > 0:
            now_text += f" of {format_bytes(max(total_bytes, self._loaded))}, {int(part * 100)}%"
        if count > 1:
            pct = f" ({int(fraction * 100)}% in all)" if fraction is not None else ""
            now_text = f"File {file_index + 1} of {count}: {now_text}{pct}"
        detail = f"{format_bytes(self.speed)}/s" if self.speed is not None else ""
        if eta is not None:
            detail += f", about {_duration(eta)} left"
        return Progress(overall, total_bytes, fraction, self.speed, eta, now_text, detail)
