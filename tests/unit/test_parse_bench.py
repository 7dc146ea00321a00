"""course.parse_bench: the sample is deterministic, valid, ~30 KB, and run() reports times."""

from __future__ import annotations

import json

from localloom.course.parse_bench import damaged_text, run, sample_course
from localloom.course.parsing import parse_with_report
from localloom.course.schema import Course


def test_sample_is_deterministic_valid_and_about_30_kb():
    """sample_course() is the same every call, validates, and is 30-40 KB of JSON."""
    course = sample_course()
    assert course == sample_course()
    assert 30 * 1024 <= len(json.dumps(course, indent=2)) < 40 * 1024
    Course.model_validate(course)


def test_damaged_text_is_damaged_but_recovers_exactly():
    """The damaged text has a fence, trailing commas and a cut tail; parsing recovers it."""
    course = sample_course()
    text = damaged_text(course)
    assert text.count("```json") == 1 and ",\n" in text and not text.rstrip().endswith("}")
    obj, report = parse_with_report(text, Course)
    assert obj == Course.model_validate(course) and report.truncated


def test_run_reports_bytes_and_times():
    """run() returns the input size and positive median/min parse times in milliseconds."""
    result = run(n=2)
    assert set(result) == {"bytes", "parse_ms_median", "parse_ms_min"}
    assert result["bytes"] > 30_000
    assert 0 < result["parse_ms_min"] <= result["parse_ms_median"]
