"""The model's raw output for the page's "raw output" panel, in bounded memory.

Public names: ``RawLog``, ``TAIL_CHARS``, ``SEPARATOR``.

An answer can run to megabytes: the page must neither keep every run's text nor repaint all of
it. ``RawLog`` keeps only the last ``limit`` characters (plus at most one delta, cut to
``limit``), costs O(len(delta)) per delta, and ``tail()`` gives the text to paint — at most
``limit`` characters, behind a note of how many earlier ones are not shown — built once per
change.
Example::

    >>> log = RawLog(limit=11)
    >>> log.append('{"a": "hello world"}')
    >>> log.new_call()  # a re-ask or the next step: a blank line between the answers
    >>> log.append("{}")
    >>> print(log.tail())
    … 13 earlier characters not shown …
    world"}
    <BLANKLINE>
    {}
    >>> log.clear(); log.tail()
    ''
"""

from __future__ import annotations

from collections import deque

__all__ = ["SEPARATOR", "TAIL_CHARS", "RawLog"]

TAIL_CHARS = 64_000
SEPARATOR = "\n\n"


class RawLog:
    """The last ``limit`` characters of the raw output of one task's calls."""

    def __init__(self, limit: int = TAIL_CHARS) -> None:
        if limit < 1:
            raise ValueError("limit must be positive")
        self.limit = limit
        self.total = 0  # characters appended since the last clear(), shown or not
        self._parts: deque[str] = deque()
        self._kept = 0
        self._tail: str | None = ""

    def __len__(self) -> int:
        """Characters held: less than ``limit`` plus the longest delta (cut to ``limit``)."""
        return self._kept

    @property
    def dropped(self) -> int:
        """Characters appended since ``clear()`` that ``tail()`` does not show."""
        return self.total - min(self._kept, self.limit)

    def clear(self) -> None:
        """A new task: forget everything."""
        self._parts.clear()
        self.total = self._kept = 0
        self._tail = ""

    def new_call(self) -> None:
        """A new engine call of the same task starts: separate it from the previous one."""
        if self.total:
            self._add(SEPARATOR)

    def append(self, delta: str) -> None:
        if delta:
            self._add(delta)

    def _add(self, text: str) -> None:
        self.total += len(text)
        if len(text) > self.limit:
            text = text[-self.limit:]
        self._parts.append(text)
        self._kept += len(text)
        while self._kept - len(self._parts[0]) >= self.limit:
            self._kept -= len(self._parts.popleft())
        self._tail = None

    def tail(self) -> str:
        """The text to show: the last ``limit`` characters, after a note when some are hidden."""
        if self._tail is None:
            text = "".join(self._parts)[-self.limit:]
            if self.dropped:
                text = f"… {self.dropped:,} earlier characters not shown …\n{text}"
            self._tail = text
        return self._tail
