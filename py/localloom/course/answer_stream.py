"""Private: what a ``Runner`` does with each delta of a streamed answer, in O(len(delta)).

- ``AnswerStream(stop, on_progress=None, *, whitespace_cap, max_chars, interval, clock)``:
  its ``on_token(delta)`` is the engine's token callback. It keeps the deltas (``text``),
  feeds a ``_partial.PartialReader``, calls ``stop()`` on a whitespace flood (``flooded``)
  or when the answer would pass ``max_chars`` (``too_long``; the rest is dropped, so memory
  stays bounded), and calls ``on_progress(partial, chars)`` with the object so far at most
  every ``interval`` seconds — longer when the last call took long, so reading and showing
  the object use at most about a tenth of the time, whatever the answer's size.

Example::

    stream = AnswerStream(cancel.cancel, lambda partial, chars: print(chars, partial),
                          whitespace_cap=200, max_chars=2_000_000, interval=0.25)
    text = await engine.generate(request, on_token=stream.on_token, cancel=cancel)
"""

from __future__ import annotations

import time
from collections.abc import Callable

from localloom.course._partial import PartialReader

__all__ = ["AnswerStream"]

ProgressCallback = Callable[[dict | None, int], None]


class AnswerStream:
    """The state of one streamed call; see the module docstring."""

    def __init__(self, stop: Callable[[], None], on_progress: ProgressCallback | None = None,
                 *, whitespace_cap: int, max_chars: int, interval: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._stop, self._on_progress = stop, on_progress
        self.whitespace_cap, self.max_chars = whitespace_cap, max_chars
        self.interval, self._clock = interval, clock
        self.reader = PartialReader()
        self.flooded = self.too_long = False
        self._blocks: list[str] = []  # deltas joined 512 at a time: a 12-character str
        self._chunks: list[str] = []  # costs about 70 bytes, so a list of them costs 6x
        self._run = 0  # trailing whitespace characters
        self._next = float("-inf")

    @property
    def text(self) -> str:
        return "".join(self._blocks) + "".join(self._chunks)

    def on_token(self, delta: str) -> None:
        if not delta or self.too_long:
            return
        if self.reader.chars + len(delta) > self.max_chars:
            self.too_long = True
            self._stop()
            return
        self._chunks.append(delta)
        if len(self._chunks) == 512:
            self._blocks.append("".join(self._chunks))
            self._chunks.clear()
        self.reader.feed(delta)
        if delta.isspace():
            self._run += len(delta)
        else:
            self._run = len(delta) - len(delta.rstrip())
        if self._run > self.whitespace_cap and not self.flooded:
            self.flooded = True
            self._stop()
        if self._on_progress is not None and self._clock() >= self._next:
            started = self._clock()
            self._on_progress(self.reader.value(), self.reader.chars)
            spent = self._clock() - started
            self._next = started + max(self.interval, 10 * spent)
