"""prompts: built-in templates per task and language, completion text, the user sandbox."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import pytest

from localloom.course.prompts import (
    LANGUAGES,
    TASKS,
    render_completion,
    render_messages,
    render_user_template,
    schema_example,
    schema_fields,
)
from localloom.course.schema import CourseShape, ModuleQuiz, Outline, json_schema
from localloom.errors import TemplateError

SHAPE = CourseShape(modules=3, lessons_per_module=2, questions_per_quiz=4)
SUBSTEP = {"course_title": "Light and life", "module_titles": ["Light", "Sugar", "Air"],
           "module_index": 2, "module_count": 3, "module_title": "Sugar",
           "module_summary": "How plants store energy.", "lesson_titles": ["Glucose", "Starch"]}
VARS = {
    "outline": {"topic": "Photosynthesis", "shape": SHAPE},
    "course": {"topic": "Photosynthesis", "shape": SHAPE},
    "lesson": {"topic": "Photosynthesis", "shape": SHAPE, **SUBSTEP, "lesson_title": "Starch",
               "lesson_index": 2},
    "quiz": {"topic": "Photosynthesis", "shape": SHAPE, **SUBSTEP, "key_points": ["ATP"]},
    "summary": {"text": "Plants turn light into sugar."},
    "tags": {"text": "Plants turn light into sugar."},
    "classify": {"text": "Plants turn light into sugar.", "categories": ["biology", "art"]},
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("task", TASKS)
def test_every_task_renders_as_messages_and_completion(task, language):
    messages = render_messages(task, language, **VARS[task])
    assert [m["role"] for m in messages] == ["system", "user"]
    assert all(m["content"].strip() for m in messages)
    assert "{{" not in messages[1]["content"] and "{%" not in messages[1]["content"]
    completion = render_completion(task, language, **VARS[task])
    assert completion.endswith("JSON:\n")
    assert messages[0]["content"] in completion and messages[1]["content"] in completion


def test_templates_are_package_data_read_through_importlib_resources():
    root = resources.files("localloom.course.prompts").joinpath("templates")
    for language in LANGUAGES:
        for task in TASKS:
            assert root.joinpath(language, f"{task}.j2").is_file()


def test_templates_load_from_a_zip_import(tmp_path: Path):
    package = Path(__file__).resolve().parents[2] / "py" / "localloom"
    archive = tmp_path / "localloom.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in package.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, Path("localloom") / path.relative_to(package))
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import localloom.course.prompts as p; "
            "assert 'zip' in p.__file__; "
            "print(p.render_messages('tags', 'es', text='hola')[1]['content'])")
    out = subprocess.run([sys.executable, "-c", code, str(archive)], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "etiquetas" in out.stdout


def test_shape_counts_topic_level_and_example_reach_the_outline_prompt():
    system, user = (m["content"] for m in render_messages(
        "outline", "en", topic="Photosynthesis", level="advanced", audience="gardeners",
        shape=SHAPE))
    assert "exactly 3 modules" in user and "exactly 2 lesson titles" in user
    assert "advanced" in user and "gardeners" in user and "Photosynthesis" in user
    assert '"level":"advanced"' in system and '"language":"en"' in system
    assert "- modules: list of exactly 3 objects" in system


def test_substep_prompts_carry_the_outline_context():
    """A lesson is written with its course, its module and its neighbours, about its title."""
    user = render_messages("lesson", "en", **VARS["lesson"])[1]["content"]
    assert "Course: Light and life" in user and "Module 2 of 3: Sugar" in user
    assert "Lessons of this module: Glucose; Starch" in user
    assert "Write lesson 2 of this module, titled exactly: Starch" in user
    quiz = render_messages("quiz", "en", **VARS["quiz"])[1]["content"]
    assert "exactly 4 different multiple-choice questions" in quiz and "- ATP" in quiz
    assert f"has {SHAPE.options} different options" in quiz


def test_feedback_and_avoid_appear_only_when_given():
    plain = render_messages("lesson", "en", **VARS["lesson"])[1]["content"]
    assert "rejected" not in plain and "do not repeat" not in plain
    user = render_messages("lesson", "en", **VARS["lesson"], feedback="- content: too short",
                           avoid=["Chlorophyll"])[1]["content"]
    assert "- content: too short" in user and "do not repeat: Chlorophyll" in user
    es = render_messages("lesson", "es", **VARS["lesson"], feedback="- x",
                         avoid=["Clorofila"])[1]["content"]
    assert "rechazada" in es and "no los repitas: Clorofila" in es


def test_spanish_templates_are_in_spanish():
    system, user = (m["content"] for m in render_messages("outline", "es", topic="Fotosíntesis",
                                                         shape=SHAPE))
    assert "en español" in system and "Responde con un único objeto JSON" in system
    assert "nivel principiante" in user and "exactamente 3 módulos" in user
    assert "lista de exactamente 3 objetos" in system
    assert '"language":"es"' in system


def test_classify_lists_the_categories_and_works_without_them():
    user = render_messages("classify", "en", **VARS["classify"])[1]["content"]
    assert "biology, art" in user
    free = render_messages("classify", "en", text="x")[1]["content"]
    assert "short name" in free


def test_a_missing_variable_in_a_builtin_template_is_a_template_error():
    with pytest.raises(TemplateError, match="course_title"):
        render_messages("lesson", "en", topic="x")


def test_unknown_task_or_language_is_a_value_error():
    with pytest.raises(ValueError, match="task"):
        render_messages("poem", "en")
    with pytest.raises(ValueError, match="language"):
        render_completion("tags", "fr", text="x")


def test_schema_text_helpers():
    schema = json_schema(ModuleQuiz, "wllama", SHAPE)
    fields = schema_fields(schema)
    assert "- questions: list of exactly 4 objects, each with:" in fields
    assert "  - answer: integer — 0-based index of the correct option" in fields
    assert "lista de exactamente 4 objetos" in schema_fields(schema, "es")
    example = schema_example(json_schema(Outline, "webllm", SHAPE), {"language": "es"})
    assert example.startswith('{"title":"...",') and '"language":"es"' in example


def test_user_template_renders_in_the_sandbox():
    assert render_user_template("Teach {{ topic | upper }} in {{ n }} parts",
                                topic="rust", n=3) == "Teach RUST in 3 parts"


@pytest.mark.parametrize("source, words", [
    ("Hello {{ nobody }}", "unknown variable"),
    ("Hello {% if %}", "syntax error"),
    ("{{ topic.__class__.__mro__ }}", "sandbox forbids"),
    ("{{ 1 / 0 }}", "failed to render"),
    ("{{ avoid.append('x') }}", "sandbox forbids"),
])
def test_user_template_failures_are_template_errors(source, words):
    with pytest.raises(TemplateError) as info:
        render_user_template(source, topic="x", avoid=["a"])
    assert words in info.value.what and info.value.stage == "prompt"
    assert info.value.__cause__ is not None
