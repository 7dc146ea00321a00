"""_budget: step budgets and fitting the answer into the context window."""

from __future__ import annotations

import pytest

from localloom.course.budget import fit_max_tokens, margin, min_answer, prompt_tokens, step_budget
from localloom.course.schema import CourseShape
from tests.fakes import ScriptedEngine


def test_step_budgets_grow_with_the_shape():
    small, big = CourseShape(modules=2, lessons_per_module=2), CourseShape(modules=6,
                                                                          lessons_per_module=5)
    for task in ("outline", "lessons", "course"):
        assert step_budget(task, small) < step_budget(task, big)
    assert step_budget("lessons", small, items=1) < step_budget("lessons", small)
    longer = CourseShape(max_text=4000)
    assert step_budget("lessons", longer) > step_budget("lessons", CourseShape())
    assert step_budget("tags", max_tags=3) < step_budget("tags", max_tags=10)
    with pytest.raises(ValueError):
        step_budget("poem")


def test_fit_is_the_smaller_of_budget_and_free_room():
    assert fit_max_tokens(32768, used=500, budget=1000) == 1000
    assert fit_max_tokens(2048, used=600, budget=1600) == 2048 - 600 - margin(2048)


def test_fit_gives_up_when_the_room_is_below_a_useful_answer():
    assert fit_max_tokens(1024, used=900, budget=1600) is None
    room = 1024 - margin(1024)
    assert fit_max_tokens(1024, used=room - min_answer(1600), budget=1600) == min_answer(1600)
    assert fit_max_tokens(1024, used=room - min_answer(1600) + 1, budget=1600) is None


def test_prompt_tokens_counts_chat_overhead():
    engine = ScriptedEngine()
    messages = [{"role": "system", "content": "a" * 40}, {"role": "user", "content": "b" * 8}]
    assert prompt_tokens(engine, messages=messages) == 10 + 2 + 2 * 8
    assert prompt_tokens(engine, prompt="c" * 41) == 11


def test_schema_token_bound_grows_with_caps_and_counts():
    """The longest answer a grammar allows: more items or longer strings, more tokens."""
    from localloom.course.budget import schema_token_bound
    from localloom.course.schema import Course, CourseShape, json_schema

    small = json_schema(Course, "wllama", CourseShape(1, 1, 1, max_text=120, max_list=2))
    large = json_schema(Course, "wllama", CourseShape(2, 2, 2, max_text=400, max_list=3))
    assert 0 < schema_token_bound(small) < schema_token_bound(large)
    assert schema_token_bound({"type": "string", "enum": ["en", "es"]}) == 3
