"""localloom.course._partial: the object so far of a streaming answer, strict or damaged."""

from __future__ import annotations

import json
from pathlib import Path

import json_repair
import pytest

from localloom.course._partial import LENIENT_PARTIAL_CHARS, PartialReader, parse_partial

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "parsing"
COURSE = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))["c01-clean"]["expect"]


@pytest.fixture(autouse=True)
def no_json_repair(monkeypatch):
    """The streaming path must never run json-repair (superlinear: 38 s for 1 MB)."""
    monkeypatch.setattr(json_repair, "loads", lambda *a, **k: pytest.fail("json-repair ran"))


@pytest.mark.parametrize("text", [
    "```json\n" + json.dumps(COURSE, indent=1),  # strict JSON: read incrementally
    "Sure! " + repr(COURSE),  # Python repr: re-read leniently while short
], ids=["strict", "python-repr"])
def test_reader_fed_deltas_matches_parse_partial_of_each_prefix(text):
    """Fed delta by delta, the reader gives what parse_partial gives for the same prefix, and
    the whole course at the end."""
    reader = PartialReader()
    for i in range(0, len(text), 97):
        reader.feed(text[i:i + 97])
        assert reader.value() == parse_partial(text[:i + 97])
    assert reader.value() == COURSE


def test_entity_quoted_answer_is_read_leniently():
    """An HTML-escaped answer ({&quot;...) breaks the strict reader; the lenient one reads it."""
    text = (CORPUS / "c39-html-escaped.txt").read_text(encoding="utf-8")
    value = parse_partial(text[: len(text) // 2])
    assert value["title"] == "Introduction to Python Programming" and value["modules"]


def test_a_long_damaged_answer_is_not_reread():
    """Past LENIENT_PARTIAL_CHARS a damaged stream is not re-read whole: the object is the one
    read before the damage, and the reader keeps no copy of the text."""
    reader = PartialReader()
    reader.feed('{"title": "Intro", "description": \'')
    assert reader.value() == {"title": "Intro", "description": ""}
    reader.feed("x" * LENIENT_PARTIAL_CHARS)
    assert reader.value() == {"title": "Intro"} and reader._parts == []


def test_no_object_gives_none():
    """Prose, a bare list or nothing yet give None."""
    assert parse_partial("no json") is None and parse_partial("[1, 2") is None
    assert PartialReader().value() is None
