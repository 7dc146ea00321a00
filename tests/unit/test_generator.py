"""generator: progressive (a call per lesson) and single-call courses, re-asks, quality
gates and the user's choice after them, checkpoints (v2 and v1), budgets, short tasks."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from localloom.course.budget import margin, schema_token_bound
from localloom.course.checkpoints import MemoryCheckpointStore
from localloom.course.generator import (
    EVENT_KINDS,
    CourseRequest,
    generate_classify,
    generate_course,
    generate_course_single,
    generate_summary,
    generate_tags,
    quiz_step,
)
from localloom.course.schema import Course, CourseShape, Lesson, ModuleQuiz, Outline, json_schema
from localloom.course.steer import STEER_BIAS
from localloom.engine import CancelToken
from localloom.errors import (
    ContextOverflowError,
    CourseParseError,
    GenerationCancelled,
    InvalidOutputError,
    OutOfMemoryError,
    QualityError,
)
from tests.fakes import (
    ScriptedEngine,
    course_json,
    lesson_data,
    lesson_json,
    lesson_titles,
    outline_data,
    outline_json,
    question_data,
    quiz_json,
    script_for,
)

SHAPE = CourseShape(modules=2, lessons_per_module=2, questions_per_quiz=2)
TITLES = lesson_titles(SHAPE)  # [[m1 l1, m1 l2], [m2 l1, m2 l2]]
CALLS = ["outline", "lesson", "lesson", "quiz", "lesson", "lesson", "quiz"]


def run(coro):
    return asyncio.run(coro)


def request(**kw) -> CourseRequest:
    return CourseRequest(**{"topic": "Photosynthesis", "shape": SHAPE, **kw})


def test_happy_path_makes_one_call_per_lesson_with_its_schema_and_emits_progress():
    engine, store, events = ScriptedEngine(script_for(SHAPE)), MemoryCheckpointStore(), []
    course = run(generate_course(engine, request(), store, on_event=events.append))
    assert isinstance(course, Course)
    assert [m.title for m in course.modules] == ["Light and water", "Roots and sugar"]
    assert [[les.title for les in m.lessons] for m in course.modules] == TITLES
    assert [len(m.quiz) for m in course.modules] == [2, 2]
    assert engine.tasks() == CALLS
    fixed = {"language": "en", "level": "beginner"}
    assert engine.requests[0].schema == json_schema(Outline, "wllama", SHAPE, fixed=fixed)
    assert engine.requests[1].schema == json_schema(Lesson, "wllama", SHAPE,
                                                    fixed={"title": TITLES[0][0]})
    assert engine.requests[3].schema == json_schema(ModuleQuiz, "wllama", SHAPE)
    assert engine.requests[1].messages[0]["role"] == "system"
    lesson_prompt = engine.user_prompt(2)
    assert f"titled exactly: {TITLES[0][1]}" in lesson_prompt  # the lesson, in its module
    assert "Light and water" in lesson_prompt and TITLES[0][0] in lesson_prompt
    kinds = [e.kind for e in events if e.kind != "token"]
    assert kinds[:3] == ["step_start", "step_done", "checkpoint"] and kinds[-1] == "done"
    assert set(kinds) <= set(EVENT_KINDS)
    labels = [e.label for e in events if e.kind == "step_start"]
    assert labels == ["Course outline", f"Module 1 of 2, lesson 1: {TITLES[0][0]}",
                      f"Module 1 of 2, lesson 2: {TITLES[0][1]}", "Module 1 of 2: quiz",
                      f"Module 2 of 2, lesson 1: {TITLES[1][0]}",
                      f"Module 2 of 2, lesson 2: {TITLES[1][1]}", "Module 2 of 2: quiz"]
    assert [(e.i, e.n) for e in events if e.kind == "step_start"] == [(i, 7) for i in range(1, 8)]
    tokens = [e for e in events if e.kind == "token"]
    assert tokens and all(isinstance(e.partial, dict) for e in tokens)
    assert len(store) == 0  # a finished course leaves no checkpoint behind


def test_reask_puts_the_parse_problems_in_the_next_prompt():
    bad = json.dumps({**outline_data(SHAPE), "modules": []})
    engine, events = ScriptedEngine([bad, *script_for(SHAPE)]), []
    course = run(generate_course(engine, request(), on_event=events.append))
    assert len(course.modules) == 2
    assert engine.tasks()[:2] == ["outline", "outline"]
    assert "rejected" not in engine.user_prompt(0)
    assert "rejected" in engine.user_prompt(1) and "modules" in engine.user_prompt(1)
    assert engine.requests[1].temperature > engine.requests[0].temperature
    retries = [e for e in events if e.kind == "retry"]
    assert len(retries) == 1 and retries[0].attempt == 1 and "modules" in retries[0].message


def test_output_that_stays_invalid_raises_invalid_output_after_max_reasks():
    engine, events = ScriptedEngine(["I cannot do that."] * 3), []
    with pytest.raises(InvalidOutputError) as info:
        run(generate_course(engine, request(), on_event=events.append, max_reasks=2))
    assert engine.calls == 3
    err = info.value
    assert not isinstance(err, QualityError)
    assert err.engine == "wllama" and err.stage == "outline"
    assert "3 attempts" in err.what and "no JSON object" in err.cause
    assert isinstance(err.__cause__, CourseParseError)
    assert events[-1].kind == "error" and events[-1].error is err


def test_max_reasks_zero_means_a_single_attempt():
    engine = ScriptedEngine(["nope"])
    with pytest.raises(InvalidOutputError, match="1 attempt"):
        run(generate_course(engine, request(), max_reasks=0))
    assert engine.calls == 1


def test_resume_after_a_crash_makes_only_the_missing_calls():
    store = MemoryCheckpointStore()
    full = script_for(SHAPE)
    first = ScriptedEngine([*full[:3], OutOfMemoryError("GPU lost", engine="wllama")])
    with pytest.raises(OutOfMemoryError):
        run(generate_course(first, request(), store))
    assert first.calls == 4 and len(store) == 1
    second, events = ScriptedEngine(full[3:]), []
    course = run(generate_course(second, request(), store, on_event=events.append))
    assert second.tasks() == ["quiz", "lesson", "lesson", "quiz"]
    assert [len(m.lessons) for m in course.modules] == [2, 2]
    restored = [e.label for e in events if e.message == "restored from checkpoint"]
    assert restored == ["Course outline", f"Module 1 of 2, lesson 1: {TITLES[0][0]}",
                        f"Module 1 of 2, lesson 2: {TITLES[0][1]}"]
    assert len(store) == 0


def test_resume_redoes_a_checkpointed_lesson_that_no_longer_validates():
    store, req = MemoryCheckpointStore(), request()
    full = script_for(SHAPE)
    first = ScriptedEngine([*full[:4], GenerationCancelled("closed")])
    with pytest.raises(GenerationCancelled):
        run(generate_course(first, req, store))
    data = run(store.load(req.key))
    data["lessons"]["0.0"] = {"title": "x"}  # corrupted
    run(store.save(req.key, data))
    second = ScriptedEngine([full[1], *full[4:]])
    course = run(generate_course(second, req, store))
    assert second.tasks() == ["lesson", "lesson", "lesson", "quiz"]
    assert f"titled exactly: {TITLES[0][0]}" in second.user_prompt(0)
    assert course.modules[0].lessons[0].title == TITLES[0][0]


def test_a_version_1_checkpoint_is_migrated_not_thrown_away():
    """Checkpoints written before lessons had a step each (lessons per module) still resume."""
    store, req = MemoryCheckpointStore(), request()
    v1 = {"version": 1, "request": req.to_dict(), "outline": outline_data(SHAPE),
          "modules": {"0": {"lessons": {"lessons": [lesson_data(t) for t in TITLES[0]]},
                            "quiz": json.loads(quiz_json(2))}}}
    run(store.save(req.key, v1))
    engine = ScriptedEngine(script_for(SHAPE)[4:])
    run(generate_course(engine, req, store))
    assert engine.tasks() == ["lesson", "lesson", "quiz"]


def test_a_checkpoint_of_another_request_is_not_used():
    store = MemoryCheckpointStore()
    first = ScriptedEngine([outline_json(SHAPE), OutOfMemoryError("boom")])
    with pytest.raises(OutOfMemoryError):
        run(generate_course(first, request(), store))
    other = ScriptedEngine(script_for(SHAPE))
    run(generate_course(other, request(level="advanced"), store))
    assert other.tasks()[0] == "outline"


class BrokenStore:
    async def load(self, key):
        raise OSError("IndexedDB is closed")

    async def save(self, key, data):
        raise OSError("quota exceeded")

    async def delete(self, key):
        pass


def test_a_failing_checkpoint_store_does_not_lose_the_course():
    engine, events = ScriptedEngine(script_for(SHAPE)), []
    course = run(generate_course(engine, request(), BrokenStore(), on_event=events.append))
    assert len(course.modules) == 2 and engine.calls == 7
    notes = [e.message for e in events if e.kind == "checkpoint"]
    assert len(notes) == 7 and all(m.startswith("not saved: quota exceeded") for m in notes)


def test_cancel_during_a_call_raises_and_keeps_the_checkpoint():
    store, cancel = MemoryCheckpointStore(), CancelToken()
    full = script_for(SHAPE)

    def cancel_midway(req):
        cancel.cancel()
        return full[1]
    engine, events = ScriptedEngine([full[0], cancel_midway]), []
    with pytest.raises(GenerationCancelled):
        run(generate_course(engine, request(), store, on_event=events.append, cancel=cancel))
    assert engine.calls == 2 and len(store) == 1
    assert engine.cancels[1].cancelled  # the per-call token follows the user's
    assert events[-1].kind == "error" and isinstance(events[-1].error, GenerationCancelled)
    resumed = ScriptedEngine(full[1:])
    run(generate_course(resumed, request(), store))
    assert resumed.tasks() == CALLS[1:]


def test_cancel_before_start_makes_no_call():
    cancel = CancelToken()
    cancel.cancel()
    engine = ScriptedEngine(script_for(SHAPE))
    with pytest.raises(GenerationCancelled):
        run(generate_course(engine, request(), cancel=cancel))
    assert engine.calls == 0


def test_small_context_window_gets_smaller_max_tokens():
    big = ScriptedEngine(script_for(SHAPE), context_window=32768, name="openai")
    run(generate_course(big, request()))
    small = ScriptedEngine(script_for(SHAPE), context_window=800, name="openai")
    run(generate_course(small, request()))
    assert big.requests[1].max_tokens == 570  # the lesson step's own budget
    lesson = small.requests[1]
    used = sum(small.count_tokens(m["content"]) + 8 for m in lesson.messages)
    assert lesson.max_tokens == 800 - used - margin(800) < 570  # context - prompt - margin


def test_prompt_shrinks_before_it_overflows():
    req = request(audience="Retired botanists who garden on weekends " * 9)
    roomy = ScriptedEngine(script_for(SHAPE), context_window=32768)
    run(generate_course(roomy, req))
    assert all("Retired botanists" in roomy.user_prompt(i) for i in (0, 1, 4))
    # A cloud engine (prompts carry the field list) resuming after the outline, in a context
    # too small for the lesson prompt with that audience: the audience goes, the lesson fits.
    store = MemoryCheckpointStore()
    run(store.save(req.key, {"version": 2, "request": req.to_dict(),
                             "outline": outline_data(SHAPE), "lessons": {}, "quizzes": {}}))
    tight = ScriptedEngine(script_for(SHAPE)[1:], context_window=500, name="openai")
    run(generate_course(tight, req, store))
    assert "Retired botanists" not in tight.user_prompt(0)
    assert tight.requests[0].max_tokens < 570


def test_too_small_context_window_raises_context_overflow_without_calling():
    engine = ScriptedEngine(script_for(SHAPE), context_window=160)
    with pytest.raises(ContextOverflowError) as info:
        run(generate_course(engine, request()))
    assert engine.calls == 0
    assert info.value.stage == "outline" and "160" in info.value.what


def test_a_near_duplicate_lesson_title_in_the_outline_is_reasked():
    """The issue's 'Basic photography basics' / 'Photography basics': caught before any
    lesson is written, and the re-ask names it."""
    dup = outline_data(SHAPE)
    dup["modules"][1]["lesson_titles"][1] = TITLES[0][0].replace(" and ", " & ") + "s"
    engine = ScriptedEngine([json.dumps(dup), *script_for(SHAPE)])
    course = run(generate_course(engine, request()))
    assert engine.tasks()[:2] == ["outline", "outline"]
    reask = engine.user_prompt(1)
    assert "modules[1].lesson_titles[1]" in reask and "in other words" in reask
    titles = [les.title for m in course.modules for les in m.lessons]
    assert len(set(titles)) == len(titles) == 4


@pytest.mark.parametrize("bad", ["1.0", "Lesson 2", "Photosynthesis", "beginner", "titl"])
def test_numbered_echo_and_field_name_titles_are_reasked(bad):
    data = outline_data(SHAPE)
    data["modules"][0]["lesson_titles"][0] = bad
    engine = ScriptedEngine([json.dumps(data), *script_for(SHAPE)])
    run(generate_course(engine, request()))
    assert engine.tasks()[:2] == ["outline", "outline"]
    assert "modules[0].lesson_titles[0]" in engine.user_prompt(1)


def test_text_in_the_wrong_language_is_reasked():
    """A Spanish course whose outline came back in English is asked again."""
    english = outline_json(SHAPE)
    spanish = script_for(SHAPE, language="es")
    engine = ScriptedEngine([english, *spanish])
    course = run(generate_course(engine, request(language="es")))
    assert engine.tasks()[:2] == ["outline", "outline"]
    assert "is not in Spanish" in engine.user_prompt(1)
    assert course.modules[0].title == "Luz y agua"


def test_problems_that_persist_stop_with_choices_and_never_shrink_the_course():
    """Duplicate modules used to end 'Done.' with one module; now the run stops, says why,
    offers to accept or to keep a smaller course, and keeps the best answer for that."""
    dup = outline_data(SHAPE)
    dup["modules"][1]["title"] = dup["modules"][0]["title"]
    store, events = MemoryCheckpointStore(), []
    engine = ScriptedEngine([json.dumps(dup)] * 3)
    with pytest.raises(QualityError) as info:
        run(generate_course(engine, request(), store, on_event=events.append))
    err = info.value
    assert engine.tasks() == ["outline"] * 3
    assert err.choices == ("accept", "smaller") and err.stage == "outline"
    assert any("modules[1].title" in path for path, _ in err.problems)
    assert len(store) == 1  # the best answer waits for the user's choice
    smaller = ScriptedEngine([lesson_json(TITLES[0][0]), lesson_json(TITLES[0][1]),
                              quiz_json(2)])
    course = run(generate_course(smaller, request(), store, policy="smaller"))
    assert smaller.tasks() == ["lesson", "lesson", "quiz"]  # the outline was not asked again
    assert [m.title for m in course.modules] == ["Light and water"]


def test_accepting_keeps_the_best_answer_as_it_is():
    near = outline_data(SHAPE)
    near["modules"][1]["title"] = "Water and light"  # the first module's words again
    store = MemoryCheckpointStore()
    with pytest.raises(QualityError):
        run(generate_course(ScriptedEngine([json.dumps(near)] * 3), request(), store))
    engine = ScriptedEngine(script_for(SHAPE)[1:])
    course = run(generate_course(engine, request(), store, policy="accept"))
    assert engine.tasks() == CALLS[1:]
    assert [m.title for m in course.modules] == ["Light and water", "Water and light"]


def test_a_quiz_with_fewer_questions_is_not_accepted_silently():
    """'has 1 different questions; write exactly 2' was then accepted: not any more."""
    script = script_for(SHAPE)
    script[3:4] = [quiz_json(1)] * 3
    engine = ScriptedEngine(script)
    with pytest.raises(QualityError) as info:
        run(generate_course(engine, request()))
    assert info.value.stage == "quiz"
    assert ("questions", "has 1 questions; write exactly 2") in info.value.problems


def test_a_quiz_that_repeats_an_earlier_quizs_question_is_asked_again():
    """"¿Cuántos volcanos existen?" (module 1's quiz) and "¿Cuántos volcanes existen hoy?"
    (module 2's), in the page: module 2's quiz step knows module 1's questions."""
    script = script_for(SHAPE)
    script.insert(6, script[3])  # module 2's first answer: module 1's quiz again
    engine = ScriptedEngine(script)
    course = run(generate_course(engine, request()))
    assert engine.tasks() == [*CALLS[:6], "quiz", "quiz"]
    assert "a question of another quiz of this course" in engine.user_prompt(7)
    first, second = ([q.question for q in m.quiz] for m in course.modules)
    assert not set(first) & set(second)


def test_copied_example_placeholders_are_reasked():
    copied = json.dumps({**outline_data(SHAPE), "description": "..."})
    engine = ScriptedEngine([copied, *script_for(SHAPE)])
    run(generate_course(engine, request()))
    assert engine.tasks()[:2] == ["outline", "outline"]
    assert "description: is the placeholder" in engine.user_prompt(1)


def test_exactly_duplicate_quiz_options_are_repaired_then_the_count_is_reasked():
    quiz = {"questions": [question_data(0), question_data(1)]}
    quiz["questions"][1]["options"] = ["Alpha", "alpha", "Beta", "Gamma"]
    quiz["questions"][1]["answer"] = 2
    script = script_for(SHAPE)
    script[3] = json.dumps(quiz)
    engine = ScriptedEngine(script)
    course = run(generate_course(engine, request()))
    assert engine.calls == 7  # deduplicated, still valid: no re-ask
    question = course.modules[0].quiz[1]
    assert question.options == ["Alpha", "Beta", "Gamma"] and question.answer == 1


def test_repeated_sentences_are_collapsed_and_reasked():
    looping = lesson_data(TITLES[0][0])
    looping["content"] = "Plants make sugar from light every single day. " * 12
    script = script_for(SHAPE)
    script.insert(1, json.dumps(looping))
    engine = ScriptedEngine(script)
    course = run(generate_course(engine, request()))
    assert engine.tasks()[:3] == ["outline", "lesson", "lesson"]
    assert "repeats the same sentence" in engine.user_prompt(2)
    assert course.modules[0].lessons[0].content.count("sugar") <= 1


def test_a_lesson_keeps_its_outline_title_whatever_the_model_writes():
    script = script_for(SHAPE)
    script[1] = lesson_json("Something else entirely")
    course = run(generate_course(ScriptedEngine(script), request()))
    assert course.modules[0].lessons[0].title == TITLES[0][0]


def test_whitespace_flood_is_cut_and_counts_as_a_failed_attempt():
    flood = '{"title": ' + " " * 50_000
    script = script_for(SHAPE)
    script.insert(1, flood)
    engine = ScriptedEngine(script, chunk=8)
    run(generate_course(engine, request(), whitespace_cap=100))
    assert engine.streamed[1] < 100 + 2 * 8 + len('{"title": ')
    assert engine.tasks()[:3] == ["outline", "lesson", "lesson"]
    assert "endless whitespace" in engine.user_prompt(2)


def test_whitespace_after_a_complete_answer_is_not_a_failure():
    script = script_for(SHAPE)
    script[0] = outline_json(SHAPE) + " \t" * 5_000
    engine = ScriptedEngine(script, chunk=8)
    run(generate_course(engine, request(), whitespace_cap=100))
    assert engine.calls == 7 and engine.streamed[0] < len(script[0])


def test_stop_sequences_are_sent():
    engine = ScriptedEngine(script_for(SHAPE))
    run(generate_course(engine, request()))
    assert all("\n\n\n\n" in r.stop for r in engine.requests)


def test_spanish_request_gets_spanish_prompts_and_language_from_the_request():
    engine = ScriptedEngine(script_for(SHAPE, language="es"))
    course = run(generate_course(engine, request(language="es")))
    assert course.language == "es"
    assert "Planifica un curso" in engine.user_prompt(0)
    assert "Escribe la lección 1 de este módulo" in engine.user_prompt(1)
    assert "preguntas" in engine.user_prompt(3)


def test_sampling_fights_repetition_and_a_seed_reproduces_every_call():
    """Base models get llama.cpp's repeat penalty, chat engines a frequency penalty; with a
    seed every call's seed is fixed (different per step and attempt)."""
    chat = ScriptedEngine(script_for(SHAPE))
    run(generate_course(chat, request(), seed=7))
    again = ScriptedEngine(script_for(SHAPE))
    run(generate_course(again, request(), seed=7))
    seeds = [r.seed for r in chat.requests]
    assert seeds == [r.seed for r in again.requests] and len(set(seeds)) == len(seeds)
    assert all(r.frequency_penalty and r.repeat_penalty is None and r.dry_multiplier is None
               for r in chat.requests)
    unseeded = ScriptedEngine(script_for(SHAPE))
    run(generate_course(unseeded, request()))
    assert all(r.seed is None for r in unseeded.requests)


def test_base_model_gets_a_few_shot_document_ending_in_json():
    engine = ScriptedEngine(script_for(SHAPE), chat=False)
    run(generate_course(engine, request()))
    assert all(r.messages is None and r.prompt.endswith("JSON:\n") for r in engine.requests)
    assert all(r.repeat_penalty == 1.1 and r.dry_multiplier == 2.0 and
               r.frequency_penalty is None for r in engine.requests)
    assert "\nJSON:" in engine.requests[0].stop
    outline = engine.requests[0].prompt
    assert outline.count("JSON:\n") == 3  # two worked examples, then the open slot
    assert outline.rstrip().endswith("Structure: 2 modules, 2 lessons per module\nJSON:")
    assert "Course: Photosynthesis" in outline and "Answer with" not in outline


def test_quizzes_are_skipped_when_the_shape_asks_for_none():
    shape = CourseShape(modules=2, lessons_per_module=1, questions_per_quiz=0)
    engine = ScriptedEngine(script_for(shape))
    course = run(generate_course(engine, request(shape=shape)))
    assert engine.tasks() == ["outline", "lesson", "lesson"]
    assert all(m.quiz == [] for m in course.modules)


def test_single_strategy_asks_for_the_whole_course_in_one_call():
    tiny = CourseShape(modules=1, lessons_per_module=2, questions_per_quiz=1)
    engine, events = ScriptedEngine([course_json(tiny, language="es")]), []
    course = run(generate_course(engine, request(shape=tiny, language="es"),
                                 on_event=events.append, strategy="single"))
    assert engine.tasks() == ["course"]
    assert engine.requests[0].schema == json_schema(Course, "wllama", tiny, fixed={
        "language": "es", "level": "beginner"})
    assert course.language == "es" and len(course.modules[0].lessons) == 2
    assert [e.kind for e in events if e.kind != "token"] == ["step_start", "step_done", "done"]


def test_single_call_reasks_too():
    tiny = CourseShape(modules=1, lessons_per_module=1, questions_per_quiz=1)
    engine = ScriptedEngine(['{"title": "x"}', course_json(tiny)])
    course = run(generate_course_single(engine, request(shape=tiny)))
    assert engine.calls == 2 and "modules" in engine.user_prompt(1)
    assert course.modules[0].title == "Light and water"


def test_unknown_strategy_is_rejected():
    with pytest.raises(ValueError):
        run(generate_course(ScriptedEngine(), request(), strategy="magic"))


def test_course_request_validates_its_fields():
    with pytest.raises(ValueError):
        CourseRequest(" ")
    with pytest.raises(ValueError):
        CourseRequest("x", language="fr")
    with pytest.raises(ValueError):
        CourseRequest("x", level="expert")
    with pytest.raises(ValueError):
        CourseRequest("x", audience="a" * 401)


# -- short tasks -----------------------------------------------------------------------------

def test_summary_in_spanish():
    engine = ScriptedEngine([json.dumps({"summary": "Las plantas hacen azúcar.",
                                         "key_points": ["luz", "agua"]})])
    result = run(generate_summary(engine, "Las plantas usan la luz.", "es"))
    assert result.summary == "Las plantas hacen azúcar." and result.key_points == ["luz", "agua"]
    assert "Resume en español" in engine.user_prompt(0)
    assert engine.requests[0].task == "summary"


def test_summary_of_a_text_too_long_for_the_context_is_summarized_in_parts():
    """Nothing is cut: each part fits the context (map-reduce, see test_textjobs)."""
    engine = ScriptedEngine([json.dumps({"summary": "A short summary of the words.",
                                         "key_points": []})] * 20, context_window=1024)
    run(generate_summary(engine, "word " * 5_000))
    assert engine.calls > 2
    assert all("[…]" not in engine.user_prompt(i) and len(engine.user_prompt(i)) < 4 * 1024
               for i in range(engine.calls))


def test_a_text_task_that_cannot_fit_even_cut_raises_context_overflow():
    engine = ScriptedEngine(context_window=160, chars_per_token=1)
    with pytest.raises(ContextOverflowError):
        run(generate_summary(engine, "word " * 2_000))
    assert engine.calls == 0


def test_tags_are_capped():
    engine = ScriptedEngine([json.dumps({"tags": ["Fractions", "math", "school", "parts"]})])
    tags = run(generate_tags(engine, "A text.", max_tags=3))
    assert tags.tags == ["fractions", "math", "school"]
    assert "up to 3" in engine.user_prompt(0)


def test_classify_reasks_until_the_label_is_a_category():
    engine = ScriptedEngine([json.dumps({"label": "weather", "reason": "r"}),
                             json.dumps({"label": "SPORTS", "reason": "It is about a match."})])
    result = run(generate_classify(engine, "The match ended 2-1.", "en",
                                   categories=["sports", "politics"]))
    assert result.label == "sports" and engine.calls == 2
    assert engine.requests[0].schema["properties"]["label"]["enum"] == ["sports", "politics"]
    assert "sports, politics" in engine.user_prompt(0)
    assert "weather" in engine.user_prompt(1)


def test_short_tasks_fail_like_the_course_steps():
    engine = ScriptedEngine(["???", "???"])
    with pytest.raises(InvalidOutputError):
        run(generate_tags(engine, "text", max_reasks=1))
    with pytest.raises(ValueError):
        run(generate_summary(ScriptedEngine(), "   "))


def test_grammar_engines_get_no_example_to_copy_and_no_field_list():
    """Small models copied the example's "..." placeholders; a grammar enforces the form."""
    grammar = ScriptedEngine(script_for(SHAPE), name="wllama")
    run(generate_course(grammar, request()))
    cloud = ScriptedEngine(script_for(SHAPE), name="openai")
    run(generate_course(cloud, request()))
    assert '"..."' not in grammar.prompt_text(0) and "Fields:" not in grammar.prompt_text(0)
    assert "Fields:" in cloud.prompt_text(0)


def test_transformers_js_has_no_grammar_so_it_gets_the_format_and_an_unbounded_schema():
    """Transformers.js cannot enforce a schema: like a cloud chat model, its prompt shows the
    answer's fields, its schema carries no grammar bounds, and answers are validated."""
    engine = ScriptedEngine(script_for(SHAPE), name="transformers")
    run(generate_course(engine, request()))
    assert "Fields:" in engine.prompt_text(0)
    assert not any("maxItems" in json.dumps(r.schema) or "maxLength" in json.dumps(r.schema)
                   for r in engine.requests)


def test_grammar_engines_get_room_for_the_longest_answer_the_grammar_allows():
    """A capped schema bounds the answer; max_tokens covers it so JSON is never cut off."""
    engine = ScriptedEngine(script_for(SHAPE), context_window=32768, name="wllama")
    run(generate_course(engine, request()))
    lesson = engine.requests[1]
    bound = schema_token_bound(lesson.schema)
    assert bound > 570 and lesson.max_tokens == bound


def test_text_tasks_keep_their_own_budget_on_grammar_engines():
    """Unshaped schemas (tags, summary) have unbounded strings: no grammar-bound budget, or a
    rambling small model could write for minutes."""
    from localloom.course.budget import step_budget
    from localloom.course.generator import generate_tags

    engine = ScriptedEngine(['{"tags": ["math"]}'], name="wllama")
    run(generate_tags(engine, "Fractions are parts of a whole."))
    assert engine.requests[0].max_tokens <= step_budget("tags")


def test_a_base_model_copying_its_worked_examples_is_asked_again():
    """A base model blends its examples into the answer (another course's description)."""
    from localloom.course.prompts.fewshot import examples

    copied = outline_data(SHAPE)
    copied["description"] = examples("en")["courses"][0]["course"]["description"]
    engine = ScriptedEngine([json.dumps(copied), *script_for(SHAPE)], chat=False)
    run(generate_course(engine, request()))
    assert engine.tasks()[:2] == ["outline", "outline"]


def test_a_base_model_writes_no_audience_prerequisites_or_title_it_could_copy():
    """Gemma copied another example's audience and prerequisites and drifted from the topic
    in the title: for base models the request pins them; chat models write their own."""
    base = ScriptedEngine(script_for(SHAPE), chat=False)
    course = run(generate_course(base, request(language="en")))
    props = base.requests[0].schema["properties"]
    assert props["title"]["enum"] == ["Photosynthesis"]
    assert props["audience"]["enum"] == ["Beginners with no prior experience"]
    assert props["prerequisites"]["maxItems"] == 0
    assert course.audience == "Beginners with no prior experience" and course.prerequisites == []
    chat = ScriptedEngine(script_for(SHAPE))
    run(generate_course(chat, request(audience="Gardeners")))
    assert "enum" not in chat.requests[0].schema["properties"]["audience"]


def test_good_modules_of_two_outline_answers_are_combined_instead_of_asking_a_third_time():
    """Answer 1 repeats the topic as module 2, answer 2 as module 1: after the second call
    the outline is assembled from the good modules, and the run goes on to the lessons."""
    first, second = outline_data(SHAPE), outline_data(SHAPE)
    first["modules"][1]["title"] = "Photosynthesis"
    second["modules"][0]["title"] = "Photosynthesis"
    events = []
    engine = ScriptedEngine([json.dumps(first), json.dumps(second), *script_for(SHAPE)[1:]])
    course = run(generate_course(engine, request(), on_event=events.append))
    assert engine.tasks() == ["outline", *CALLS]
    assert [m.title for m in course.modules] == [m["title"] for m in outline_data(SHAPE)[
        "modules"]]
    done = next(e for e in events if e.kind == "step_done" and e.key == "outline")
    assert "assembled from 2 answers" in done.message


def test_a_base_model_keeps_the_module_that_passed_and_writes_the_missing_one_on_its_own():
    """'La Revolución Industrial': module 2 restated module 1 on every attempt. The head and
    module 1 are kept; the document continues with the outline so far and its module list
    open, under a grammar for one module, which the model writes in place."""
    dup = outline_data(SHAPE)
    dup["modules"][1]["title"] = "Water and light"
    second = outline_data(SHAPE)["modules"][1]
    script = script_for(SHAPE)
    engine = ScriptedEngine([json.dumps(dup), json.dumps(second), *script[1:]], chat=False)
    events = []
    course = run(generate_course(engine, request(), on_event=events.append))
    assert engine.tasks() == ["outline"] * 2 + CALLS[1:]
    fill = engine.requests[1]
    assert fill.prompt.startswith(engine.requests[0].prompt)  # the first attempt's, cached
    assert fill.prompt.endswith('"modules": [' + json.dumps(dup["modules"][0]) + ", ")
    assert fill.schema["type"] == "object" and "lesson_titles" in fill.schema["properties"]
    assert [m.title for m in course.modules] == ["Light and water", second["title"]]
    retry = next(e for e in events if e.kind == "retry")
    assert "writing modules[1] on its own" in retry.message
    done = next(e for e in events if e.kind == "step_done" and e.step == "outline")
    assert "wrote the missing part on its own (1 call)" in done.message
    assert done.used[1] == 1.0 and 0.5 < done.used[0] < 0.9  # the part; head and module 1


def test_when_the_part_fails_too_the_whole_answer_is_asked_again():
    dup = outline_data(SHAPE)
    dup["modules"][1]["title"] = "Water and light"
    again = json.dumps(dup["modules"][1])  # the part repeats module 1 as well
    script = script_for(SHAPE)
    engine = ScriptedEngine([json.dumps(dup), again, again, *script], chat=False)
    course = run(generate_course(engine, request()))
    assert engine.tasks() == ["outline"] * 4 + CALLS[1:]
    assert engine.requests[3].schema["properties"]["modules"]["minItems"] == 2  # the whole
    assert [m.title for m in course.modules] == ["Light and water", "Roots and sugar"]


def test_a_quiz_keeps_its_good_question_and_a_bad_part_ends_in_the_usual_choices():
    script = script_for(SHAPE)
    one = json.loads(script[3])["questions"][0]
    off = {"question": "¿Quién inventó la imprenta de tipos móviles?",
           "options": ["Gutenberg", "Edison", "Newton"], "answer": 0,
           "explanation": "Gutenberg la inventó hacia 1440."}
    bad = json.dumps({"questions": [one, off]})
    repeat = json.dumps(one)  # the part repeats the kept question every time
    # answer, 2 parts, answer, 2 parts, answer, 3 parts
    engine = ScriptedEngine(script[:3] + [bad, repeat, repeat] * 2 + [bad] + [repeat] * 3,
                            chat=False)
    with pytest.raises(QualityError) as info:
        run(generate_course(engine, request()))
    assert engine.tasks() == CALLS[:3] + ["quiz"] * 10
    assert info.value.stage == "quiz"
    assert engine.requests[-1].prompt.endswith(json.dumps({"questions": [one]})[:-2] + ", ")
    good = json.loads(script[3])["questions"][1]
    engine = ScriptedEngine([*script[:3], bad, json.dumps(good), *script[4:]], chat=False)
    course = run(generate_course(engine, request()))
    assert [q.question for q in course.modules[0].quiz] == [one["question"], good["question"]]


def test_when_no_question_ever_passed_each_is_written_alone_after_the_last_re_ask():
    """'Introducción a la fotografía digital' in the page: both questions had options
    "1 / 2 / 3" in all three answers. Nothing is kept, so no part is written before a re-ask;
    after the last one each question is written alone, under a grammar for one question."""
    script = script_for(SHAPE)
    good = json.loads(script[3])["questions"]
    bad = json.dumps({"questions": [{**q, "options": ["1", "2", "3"]} for q in good]})
    engine = ScriptedEngine([*script[:3], bad, bad, bad, json.dumps(good[0]),
                             json.dumps(good[1]), *script[4:]], chat=False)
    events = []
    course = run(generate_course(engine, request(), on_event=events.append))
    assert engine.tasks() == CALLS[:3] + ["quiz"] * 5 + CALLS[4:]
    assert [r.schema["type"] for r in engine.requests[3:8]] == ["object"] * 5
    assert "questions" in engine.requests[5].schema["properties"]  # the last whole answer
    assert engine.requests[6].prompt.endswith('{"questions": [')  # nothing kept: open list
    # the parts continue the last re-ask's document (other examples, cached), not the first's
    assert engine.requests[5].prompt != engine.requests[3].prompt
    assert engine.requests[6].prompt.startswith(engine.requests[5].prompt)
    assert "options" in engine.requests[6].schema["properties"]  # one question's grammar
    assert [q.question for q in course.modules[0].quiz] == [q["question"] for q in good]
    done = next(e for e in events if e.kind == "step_done" and e.key == "quiz:0")
    assert "wrote the missing parts on their own (2 calls)" in done.message
    retries = [e.message for e in events if e.kind == "retry" and e.key == "quiz:0"]
    assert retries[2].startswith("no part passed; writing questions[0] on its own")
    assert retries[3].startswith("keeping the 1 part that passed; writing questions[1]")


def test_a_chat_engine_is_never_asked_for_a_part_on_its_own():
    dup = outline_data(SHAPE)
    dup["modules"][1]["title"] = "Water and light"
    engine = ScriptedEngine([json.dumps(dup)] * 3)
    with pytest.raises(QualityError):
        run(generate_course(engine, request()))
    assert engine.tasks() == ["outline"] * 3


def test_a_refused_repeat_biases_its_words_against_the_calls_after_it():
    """'Understanding climate and weather' (in the page): the module written on its own
    repeated module 1's title in other words on ten calls. After a refusal, the step's later
    calls carry llama.cpp logit biases against the words of both titles; the topic's words
    stay free, and a refused part adds its own words for the next try."""
    dup = outline_data(SHAPE)
    dup["modules"][1]["title"] = "Water and light"
    part = dict(dup["modules"][1], title="Lights, Water and Leaves")
    script = script_for(SHAPE)
    engine = ScriptedEngine([json.dumps(dup), json.dumps(part), json.dumps(part), *script],
                            chat=False)
    events = []
    run(generate_course(engine, request(), on_event=events.append))
    assert engine.requests[0].logit_bias is None
    retries = [e for e in events if e.kind == "retry"]
    assert retries[0].steer == ["Light", "water"]  # for the raw panel
    assert retries[-1].steer[-1] == "Leaves"
    first = dict(engine.requests[1].logit_bias)
    assert first[" Light"] == first["water"] == STEER_BIAS
    assert not any("hotosynthesis" in text for text in first)  # the topic's word
    second = dict(engine.requests[2].logit_bias)
    assert second[" Leaves"] == second["leaves"] == second[" Water"] == STEER_BIAS
    assert dict(engine.requests[3].logit_bias) == second  # the whole answer, asked again
    later = [r for r in engine.requests[4:] if r.task != "outline"]
    assert later and all(r.logit_bias is None for r in later)  # one step's words only


def test_a_title_that_repeats_the_topic_makes_the_step_s_later_titles_avoid_its_start():
    """'Primeros auxilios básicos' (natively and in the page): the 270M model wrote the topic
    as module 1's title on every outline call. Once one answer does, the step's later calls
    (here the module written on its own) carry a grammar pattern on the titles so they cannot
    begin with the topic's words; the first call is not constrained, and the raw panel says
    what changed."""
    echo = outline_data(SHAPE)
    echo["modules"][0]["title"] = "Photosynthesis"
    part = dict(echo["modules"][0], title="How Leaves Catch Light")
    script = [json.dumps(echo), json.dumps(part)]
    for module in (echo["modules"][1], part):  # the kept module, then the one written alone
        titles = module["lesson_titles"]
        script += [lesson_json(t) for t in titles] + [quiz_json(2, titles[0].lower())]
    engine = ScriptedEngine(script, chat=False)
    events = []
    course = run(generate_course(engine, request(), on_event=events.append))
    assert engine.tasks()[:2] == ["outline", "outline"]
    assert "pattern" not in json.dumps(engine.requests[0].schema)
    title = engine.requests[1].schema["properties"]["title"]  # one module's grammar
    assert not re.fullmatch(title["pattern"], "Photosynthesis today")
    assert re.fullmatch(title["pattern"], "How Leaves Catch Light")
    assert [m.title for m in course.modules] == ["Roots and sugar", "How Leaves Catch Light"]
    assert [e.guard for e in events if e.kind == "retry"] == ["Phot"]
    assert all("pattern" not in json.dumps(r.schema) for r in engine.requests[2:])


def test_a_chat_engine_s_titles_are_never_patterned():
    echo = outline_data(SHAPE)
    echo["modules"][0]["title"] = "Photosynthesis"
    engine = ScriptedEngine([json.dumps(echo), *script_for(SHAPE)])
    events = []
    run(generate_course(engine, request(), on_event=events.append))
    assert engine.tasks()[:2] == ["outline", "outline"]
    assert "pattern" not in json.dumps(engine.requests[1].schema)
    assert [e.guard for e in events if e.kind == "retry"] == [""]


@pytest.mark.parametrize("chat", [False, True])
def test_a_base_model_s_lesson_point_on_a_worked_example_s_subject_is_dropped(chat):
    """The sheet-music example's time signature turned up in lessons on other topics; only
    a base model sees the examples, so only its lessons are checked for them."""
    script = script_for(SHAPE)
    lesson = json.loads(script[1])
    borrowed = "The bottom number says which note gets a beat in each bar"
    lesson["key_points"].append(borrowed)
    script[1] = json.dumps(lesson)
    engine = ScriptedEngine(script, chat=chat)
    course = run(generate_course(engine, request()))
    assert engine.tasks() == CALLS  # a repair, no re-ask
    assert (borrowed in course.modules[0].lessons[0].key_points) is chat


def test_a_code_name_refused_as_an_option_biases_the_pieces_that_spell_it():
    """'How the internet works' (in the page): the quiz kept writing "answer_type_list" as an
    option. The next call is biased against "_type" and "_list", never against the key
    "answer" or the word " list"."""
    script = script_for(SHAPE)
    quiz = json.loads(script[3])
    good = quiz["questions"][0]
    quiz["questions"][0] = dict(good, options=[good["options"][0], "answer_type_list",
                                               *good["options"][2:]])
    engine = ScriptedEngine([*script[:3], json.dumps(quiz), json.dumps(good), *script[4:]],
                            chat=False)
    run(generate_course(engine, request()))
    bias = [dict(r.logit_bias or []) for r in engine.requests if r.task == "quiz"]
    assert bias[0] == {} and bias[1] == {"_type": STEER_BIAS, "_list": STEER_BIAS}


def test_a_chat_engine_is_never_biased():
    dup = outline_data(SHAPE)
    dup["modules"][1]["title"] = "Water and light"
    engine = ScriptedEngine([json.dumps(dup), *script_for(SHAPE)])
    events = []
    run(generate_course(engine, request(), on_event=events.append))
    assert engine.tasks()[:2] == ["outline", "outline"]
    assert all(r.logit_bias is None for r in engine.requests)
    assert [e.steer for e in events if e.kind == "retry"] == [[]]


def test_only_a_base_models_description_is_judged_on_its_own():
    """A base model's outline described as another subject is asked again; a chat model's
    short description that names no title word is its own."""
    off = outline_data(SHAPE)
    off["description"] = "Multiplication tables and the natural numbers."
    base = ScriptedEngine([json.dumps(off), *script_for(SHAPE)], chat=False)
    events = []
    run(generate_course(base, request(), on_event=events.append))
    assert base.tasks()[:2] == ["outline", "outline"]
    retry = next(e for e in events if e.kind == "retry")
    assert "description: is not about 'Photosynthesis'" in retry.message
    assert "Multiplication" in retry.steer
    chat = ScriptedEngine([json.dumps(off), *script_for(SHAPE)[1:]])
    course = run(generate_course(chat, request()))
    assert chat.tasks() == CALLS and course.description == off["description"]


def test_a_base_models_quiz_step_judges_questions_by_the_worked_examples_words():
    """Only a base model reads the examples, so only its quiz is refused for borrowing their
    subject (the coffee example's "arábica" and "robusta" in a quiz on photosynthesis)."""
    req = request(language="es")
    outline = Outline.model_validate(outline_data(SHAPE))
    lessons = [Lesson.model_validate(lesson_data(t)) for t in TITLES[0]]
    borrowed = {"question": "¿Qué diferencia al arábica y al robusta?",
                "options": [TITLES[0][0], TITLES[0][1], "Ninguna de las dos"], "answer": 0,
                "explanation": "El robusta tiene casi el doble de cafeína que el arábica."}
    quiz = ModuleQuiz.model_validate({"questions": [borrowed, question_data(1)]})
    base = quiz_step(req, outline, 0, lessons, base=True).check(quiz)
    chat = quiz_step(req, outline, 0, lessons).check(quiz)
    assert base.problems[0] == ("questions[0]", "is about another subject, not this module's "
                                                "lessons")
    assert not [p for p, _ in chat.problems if p.startswith("questions[0]")]
