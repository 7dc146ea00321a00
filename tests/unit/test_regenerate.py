"""regenerate: one lesson or quiz written again with the generator's own step; the rest kept."""

from __future__ import annotations

import asyncio
import json

import pytest

from localloom.course.generator import CourseRequest, generate_course, lesson_step
from localloom.course.regenerate import outline_of, regenerate_part
from localloom.course.schema import CourseShape, Lesson, json_schema
from localloom.errors import InvalidOutputError
from tests.fakes import ScriptedEngine, lesson_data, lesson_titles, quiz_json, script_for

SHAPE = CourseShape(modules=2, lessons_per_module=2, questions_per_quiz=2)
TITLES = lesson_titles(SHAPE)


def _course():
    request = CourseRequest("Photosynthesis", shape=SHAPE)
    return request, asyncio.run(generate_course(ScriptedEngine(script_for(SHAPE)), request))


def test_a_lesson_is_written_again_in_its_context_and_nothing_else_changes():
    """The new lesson replaces only lesson 2 of module 2; its prompt and schema are the
    generator's own step (same title pinned, same module context)."""
    request, course = _course()
    new = {**lesson_data(TITLES[1][1]), "content": "A new text about the same lesson: roots "
           "carry water up to the leaves of a sunny plant."}
    engine, events = ScriptedEngine([json.dumps(new)]), []
    again = asyncio.run(regenerate_part(engine, request, course, "lesson:1.1",
                                        on_event=events.append))
    assert again.modules[1].lessons[1].content.startswith("A new text")
    assert again.modules[1].lessons[0] == course.modules[1].lessons[0]
    assert again.modules[0] == course.modules[0]
    assert again.modules[1].quiz == course.modules[1].quiz
    assert engine.tasks() == ["lesson"]
    step = lesson_step(request, outline_of(course), 1, 1)
    assert engine.requests[0].schema == json_schema(Lesson, "wllama", SHAPE,
                                                    fixed={"title": TITLES[1][1]})
    assert step.key == "lesson:1.1" and step.vars["module_title"] == course.modules[1].title
    assert "done" in [e.kind for e in events]
    assert {e.key for e in events if e.kind == "step_done"} == {"lesson:1.1"}


def test_a_quiz_is_written_again_with_the_same_number_of_questions():
    """quiz:0 replaces module 1's questions only."""
    request, course = _course()
    engine = ScriptedEngine([quiz_json(2, "photosynthesis, asked again")])
    again = asyncio.run(regenerate_part(engine, request, course, "quiz:0"))
    assert "photosynthesis, asked again" in again.modules[0].quiz[0].question
    assert again.modules[0].lessons == course.modules[0].lessons
    assert again.modules[1] == course.modules[1]


def test_a_quiz_written_again_may_not_repeat_another_quizs_question():
    """Module 2's questions are the other quiz's: the first answer that copies them is asked
    again, as in a whole run."""
    request, course = _course()
    copied = json.dumps({"questions": [q.model_dump() for q in course.modules[1].quiz]})
    engine = ScriptedEngine([copied, quiz_json(2, "photosynthesis, asked again")])
    again = asyncio.run(regenerate_part(engine, request, course, "quiz:0"))
    assert engine.tasks() == ["quiz", "quiz"]
    assert "a question of another quiz of this course" in engine.user_prompt(1)
    assert "photosynthesis, asked again" in again.modules[0].quiz[0].question


def test_a_failed_regeneration_leaves_the_course_as_it_was():
    """Three unusable answers: InvalidOutputError, and the course object is untouched."""
    request, course = _course()
    before = course.model_dump()
    with pytest.raises(InvalidOutputError):
        asyncio.run(regenerate_part(ScriptedEngine(["no"] * 3), request, course, "lesson:0.0"))
    assert course.model_dump() == before


@pytest.mark.parametrize("part", ["outline", "lesson:5.0", "lesson:0.9", "quiz:7", "x"])
def test_parts_that_do_not_exist_are_refused(part):
    """Only existing lessons and quizzes can be written again."""
    request, course = _course()
    with pytest.raises(ValueError):
        asyncio.run(regenerate_part(ScriptedEngine([]), request, course, part))
