"""schema: pydantic bounds and validators, and the JSON Schema each engine receives."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, Field, ValidationError

from localloom.course.schema import (
    ENGINES,
    FIELD_CAPS,
    FIELD_FLOORS,
    Classification,
    Course,
    CourseShape,
    Lesson,
    Module,
    ModuleQuiz,
    Outline,
    QuizQuestion,
    Summary,
    Tags,
    course_json_schema,
    json_schema,
)

GRAMMAR = [e for e, keeps in ENGINES.items() if keeps]
MODELS = [Course, Outline, Lesson, ModuleQuiz, Summary, Tags, Classification]
BOUND_KEYS = {"minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum",
              "exclusiveMinimum", "exclusiveMaximum", "pattern"}
FORBIDDEN_KEYS = {"$ref", "$defs", "anyOf", "oneOf", "allOf", "title", "const", "default"}


# --- helpers ---------------------------------------------------------------------------------

def schema_dict(model, engine, shape=None, categories=None) -> dict[str, Any]:
    """The exported schema as a dict (WebLLM's JSON string is loaded)."""
    out = json_schema(model, engine, shape, categories)
    return json.loads(out) if isinstance(out, str) else out


def schema_nodes(node: Any):
    """Every schema node (not property-name maps) in a schema tree."""
    if isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key == "properties":
                for sub in value.values():
                    yield from schema_nodes(sub)
            elif key == "enum":
                continue
            else:
                yield from schema_nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from schema_nodes(value)


def at(schema: dict, *path: str) -> dict:
    """The node at a path of property names, ``[]`` stepping into array items."""
    node = schema
    for key in path:
        node = node["items"] if key == "[]" else node["properties"][key]
    return node


_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


def subset_errors(value: Any, schema: dict, path: str = "$") -> list[str]:
    """A validator for exactly the subset we export (jsonschema is not installed here)."""
    errors: list[str] = []
    kind = schema.get("type")
    if kind == "integer":  # JSON Schema: any number with no fractional part, 3.0 included
        ok = (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer())
    elif kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    else:
        ok = kind is None or isinstance(value, _TYPES[kind])
    if not ok:
        return [f"{path}: expected {kind}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in enum")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{path}: shorter than minLength")
        if len(value) > schema.get("maxLength", len(value)):
            errors.append(f"{path}: longer than maxLength")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: fewer than minItems")
        if len(value) > schema.get("maxItems", len(value)):
            errors.append(f"{path}: more than maxItems")
        for i, item in enumerate(value):
            errors += subset_errors(item, schema.get("items", {}), f"{path}[{i}]")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        errors += [f"{path}: missing {k}" for k in schema.get("required", []) if k not in value]
        if schema.get("additionalProperties") is False:
            errors += [f"{path}: extra {k}" for k in value if k not in props]
        for key, item in value.items():
            if key in props:
                errors += subset_errors(item, props[key], f"{path}.{key}")
    return errors


def quiz_question(n: int = 0, answer: int = 1) -> dict:
    return {"question": f"Which option is right ({n})?", "options": ["Alpha", "Beta", "Gamma"],
            "answer": answer, "explanation": "Beta is right."}


def lesson(n: int = 0) -> dict:
    return {"title": f"Lesson {n}", "objectives": ["Understand the idea"],
            "content": "# Heading\n\nSome **text** that teaches one idea with a concrete "
                       "example: a plant.",
            "duration_minutes": 15,
            "key_points": ["One point"]}


def course_data(modules: int = 2, lessons: int = 2, questions: int = 1) -> dict:
    return {
        "title": "Photosynthesis", "description": "How plants make sugar.", "language": "en",
        "level": "beginner", "audience": "Curious adults", "prerequisites": [],
        "learning_objectives": ["Explain photosynthesis"], "estimated_hours": 3,
        "modules": [{"title": f"Module {m}", "summary": "A summary.",
                     "lessons": [lesson(i) for i in range(lessons)],
                     "quiz": [quiz_question(q) for q in range(questions)]}
                    for m in range(modules)],
    }


# --- pydantic models -------------------------------------------------------------------------

def test_a_complete_course_validates():
    course = Course.model_validate(course_data())
    assert len(course.modules) == 2 and course.modules[0].quiz[0].answer == 1


@pytest.mark.parametrize("answer", [3, 4, 5])
def test_quiz_answer_must_index_one_of_the_options(answer):
    with pytest.raises(ValidationError, match="not an index of the 3 options"):
        QuizQuestion.model_validate(quiz_question(answer=answer))


@pytest.mark.parametrize("answer", [-1, 6])
def test_quiz_answer_outside_0_to_5_is_rejected_by_its_field_bounds(answer):
    data = quiz_question(answer=answer)
    data["options"] = ["A", "B", "C", "D", "E", "F"]
    with pytest.raises(ValidationError):
        QuizQuestion.model_validate(data)


def test_quiz_answer_may_be_the_last_option():
    assert QuizQuestion.model_validate(quiz_question(answer=2)).answer == 2


def test_quiz_options_must_be_distinct_ignoring_case_and_spaces():
    data = quiz_question()
    data["options"] = ["Alpha", " alpha ", "Beta"]
    with pytest.raises(ValidationError, match="options must be distinct"):
        QuizQuestion.model_validate(data)


def test_quiz_options_must_not_be_blank():
    data = quiz_question()
    data["options"] = ["Alpha", "   ", "Beta"]
    with pytest.raises(ValidationError):
        QuizQuestion.model_validate(data)


@pytest.mark.parametrize("options", [["Only one"], [f"opt {i}" for i in range(7)]])
def test_quiz_needs_two_to_six_options(options):
    data = quiz_question(answer=0)
    data["options"] = options
    with pytest.raises(ValidationError):
        QuizQuestion.model_validate(data)


def test_quiz_options_are_stripped():
    data = quiz_question()
    data["options"] = ["  Alpha", "Beta  ", "Gamma"]
    assert QuizQuestion.model_validate(data).options == ["Alpha", "Beta", "Gamma"]


def test_course_module_titles_must_be_distinct_ignoring_case():
    data = course_data(modules=2)
    data["modules"][1]["title"] = "MODULE 0"
    with pytest.raises(ValidationError, match="is repeated"):
        Course.model_validate(data)


def test_course_needs_at_least_one_module():
    data = course_data()
    data["modules"] = []
    with pytest.raises(ValidationError):
        Course.model_validate(data)


@pytest.mark.parametrize(("field", "value"), [
    ("language", "fr"), ("level", "expert"), ("estimated_hours", 0), ("title", "x"),
])
def test_course_head_fields_are_bounded(field, value):
    data = course_data()
    data[field] = value
    with pytest.raises(ValidationError):
        Course.model_validate(data)


@pytest.mark.parametrize(("field", "value"), [
    ("duration_minutes", 0), ("duration_minutes", 601), ("objectives", []), ("content", ""),
    ("key_points", []), ("title", " a "),
])
def test_lesson_fields_are_bounded(field, value):
    data = lesson()
    data[field] = value
    with pytest.raises(ValidationError):
        Lesson.model_validate(data)


def test_strings_are_stripped_and_unknown_keys_ignored():
    data = lesson()
    data["title"] = "  Spaced title  "
    data["unexpected"] = "ignored"
    parsed = Lesson.model_validate(data)
    assert parsed.title == "Spaced title"
    assert "unexpected" not in parsed.model_dump()


def test_module_quiz_may_be_empty_inside_a_course():
    data = course_data(questions=0)
    assert Course.model_validate(data).modules[0].quiz == []


def test_tags_are_lowercased_stripped_and_deduplicated_in_order():
    tags = Tags.model_validate({"tags": [" Biology", "plants", "biology ", "", "Plants", "Sun"]})
    assert tags.tags == ["biology", "plants", "sun"]


def test_tags_need_one_non_empty_tag():
    with pytest.raises(ValidationError, match="at least one non-empty tag"):
        Tags.model_validate({"tags": ["  ", ""]})


def test_summary_and_classification_bounds():
    assert Summary.model_validate({"summary": "Short.", "key_points": []}).key_points == []
    with pytest.raises(ValidationError):
        Summary.model_validate({"summary": "", "key_points": []})
    with pytest.raises(ValidationError):
        Classification.model_validate({"label": "", "reason": "none"})


# --- json_schema: the subset ---------------------------------------------------------------

@pytest.mark.parametrize("shape", [None, CourseShape()], ids=["no-shape", "shape"])
@pytest.mark.parametrize("engine", list(ENGINES))
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_schema_has_no_refs_unions_titles_or_defaults(model, engine, shape):
    schema = schema_dict(model, engine, shape)
    for node in schema_nodes(schema):
        assert not FORBIDDEN_KEYS & node.keys(), node


@pytest.mark.parametrize("shape", [None, CourseShape()], ids=["no-shape", "shape"])
@pytest.mark.parametrize("engine", list(ENGINES))
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_object_requires_all_properties_and_forbids_others(model, engine, shape):
    schema = schema_dict(model, engine, shape)
    objects = [n for n in schema_nodes(schema) if n.get("type") == "object"]
    assert objects
    for node in objects:
        assert node["required"] == list(node["properties"])
        assert node["additionalProperties"] is False


def test_property_named_title_survives_while_title_annotations_are_dropped():
    schema = schema_dict(Course, "openai")
    assert "title" in schema["properties"]
    assert "title" in at(schema, "modules", "[]", "lessons", "[]")["properties"]


@pytest.mark.parametrize("engine", GRAMMAR)
def test_grammar_engines_keep_length_and_count_bounds(engine):
    schema = schema_dict(Course, engine)
    assert at(schema, "title") == {"type": "string", "minLength": 2, "maxLength": 160}
    assert (at(schema, "modules")["minItems"], at(schema, "modules")["maxItems"]) == (1, 20)
    options = at(schema, "modules", "[]", "quiz", "[]", "options")
    assert (options["minItems"], options["maxItems"]) == (2, 6)
    assert at(schema, "modules", "[]", "lessons", "[]", "content")["maxLength"] == 20000


@pytest.mark.parametrize("engine", GRAMMAR)
def test_grammar_engines_bound_integers_only(engine):
    """Grammars enforce integer ranges (a 0-minute lesson was a common Gemma slip) but not
    float ranges, which llama.cpp cannot express."""
    schema = schema_dict(Course, engine, CourseShape())
    # a bounded float becomes a whole number in range (Gemma wrote 12000 hours)
    assert at(schema, "estimated_hours") == {"type": "integer", "minimum": 1, "maximum": 500}
    for node in schema_nodes(schema):
        if node.get("type") != "integer":
            assert not {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"} & node.keys()


@pytest.mark.parametrize("engine", GRAMMAR)
def test_grammar_engines_pin_options_and_bound_the_answer_to_them(engine):
    schema = schema_dict(Course, engine, CourseShape(1, 1, 2, options=3))
    question = schema["properties"]["modules"]["items"]["properties"]["quiz"]["items"]
    options, answer = question["properties"]["options"], question["properties"]["answer"]
    assert options["minItems"] == options["maxItems"] == 3
    assert (answer["minimum"], answer["maximum"]) == (0, 2)
    quiz = schema_dict(ModuleQuiz, engine, CourseShape(options=5))
    assert quiz["properties"]["questions"]["items"]["properties"]["answer"]["maximum"] == 4


@pytest.mark.parametrize("shape", [None, CourseShape(), CourseShape(questions_per_quiz=0)],
                         ids=["no-shape", "shape", "no-quiz"])
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_openai_schema_has_no_bound_keywords(model, shape):
    schema = schema_dict(model, "openai", shape)
    for node in schema_nodes(schema):
        assert not BOUND_KEYS & node.keys(), node


def test_language_and_level_literals_become_enums():
    schema = schema_dict(Course, "openai")
    assert at(schema, "language") == {"type": "string", "enum": ["en", "es"]}
    assert at(schema, "level")["enum"] == ["beginner", "intermediate", "advanced"]


# --- json_schema: the course shape ---------------------------------------------------------

SHAPE = CourseShape(modules=3, lessons_per_module=2, questions_per_quiz=5, options=3)


def pinned(node: dict) -> tuple[int, int]:
    return node["minItems"], node["maxItems"]


@pytest.mark.parametrize("engine", GRAMMAR)
def test_shape_pins_course_modules_lessons_and_quiz(engine):
    schema = schema_dict(Course, engine, SHAPE)
    assert pinned(at(schema, "modules")) == (3, 3)
    assert pinned(at(schema, "modules", "[]", "lessons")) == (2, 2)
    assert pinned(at(schema, "modules", "[]", "quiz")) == (5, 5)


@pytest.mark.parametrize("engine", GRAMMAR)
def test_shape_pins_outline_modules_and_lesson_titles(engine):
    schema = schema_dict(Outline, engine, SHAPE)
    assert pinned(at(schema, "modules")) == (3, 3)
    assert pinned(at(schema, "modules", "[]", "lesson_titles")) == (2, 2)


@pytest.mark.parametrize("engine", GRAMMAR)
def test_shape_pins_the_module_quiz(engine):
    assert pinned(at(schema_dict(ModuleQuiz, engine, SHAPE), "questions")) == (5, 5)


def test_shape_without_quiz_pins_the_course_quiz_to_zero_items():
    """An unpinned quiz let Gemma write one nobody asked for (with duplicate options)."""
    shape = CourseShape(questions_per_quiz=0)
    quiz = at(schema_dict(Course, "wllama", shape), "modules", "[]", "quiz")
    assert quiz["minItems"] == 0 and quiz["maxItems"] == 0
    questions = at(schema_dict(ModuleQuiz, "wllama", shape), "questions")
    assert questions["minItems"] == 1 and questions["maxItems"] == shape.max_list


def test_pinned_counts_may_exceed_max_list():
    shape = CourseShape(modules=10, lessons_per_module=9, max_list=2)
    schema = schema_dict(Course, "wllama", shape)
    assert pinned(at(schema, "modules")) == (10, 10)
    assert pinned(at(schema, "modules", "[]", "lessons")) == (9, 9)


@pytest.mark.parametrize("max_text", [50, 300, 1200])
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_max_text_caps_every_non_enum_string(model, max_text):
    schema = schema_dict(model, "wllama", CourseShape(max_text=max_text))
    strings = [n for n in schema_nodes(schema) if n.get("type") == "string"]
    assert strings
    for node in strings:
        if "enum" in node:
            assert "maxLength" not in node
        else:
            assert node["maxLength"] <= max_text


def test_max_text_keeps_tighter_model_bounds_and_fills_missing_ones():
    schema = schema_dict(Course, "wllama", CourseShape(max_text=300))
    assert at(schema, "modules", "[]", "lessons", "[]", "content")["maxLength"] == 300
    assert at(schema, "estimated_hours")["type"] == "integer"
    schema = schema_dict(Course, "wllama", CourseShape(max_text=50))
    assert at(schema, "title")["maxLength"] == 50  # tighter than its field cap


def test_grammar_engines_get_short_titles_and_lists_of_short_items():
    """Gemma wrote whole sentences as lesson titles (and repeated them): a grammar keeps each
    field about as long as the worked examples show it."""
    schema = schema_dict(Course, "wllama", CourseShape(max_text=1200))
    assert at(schema, "title")["maxLength"] == FIELD_CAPS["title"]
    assert at(schema, "learning_objectives", "[]")["maxLength"] == 100
    lesson = at(schema, "modules", "[]", "lessons", "[]")
    assert at(lesson, "title")["maxLength"] == 60 and at(lesson, "content")["maxLength"] == 1200
    outline = schema_dict(Outline, "wllama", CourseShape())
    assert at(outline, "modules", "[]", "lesson_titles", "[]")["maxLength"] == 60
    assert "maxLength" not in at(schema_dict(Course, "openai", CourseShape()), "title")


def test_grammar_engines_cannot_close_a_lesson_text_after_a_few_words():
    """The real Gemma ended three answers in a row with a lesson text of fewer than eight
    words; a grammar now keeps the text open for at least 80 characters (never more than the
    shape's cap), and a chat engine's schema is left alone."""
    lesson = schema_dict(Lesson, "wllama", CourseShape(max_text=400))
    assert at(lesson, "content")["minLength"] == FIELD_FLOORS["content"] == 80
    tiny = schema_dict(Course, "wllama", CourseShape(max_text=60))
    content = at(tiny, "modules", "[]", "lessons", "[]", "content")
    assert content["minLength"] == content["maxLength"] == 60
    assert "minLength" not in at(schema_dict(Lesson, "openai", CourseShape()), "content")


def test_without_shape_strings_are_not_capped():
    schema = schema_dict(Course, "wllama")
    assert "maxLength" not in at(schema, "learning_objectives", "[]")


@pytest.mark.parametrize("max_list", [2, 4, 12])
def test_max_list_caps_every_unpinned_array(max_list):
    shape = CourseShape(max_list=max_list)
    schema = schema_dict(Course, "wllama", shape)
    arrays = [n for n in schema_nodes(schema) if n.get("type") == "array"]
    assert len(arrays) == 8  # 3 pinned (modules, lessons, quiz) + 5 free lists
    for node in arrays:  # pinned ones satisfy this too: maxItems == minItems
        assert node["maxItems"] <= max(max_list, node.get("minItems", 0))
    assert at(schema, "prerequisites")["maxItems"] == min(10, max_list)


class _Wide(BaseModel):
    five: list[str] = Field(min_length=5, max_length=10)
    three_up: list[str] = Field(min_length=3)
    anything: list[str]


def test_max_list_never_caps_below_an_arrays_min_items():
    schema = schema_dict(_Wide, "wllama", CourseShape(max_list=2))
    assert pinned(at(schema, "five")) == (5, 5)
    assert pinned(at(schema, "three_up")) == (3, 3)


def test_max_list_caps_an_array_with_no_bounds_at_all():
    schema = schema_dict(_Wide, "wllama", CourseShape(max_list=4))
    assert at(schema, "anything").get("maxItems") == 4


@pytest.mark.parametrize("engine", ["openai", *GRAMMAR])
def test_a_shape_does_not_leak_into_later_calls(engine):
    before = schema_dict(Course, engine)
    schema_dict(Course, engine, CourseShape(modules=2, max_text=40))
    assert schema_dict(Course, engine) == before


def test_docstring_example():
    assert course_json_schema("wllama", CourseShape(modules=2))["properties"]["modules"][
        "maxItems"] == 2


@pytest.mark.parametrize("engine", list(ENGINES))
def test_course_json_schema_is_json_schema_of_course(engine):
    assert course_json_schema(engine, SHAPE) == json_schema(Course, engine, SHAPE)


# --- json_schema: engines, categories, errors ----------------------------------------------

@pytest.mark.parametrize("shape", [None, SHAPE], ids=["no-shape", "shape"])
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_webllm_gets_a_json_string_equal_to_the_wllama_schema(model, shape):
    text = json_schema(model, "webllm", shape)
    assert isinstance(text, str)
    assert json.loads(text) == json_schema(model, "wllama", shape)


@pytest.mark.parametrize("engine", [e for e in ENGINES if e != "webllm"])
def test_other_engines_get_a_dict(engine):
    assert isinstance(json_schema(Course, engine), dict)


def test_webllm_string_keeps_non_ascii_categories():
    text = json_schema(Classification, "webllm", categories=["biología", "arte"])
    assert "biología" in text


@pytest.mark.parametrize("engine", list(ENGINES))
def test_categories_turn_the_classification_label_into_an_enum(engine):
    schema = schema_dict(Classification, engine, CourseShape(), categories=["news", "sport"])
    assert at(schema, "label") == {"type": "string", "enum": ["news", "sport"]}
    assert schema["required"] == ["label", "reason"]


@pytest.mark.parametrize("model", [Course, Outline, Summary, Tags, Module], ids=str)
def test_categories_on_other_models_raise(model):
    with pytest.raises(ValueError, match="only to Classification"):
        json_schema(model, "wllama", categories=["a", "b"])


@pytest.mark.parametrize("engine", ["llama.cpp", "OpenAI", ""])
def test_unknown_engine_raises(engine):
    with pytest.raises(ValueError, match="unknown engine"):
        json_schema(Course, engine)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"modules": 0}, "modules must be between 1 and 20"),
    ({"modules": 21}, "modules must be between 1 and 20"),
    ({"lessons_per_module": 0}, "lessons_per_module"),
    ({"lessons_per_module": 13}, "lessons_per_module"),
    ({"questions_per_quiz": -1}, "questions_per_quiz"),
    ({"questions_per_quiz": 13}, "questions_per_quiz"),
    ({"max_list": 1}, "max_list"),
    ({"max_list": 13}, "max_list"),
])
def test_course_shape_rejects_out_of_range_sizes(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CourseShape(**kwargs)


def test_course_shape_accepts_its_extremes():
    CourseShape(modules=20, lessons_per_module=12, questions_per_quiz=12, max_list=12)
    CourseShape(modules=1, lessons_per_module=1, questions_per_quiz=0, max_list=2)


# --- a valid course satisfies the exported schema ------------------------------------------

@pytest.mark.parametrize("engine", list(ENGINES))
def test_a_valid_course_satisfies_the_schema_of_its_shape(engine):
    course = Course.model_validate(course_data(modules=3, lessons=2, questions=5))
    schema = schema_dict(Course, engine, SHAPE)
    assert subset_errors(course.model_dump(), schema) == []


@pytest.mark.parametrize("engine", list(ENGINES))
def test_a_valid_course_satisfies_the_unshaped_schema(engine):
    course = Course.model_validate(course_data())
    assert subset_errors(course.model_dump(), schema_dict(Course, engine)) == []


@pytest.mark.parametrize("engine", GRAMMAR)
def test_grammar_schema_rejects_a_course_of_another_shape(engine):
    course = Course.model_validate(course_data(modules=2, lessons=2, questions=5))
    errors = subset_errors(course.model_dump(), schema_dict(Course, engine, SHAPE))
    assert errors == ["$.modules: fewer than minItems"]


def test_openai_schema_rejects_a_missing_field_and_an_extra_one():
    data = Course.model_validate(course_data()).model_dump()
    del data["audience"]
    data["extra"] = 1
    assert subset_errors(data, schema_dict(Course, "openai")) == [
        "$: missing audience", "$: extra extra"]
