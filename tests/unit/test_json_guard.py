"""json_guard: depth and size bounds checked on foreign JSON before json.loads sees it."""

from __future__ import annotations

import json
import random

import pytest

from localloom.errors import EngineError
from localloom.wire import json_guard
from localloom.wire.json_guard import MAX_DEPTH, DepthScanner, loads, problem


def test_the_bug_itself_deep_json_makes_json_loads_recurse():
    """Why the guard exists: json.loads on 7,000 levels raises RecursionError in CPython
    (not ValueError, which the old call sites caught); Pyodide dies of a stack overflow."""
    with pytest.raises(RecursionError):
        json.loads("[" * 7000 + "]" * 7000)


@pytest.mark.parametrize(("text", "depth"), [
    ("{}", 1), ('{"a": [1, {"b": []}]}', 4), ("[[[]], [[[]]]]", 4), ("1", 0),
    ('"[[[["', 0), ('{"a": "]]]"}', 1), ('["\\\\", ["\\"]"]]', 2), ('{"x": "\\u005b"}', 1),
])
def test_depth_counts_brackets_outside_strings(text, depth):
    """Brackets inside strings, escaped quotes and backslashes are handled exactly."""
    assert DepthScanner().feed(text) == depth


def test_any_chunking_gives_the_same_depth():
    """Text split anywhere (inside a string, after a backslash) scans the same."""
    text = json.dumps({"a": ['x"[[\\', {"b": [[['\\"]']]]}], "c": "{{{"})
    whole = DepthScanner().feed(text)
    rng = random.Random(7)
    for _ in range(200):
        scanner, i = DepthScanner(), 0
        while i < len(text):
            step = rng.randint(1, 5)
            scanner.feed(text[i:i + step])
            i += step
        assert scanner.max == whole == 6


def test_without_strings_every_bracket_counts():
    """strings=False is an upper bound for lenient parsers that may start mid-string."""
    assert DepthScanner(strings=False).feed('"[[[["') == 4


def test_scanning_stops_past_the_limit():
    """A 7,000-deep text is refused after 65 brackets, whatever follows."""
    scanner = DepthScanner(MAX_DEPTH)
    assert scanner.feed("[" * 7000) == MAX_DEPTH + 1 and scanner.exceeded


def test_problem_names_depth_and_size():
    """problem() says what is wrong, or None; 64 levels pass, 65 do not."""
    assert problem("[" * 64 + "]" * 64) is None
    assert problem("[" * 65 + "]" * 65) == "is nested more than 64 levels deep"
    assert problem("x" * (json_guard.MAX_CHARS + 1)) == "is larger than 1024 KiB"


def test_loads_raises_a_localloom_error_with_cause_and_fix():
    """loads() is json.loads for sane text, an EngineError for a bound passed, and still a
    ValueError for text that is not JSON."""
    assert loads('{"a": [1]}', "Groq", "an answer") == {"a": [1]}
    with pytest.raises(EngineError, match="Groq sent an answer that is nested") as info:
        loads("[" * 7000 + "]" * 7000, "Groq", "an answer", stage="stream")
    assert info.value.cause and "next tier" in info.value.fix and info.value.stage == "stream"
    with pytest.raises(ValueError):
        loads("{not json", "Groq", "an answer")
