"""localloom.course._jsontext: finding JSON spans in prose and decoding damaged JSON exactly."""

from __future__ import annotations

import pytest

from localloom.course._jsontext import MAX_DEPTH, Span, TooDeep, clean, decode, spans


def chunks(text: str) -> list[tuple[str, bool]]:
    return [(text[s.start:s.end], s.closed) for s in spans(text)]


def test_spans_skip_prose_and_fences():
    """Prose, apostrophes and fences around the JSON are not part of the span."""
    text = "Here's it:\n```json\n{\"a\": \"it's {not} a brace\"}\n```\nBye [1]."
    assert chunks(text) == [('{"a": "it\'s {not} a brace"}', True), ("[1]", True)]


def test_unclosed_span_is_truncated():
    """A span still open at the end, or at a closing fence, has closed=False."""
    assert chunks('x {"a": [1, "b') == [('{"a": [1, "b', False)]
    assert chunks('{"a": [1,\n```\nmore') == [('{"a": [1,\n', False)]


def test_backticks_inside_strings_are_content():
    """A ``` fence inside a string value (Markdown content) does not end the span."""
    text = '{"content": "```python\\nprint(1)\\n```"}'
    assert chunks(text) == [(text, True)]


def test_single_quoted_strings_hide_braces():
    """Braces inside single-quoted values do not close the span."""
    assert chunks("{'a': 'x}'}") == [("{'a': 'x}'}", True)]


def test_depth_limit():
    """More than MAX_DEPTH nested brackets raise TooDeep instead of recursing."""
    with pytest.raises(TooDeep):
        spans("[" * (MAX_DEPTH + 1))
    assert spans("[" * MAX_DEPTH) == [Span(0, MAX_DEPTH, False)]


def test_clean_bom_html_and_string_encoded_json():
    """clean() drops BOMs, decodes HTML entities and unwraps JSON sent as a string."""
    notes: list[str] = []
    assert clean('\ufeff{&quot;a&quot;: 1}', notes) == '{"a": 1}'
    assert clean('"{\\"a\\": 1}"', notes) == '{"a": 1}'
    assert notes == ["removed a byte-order mark", "decoded HTML entities",
                     "decoded JSON that was sent as one string"]
    assert clean('"just a quote" said he', []) == '"just a quote" said he'


@pytest.mark.parametrize("text", [
    '{"a": "say &quot;hi&quot; &lt;b&gt; AT&amp;T"}',
    '```json\n{"a": ["&quot;x&quot;", "\\"y\\""]}\n```',
    "{'a': '&quot;single-quoted&quot;'}",
    '{"a": "x", "b": "&quot;trunc',
    '"{\\"a\\": \\"&lt;b&gt; &quot;\\"}"',
])
def test_clean_keeps_entities_inside_real_json_strings(text):
    """JSON delimited by real quotes is never HTML-unescaped: entities in its strings are the
    model's own text (unescaping turned valid JSON invalid and "&lt;b&gt;" into "<b>")."""
    notes: list[str] = []
    cleaned = clean(text, notes)
    assert "decoded HTML entities" not in notes
    assert cleaned == text or notes == ["decoded JSON that was sent as one string"]


def test_clean_decodes_an_entity_quoted_answer_once():
    """When the JSON's own quotes are entities the whole answer went through an HTML escaper:
    one unescape restores it, including a "&amp;lt;" the model wrote as "&lt;"."""
    notes: list[str] = []
    text = '<pre>{&quot;a&quot;: &quot;it&#x27;s &amp;lt;b&amp;gt; \\&quot;x\\&quot;&quot;}</pre>'
    assert clean(text, notes) == '<pre>{"a": "it\'s &lt;b&gt; \\"x\\""}</pre>'
    assert notes == ["decoded HTML entities"]


def test_decode_without_repair_never_calls_json_repair():
    """repair=False (the streaming path) raises instead of running json-repair."""
    with pytest.raises(ValueError):
        decode('{"a": 1 "b": 2}', True, [], repair=False)
    assert decode("{'a': [1,", False, [], repair=False) == {"a": [1]}


@pytest.mark.parametrize("text,value", [
    ('{"a": [1, 2,],}', {"a": [1, 2]}),
    ("{'a': 'don\\'t', 'b': \"x\"}", {"a": "don't", "b": "x"}),
    ("{'a': 'say \"hi\"\\n'}", {"a": 'say "hi"\n'}),
    ("{'a': '\\x41'}", {"a": "A"}),
    ('{a: 1, b_c: true, $d: null}', {"a": 1, "b_c": True, "$d": None}),
    ('{"a": True, "b": None, "c": False}', {"a": True, "b": None, "c": False}),
    ('{// c\n"a": /* x */ 1}', {"a": 1}),
    ('{"url": "http://x.org/*path*/"}', {"url": "http://x.org/*path*/"}),
    ('{"a": "line\nbreak"}', {"a": "line\nbreak"}),
    ('{"a": 1e3, "b": -2.5}', {"a": 1000.0, "b": -2.5}),
    ('{“a”: “b, c”, “d”: 1}', {"a": "b, c", "d": 1}),
])
def test_decode_closed_exactly(text, value):
    """Lexical damage is undone exactly, without touching string contents."""
    assert decode(text, True, []) == value


@pytest.mark.parametrize("text,value", [
    ('{"a": [1, 2', {"a": [1, 2]}),
    ('{"a": "hel', {"a": "hel"}),
    ('{"a": 1, "b":', {"a": 1}),
    ("{'a': 'x\\", {"a": "x"}),
    ("{'a': [1, 2,", {"a": [1, 2]}),
])
def test_decode_truncated(text, value):
    """A truncated chunk keeps what was written; a key without a value is dropped."""
    assert decode(text, False, []) == value


def test_decode_falls_back_to_json_repair():
    """Damage that needs guessing (a missing comma) goes to json-repair, and says so."""
    notes: list[str] = []
    assert decode('{"a": 1 "b": 2}', True, notes) == {"a": 1, "b": 2}
    assert notes == ["repaired the JSON syntax with json-repair"]


def test_decode_notes_name_the_fixes():
    """The notes list the lexical fixes that were needed."""
    notes: list[str] = []
    decode("{a: 'x', b: None,}", True, notes)
    assert notes == ["converted Python literals", "converted single-quoted strings",
                     "quoted bare keys", "removed trailing commas"]


def test_smart_quotes_in_values_are_kept():
    """Typographic quotes inside ASCII-quoted JSON are content, not delimiters."""
    text = '{"a": "“hi” it’s"}'
    assert decode(text, True, []) == {"a": "“hi” it’s"}
    assert decode("{'a': 'x”: y'}", True, []) == {"a": "x”: y"}
