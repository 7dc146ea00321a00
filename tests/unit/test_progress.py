"""progress: load progress text, smoothed speed and ETA, with an injected clock."""

from __future__ import annotations

import pytest

from localloom.models.progress import LoadProgress, format_bytes
from localloom.routing.diagnostics import LoadProgress as ReExported


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_single_file_text_fraction_speed_eta():
    clock = Clock()
    p = LoadProgress(clock=clock)
    first = p.update(0, 253_000_000)
    assert first.speed is None and first.eta is None and first.fraction == 0.0
    clock.now = 10.0
    r = p.update(123_400_000, 253_000_000)
    assert r.text == "123.4 MB of 253.0 MB, 48%"
    assert r.fraction == pytest.approx(123.4 / 253.0)
    assert r.speed == pytest.approx(12_340_000)
    assert r.eta == pytest.approx((253_000_000 - 123_400_000) / 12_340_000)
    assert r.detail == "12.3 MB/s, about 11 s left"


def test_speed_is_smoothed():
    """A burst moves the speed only part of the way (exponential smoothing)."""
    clock = Clock()
    p = LoadProgress(clock=clock, smoothing=0.5)
    p.update(0, 100_000_000)
    clock.now = 1.0
    p.update(1_000_000, 100_000_000)  # 1 MB/s
    clock.now = 2.0
    r = p.update(4_000_000, 100_000_000)  # 3 MB/s burst
    assert r.speed == pytest.approx(2_000_000)


def test_unknown_total_has_no_fraction_or_eta():
    clock = Clock()
    p = LoadProgress(clock=clock)
    p.update(0)
    clock.now = 2.0
    r = p.update(5_000_000, 0)
    assert r.fraction is None and r.eta is None
    assert r.text == "5.0 MB" and r.detail == "2.5 MB/s"


def test_multi_file_counts_finished_files():
    clock = Clock()
    p = LoadProgress(clock=clock)
    p.update(0, 40_000_000, file_index=0, file_count=4)
    clock.now = 4.0
    p.update(40_000_000, 40_000_000, file_index=0, file_count=4)
    clock.now = 5.0
    r = p.update(10_000_000, 40_000_000, file_index=1, file_count=4)
    assert r.loaded == 50_000_000
    assert r.fraction == pytest.approx((1 + 0.25) / 4)
    assert r.text == "File 2 of 4: 10.0 MB of 40.0 MB, 25% (31% in all)"
    # 30 MB left in this file plus two more files of about 40 MB each.
    assert r.eta == pytest.approx(110_000_000 / r.speed)


def test_compressed_transfer_over_total_is_clamped():
    r = LoadProgress(clock=Clock()).update(300, 200)
    assert r.fraction == 1.0 and r.text.endswith("100%")


def test_restart_does_not_give_negative_speed():
    clock = Clock()
    p = LoadProgress(clock=clock)
    p.update(50_000_000, 100_000_000)
    clock.now = 1.0
    r = p.update(1_000_000, 100_000_000)  # the download restarted
    assert r.speed is None
    clock.now = 2.0
    assert p.update(3_000_000, 100_000_000).speed == pytest.approx(2_000_000)


def test_reexported_from_diagnostics_and_bytes_format():
    assert ReExported is LoadProgress
    assert format_bytes(253_000_000) == "253.0 MB"
    assert format_bytes(1_100_000_000, 0) == "1 GB"
    assert format_bytes(1_100_000_000, None) == "1.1 GB"
    assert format_bytes(253_000_000, None) == "253 MB"
    assert format_bytes(512) == "512 B"


def test_the_label_line_adds_the_detail_only_when_there_is_one():
    """The line both the embedded model's and the model manager's labels show."""
    clock = Clock()
    p = LoadProgress(clock=clock)
    first = p.update(0, 100_000_000)
    assert first.detail == "" and first.line == first.text
    clock.now = 1.0
    r = p.update(10_000_000, 100_000_000)
    assert r.line == f"{r.text} — {r.detail}" and r.detail
