"""chrome_ai_protocol: chunk merging, option shapes, prompt assembly and pre-call errors."""

from __future__ import annotations

import json
import math

import pytest

from localloom.course.schema import Tags, json_schema
from localloom.errors import ContextOverflowError, EngineUnavailable
from localloom.wire import chrome_ai as P


@pytest.mark.parametrize(("so_far", "chunk", "expected"), [
    ("", "Hel", ("Hel", "Hel")),                 # first chunk: either mode
    ("Hel", "lo", ("Hello", "lo")),              # delta (current Chrome)
    ("Hel", "Hello", ("Hello", "lo")),           # cumulative (early Chrome)
    ("Hello", "Hello", ("Hello", "")),           # cumulative, nothing new
    ("ab", "xab", ("abxab", "xab")),             # contains the text, but not at the start
])
def test_merge_chunk_tells_cumulative_from_delta(so_far, chunk, expected):
    assert P.merge_chunk(so_far, chunk) == expected


def _feed(chunks):
    merger = P.ChunkMerger()
    deltas = [merger.feed(c) for c in chunks]
    return merger, deltas


def test_merger_delta_stream_reassembles_exactly():
    merger, deltas = _feed(['{"ti', 'tle": ', '"A"}'])
    assert merger.text == '{"title": "A"}' and "".join(deltas) == merger.text
    assert merger.mode == "delta"


def test_merger_cumulative_stream_yields_deltas():
    merger, deltas = _feed(["Hel", "Hello", "Hello wor", "Hello world"])
    assert deltas == ["Hel", "lo", " wor", "ld"] and merger.mode == "cumulative"


def test_merger_keeps_a_repeated_delta_while_undecided():
    # "\n" then "\n": a delta stream of newlines must not lose the second one
    merger, deltas = _feed(["\n", "\n", "\n{"])
    assert merger.text == "\n\n\n{" and "".join(deltas) == merger.text


def test_merger_switches_to_delta_when_cumulative_is_contradicted():
    merger, deltas = _feed(["a", "ab", "c"])
    assert merger.text == "abc" and deltas == ["a", "b", "c"] and merger.mode == "delta"


def test_merger_ignores_empty_chunks():
    merger, deltas = _feed(["", "x", None, "y"])
    assert merger.text == "xy" and deltas == ["", "x", "", "y"]


def test_stream_cutter_stops_at_stop_sequence_across_chunks():
    cutter = P.StreamCutter(stop=["\n\n\n\n"])
    out = [cutter.feed(c) for c in ['{"a": 1}', "\n\n", "\n\nmore"]]
    assert out[-1] == ("", True) and cutter.text == '{"a": 1}'  # the answer ends before it
    # deltas already sent may hold the start of the stop sequence (no hold-back)
    assert "".join(d for d, _ in out) == '{"a": 1}\n\n'


def test_stream_cutter_token_limit_and_cumulative_chunks():
    cutter = P.StreamCutter(limit=lambda text: len(text) > 5)
    assert cutter.feed("abc") == ("abc", False)
    assert cutter.feed("abcdef") == ("def", True)  # cumulative chunk, over the limit
    assert cutter.text == "abcdef"


def test_first_stop_picks_the_earliest_and_ignores_empty_stops():
    assert P.first_stop("xx END yy STOP", ["STOP", "END", ""]) == 3
    assert P.first_stop("nothing", ["STOP"]) is None and P.first_stop("a", None) is None


@pytest.mark.parametrize(("value", "state"), [
    ("available", "available"), ("downloadable", "downloadable"),
    ("downloading", "downloading"), ("unavailable", "unavailable"),
    ("readily", "available"), ("after-download", "downloadable"), ("no", "unavailable"),
    (None, "unavailable"), ("something-new", "unavailable"), (" Available ", "available"),
])
def test_normalize_state_maps_current_and_old_shapes(value, state):
    assert P.normalize_state(value) == state


def test_availability_and_create_share_the_core_options():
    core = P.prompt_options("es")
    created = P.create_options("es", system="Eres un profesor.")
    assert core == {"expectedInputs": [{"type": "text", "languages": ["es"]}],
                    "expectedOutputs": [{"type": "text", "languages": ["es"]}]}
    assert {k: created[k] for k in core} == core
    assert created["initialPrompts"] == [{"role": "system", "content": "Eres un profesor."}]
    assert "initialPrompts" not in P.create_options("en")


def test_summarizer_and_detector_options():
    opts = P.summarizer_options("key-points", "markdown", "short", "es", "A course on cells")
    assert opts == {"type": "key-points", "format": "markdown", "length": "short",
                    "expectedInputLanguages": ["es"], "expectedContextLanguages": ["es"],
                    "outputLanguage": "es", "sharedContext": "A course on cells"}
    assert "sharedContext" not in P.summarizer_options()
    assert P.detector_options(["en", "es"]) == {"expectedInputLanguages": ["en", "es"]}
    assert P.detector_options() == {}


def test_split_messages_system_goes_apart_user_turns_concatenated():
    system, text = P.split_messages([
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Topic: cells"},
        {"role": "user", "content": "Write JSON."},
    ])
    assert system == "Be brief." and text == "Topic: cells\n\nWrite JSON."


def test_split_messages_labels_a_conversation_and_handles_plain_prompts():
    system, text = P.split_messages([
        {"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "Q2"}])
    assert system is None and text == "User: Q1\n\nAssistant: A1\n\nUser: Q2"
    assert P.split_messages(None, "raw prompt") == (None, "raw prompt")


def test_schema_object_is_a_dict_even_from_a_json_string():
    schema = json_schema(Tags, "chrome")
    assert P.schema_object(schema) is schema
    assert P.schema_object(json.dumps(schema)) == schema
    assert P.schema_object(None) is None
    with pytest.raises(ValueError):
        P.schema_object("[1, 2]")


def test_schema_note_embeds_the_schema_as_compact_json():
    note = P.schema_note(json_schema(Tags, "chrome"))
    assert note.startswith("\n\nReply with one JSON object only")
    assert json.loads(note.split("\n")[-1])["required"] == ["tags"]


def test_overflow_error_refuses_with_numbers():
    err = P.overflow_error(500, 3800, 4096)
    assert isinstance(err, ContextOverflowError) and err.engine == "chrome"
    assert "500 tokens" in err.what and "296" in err.what and "4096-token" in err.what


@pytest.mark.parametrize(("measured", "usage", "window"), [
    (100, 0, 4096), (96, 4000, 4096),       # fits (exactly)
    (10**6, 0, math.inf),                    # no hard limit
    (None, 0, 4096), (100, 0, None),         # unknown: never refuse
])
def test_overflow_error_none_when_it_fits_or_is_unknown(measured, usage, window):
    assert P.overflow_error(measured, usage, window) is None


def test_needs_gesture_and_unavailable_errors_say_what_to_do():
    err = P.needs_gesture_error("downloadable")
    assert isinstance(err, EngineUnavailable) and err.needs_gesture
    assert "press the button to start the download" in err.what
    assert "still downloading" in P.needs_gesture_error("downloading").what
    absent = P.unavailable_error("absent", "Summarizer")
    assert "Summarizer is missing" in absent.what
    assert "22 GB" in P.unavailable_error("unavailable", language="fr").cause


@pytest.mark.parametrize(("loaded", "total", "fraction"), [
    (0, 1, 0.0), (0.5, 1, 0.5), (1, 1, 1.0),         # current: 0..1, total 1
    (250, 1000, 0.25), (1000, 1000, 1.0),            # old: bytes
    (None, None, 0.0), (1.5, 1, 1.0), (-1, 1, 0.0),  # clamped
])
def test_progress_fraction(loaded, total, fraction):
    assert P.progress_fraction(loaded, total) == pytest.approx(fraction)


def test_best_language_skips_und_and_picks_the_most_confident():
    results = [{"detectedLanguage": "und", "confidence": 0.9},
               {"detectedLanguage": "en", "confidence": 0.05},
               {"detectedLanguage": "es", "confidence": 0.05001}]
    assert P.best_language(results) == ("es", 0.05001)
    assert P.best_language([{"detectedLanguage": "und", "confidence": 1}]) is None
    assert P.best_language([]) is None
