"""course.textjobs: splitting long texts and the map-reduce summary of texts longer than
one call can take."""

from __future__ import annotations

import asyncio
import json

import pytest

from localloom.course.budget import step_budget
from localloom.course.generator import generate_summary
from localloom.course.runner import Step
from localloom.course.schema import Summary
from localloom.course.textjobs import runner_for, split_text, text_room
from tests.fakes import ScriptedEngine


def run(coro):
    return asyncio.run(coro)


def _summary(text: str) -> str:
    return json.dumps({"summary": text, "key_points": ["one point"]})


PARAGRAPH = ("Bees keep their hive warm in winter. They cluster around the queen and shiver "
             "their flight muscles. The cluster moves slowly over the honey stores.")


def test_split_text_keeps_every_word_in_order_within_the_limit():
    """No piece is longer than the limit, and joining the pieces gives back every word."""
    text = "\n\n".join(f"{PARAGRAPH} Paragraph {i}." for i in range(40))
    pieces = split_text(text, 500)
    assert all(0 < len(p) <= 500 for p in pieces)
    assert " ".join(" ".join(pieces).split()) == " ".join(text.split())


def test_split_text_prefers_paragraphs_then_sentences_then_words():
    """A cut falls at a paragraph break when one fits, else at a sentence end, else a space."""
    a, b = "First paragraph. " * 5, "Second one here. " * 5
    assert split_text(f"{a.strip()}\n\n{b.strip()}", len(a) + 10) == [a.strip(), b.strip()]
    sentences = "One two three. Four five six. Seven eight nine."
    assert split_text(sentences, 32) == ["One two three. Four five six.", "Seven eight nine."]
    assert split_text("aaaa bbbb cccc", 10) == ["aaaa bbbb", "cccc"]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_split_text_of_a_short_text_is_the_text_and_rejects_a_zero_limit():
    """A text that fits is one piece (stripped); an empty one is no piece."""
    assert split_text("  short  ", 100) == ["short"]
    assert split_text("   ", 100) == []
    with pytest.raises(ValueError):
        split_text("x", 0)


def test_text_room_is_the_context_less_prompt_answer_and_margin():
    """The room grows with the context window and leaves the answer its whole budget."""
    def room(window: int) -> int:
        engine = ScriptedEngine(context_window=window)
        runner = runner_for(engine, "en", None, None, 0)
        step = Step("summary", Summary, "Summary", 1, 1, {"text": ""},
                    step_budget("summary"), truncatable="text")
        return text_room(runner, step, "word " * 100)
    small, large = room(2048), room(8192)
    assert large - small == pytest.approx((8192 - 2048 - 8192 // 32 + 2048 // 32) * 4 * 0.9,
                                          abs=8)
    assert 200 <= small < 2048 * 4


def test_a_text_that_fits_is_summarized_in_one_call():
    """Short texts keep the single call (and its text, uncut)."""
    engine = ScriptedEngine([_summary("Bees cluster to keep warm in winter.")])
    result = run(generate_summary(engine, PARAGRAPH))
    assert engine.calls == 1 and result.summary.startswith("Bees cluster")
    assert PARAGRAPH in engine.user_prompt(0)


def test_a_long_text_is_summarized_in_parts_then_the_parts_summaries():
    """Map-reduce: every part of the text reaches the model in full, each call fits the
    context, and the answer is the last call's (the summary of the parts' summaries)."""
    text = "\n\n".join(f"{PARAGRAPH} Paragraph number {i}." for i in range(120))
    engine = ScriptedEngine([lambda r: _summary("The bees of this part cluster in winter.")] * 60,
                            context_window=1024)
    events = []
    result = run(generate_summary(engine, text, on_event=events.append))
    parts = [r for r in engine.requests if "Paragraph number" in (r.messages[-1]["content"])]
    assert len(parts) >= 3 and engine.calls > len(parts)
    for i in range(120):
        assert sum(f"Paragraph number {i}." in r.messages[-1]["content"] for r in parts) == 1
    assert all("[…]" not in r.messages[-1]["content"] for r in engine.requests)
    assert all(len(r.messages[-1]["content"]) < 1024 * 4 for r in engine.requests)
    assert "Paragraph number" not in engine.user_prompt(engine.calls - 1)
    assert result.summary == "The bees of this part cluster in winter."
    assert [e.kind for e in events].count("done") == 1


def test_summary_calls_grow_linearly_with_the_text():
    """Four times the text takes about four times the calls (plus the reduce), not more."""
    def calls(paragraphs: int) -> int:
        text = "\n\n".join(f"{PARAGRAPH} Paragraph {i}." for i in range(paragraphs))
        engine = ScriptedEngine([lambda r: _summary("Bees cluster in the winter cold.")] * 200,
                                context_window=1024)
        run(generate_summary(engine, text))
        return engine.calls
    small, large = calls(40), calls(160)
    assert large <= 4 * small + 2
