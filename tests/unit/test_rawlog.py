"""localloom.view.rawlog: the bounded raw-output buffer behind the page's raw panel."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from localloom.view.rawlog import SEPARATOR, RawLog


def test_short_output_is_shown_whole_with_separators_between_calls():
    """Below the limit every delta is shown; each new call after the first adds a blank line."""
    log = RawLog(limit=100)
    log.new_call()  # the first call of a task adds no separator
    for delta in ['{"a"', ": 1}"]:
        log.append(delta)
    log.new_call()
    log.append("{}")
    assert log.tail() == '{"a": 1}' + SEPARATOR + "{}"
    assert log.dropped == 0 and log.total == 12


def test_long_output_keeps_a_bounded_tail_and_says_what_is_hidden():
    """A 10 MB answer keeps about ``limit`` characters in memory; the tail ends with the answer's
    last characters after a note counting the hidden ones."""
    log = RawLog(limit=1000)
    answer = "".join(f"{i:07d}," for i in range(1_250_000))  # 10 MB
    for i in range(0, len(answer), 12):
        log.append(answer[i:i + 12])
        assert len(log) < 1000 + 12
    tail = log.tail()
    note, shown = tail.split("\n", 1)
    assert shown == answer[-1000:]
    assert note == f"… {len(answer) - 1000:,} earlier characters not shown …"


def test_clear_forgets_the_previous_task():
    """clear() (a new task) empties the buffer, so two long runs never add up."""
    log = RawLog(limit=50)
    log.append("x" * 10_000)
    log.clear()
    log.new_call()
    log.append("second")
    assert log.tail() == "second" and log.total == 6 and len(log) == 6


def test_a_delta_longer_than_the_limit_keeps_its_end():
    """One huge delta (a non-streaming engine returns the whole answer) is cut to its end."""
    log = RawLog(limit=5)
    log.append("abcdefghij")
    assert len(log) == 5 and log.tail().endswith("\nfghij")


def test_tail_is_built_once_per_change():
    """Painting twice without new text reuses the same string (no re-join)."""
    log = RawLog(limit=10)
    log.append("abc")
    first = log.tail()
    assert log.tail() is first
    log.append("d")
    assert log.tail() == "abcd"


def test_limit_must_be_positive():
    """A zero limit is a programming error."""
    with pytest.raises(ValueError):
        RawLog(limit=0)


@settings(max_examples=200, deadline=None)
@given(limit=st.integers(1, 40),
       ops=st.lists(st.one_of(st.text(max_size=30), st.none()), max_size=40))
def test_tail_equals_the_end_of_everything_appended(limit, ops):
    """For any deltas and call boundaries, tail() shows exactly the last ``limit`` characters of
    the full log, and memory stays below ``limit`` plus one delta."""
    log, full, longest = RawLog(limit=limit), "", len(SEPARATOR)
    for op in ops:
        if op is None:
            log.new_call()
            full += SEPARATOR if full else ""
        else:
            log.append(op)
            full += op
            longest = max(longest, min(len(op), limit))
        assert len(log) < limit + longest
    shown = log.tail().split("\n", 1)[1] if len(full) > limit else log.tail()
    assert shown == full[-limit:] if full else log.tail() == ""
    assert log.total == len(full)
