"""course.answer_stream: per-delta handling of a streamed answer (progress, floods, size cap)."""

from __future__ import annotations

import itertools
import json

from localloom.course.answer_stream import AnswerStream


class Clock:
    """A fake monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _stream(clock, progress=None, stops=None, **kw) -> AnswerStream:
    options = {"whitespace_cap": 200, "max_chars": 10_000_000, "interval": 0.25, **kw}
    return AnswerStream(lambda: stops.append(1) if stops is not None else None, progress,
                        clock=clock, **options)


def test_progress_is_throttled_by_time_not_by_characters():
    """However many deltas arrive, the object so far is read at most once per interval; the
    first delta reports at once."""
    clock, seen = Clock(), []
    stream = _stream(clock, lambda partial, chars: seen.append((clock.now, chars, partial)))
    text = json.dumps({"summary": "word " * 20_000})
    for i in range(0, len(text), 12):
        stream.on_token(text[i:i + 12])
        clock.now += 0.001  # 12 characters a millisecond: 100 KB in about 8 s
    times = [t for t, _, _ in seen]
    assert times[0] == 0.0
    assert all(b - a >= 0.25 - 1e-9 for a, b in itertools.pairwise(times))
    assert len(seen) <= clock.now / 0.25 + 1
    assert all(isinstance(p, dict) and text.startswith('{"summary": "' + p["summary"])
               for _, _, p in seen[1:])
    assert stream.text == text and stream.reader.value() == json.loads(text)


def test_slow_progress_backs_off_to_a_tenth_of_the_time():
    """When reading and showing the object takes long, the next report waits 10x as long, so
    progress never takes more than about a tenth of the main thread."""
    clock, seen = Clock(), []

    def slow(partial, chars):
        seen.append(clock.now)
        clock.now += 0.1  # rendering took 100 ms

    stream = _stream(clock, slow)
    for _ in range(400):
        stream.on_token('{"a": "xxxxxxx')
        clock.now += 0.01
    gaps = [b - a for a, b in itertools.pairwise(seen)]
    assert gaps and min(gaps) >= 1.0


def test_a_whitespace_flood_stops_the_call_once():
    """More than whitespace_cap trailing whitespace characters call stop() once."""
    stops: list[int] = []
    stream = _stream(Clock(), stops=stops, whitespace_cap=20)
    stream.on_token('{"a": 1}')
    for _ in range(10):
        stream.on_token("    ")
    assert stream.flooded and stops == [1]


def test_an_answer_past_max_chars_stops_and_keeps_nothing_more():
    """The delta that would pass max_chars stops the call; it and later deltas are dropped, so
    memory stays bounded even if the engine keeps sending."""
    stops: list[int] = []
    stream = _stream(Clock(), stops=stops, max_chars=100)
    for _ in range(50):
        stream.on_token("x" * 12)
    assert stream.too_long and stops == [1]
    assert len(stream.text) == 96 and stream.reader.chars == 96
