"""localloom.models.resume: which stored parts are kept, where a chunk is cut into parts, and
how a server's answer to a Range request is read."""

from __future__ import annotations

import doctest

import pytest

import localloom.models.resume as resume
from localloom.models.resume import (
    PART_BYTES,
    StoredPart,
    content_range,
    cuts,
    judge_answer,
    resume_point,
)

E = '"abc"'


def _parts(*starts: int, total: int = 10, etag: str = E, size: int = 4) -> list[StoredPart]:
    return [StoredPart(s, min(size, total - s), total, etag) for s in starts]


def test_docstring_examples_run():
    """The module docstring's examples are true."""
    assert doctest.testmod(resume).failed == 0


def test_nothing_stored_starts_at_zero():
    """No parts: fetch from byte 0, delete nothing."""
    assert resume_point([], total=10, etag=E, part_bytes=4) == (0, [])


def test_an_unbroken_run_is_kept_in_any_order():
    """Parts listed out of order still make the run 0..8 of a 10-byte file."""
    assert resume_point(_parts(4, 0), total=10, etag=E, part_bytes=4) == (8, [])


def test_all_parts_kept_means_the_file_is_whole():
    """Three parts of 4, 4 and 2 bytes: next byte is the size."""
    assert resume_point(_parts(0, 4, 8), total=10, etag=E, part_bytes=4) == (10, [])


def test_a_gap_drops_every_part_after_it():
    """Parts 0 and 8 without 4: keep 0..4, delete the part at 8."""
    assert resume_point(_parts(0, 8), total=10, etag=E, part_bytes=4) == (4, [8])


@pytest.mark.parametrize("bad", [
    StoredPart(0, 3, 10, E),             # short: the connection dropped inside it
    StoredPart(0, 4, 12, E),             # stored for a file of another size
    StoredPart(0, 4, 10, '"other"'),     # stored for another version of the file
])
def test_a_part_that_is_not_for_this_file_is_deleted(bad):
    """Wrong length, total or ETag: the part goes, and so does everything after it."""
    parts = [bad, *_parts(4)]
    assert resume_point(parts, total=10, etag=E, part_bytes=4) == (0, [0, 4])


def test_an_unknown_etag_accepts_the_parts_own_when_they_agree():
    """Before the server answered, the stored ETag is taken if every part has the same."""
    assert resume_point(_parts(0, 4), total=10, etag="", part_bytes=4) == (8, [])
    mixed = [*_parts(0), *_parts(4, etag='"x"')]
    assert resume_point(mixed, total=10, etag="", part_bytes=4) == (0, [0, 4])


def test_cuts_split_a_chunk_at_part_boundaries():
    """A chunk that straddles two boundaries gives three pieces; the middle one is a whole
    part; a chunk inside a part is one piece that ends nothing."""
    assert cuts(2, 10, part_bytes=4) == [(0, 2, True), (2, 4, True), (6, 4, True)]
    assert cuts(1, 2, part_bytes=4) == [(0, 2, False)]
    assert cuts(0, 0, part_bytes=4) == []
    assert sum(n for _, n, _ in cuts(123, 5 * PART_BYTES)) == 5 * PART_BYTES


def test_content_range_parses_and_refuses():
    """The Content-Range forms servers send; anything else is None."""
    assert content_range("bytes 0-99/1000") == (0, 99, 1000)
    assert content_range("bytes 10-19/*") == (10, 19, None)
    assert content_range(None) is None and content_range("items 1-2/3") is None


def _answer(status: int, start: int = 0, crange: str | None = None, length: str | None = None,
            etag: str = E, stored_etag: str = "", stored_total: int | None = None):
    return judge_answer(status, start, range_header=crange, length_header=length, etag=etag,
                        stored_etag=stored_etag, stored_total=stored_total)


def test_a_206_from_the_right_byte_continues():
    """206 with the requested start: continue, and the total comes from Content-Range."""
    a = _answer(206, 8, "bytes 8-9/10", "2", stored_etag=E, stored_total=10)
    assert (a.kind, a.total) == ("continue", 10)


def test_a_206_without_a_visible_content_range_uses_the_length():
    """CORS may hide Content-Range: start + Content-Length is the total."""
    assert _answer(206, 8, None, "2").total == 10


def test_a_200_is_the_whole_file():
    """The server ignored Range: the body is the whole file; at start > 0 it says so."""
    assert (_answer(200, 0, length="10").kind, _answer(200, 0, length="10").total) == \
        ("whole", 10)
    assert "whole file again" in _answer(200, 8).why


def test_a_changed_file_restarts():
    """Another total or ETag than the stored parts': ask again from byte 0."""
    assert _answer(206, 8, "bytes 8-11/12", stored_total=10).kind == "restart"
    assert _answer(206, 8, "bytes 8-9/10", etag='"new"', stored_etag=E).kind == "restart"
    assert _answer(416, 8).kind == "restart"


def test_errors_are_errors():
    """404, or a 206 from another byte than asked: an error naming it."""
    assert _answer(404).why == "HTTP 404"
    assert "not 8" in _answer(206, 8, "bytes 0-9/10").why
