"""localloom.course._coerce: each slip it fixes, and the guesses it refuses to make."""

from __future__ import annotations

import pytest

from localloom.course._coerce import coerce, fold
from localloom.course.schema import (
    Classification,
    Course,
    Lesson,
    ModuleQuiz,
    Outline,
    OutlineModule,
    QuizQuestion,
    Tags,
)


def fix(data, model):
    log: list[str] = []
    return coerce(data, model, log), log


def test_fold_drops_case_and_accents():
    """fold() makes 'Español' and 'espanol' compare equal."""
    assert fold("  Español ") == "espanol" and fold("INTERMEDIO") == "intermedio"


@pytest.mark.parametrize("word,code", [
    ("English", "en"), ("en-US", "en"), ("inglés", "en"), ("EN", "en"), ("Spanish", "es"),
    ("español", "es"), ("Castellano", "es"), ("es_MX", "es"),
])
def test_language_words_become_codes(word, code):
    """Language names in either language, and region tags, become 'en'/'es'."""
    assert fix({"language": word}, Course)[0]["language"] == code


@pytest.mark.parametrize("word", ["French", "English and Spanish", "fr"])
def test_unknown_or_ambiguous_language_is_left_for_validation(word):
    """A language we do not know, or two at once, is not guessed."""
    assert fix({"language": word}, Course)[0]["language"] == word


@pytest.mark.parametrize("word,level", [
    ("Beginner", "beginner"), ("principiante", "beginner"), ("Básico", "beginner"),
    ("Beginner level", "beginner"), ("Intermedio", "intermediate"), ("ADVANCED", "advanced"),
    ("avanzado", "advanced"), ("expert", "advanced"),
])
def test_level_synonyms(word, level):
    """Level synonyms in English and Spanish map to the schema's three levels."""
    assert fix({"level": word}, Course)[0]["level"] == level


def test_level_range_is_not_guessed():
    """'beginner to intermediate' names two levels and stays as written."""
    assert fix({"level": "beginner to intermediate"}, Course)[0]["level"] == (
        "beginner to intermediate")


@pytest.mark.parametrize("value,minutes", [
    ("45", 45), ("45 min", 45), ("45min", 45), ("45 minutes", 45), ("1 hour", 60),
    ("1.5 hours", 90), ("40 minutos", 40), ("about 20 min", 20), (30, 30),
])
def test_duration_minutes(value, minutes):
    """Durations with units become whole minutes; hours are converted."""
    assert fix({"duration_minutes": value}, Lesson)[0]["duration_minutes"] == minutes


@pytest.mark.parametrize("value,hours", [
    ("10", 10), ("10 hours", 10), ("6.5 hrs", 6.5), ("1,5 horas", 1.5), ("90 minutes", 1.5),
    ("approx. 4h", 4),
])
def test_estimated_hours(value, hours):
    """estimated_hours accepts units and a decimal comma."""
    assert fix({"estimated_hours": value}, Course)[0]["estimated_hours"] == hours


@pytest.mark.parametrize("value", ["2-3 hours", "ten", "45 apples"])
def test_unclear_numbers_are_left_for_validation(value):
    """Ranges, words and unknown units are not guessed."""
    assert fix({"estimated_hours": value}, Course)[0]["estimated_hours"] == value


OPTIONS = ["Paris", "Rome", "Madrid"]


@pytest.mark.parametrize("answer,index", [
    ("B", 1), ("b", 1), ("C)", 2), ("(a)", 0), ("Option B", 1), ("opción C", 2),
    ("Answer: A", 0), ("B) Rome", 1), ("rome", 1), ("Madrid", 2), (["C"], 2), (1, 1),
    ("2", 2),
])
def test_answer_letter_or_text(answer, index):
    """Letters and option text become 0-based indexes; a digit string is a number."""
    data = fix({"options": OPTIONS, "answer": answer}, QuizQuestion)[0]
    assert data["answer"] == index


def test_answer_letter_past_the_options_fails_validation_precisely():
    """'E' with three options becomes 4, which the schema rejects with a clear message."""
    data = fix({"question": "Capital?", "options": OPTIONS, "answer": "E",
                "explanation": ""}, QuizQuestion)[0]
    assert data["answer"] == 4
    with pytest.raises(ValueError, match="answer 4 is not an index of the 3 options"):
        QuizQuestion.model_validate(data)


def test_one_based_answer_is_not_guessed():
    """answer 3 with three options may be 1-based, but that is not safe to assume."""
    assert fix({"options": OPTIONS, "answer": 3}, QuizQuestion)[0]["answer"] == 3


def test_boolean_answer_is_never_an_index():
    """true matches a 'True' option, else stays text so validation fails."""
    assert fix({"options": ["False", "True"], "answer": True}, QuizQuestion)[0]["answer"] == 1
    assert fix({"options": OPTIONS, "answer": True}, QuizQuestion)[0]["answer"] == "true"


def test_options_as_object():
    """{'A': ..., 'B': ...} options become a list, and a key answer its index."""
    data = fix({"options": {"A": "Paris", "B": "Rome"}, "answer": "B"}, QuizQuestion)[0]
    assert data["options"] == ["Paris", "Rome"] and data["answer"] == 1


def test_string_for_list_and_null_for_list():
    """A single string becomes a one-item list; null becomes an empty list."""
    data, log = fix({"prerequisites": None, "learning_objectives": "Learn X"}, Course)
    assert data["prerequisites"] == [] and data["learning_objectives"] == ["Learn X"]
    assert log == ["prerequisites: None → []", "learning_objectives: 'Learn X' → ['Learn X']"]


def test_tags_string_is_split_on_commas():
    """Tags written as one 'a, b' string become separate tags."""
    assert fix({"tags": "python, web ,ai"}, Tags)[0]["tags"] == ["python", "web", "ai"]


def test_paragraph_list_is_joined_for_long_text():
    """A list of paragraphs for content becomes one Markdown text."""
    data = fix({"content": ["One.", "Two."]}, Lesson)[0]
    assert data["content"] == "One.\n\nTwo."


def test_titles_from_objects():
    """Outline lesson_titles given as [{'title': ...}] under 'lessons' become the titles."""
    data = fix({"lessons": [{"title": "A"}, {"title": "B", "x": 1}]}, OutlineModule)[0]
    assert data["lesson_titles"] == ["A", "B"]


def test_keys_are_renamed_from_camel_case_and_spanish():
    """camelCase, capitalised and Spanish keys map to schema names; nesting is followed."""
    data = fix({"Title": "T", "learningObjectives": ["x"], "módulos": [
        {"título": "M", "lecciones": ["L1"]}]}, Outline)[0]
    assert data["title"] == "T" and data["learning_objectives"] == ["x"]
    assert data["modules"] == [{"title": "M", "lesson_titles": ["L1"]}]


def test_existing_key_wins_over_a_synonym():
    """A synonym never overwrites a key the model did write."""
    data = fix({"title": "Real", "name": "Other"}, Course)[0]
    assert data["title"] == "Real" and data["name"] == "Other"


def test_wrapper_object_and_bare_list():
    """{'course': {...}} is unwrapped; a bare list fills a one-list-field model."""
    assert fix({"course": {"title": "T"}}, Course)[0] == {"title": "T"}
    assert fix([{"question": "Q"}], ModuleQuiz)[0] == {"questions": [{"question": "Q"}]}
    assert fix({"result": {"label": "x"}}, Classification)[0] == {"label": "x"}


def test_single_object_for_a_list_of_objects():
    """One question object where a list of questions is expected becomes a one-item list."""
    assert fix({"questions": {"question": "Q"}}, ModuleQuiz)[0] == {
        "questions": [{"question": "Q"}]}


def test_non_objects_pass_through_untouched():
    """Strings, numbers and None are returned as they are, for validation to report."""
    for value in ("text", 3, None, [1, 2]):
        assert fix(value, Course)[0] == value
