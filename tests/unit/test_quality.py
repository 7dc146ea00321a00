"""_quality: repetition repairs and the per-step quality checks."""

from __future__ import annotations

from localloom._quality import (
    check_classification,
    check_course,
    check_lessons,
    check_outline,
    check_quiz,
    check_summary,
    check_tags,
    collapse_repeats,
    norm,
    placeholders,
    repair_data,
)
from localloom.schema import (
    Classification,
    Course,
    CourseShape,
    ModuleLessons,
    ModuleQuiz,
    Outline,
    Summary,
    Tags,
)
from tests.fakes import lesson_data, outline_data, question_data

SHAPE = CourseShape(modules=2, lessons_per_module=2, questions_per_quiz=2)


def test_norm_ignores_case_spacing_and_end_punctuation():
    assert norm("  The  Cell. ") == norm("the cell") == "the cell"


def test_collapse_repeats_drops_repeated_sentences_and_loops():
    text, removed = collapse_repeats("Water boils at 100 °C. Water boils at 100 °C. Then steam.")
    assert text == "Water boils at 100 °C. Then steam." and removed == 1
    text, removed = collapse_repeats("the green leaf the green leaf the green leaf the green leaf")
    assert text == "the green leaf" and removed == 3


def test_collapse_repeats_keeps_markdown_structure():
    table = "| a | b | c | d |\n|---|---|---|---|\n| 1 | 2 | 3 | 4 |"
    assert collapse_repeats(table) == (table, 0)
    steps = "## Step\nDo it.\n\n## Step\nDo it again."
    assert collapse_repeats(steps)[1] == 0


def test_repair_data_dedupes_options_and_remaps_the_answer():
    question = {"question": "q?", "options": ["A", "b", "a", "C"], "answer": 2}
    assert repair_data({"questions": [question]})["questions"][0] == {
        "question": "q?", "options": ["A", "b", "C"], "answer": 0}


def test_repair_data_drops_repeated_module_titles():
    data = {"modules": [{"title": "Intro"}, {"title": "intro"}, {"title": "Next"}]}
    assert [m["title"] for m in repair_data(data)["modules"]] == ["Intro", "Next"]


def test_check_outline_accepts_a_good_outline_unchanged():
    outline = Outline.model_validate(outline_data(SHAPE))
    checked = check_outline(outline, SHAPE)
    assert checked.value == outline and checked.problems == []


def test_check_outline_trims_extras_silently():
    outline = Outline.model_validate(outline_data(CourseShape(modules=3, lessons_per_module=3)))
    checked = check_outline(outline, SHAPE)
    assert len(checked.value.modules) == 2 and checked.problems == []
    assert all(len(m.lesson_titles) == 2 for m in checked.value.modules)


def test_check_outline_reports_repeats_only_when_they_leave_it_short():
    data = outline_data(SHAPE)
    data["modules"][1]["lesson_titles"] = ["Lesson 1.1", "Lesson 2.2"]
    checked = check_outline(Outline.model_validate(data), SHAPE)
    assert checked.value.modules[1].lesson_titles == ["Lesson 2.2"]
    paths = [p for p, _ in checked.problems]
    assert "modules[1].lesson_titles[0]" in paths and "modules[1].lesson_titles" in paths
    assert checked.avoid == ["Lesson 1.1"]


def test_check_lessons_drops_titles_already_used():
    lessons = ModuleLessons(lessons=[lesson_data("Old"), lesson_data("New")])
    checked = check_lessons(lessons, 2, {norm("Old")})
    assert [les.title for les in checked.value.lessons] == ["New"]
    assert checked.avoid == ["Old"] and any("has 1 different lessons" in m
                                             for _, m in checked.problems)


def test_check_lessons_dedupes_key_points_and_objectives():
    lesson = lesson_data("Alpha")
    lesson["key_points"] = ["Light", "light.", "Water"]
    checked = check_lessons(ModuleLessons(lessons=[lesson]), 1)
    assert checked.value.lessons[0].key_points == ["Light", "Water"] and not checked.problems


def test_check_quiz_drops_repeated_questions():
    quiz = ModuleQuiz(questions=[question_data(0), question_data(0), question_data(1)])
    checked = check_quiz(quiz, 2)
    assert len(checked.value.questions) == 2 and checked.problems == []
    short = check_quiz(ModuleQuiz(questions=[question_data(0), question_data(0)]), 2)
    assert len(short.value.questions) == 1 and short.problems


def test_check_course_overrides_language_and_level():
    data = outline_data(SHAPE)
    for module in data["modules"]:
        module["lessons"] = [lesson_data(t) for t in module.pop("lesson_titles")]
        module["quiz"] = [question_data(0), question_data(1)]
    checked = check_course(Course.model_validate(data), SHAPE, "es", "advanced")
    assert checked.value.language == "es" and checked.value.level == "advanced"
    assert checked.problems == []


def test_check_summary_tags_and_classification():
    summary = Summary(summary="It rains a lot here. " * 4, key_points=["rain", "Rain"])
    checked = check_summary(summary)
    assert checked.value.summary == "It rains a lot here." and checked.value.key_points == ["rain"]
    assert checked.problems
    assert check_tags(Tags(tags=["a", "b", "c"]), 2).value.tags == ["a", "b"]
    result = Classification(label="Sports", reason="r")
    assert check_classification(result, ["sports"]).value.label == "sports"
    assert check_classification(result, ["news"]).value is None
    assert check_classification(result, None).value == result


def test_placeholders_finds_copied_example_values():
    data = {"title": "...", "lessons": [{"title": "Real", "key_points": ["ok", " … "]}]}
    assert placeholders(data) == ["title", "lessons[0].key_points[1]"]
    assert placeholders({"content": "Wait... then go."}) == []


def test_check_course_without_quizzes_empties_them():
    shape = CourseShape(modules=1, lessons_per_module=1, questions_per_quiz=0)
    data = outline_data(shape)
    module = data["modules"][0]
    module["lessons"] = [lesson_data(t) for t in module.pop("lesson_titles")]
    module["quiz"] = [question_data(0)]
    checked = check_course(Course.model_validate(data), shape, "en", "beginner")
    assert checked.value.modules[0].quiz == [] and checked.problems == []
