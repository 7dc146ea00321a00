"""The title grammar that keeps a base model from writing the topic as a title again."""

from __future__ import annotations

import json
import re

import pytest

from localloom.course.echo_guard import guard_titles, no_prefix_pattern, topic_prefix
from localloom.course.schema import CourseShape, Outline, json_schema

SHAPE = CourseShape(modules=2, lessons_per_module=2, questions_per_quiz=2)


@pytest.mark.parametrize(("topic", "prefix"), [
    ("Primeros auxilios básicos", "Prim"),
    ("El sistema solar", "El sist"),
    ("How the internet works", "How the inte"),
    ("La Revolución Industrial", "La Revo"),
    ("Introducción a la programación con Python", "Intr"),
    ("Öl und Wasser", "Öl und Wass"),
    ("C++ basics", ""),  # a sign the grammar's class would need escaped
    ("Git", ""),  # no word of four letters
    ("", ""),
])
def test_the_prefix_is_the_topic_up_to_four_letters_of_its_first_long_word(topic, prefix):
    assert topic_prefix(topic) == prefix


@pytest.mark.parametrize("title", [
    "Primeros auxilios básicos", "primeros auxilios", "PRIMEROS", "Prim", "Primer paso",
    "Pr"])  # a start of the prefix is no title either
def test_a_title_beginning_with_the_prefix_in_any_case_does_not_match(title):
    assert not re.fullmatch(no_prefix_pattern("Prim", 2, 60), title)


@pytest.mark.parametrize("title", [
    "Pimero auxiliares básicos",  # a damaged copy: the echo check refuses it, not the grammar
    "Cómo actuar ante una quemadura", "La guía de salud", "Pro", "¿Qué hacer si alguien cae?",
    "P" * 60])
def test_any_other_title_of_the_allowed_length_matches(title):
    assert re.fullmatch(no_prefix_pattern("Prim", 2, 60), title)


def test_the_pattern_keeps_the_length_bounds_and_json_string_characters():
    pattern = no_prefix_pattern("El sist", 2, 60)
    assert not re.fullmatch(pattern, "X")
    assert not re.fullmatch(pattern, "X" * 61)
    assert re.fullmatch(pattern, "El Sol y sus planetas")
    assert not re.fullmatch(pattern, "El sistema solar")
    for bad in ('Say "hi"', "a\\b", "line\nbreak"):
        assert not re.fullmatch(pattern, bad)


def test_the_pattern_stays_in_the_subset_llama_cpp_turns_into_a_grammar():
    """llama.cpp's converter takes an anchored pattern of classes, groups, alternation and
    counted repeats; a lookahead or an inner anchor makes it accept any string instead."""
    pattern = no_prefix_pattern("How the inte", 1, 60)
    assert pattern.startswith("^(") and pattern.endswith(")$")
    inner = pattern[1:-1]
    assert "(?" not in inner and "^" not in inner.replace("[^", "") and "$" not in inner
    assert "." not in inner


@pytest.mark.parametrize(("prefix", "low", "high"), [
    ("", 1, 60), ("C++", 1, 60), ("Prim", 0, 60), ("Prim", 2, 4), ("two  spaces", 1, 60)])
def test_a_prefix_or_length_the_pattern_cannot_express_is_refused(prefix, low, high):
    with pytest.raises(ValueError):
        no_prefix_pattern(prefix, low, high)


def _outline_schema() -> dict:
    return json.loads(json.dumps(json_schema(Outline, "wllama", SHAPE, bounds=True,
                                             fixed={"title": "Primeros auxilios básicos"})))


def test_module_and_lesson_titles_are_patterned_and_the_pinned_course_title_is_not():
    schema = _outline_schema()
    guarded = guard_titles(schema, "Prim")
    module = guarded["properties"]["modules"]["items"]["properties"]
    assert module["title"]["pattern"] == no_prefix_pattern("Prim", 2, 60)
    assert module["lesson_titles"]["items"]["pattern"] == no_prefix_pattern("Prim", 1, 60)
    assert module["title"]["maxLength"] == 60  # the token budget still reads the cap
    assert "pattern" not in module["summary"]
    assert guarded["properties"]["title"] == schema["properties"]["title"]
    assert "pattern" not in json.dumps(schema)  # the caller's schema is left as it was


def test_no_prefix_or_no_modules_leaves_the_schema_as_it_is():
    schema = _outline_schema()
    assert guard_titles(schema, "") is schema
    lesson = {"type": "object", "properties": {"title": {"type": "string"}}}
    assert guard_titles(lesson, "Prim") is lesson


def test_a_schema_given_as_text_is_guarded_too():
    guarded = guard_titles(json.dumps(_outline_schema()), "Prim")
    assert "pattern" in guarded["properties"]["modules"]["items"]["properties"]["title"]
