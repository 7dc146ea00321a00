"""prompts/examples: the few-shot example data for base models is complete, valid, in its own
language, and shaped so that every slice the generator takes (two lessons, three options, two
list items) is still a good example.

Gemma 3 270M continues documents: real worked examples steer it, and whatever is wrong in them
(a numbered title, an English phrase in a Spanish course, a quiz always keyed 0) is copied.
"""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
import unicodedata
import zipfile
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from buildtools.dist import localloom_wheel
from localloom.course.audit import audit_course, near_duplicates, similar, title_problem
from localloom.course.schema import Classification, Course, Summary, Tags
from localloom.language import detect

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("en", "es")

#: Benchmark topics held out from the examples, so the benchmark measures generalization.
HELD_OUT = [
    "Introducción a la fotografía digital", "Basics of home composting",
    "Fracciones para la escuela primaria", "How vaccines train the immune system",
    "Historia de la imprenta", "Getting started with SQL queries",
    "Cuidado de plantas de interior", "The water cycle", "Primeros auxilios básicos",
    "Personal budgeting for students", "Introducción a la astronomía", "Writing a clear email",
    "Los volcanes y cómo se forman", "Basic knife skills in the kitchen",
    "Introducción a la programación con Python", "Understanding climate and weather",
    "El sistema solar", "Public speaking for beginners", "Nutrición y alimentación saludable",
    "How the internet works", "La Revolución Industrial", "Caring for a dog",
]
#: Word beginnings of the held-out subjects (accents folded), in both languages.
HELD_OUT_STEMS = (
    "photograph", "fotograf", "compost", "fraction", "fraccion", "vaccin", "vacun", "printing",
    "imprenta", "sql", "plant", "water cycle", "ciclo del agua", "first aid",
    "primeros auxilios", "budget", "presupuest", "astronom", "email", "e-mail", "correo",
    "volcan", "knife", "knives", "cuchill", "python", "climate", "clima", "weather",
    "solar system", "sistema solar", "public speaking", "hablar en publico", "oratoria",
    "nutrition", "nutricion", "alimentacion", "internet", "industrial revolution",
    "revolucion industrial", "dog", "perro",
)
#: Openings that lean on a previous item, which a list cut to two items would lose.
LEANING = re.compile(r"^(?:also|and|but|both|then|finally|additionally|furthermore|this|these|"
                     r"it|they|además|tambien|también|y|pero|ambos|ambas|luego|después|despues|"
                     r"finalmente|esto|estos|estas|ello)\b", re.IGNORECASE)
#: Lesson bodies must teach, not announce what the lesson will do.
ANNOUNCING = re.compile(r"in this lesson|this lesson|you will learn|we will|en esta lecci[oó]n|"
                        r"esta lecci[oó]n|aprender[aá]s|veremos", re.IGNORECASE)
NUMBERED_TITLE = re.compile(r"^\s*(?:\d+\s*[.):-]|(?:lesson|lecci[oó]n|module|m[oó]dulo|unit|"
                            r"unidad|part|parte|chapter|cap[ií]tulo)\s*\d)", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[¿¡\"«“(]?[A-ZÁÉÍÓÚÑ])")


@cache
def load(language: str) -> dict[str, Any]:
    node = resources.files("localloom.course.prompts").joinpath("examples", f"{language}.json")
    return json.loads(node.read_text(encoding="utf-8"))


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


def sentences(text: str) -> int:
    return len([s for s in _SENTENCE_END.split(text.strip()) if s])


def strings(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every string in ``value`` as ``(path, text)``; ``language``/``level`` codes excluded."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, list):
        return [item for i, v in enumerate(value) for item in strings(v, f"{path}[{i}]")]
    if isinstance(value, dict):
        return [item for k, v in value.items() if k not in ("language", "level")
                for item in strings(v, f"{path}.{k}")]
    return []


def courses(language: str) -> list[tuple[str, dict[str, Any]]]:
    return [(entry["topic"], entry["course"]) for entry in load(language)["courses"]]


def all_courses() -> list[tuple[str, str, dict[str, Any]]]:
    return [(language, topic, course) for language in LANGUAGES
            for topic, course in courses(language)]


COURSE_IDS = [f"{language}:{topic}" for language, topic, _ in all_courses()]
course_cases = pytest.mark.parametrize(("language", "topic", "course"), all_courses(),
                                       ids=COURSE_IDS)


def lessons(course: dict[str, Any]) -> list[dict[str, Any]]:
    return [lesson for module in course["modules"] for lesson in module["lessons"]]


def questions(course: dict[str, Any]) -> list[dict[str, Any]]:
    return [q for module in course["modules"] for q in module["quiz"]]


def lists_of(course: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """Every list of short texts a slice may cut to two items, with where it is."""
    out = [("prerequisites", course["prerequisites"]),
           ("learning_objectives", course["learning_objectives"])]
    for module in course["modules"]:
        for lesson in module["lessons"]:
            out += [(f"{lesson['title']}.objectives", lesson["objectives"]),
                    (f"{lesson['title']}.key_points", lesson["key_points"])]
    return out


# --- packaging -----------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_examples_are_package_data_read_through_importlib_resources(language):
    """Each language's file loads the way the prompt templates do (wheel, zip or source)."""
    root = resources.files("localloom.course.prompts")
    assert root.joinpath("examples", f"{language}.json").is_file()
    assert load(language)["language"] == language


def test_examples_are_packed_in_the_app_wheel_and_the_setuptools_package_data(tmp_path):
    """The browser wheel carries both files byte for byte, and a setuptools build would too."""
    with zipfile.ZipFile(localloom_wheel(tmp_path)) as zf:
        for language in LANGUAGES:
            name = f"localloom/course/prompts/examples/{language}.json"
            assert zf.read(name) == (ROOT / "py" / name).read_bytes()
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["localloom"]
    for language in LANGUAGES:
        assert any(fnmatch.fnmatch(f"course/prompts/examples/{language}.json", p) for p in patterns)


# --- file shape ------------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_file_has_four_courses_and_three_of_each_text_task(language):
    """Top-level keys and counts are exact, and the file says which language it is."""
    data = load(language)
    assert set(data) == {"language", "courses", "summaries", "tags", "classify"}
    assert data["language"] == language
    assert len(data["courses"]) == 4
    assert all(set(entry) == {"topic", "course"} for entry in data["courses"])
    assert (len(data["summaries"]), len(data["tags"]), len(data["classify"])) == (3, 3, 3)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_of_four_words_or_more_is_not_in_the_other_language(language):
    """LocalLoom's own detector never places a field of 4+ words in the other language, and
    every long prose field (20+ words) is positively recognised as the file's language."""
    for path, text in strings(load(language)):
        if len(text.split()) >= 4:
            assert not detect(text).is_not(language), (path, text)
        if len(text.split()) >= 20:
            assert detect(text).language == language, (path, text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_levels_are_mixed_with_at_least_one_intermediate(language):
    """The examples cover more than one level, an intermediate course among them."""
    levels = [course["level"] for _, course in courses(language)]
    assert "intermediate" in levels and len(set(levels)) >= 2


# --- topics --------------------------------------------------------------------------------

def test_topics_are_distinct_across_both_files():
    """No two example topics (in either language) are near-duplicates of each other."""
    topics = [topic for _, topic, _ in all_courses()]
    assert near_duplicates(topics) == []
    assert len({fold(t) for t in topics}) == 8


@course_cases
def test_topic_and_outline_avoid_the_held_out_benchmark_subjects(language, topic, course):
    """Neither the topic nor any title is similar to, or names the subject of, a held-out topic."""
    for held in HELD_OUT:
        assert not similar(topic, held), (topic, held)
    titles = [topic, course["title"], *(m["title"] for m in course["modules"]),
              *(lesson["title"] for lesson in lessons(course))]
    for title in titles:
        folded = fold(title)
        hits = [s for s in HELD_OUT_STEMS if re.search(rf"\b{re.escape(s)}", folded)]
        assert not hits, (title, hits)


# --- courses -------------------------------------------------------------------------------

@course_cases
def test_course_validates_and_has_the_exact_shape(language, topic, course):
    """Course.model_validate accepts it, in the file's language, with 4 modules x 3 lessons x
    3 questions x 4 options and the list sizes the brief fixes."""
    model = Course.model_validate(course)
    assert model.language == language
    assert model.level in ("beginner", "intermediate", "advanced")
    assert 0 <= len(course["prerequisites"]) <= 2
    assert len(course["learning_objectives"]) == 3
    assert isinstance(course["estimated_hours"], int) and 1 <= course["estimated_hours"] <= 6
    assert len(course["modules"]) == 4
    for module in course["modules"]:
        assert len(module["lessons"]) == 3 and len(module["quiz"]) == 3
        assert 1 <= sentences(module["summary"]) <= 2, module["summary"]
        for lesson in module["lessons"]:
            assert len(lesson["objectives"]) == 2 and len(lesson["key_points"]) == 3
            minutes = lesson["duration_minutes"]
            assert isinstance(minutes, int) and 10 <= minutes <= 30
        for question in module["quiz"]:
            assert len(question["options"]) == 4


@course_cases
def test_estimated_hours_match_the_lesson_minutes(language, topic, course):
    """The course length agrees with its lessons to within 45 minutes."""
    total = sum(lesson["duration_minutes"] for lesson in lessons(course))
    assert abs(course["estimated_hours"] * 60 - total) <= 45, (total, course["estimated_hours"])


@course_cases
def test_lesson_content_is_short_markdown_that_teaches(language, topic, course):
    """Every body is 220-390 characters, has no heading and does not announce the lesson."""
    for lesson in lessons(course):
        content = lesson["content"]
        assert 220 <= len(content) <= 390, (len(content), lesson["title"])
        assert not any(line.lstrip().startswith("#") for line in content.splitlines())
        assert not ANNOUNCING.search(content), lesson["title"]


@course_cases
def test_quiz_keys_fit_three_options_and_vary(language, topic, course):
    """Answers are 0, 1 or 2 (options may be cut to three), each module's three answers are not
    all equal, and each course uses all three positions."""
    for module in course["modules"]:
        answers = [q["answer"] for q in module["quiz"]]
        assert all(a in (0, 1, 2) for a in answers), answers
        assert len(set(answers)) > 1, (module["title"], answers)
    assert {q["answer"] for q in questions(course)} == {0, 1, 2}


@course_cases
def test_options_are_distinct_and_the_explanation_quotes_no_wrong_option(language, topic, course):
    """Options are pairwise distinct (not even near-duplicates); the explanation is one
    sentence and never contains another option's text."""
    for q in questions(course):
        options = q["options"]
        assert len({fold(o).strip() for o in options}) == 4, options
        assert near_duplicates(options) == [], options
        assert sentences(q["explanation"]) == 1, q["explanation"]
        explanation = fold(q["explanation"])
        for i, option in enumerate(options):
            text = fold(option).strip()
            if i == q["answer"]:
                continue
            quoted = text in explanation if len(text) >= 4 else \
                re.search(rf"\b{re.escape(text)}\b", explanation)
            assert not quoted, (q["question"], option)


@course_cases
def test_list_items_stand_alone_and_do_not_repeat(language, topic, course):
    """No list item leans on the one before it (lists get cut to two), and no two items of a
    list are near-duplicates."""
    for where, items in lists_of(course):
        assert near_duplicates(items) == [], (where, items)
        for item in items:
            assert not LEANING.match(item.strip()), (where, item)


@course_cases
def test_titles_are_distinct_specific_and_unnumbered(language, topic, course):
    """Course, module and lesson titles are pairwise not similar, have 2+ words, carry no
    number or placeholder, are not the topic and pass the audit's title check."""
    titles = [course["title"], *(m["title"] for m in course["modules"]),
              *(lesson["title"] for lesson in lessons(course))]
    assert near_duplicates(titles) == [], [(titles[i], titles[j])
                                           for i, j in near_duplicates(titles)]
    assert not similar(course["title"], topic)
    for title in titles:
        assert len(title.split()) >= 2, title
        assert not NUMBERED_TITLE.match(title), title
        assert title_problem(title, topic=topic) is None, (title, title_problem(title,
                                                                                 topic=topic))


@course_cases
def test_audit_finds_nothing_a_learner_would_reject(language, topic, course):
    """audit_course reports no wrong language, near-duplicates, echoes, placeholders, repeated
    objectives, unusable text or doubtful quiz keys."""
    report = audit_course(course, topic=topic, language=language)
    for key in ("wrong_language", "near_duplicate_lesson_titles",
                "near_duplicate_module_titles", "echo_or_placeholder_titles",
                "repeated_objectives", "unusable_text", "quiz_key_problems"):
        assert report[key] == [], (key, report[key])
    assert report["language_share"] == 1.0
    assert (report["modules"], report["lessons"], report["quiz_questions"]) == (4, 12, 12)


# --- text tasks ----------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_summaries_are_valid_and_sized(language):
    """Each source text is 500-1000 characters; its summary validates as Summary, has 2-4
    sentences and is shorter than the text; three stand-alone, distinct key points."""
    for example in load(language)["summaries"]:
        assert set(example) == {"text", "summary", "key_points"}
        assert 500 <= len(example["text"]) <= 1000, len(example["text"])
        Summary.model_validate({"summary": example["summary"],
                                "key_points": example["key_points"]})
        assert 2 <= sentences(example["summary"]) <= 4, example["summary"]
        assert len(example["summary"]) < len(example["text"]) / 1.5
        assert len(example["key_points"]) == 3
        assert near_duplicates(example["key_points"]) == []
        assert not any(LEANING.match(point) for point in example["key_points"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_tags_are_valid_lowercase_and_short(language):
    """Each text is 300-700 characters with 3-5 distinct lowercase tags of 1-3 words that
    Tags validates unchanged."""
    for example in load(language)["tags"]:
        assert set(example) == {"text", "tags"}
        assert 300 <= len(example["text"]) <= 700, len(example["text"])
        tags = example["tags"]
        assert 3 <= len(tags) <= 5
        assert all(tag == tag.strip().lower() and 1 <= len(tag.split()) <= 3 for tag in tags)
        assert Tags.model_validate({"tags": tags}).tags == tags


@pytest.mark.parametrize("language", LANGUAGES)
def test_classifications_label_one_of_their_categories(language):
    """Each text is 200-500 characters, has 3-5 short distinct categories, a label that is
    exactly one of them and a one-sentence reason; Classification validates it."""
    for example in load(language)["classify"]:
        assert set(example) == {"text", "categories", "label", "reason"}
        assert 200 <= len(example["text"]) <= 500, len(example["text"])
        categories = example["categories"]
        assert 3 <= len(categories) <= 5
        assert len({fold(c) for c in categories}) == len(categories)
        assert all(len(c.split()) <= 4 for c in categories)
        assert categories.count(example["label"]) == 1
        Classification.model_validate({"label": example["label"], "reason": example["reason"]})
        assert sentences(example["reason"]) == 1, example["reason"]
