"""localloom.course._jsonfeed: the incremental JSON reader used while an answer streams."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from localloom.course import _jsonfeed
from localloom.course._jsonfeed import MAX_DEPTH, JsonFeed

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
            | st.text() | st.sampled_from(["\\", '"', "😀", "é\n\t", "\x00"]))
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=4),
    max_leaves=16)
_objects = st.dictionaries(st.text(max_size=6), _values, max_size=5)
_styles = st.fixed_dictionaries({"indent": st.sampled_from([None, 0, 2]),
                                 "ensure_ascii": st.booleans(),
                                 "separators": st.sampled_from([None, (",", ":")])})


def _fed(*deltas: str, end: bool = False) -> JsonFeed:
    feed = JsonFeed()
    for delta in deltas:
        feed.feed(delta)
    if end:
        feed.end()
    return feed


def _split(text: str, cuts: list[int]) -> list[str]:
    points = [0, *sorted(c % (len(text) + 1) for c in cuts), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(points)]


def _prefix_of(part, full) -> bool:
    """``part`` could have been read from a prefix of the text of ``full``."""
    if isinstance(full, dict):
        keys = list(part) if isinstance(part, dict) else None
        return (keys is not None and keys == list(full)[:len(keys)]
                and all(part[k] == full[k] for k in keys[:-1])
                and all(_prefix_of(part[k], full[k]) for k in keys[-1:]))
    if isinstance(full, list):
        return (isinstance(part, list) and len(part) <= len(full)
                and part[:-1] == full[:max(0, len(part) - 1)]
                and all(_prefix_of(p, f) for p, f in zip(part[-1:], full[len(part) - 1:],
                                                          strict=False)))
    if isinstance(full, str):
        return isinstance(part, str) and full.startswith(part)
    return type(part) is type(full) and part == full


@PROPERTY
@given(obj=_objects, style=_styles, prose=st.text(st.characters(exclude_characters="{")),
       cuts=st.lists(st.integers(0, 10**6), max_size=12))
def test_any_split_of_valid_json_reads_like_json_loads(obj, style, prose, cuts):
    """For any valid JSON object, any prose before it and any split into deltas, the final
    value equals json.loads; the reader reports it done and not broken."""
    text = json.dumps(obj, **style)
    feed = _fed(*_split(prose + text + "\n```\nEnjoy! {x}", cuts))
    assert feed.done and not feed.broken
    assert feed.value() == json.loads(text)


@PROPERTY
@given(obj=_objects, style=_styles, data=st.data())
def test_prefixes_never_raise_and_only_grow(obj, style, data):
    """Every prefix gives None or a dict that the full object extends (strings are cut, never
    changed; unfinished keys, numbers and literals are left out), however it was split."""
    text = json.dumps(obj, **style)
    cut = data.draw(st.integers(0, len(text)))
    prefix = text[:cut]
    whole = _fed(prefix).value()
    split = _fed(*_split(prefix, data.draw(st.lists(st.integers(0, 10**6), max_size=6))))
    assert split.value() == whole
    assert whole is None if cut == 0 else _prefix_of(whole, json.loads(text))
    assert not split.broken


def test_truncated_outputs_close_exactly():
    """A truncated output keeps what was written: open strings and brackets are closed, a key
    without a value and an unfinished literal are dropped; end() completes a final number."""
    cases = {
        '{"a": [1, 2': {"a": [1, 2]},
        '{"a": "hel': {"a": "hel"},
        '{"a": 1, "b":': {"a": 1},
        '{"a": 1, "b': {"a": 1},
        '{"a": tr': {},
        '{"a": "x\\u00': {"a": "x"},
        '{"a": "x\\': {"a": "x"},
        '{"a": "\\ud83d\\ude00 \\ud83d': {"a": "😀 "},
        '{"a": "\\\\ud83d': {"a": "\\ud83d"},
        '{"a": 1.': {},
        'Sure: {"title": "Intro", "modules": [{"ti': {"title": "Intro", "modules": [{}]},
    }
    for text, value in cases.items():
        assert _fed(text, end=True).value() == value, text
    assert _fed('{"a": [1, 2').value() == {"a": [1]}  # still streaming: 2 may become 20


def test_text_around_the_object_and_no_object():
    """Prose and fences around the object are skipped; no "{" yet gives None."""
    assert _fed("Sure! Here:\n```json\n", '{"a": 1}\n```\nMore {"b": 2}').value() == {"a": 1}
    assert _fed("no json here").value() is None and _fed("").value() is None


@pytest.mark.parametrize("text,before", [
    ("{'a': 1}", {}),
    ('{"a": 1, // note\n "b": 2}', {"a": 1}),
    ('{"a": [1, 2,], "b": 3}', {"a": [1, 2]}),
    ('{"a": True}', {}),
    ('{"a": "x\\q"}', {}),
    ('{"a": 1 "b": 2}', {"a": 1}),
    ('{"a": [1}', {"a": [1]}),
    ('{a: 1}', {}),
    ("{&quot;a&quot;: 1}", {}),
])
def test_damaged_json_is_broken_and_keeps_what_came_before(text, before):
    """Text that is not strict JSON marks the reader broken; value() keeps the object as it was
    before the damage, so the caller can fall back to the lenient reader."""
    feed = _fed(text)
    assert feed.broken and feed.value() == before


def test_depth_is_capped():
    """Nesting deeper than MAX_DEPTH breaks the reader instead of recursing."""
    assert _fed('{"a":' + "[" * (MAX_DEPTH - 1)).value() is not None
    assert _fed('{"a":' + "[" * MAX_DEPTH).broken


def test_feeding_never_parses_and_value_parses_once(monkeypatch):
    """Each delta is only lexed: no json.loads per delta; value() parses once and caches until
    new text arrives (so asking twice about the same text costs nothing)."""
    calls = []
    real = json.loads
    monkeypatch.setattr(_jsonfeed.json, "loads", lambda *a, **k: calls.append(1) or real(*a, **k))
    text = json.dumps({"summary": "word \"quoted\" é\n" * 5000, "points": list(range(300))})
    feed = JsonFeed()
    for i in range(0, len(text), 12):
        feed.feed(text[i:i + 12])
    assert calls == [] and feed.done
    assert feed.value() == real(text) and feed.value() == real(text) and len(calls) == 1
    feed.feed("trailing prose")
    feed.value()
    assert len(calls) == 2
