"""Tests for course.steer: the words of refused answers as llama.cpp logit biases."""

from __future__ import annotations

from localloom.course.quality import Gate, check_outline, check_quiz
from localloom.course.schema import CourseShape, ModuleQuiz, Outline
from localloom.course.steer import MAX_WORDS, STEER_BIAS, code_pieces, logit_bias, title_words


def test_title_words_keep_content_words_but_not_the_topics():
    """The climate course's repeated module title, from the page."""
    words = title_words(["Exploring Different Countries: Land and Water",
                         "Exploring Water: Its Properties"],
                        topic="Understanding climate and weather")
    assert words == ["Exploring", "Different", "Countries", "Land", "Water", "Properties"]
    assert title_words(["Climate zones and the weather"], "Understanding climate and weather") \
        == ["zones"]


def test_title_words_fold_plurals_case_and_accents_like_the_near_duplicate_check():
    assert title_words(["Volcanes activos", "El volcán y los volcanes"], "Las montañas") \
        == ["Volcanes", "activos", "volcán"]
    assert title_words(["Los volcanes"], "Los volcanes y cómo se forman") == []


def test_each_word_is_biased_with_and_without_a_space_in_its_cases():
    assert logit_bias(["Water"]) == [[" Water", STEER_BIAS], ["Water", STEER_BIAS],
                                     [" water", STEER_BIAS], ["water", STEER_BIAS]]
    assert [text for text, _ in logit_bias(["agua"])] == [" agua", "agua", " Agua", "Agua"]


def test_no_key_of_the_json_answer_is_biased():
    """A key is spelled right after its quote, in lower case: "lesson" of "lesson_titles"
    must stay free, or the grammar forces the key out of odd sub-tokens."""
    texts = [text for text, _ in logit_bias(["Lesson", "Summary", "options"])]
    assert "lesson" not in texts and "summary" not in texts and "options" not in texts
    assert " lesson" in texts and "Lesson" in texts and " options" in texts


def test_code_names_are_biased_by_the_pieces_that_spell_them():
    """"answer_type_list", an option of the internet quiz (in the page): "answer" is a key."""
    assert code_pieces("answer_type_list") == ["_type", "_list"]
    assert code_pieces("see my_var and my_var") == ["my_", "_var"]
    assert code_pieces("A plain option, no code") == []
    assert logit_bias(["_type"]) == [["_type", STEER_BIAS]]


def test_the_bias_is_bounded():
    words = [f"word{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(MAX_WORDS + 10)]
    pairs = logit_bias(words)
    assert len({text.strip().lower() for text, _ in pairs}) == MAX_WORDS


def test_the_outline_gate_steers_away_from_both_titles_of_a_repeat():
    outline = Outline.model_validate({
        "title": "Understanding climate and weather", "description": "How climate and "
        "weather work.", "audience": "Beginners", "level": "beginner", "language": "en",
        "estimated_hours": 2,
        "learning_objectives": ["Tell climate from weather"], "prerequisites": [],
        "modules": [
            {"title": "Exploring Different Countries: Land and Water",
             "summary": "Land, water and the weather they bring.",
             "lesson_titles": ["Why coasts are mild", "Mountains and rain"]},
            {"title": "Exploring Countries of Land and Water",
             "summary": "More land and water and their climate.",
             "lesson_titles": ["Deserts and their heat", "Monsoon seasons"]}]})
    checked = check_outline(outline, CourseShape(2, 2, 2),
                            Gate(language="en", topic="Understanding climate and weather"))
    assert ("modules[1].title" in dict(checked.problems))
    assert checked.steer == ["Exploring", "Different", "Countries", "Land", "Water"]


def test_the_quiz_gate_steers_away_from_a_code_name_option():
    quiz = ModuleQuiz.model_validate({"questions": [{
        "question": "What carries data between networks?",
        "options": ["A router", "answer_type_list", "A keyboard"], "answer": 0,
        "explanation": "A router forwards data between networks."}]})
    checked = check_quiz(quiz, 1, Gate(language="en"))
    assert "questions[0].options[1]" in dict(checked.problems)
    assert checked.steer == ["_type", "_list"]


def test_the_quiz_gate_steers_away_from_the_subject_of_a_question_about_another():
    """A Python quiz on llama-server asked "¿Cuántos genes tiene un ser humano?" (the worked
    example's genetics) in all its answers and parts: those words are biased, the module's
    are not."""
    quiz = ModuleQuiz.model_validate({"questions": [{
        "question": "¿Cuántos genes tiene un ser humano?", "options": ["23", "46", "22"],
        "answer": 1, "explanation": "Los cromosomas humanos son 46."}]})
    about = ("Variables y funciones en Python", "Crear una función", "Usar variables")
    checked = check_quiz(quiz, 1, Gate(language="es", topic="Programación con Python"),
                         about=about)
    assert "is about another subject" in dict(checked.problems)["questions[0]"]
    assert checked.steer == ["genes", "humano"]


def test_the_outline_gate_refuses_modules_that_never_name_the_topic_and_steers_off_them():
    outline = Outline.model_validate({
        "title": "Nutrición y alimentación saludable", "description": "Cómo se planifica la "
        "alimentación en casa para que los niños sean saludables.", "audience": "Principiantes",
        "level": "beginner", "language": "es", "estimated_hours": 2,
        "learning_objectives": ["Planificar comidas"], "prerequisites": [],
        "modules": [
            {"title": "Herencia cruzada y reproducción sexual",
             "summary": "Las leyes de Mendel explican cómo se heredan los rasgos.",
             "lesson_titles": ["La herencia de los padres", "Las leyes de Mendel"]},
            {"title": "Mendel y su legado", "summary": "Gregor Mendel descubrió los genes.",
             "lesson_titles": ["Genética humana", "Los guisantes del monasterio"]}]})
    checked = check_outline(outline, CourseShape(2, 2, 2),
                            Gate(language="es", topic="Nutrición y alimentación saludable"))
    assert "none is about 'Nutrición y alimentación saludable'" in dict(checked.problems)[
        "modules"]
    assert {"Herencia", "Mendel", "Genética", "guisantes"} <= set(checked.steer)
    smaller = check_outline(outline, CourseShape(2, 2, 2), Gate(
        language="es", topic="Nutrición y alimentación saludable", policy="smaller"))
    assert smaller.value is None or smaller.problems  # never kept as a smaller course
