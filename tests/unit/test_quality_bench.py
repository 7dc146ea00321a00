"""buildtools.quality_bench: re-asks and wasted tokens from raw calls, and the totals."""

from __future__ import annotations

from buildtools.quality_bench import TOPICS, _calls_summary, select_topics, totals
from localloom.course.audit import similar
from localloom.course.prompts.fewshot import examples


def test_a_reask_wastes_the_tokens_of_the_call_before_it():
    calls = [{"prompt": "Course: X\nJSON:\n", "tokens": 100},
             {"prompt": "… Your previous answer was rejected because of these problems: …",
              "tokens": 80},
             {"prompt": "Lesson", "tokens": 50}]
    assert _calls_summary(calls) == {"calls": 3, "reasks": 1, "tokens": 230,
                                     "tokens_wasted": 100}


def test_totals_count_what_slipped_through():
    audit = {"language_share": 0.9, "wrong_language": ["title"],
             "near_duplicate_lesson_titles": [("a", "b")], "near_duplicate_module_titles": [],
             "echo_or_placeholder_titles": [("1.0", "number")], "unusable_text": [],
             "quiz_key_problems": [], "modules": 2, "off_topic": False,
             "no_module_on_topic": True, "description_off_topic": True,
             "near_duplicate_questions": [("¿Cuántos volcanes hay?", "¿Cuántos existen?")]}
    done = {"rendered": True, "seconds": 100.0, "reasks": 2, "calls": 9, "tokens": 900,
            "tokens_wasted": 120, "audit": audit, "want_modules": 2}
    failed = {"rendered": False, "seconds": 30.0, "reasks": 3, "calls": 4, "tokens": 300,
              "tokens_wasted": 200}
    total = totals([done, failed])
    assert total["rendered_share"] == 0.5 and total["median_seconds_rendered"] == 100.0
    assert total["near_duplicate_lesson_title_pairs"] == 1
    assert total["echo_or_placeholder_titles"] == 1
    assert total["courses_with_the_requested_shape"] == 1
    assert total["tokens_wasted_on_reasks"] == 320
    assert total["courses_off_topic"] == 1 and total["descriptions_off_topic"] == 1
    assert total["near_duplicate_question_pairs"] == 1


def test_a_rerun_can_pick_topics_by_pattern():
    assert select_topics(["independent"], only="Python|dog") == [
        ("Introducción a la programación con Python", "es", "beginner"),
        ("Caring for a dog", "en", "beginner")]
    assert len(select_topics(["main", "independent"], limit=2)) == 4
    assert select_topics(["main"]) == TOPICS["main"]


def test_topics_are_held_out_from_the_worked_examples():
    """The benchmark must not ask for a course the prompt already shows worked out."""
    shown = [e["topic"] for lang in ("en", "es") for e in examples(lang)["courses"]]
    for topic_set in TOPICS.values():
        for topic, language, _ in topic_set:
            assert language in ("en", "es")
            assert not any(similar(topic, other) for other in shown), topic
    assert len(TOPICS["main"]) >= 10 and len(TOPICS["independent"]) >= 10
