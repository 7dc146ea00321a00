"""_quality: the repairs and the per-step quality gates, on the issue's real bad outputs."""

from __future__ import annotations

import dataclasses

import pytest

from localloom.course.quality import (
    Gate,
    check_classification,
    check_course,
    check_lesson,
    check_outline,
    check_quiz,
    check_summary,
    check_tags,
    collapse_repeats,
    combine_outlines,
    combine_quizzes,
    norm,
    placeholders,
    repair_data,
)
from localloom.course.schema import (
    Classification,
    Course,
    CourseShape,
    Lesson,
    ModuleQuiz,
    Outline,
    Summary,
    Tags,
)
from tests.fakes import course_json, lesson_data, outline_data, question_data

SHAPE = CourseShape(modules=2, lessons_per_module=2, questions_per_quiz=2)
EN = Gate("Photosynthesis", "en")
ES = Gate("Fotosíntesis", "es")


def paths(checked) -> list[str]:
    return [p for p, _ in checked.problems]


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


def test_repair_data_never_drops_modules():
    """Dropping a repeated module shrank Short courses to one module without a word."""
    data = {"modules": [{"title": "Intro"}, {"title": "intro"}, {"title": "Next"}]}
    assert len(repair_data(data)["modules"]) == 3


def test_placeholders_finds_copied_example_values():
    data = {"title": "...", "lessons": [{"title": "Real", "key_points": ["ok", " … "]}]}
    assert placeholders(data) == ["title", "lessons[0].key_points[1]"]
    assert placeholders({"content": "Wait... then go."}) == []


def test_a_good_outline_passes_in_both_languages():
    outline = Outline.model_validate(outline_data(SHAPE))
    checked = check_outline(outline, SHAPE, EN)
    assert checked.value == outline and checked.problems == []
    spanish = Outline.model_validate(outline_data(SHAPE, title="Fotosíntesis", language="es"))
    assert check_outline(spanish, SHAPE, ES).problems == []


def test_check_outline_trims_extras_silently():
    outline = Outline.model_validate(outline_data(CourseShape(modules=3, lessons_per_module=3)))
    checked = check_outline(outline, SHAPE, EN)
    assert len(checked.value.modules) == 2 and checked.problems == []
    assert all(len(m.lesson_titles) == 2 for m in checked.value.modules)


def test_a_short_outline_is_a_problem_not_a_smaller_course():
    data = outline_data(SHAPE)
    data["modules"] = data["modules"][:1]
    checked = check_outline(Outline.model_validate(data), SHAPE, EN)
    assert ("modules", "has 1 modules; write exactly 2") in checked.problems


@pytest.mark.parametrize("bad", ["1.0", "1.1", "Lesson 1", "Photosynthesis", "es", "titl",
                                 "Light reaction t"])
def test_outline_titles_that_are_numbers_echoes_field_names_or_broken_are_problems(bad):
    data = outline_data(SHAPE)
    data["modules"][1]["lesson_titles"][0] = bad
    checked = check_outline(Outline.model_validate(data), SHAPE, EN)
    assert "modules[1].lesson_titles[0]" in paths(checked)
    assert bad in checked.avoid


@pytest.mark.parametrize(("bad", "echo"), [("Photosynthesis", True), ("1.0", False),
                                           ("titl", False)])
def test_only_a_title_that_repeats_the_topic_marks_the_check_as_an_echo(bad, echo):
    """``Checked.echo`` makes the runner's later calls keep titles off the topic's words
    (``course.echo_guard``); other bad titles leave the grammar as it is."""
    data = outline_data(SHAPE)
    data["modules"][0]["title"] = bad
    assert check_outline(Outline.model_validate(data), SHAPE, EN).echo is echo


def test_a_title_word_a_space_broke_is_joined_when_the_topic_or_plural_names_it():
    """Module titles of 'Los volcanes y cómo se forman' in the page (seed 7): llama.cpp's DRY
    penalty on copying the topic's phrase split the word."""
    gate = Gate("Los volcanes y cómo se forman", "es")
    data = outline_data(SHAPE, title=gate.topic, language="es")
    data["modules"][0]["title"] = "Los volcane s en el mundo"
    checked = check_outline(Outline.model_validate(data), SHAPE, gate)
    assert not checked.problems
    assert checked.value.modules[0].title == "Los volcanes en el mundo"
    data["modules"][1]["title"] = "Los volcan e, los valles e, el agua"
    checked = check_outline(Outline.model_validate(data), SHAPE, gate)
    assert paths(checked) == ["modules[1].title"]
    assert checked.problems[0][1] == ("has a word broken by a space ('valles e'); write whole "
                                      "words")
    assert any("Los volcane s en el mundo" in note for note in checked.notes)


def test_near_duplicate_titles_across_modules_are_problems():
    data = outline_data(SHAPE)
    first = data["modules"][0]["lesson_titles"][0]
    data["modules"][1]["lesson_titles"][1] = "The " + first.lower()
    data["modules"][1]["title"] = data["modules"][0]["title"] + "s"
    checked = check_outline(Outline.model_validate(data), SHAPE, EN)
    assert {"modules[1].title", "modules[1].lesson_titles[1]"} <= set(paths(checked))


def test_an_english_outline_fails_the_spanish_gate():
    """'You will learn: The basics of photography' in a Spanish course."""
    data = outline_data(SHAPE)
    data["description"] = "The basics of photography for people who want to learn it."
    checked = check_outline(Outline.model_validate(data), SHAPE, ES)
    assert any("is not in Spanish" in message for _, message in checked.problems)


def test_field_name_objectives_and_form_echo_audience():
    """Objectives ['module', 'title', 'description'] and audience 'es' were saved as is."""
    data = outline_data(SHAPE)
    data["learning_objectives"] = ["module", "title", "description"]
    data["audience"] = "es"
    checked = check_outline(Outline.model_validate(data), SHAPE, EN)
    assert {"audience", "learning_objectives"} <= set(paths(checked))
    data["learning_objectives"] = ["Explain how leaves use light", "", "Explain how leaves "
                                   "use light"]
    data["audience"] = "curious adults"
    checked = check_outline(Outline.model_validate(data), SHAPE, EN)
    assert checked.problems == []
    assert checked.value.learning_objectives == ["Explain how leaves use light"]


def test_smaller_policy_keeps_the_modules_and_lessons_without_problems():
    data = outline_data(SHAPE)
    data["modules"][1]["title"] = data["modules"][0]["title"]
    checked = check_outline(Outline.model_validate(data), SHAPE, Gate("Photosynthesis", "en",
                                                                      "smaller"))
    assert checked.problems == [] and len(checked.value.modules) == 1
    assert "smaller course" in checked.notes[0]


def test_a_lesson_keeps_its_title_and_must_teach():
    checked = check_lesson(Lesson.model_validate(lesson_data("Other")), "Light and roots", EN)
    assert checked.value.title == "Light and roots" and checked.problems == []
    bad = lesson_data("Light and roots")
    bad["content"] = "1"
    assert "content" in paths(check_lesson(Lesson.model_validate(bad), "Light and roots", EN))


def test_a_lesson_in_the_wrong_language_is_a_problem():
    lesson = Lesson.model_validate(lesson_data("Luz y raíces"))  # English text
    checked = check_lesson(lesson, "Luz y raíces", ES)
    assert any("is not in Spanish" in m for _, m in checked.problems)
    assert check_lesson(Lesson.model_validate(lesson_data("Luz", "es")), "Luz", ES).problems == []


def _revolution_lesson() -> dict:
    """'La Revolución Industrial' (in the page, seed 7): English key points and an English
    sentence in a Spanish lesson, which passed read joined to the Spanish objectives."""
    return {"title": "La segunda revolución",
            "objectives": ["La segunda revolución fue un cambio social y económico",
                           "Las guerras del siglo XX cambiaron la industria"],
            "content": "La segunda revolución industrial llevó la electricidad a las fábricas "
                       "y cambió el trabajo de millones de personas en Europa. The economy of "
                       "the time grew faster than ever before in history.",
            "duration_minutes": 14,
            "key_points": ["La electricidad cambió las fábricas",
                           "La segunda revolution was a social and economic change that "
                           "lasted between 1802 and 1915"]}


def test_text_in_another_language_is_dropped_from_a_lesson_that_keeps_its_own():
    checked = check_lesson(Lesson.model_validate(_revolution_lesson()),
                           "La segunda revolución", ES)
    assert checked.problems == []
    assert checked.value.key_points == ["La electricidad cambió las fábricas"]
    assert "The economy" not in checked.value.content
    assert checked.value.content.startswith("La segunda revolución industrial llevó")
    assert checked.notes == ["dropped 2 sentences or points in another language"]


def test_a_lesson_list_with_nothing_in_the_language_is_asked_for_again():
    lesson = _revolution_lesson()
    lesson["key_points"] = ["The economy grew fast", "The wars in the"]
    checked = check_lesson(Lesson.model_validate(lesson), "La segunda revolución", ES)
    assert checked.problems == [("key_points", "is not in Spanish; write it in Spanish")]


def test_lesson_lists_are_cleaned_not_reasked():
    lesson = lesson_data("Light and roots")
    lesson["key_points"] = ["Light feeds leaves", "light feeds leaves.", "title", "Roots drink"]
    checked = check_lesson(Lesson.model_validate(lesson), "Light and roots", EN)
    assert checked.value.key_points == ["Light feeds leaves", "Roots drink"]
    assert checked.problems == [] and checked.notes


WATER = ("The water cycle", "The water cycle", "Ice and snow", "The Ice Age")


def _ice_age_lesson() -> dict:
    """'The water cycle' (natively): the sheet-music example's time signature, in a lesson."""
    return {"title": "The Ice Age",
            "objectives": ["Explain how ice sheets grew and melted",
                           "The bottom number says what a note gets when it fills a bar"],
            "content": "Ice sheets covered much of the land during the last ice age.\n\n"
                       "The top number says how many bars are filled, and the bottom is where "
                       "the notes go. When the climate warmed, the ice melted and sea levels "
                       "rose by many metres.",
            "duration_minutes": 10,
            "key_points": ["Ice ages come and go over thousands of years",
                           "the top number tells you how many bars are filled"]}


def test_a_base_model_s_lesson_text_on_a_worked_example_s_subject_is_dropped():
    base = Gate("The water cycle", "en", base=True)
    checked = check_lesson(Lesson.model_validate(_ice_age_lesson()), "The Ice Age", base,
                           WATER)
    assert checked.problems == []
    lesson = checked.value
    assert lesson.objectives == ["Explain how ice sheets grew and melted"]
    assert lesson.key_points == ["Ice ages come and go over thousands of years"]
    assert lesson.content == ("Ice sheets covered much of the land during the last ice age.\n\n"
                              "When the climate warmed, the ice melted and sea levels rose by "
                              "many metres.")  # the paragraph break kept
    assert "dropped 3 sentences or points about a worked example's subject" in checked.notes


def test_a_lesson_left_with_nothing_of_its_own_is_asked_for_again_with_its_words_biased():
    lesson = _ice_age_lesson()
    lesson["key_points"] = lesson["key_points"][1:]
    lesson["content"] = ("The top number says how many bars are filled, and the bottom is "
                         "where the notes go. The bottom number names the note that gets one "
                         "beat.")
    checked = check_lesson(Lesson.model_validate(lesson), "The Ice Age",
                           Gate("The water cycle", "en", base=True), WATER)
    assert sorted(p for p, _m in checked.problems) == ["content", "key_points"]
    assert "worked example's subject, not this lesson; write about 'The Ice Age'" in \
        checked.problems[0][1]
    assert "bottom" in checked.steer and "number" in checked.steer


def test_a_chat_model_s_lesson_or_one_that_names_its_own_subject_keeps_its_text():
    """Chat models see no worked example; "Your dog's food" names the course's subject even
    though "store" and "temperature" are words of the examples."""
    lesson = _ice_age_lesson()
    chat = check_lesson(Lesson.model_validate(lesson), "The Ice Age",
                        Gate("The water cycle", "en"), WATER)
    assert chat.value.key_points == lesson["key_points"] and chat.value.content == \
        lesson["content"]
    dog = lesson_data("Feeding")
    dog["key_points"].append("Store your dog's food at room temperature")
    kept = check_lesson(Lesson.model_validate(dog), "Feeding",
                        Gate("Caring for a dog", "en", base=True),
                        ("Caring for a dog", "Caring for a dog", "Daily care", "Feeding"))
    assert kept.value.key_points == dog["key_points"]


def test_quiz_gate():
    good = ModuleQuiz(questions=[question_data(0), question_data(1)])
    assert check_quiz(good, 2, EN).problems == []
    numeric = question_data(0)
    numeric.update(question="Question 1", options=["1.1", "1.2", "1.3"])
    fields = question_data(1)
    fields["options"] = ["answer", "explanation", "question"]
    checked = check_quiz(ModuleQuiz(questions=[numeric, fields]), 2, EN)
    assert {"questions[0].question", "questions[0].options",
            "questions[1].options[0]"} <= set(paths(checked))


def test_numbers_in_place_of_answers_are_a_problem_of_the_question_s_options():
    """The real Gemma's compost quiz in the page: "What does compost pile?" / 10, 20, 30."""
    question = {"question": "What does a compost pile do?", "options": ["10", "20", "30"],
                "answer": 0, "explanation": "A compost pile turns scraps into soil."}
    checked = check_quiz(ModuleQuiz(questions=[question]), 1, EN)
    assert paths(checked) == ["questions[0].options"]
    question["question"] = "How many weeks does a hot compost pile take?"
    assert check_quiz(ModuleQuiz(questions=[question]), 1, EN).problems == []


def test_a_question_after_the_learner_s_taste_is_a_problem_of_its_text():
    """The real Gemma's photography quiz in the page: "¿Cómo te gustaría usar la cámara?"."""
    question = {"question": "¿Cómo te gustaría usar la cámara?",
                "options": ["Para retratos", "Para paisajes", "Para vídeos"], "answer": 0,
                "explanation": "La cámara sirve para retratos, paisajes y vídeos."}
    checked = check_quiz(ModuleQuiz(questions=[question]), 1, ES)
    assert paths(checked) == ["questions[0].question"]


def test_a_key_the_explanation_contradicts_is_set_to_the_option_it_names():
    # seen on Gemma 3 270M ("Cuidado de plantas de interior"): the key, one token picked
    # before the explanation was written, pointed at another option than the one it names
    question = {"question": "¿Cuál de los siguientes es un suelo que tiene más nutrientes?",
                "options": ["Arena lavada", "Tierra fértil", "Grava fina"], "answer": 2,
                "explanation": "La tierra fértil guarda el agua y los nutrientes."}
    checked = check_quiz(ModuleQuiz(questions=[question]), 1, ES)
    assert checked.problems == []
    assert checked.value.questions[0].answer == 1
    assert checked.notes == ["questions[0].answer: answer key set to option 2 (“Tierra fértil”), "
                             "the one its explanation names"]


def test_a_key_is_left_alone_when_the_explanation_names_several_options_or_a_repeat():
    several = {"question": "Which city is the capital of France?",
               "options": ["Paris", "London", "Rome"], "answer": 1,
               "explanation": "Paris, not London, has been the capital for centuries."}
    checked = check_quiz(ModuleQuiz(questions=[several]), 1, EN)
    assert checked.value.questions[0].answer == 1 and checked.notes == []
    repeat = {"question": "Which soil holds the most water?",
              "options": ["Fertile soil", "Soil that is fertile", "Gravel"], "answer": 2,
              "explanation": "Soil that is fertile holds water and food for the roots."}
    checked = check_quiz(ModuleQuiz(questions=[repeat]), 1, EN)
    assert "questions[0].answer" in paths(checked)


def test_a_quiz_with_fewer_or_repeated_questions_is_a_problem():
    short = check_quiz(ModuleQuiz(questions=[question_data(0)]), 2, EN)
    assert ("questions", "has 1 questions; write exactly 2") in short.problems
    repeated = check_quiz(ModuleQuiz(questions=[question_data(0), question_data(0)]), 2, EN)
    assert "questions[1]" in paths(repeated)
    smaller = check_quiz(ModuleQuiz(questions=[question_data(0), question_data(0)]), 2,
                         Gate(policy="smaller"))
    assert smaller.problems == [] and len(smaller.value.questions) == 1


def test_a_question_offering_another_question_s_options_again_is_asked_for_again():
    """'El sistema solar' (stored courses) asked "¿Cuántos planetas hay?" and "¿Cuántos
    planetas tiene?", both with "102 / 365 / 487"; an assembled quiz skips such a question."""
    first = {**question_data(0, language="es"), "question": "¿Cuántos planetas hay?",
             "options": ["102", "365", "487"], "answer": 0,
             "explanation": "102 es la respuesta."}
    second = {**first, "question": "¿Cuántas lunas tiene Júpiter?", "answer": 2,
              "options": ["487", "102", "365"], "explanation": "365 es la respuesta."}
    gate = Gate(language="es")
    checked = check_quiz(ModuleQuiz(questions=[first, second]), 2, gate)
    assert ("questions[1].options",
            "are question 1's options again; ask about something else") in checked.problems
    third = question_data(1, language="es")
    assert combine_quizzes([ModuleQuiz(questions=[first, second]),
                            ModuleQuiz(questions=[third])], 2, gate) is not None
    assert check_quiz(ModuleQuiz(questions=[first, third]), 2, gate).problems == []


def test_check_course_overrides_language_and_level_and_gates_every_part():
    course = Course.model_validate_json(course_json(SHAPE))
    checked = check_course(course, SHAPE, EN, language="en", level="advanced")
    assert checked.value.level == "advanced" and checked.problems == []
    data = course.model_dump()
    data["modules"][0]["lessons"][1]["title"] = "1.0"
    data["modules"][1]["lessons"][0]["content"] = "1"
    checked = check_course(Course.model_validate(data), SHAPE, EN)
    assert {"modules[0].lessons[1].title", "modules[1].lessons[0].content"} <= set(paths(checked))


def test_check_course_without_quizzes_empties_them():
    shape = CourseShape(modules=1, lessons_per_module=1, questions_per_quiz=0)
    course = Course.model_validate_json(course_json(CourseShape(1, 1, 2)))
    assert check_course(course, shape, EN).value.modules[0].quiz == []


def test_check_summary_tags_and_classification():
    summary = Summary(summary="It rains a lot here. " * 4, key_points=["rain", "Rain"])
    checked = check_summary(summary, EN)
    assert checked.value.summary == "It rains a lot here." and checked.value.key_points == ["rain"]
    assert checked.problems
    english = check_summary(Summary(summary="Plants turn light into sugar in their leaves.",
                                    key_points=[]), ES)
    assert any("is not in Spanish" in m for _, m in english.problems)
    assert check_tags(Tags(tags=["math", "b2", "title", "fractions"]), 2).value.tags == [
        "math", "fractions"]
    result = Classification(label="Sports", reason="r")
    assert check_classification(result, ["sports"]).value.label == "sports"
    assert check_classification(result, ["news"]).value is None
    assert check_classification(result, None).value == result
    assert check_classification(Classification(label="label", reason="r"), None).problems


def test_an_outline_about_another_topic_is_a_problem():
    data = outline_data(SHAPE)
    assert check_outline(Outline.model_validate(data), SHAPE, Gate("Volcanoes", "en")).problems
    assert not check_outline(Outline.model_validate(data), SHAPE, Gate("Light", "en")).problems


def test_a_course_under_the_pinned_title_but_about_another_subject_is_a_problem():
    """'Primeros auxilios básicos' (native run, seed 7): the title is pinned to the topic, and
    the description and both modules were about cooking ("los primeros alimentos")."""
    cooking = {
        "title": "Primeros auxilios básicos", "language": "es", "level": "beginner",
        "description": "Introducción a la materia prima de base y el uso de herramientas para "
                       "su preparación. Aprenderás a preparar los primeros alimentos básicos "
                       "para una comida en casa.",
        "audience": "Principiantes sin experiencia previa", "prerequisites": [],
        "learning_objectives": ["Elegir y conservar los alimentos para la cocina"],
        "estimated_hours": 3,
        "modules": [
            {"title": "Preparar los primeros alimentos",
             "summary": "Conocerás cómo preparar los ingredientes básicos para cocinar.",
             "lesson_titles": ["Cocinar con la paleta de colores en casa",
                               "El tiempo adecuado para el almacenamiento de los alimentos"]},
            {"title": "Preparar el primer alimento para una dieta saludable",
             "summary": "Conocerás cómo elegir, conservar y preparar los alimentos.",
             "lesson_titles": ["Cacerola de verduras", "Panqueque y patata dulce"]}]}
    gate = Gate("Primeros auxilios básicos", "es")
    problems = check_outline(Outline.model_validate(cooking), SHAPE, gate).problems
    assert ("description", "neither it nor any module is about 'Primeros auxilios básicos'; "
                           "write the course about that topic") in problems
    cooking["modules"][1]["lesson_titles"][0] = "Auxilios ante una quemadura"
    assert not check_outline(Outline.model_validate(cooking), SHAPE, gate).problems


def test_a_question_without_an_explanation_is_a_problem():
    """An empty explanation passed every gate in a native run ("Writing a clear email")."""
    quiz = ModuleQuiz(questions=[
        {"question": "What goes in the subject line of an email?",
         "options": ["The main point", "Your address", "A greeting"], "answer": 0,
         "explanation": ""}])
    problems = check_quiz(quiz, 1, Gate("Writing a clear email", "en")).problems
    assert [path for path, _ in problems] == ["questions[0].explanation"]


def test_a_question_on_a_worked_examples_subject_is_a_problem_for_a_base_model():
    """"Cuidado de plantas de interior" (natively): the coffee example's question reworded,
    with an option that names "planta", passed the off-topic check. A chat model is shown
    no examples, so a question of its own is not judged by their words."""
    quiz = ModuleQuiz(questions=[
        {"question": "¿Qué diferencia al arábica y al robusta?",
         "options": ["Tiene menos cafeína y más acidez", "Tiene casi el doble de cafeína",
                     "Solo se cultiva una sola planta por hectárea"],
         "answer": 1, "explanation": "El robusta tiene más cafeína que el arábica."},
        {"question": "¿Cuánta luz necesita una planta de interior?",
         "options": ["Luz indirecta", "Sol directo todo el día", "Ninguna"],
         "answer": 0, "explanation": "La mayoría crece con luz indirecta junto a la ventana."}])
    topic = "Cuidado de plantas de interior"
    about = (topic, "Cuidar arbustos", "Cuidar arbustos de interior", "Cuidar árboles en casa",
             "Cuidar la planta de interior", "Cuidar el árbol")
    base = Gate(topic=topic, language="es", base=True)
    checked = check_quiz(quiz, 2, base, about=about)
    assert [p for p, m in checked.problems if "another subject" in m] == ["questions[0]"]
    assert {"arábica", "robusta"} <= set(checked.steer)
    chat = check_quiz(quiz, 2, Gate(topic=topic, language="es"), about=about)
    assert not [p for p, m in chat.problems if "another subject" in m]


def test_a_question_of_another_quiz_of_the_course_is_a_repeat():
    """Module 1's quiz asked "¿Cuántos volcanos existen?", module 2's "¿Cuántos volcanes
    existen hoy?" (in the page); each quiz alone had no repeat."""
    quiz = ModuleQuiz(questions=[
        {"question": "¿Cuántos volcanes existen hoy?", "options": ["15", "1.350", "24"],
         "answer": 1, "explanation": "Hay unos 1.350 volcanes activos en la Tierra."},
        {"question": "¿Qué sale de un volcán en erupción?",
         "options": ["Lava", "Agua de mar", "Arena fina"],
         "answer": 0, "explanation": "El magma que sale a la superficie se llama lava."}])
    about = ("Los volcanes y cómo se forman", "Los volcanes", "Cómo se forma un volcán")
    earlier = ("¿Cuántos volcanos existen?", "¿Qué diferencia a qué temperatura se le da?")
    checked = check_quiz(quiz, 2, Gate(language="es"), about=about, earlier=earlier)
    assert checked.problems == [("questions[0]", "repeats '¿Cuántos volcanos existen?', a "
                                 "question of another quiz of this course; ask about "
                                 "something else")]
    assert check_quiz(quiz, 2, Gate(language="es"), about=about).problems == []
    assert combine_quizzes([quiz], 2, Gate(language="es"), about, earlier) is None


def test_a_quiz_about_another_subject_is_a_problem():
    """The real Gemma's first quiz in a course on volcanoes asked about coffee (a worked
    example's quiz with words changed): nothing in it is about the module's lessons."""
    coffee = ModuleQuiz(questions=[
        {"question": "¿Qué diferencia al fuerte frente a este?",
         "options": ["Tiene más cafeína", "Es más robusto", "No tiene sabor amargo"],
         "answer": 0, "explanation": "Un fuerte es más resistente y tiene un cuerpo más fino."},
        {"question": "¿Qué diferencia al débil frente a este?",
         "options": ["Tiene menos café", "No es robusto", "Tiene sabor amargo"],
         "answer": 0, "explanation": "El débil tiene un cuerpo más ligero."}])
    about = ("Los volcanes y cómo se forman", "Los volcanes por dentro",
             "El magma bajo la corteza", "Cómo entra en erupción un volcán")
    checked = check_quiz(coffee, 2, Gate(language="es"), about=about)
    assert [p for p, m in checked.problems if "another subject" in m] == [
        "questions[0]", "questions[1]"]
    on_topic = ModuleQuiz(questions=[
        {"question": "¿Qué sale de un volcán en erupción?",
         "options": ["Magma convertido en lava", "Agua de mar", "Arena fina"],
         "answer": 0, "explanation": "El magma que sale a la superficie se llama lava."},
        {"question": "¿Dónde se forma el magma?",
         "options": ["Bajo la corteza", "En las nubes", "En los ríos"],
         "answer": 0, "explanation": "El magma se forma bajo la corteza terrestre."}])
    assert check_quiz(on_topic, 2, Gate(language="es"), about=about).problems == []


def _echo_then(first_bad: bool) -> Outline:
    """An outline of two modules with one of them restating the topic (module 1 or 2)."""
    data = outline_data(CourseShape(2, 2, 2))
    data["modules"][0 if first_bad else 1]["title"] = "Photosynthesis"
    return Outline.model_validate(data)


def test_two_answers_each_with_one_good_module_make_one_passing_outline():
    """The first answer repeats the topic as module 2, the second as module 1: their good
    modules together pass the gate, with a note saying the outline was assembled."""
    shape = CourseShape(2, 2, 2)
    first, second = _echo_then(False), _echo_then(True)
    assert check_outline(first, shape, EN).problems and check_outline(second, shape, EN).problems
    good_second = outline_data(shape)["modules"][1]
    second = Outline.model_validate({**second.model_dump(), "modules": [
        {**good_second, "title": "Photosynthesis"}, first.model_dump()["modules"][0]]})
    combined = combine_outlines([first, second], shape, EN)
    assert combined is None  # both good modules are the same module: no pair to make
    second = _echo_then(True)
    combined = combine_outlines([first, second], shape, EN)
    assert combined is not None and combined.problems == []
    assert [m.title for m in combined.value.modules] == [
        first.modules[0].title, second.modules[1].title]
    assert combined.notes == ["assembled from 2 answers: each module passed its checks"]


def test_no_module_is_combined_from_an_answer_with_none_on_the_topic():
    """An answer whose modules are both on another subject (a worked example's) lends none,
    even when their titles pass: 'Primeros auxilios básicos' in the page."""
    shape = CourseShape(2, 2, 2)
    first = _echo_then(False)
    cooking = Outline.model_validate({**first.model_dump(), "modules": [
        {"title": "Brewing filter coffee", "summary": "How drip coffee is made.",
         "lesson_titles": ["Grinding the beans", "Pouring the water"]},
        {"title": "Frying eggs", "summary": "Eggs, oil and a pan.",
         "lesson_titles": ["Heating the pan", "Cracking an egg"]}]})
    assert combine_outlines([first, cooking], shape, Gate()) is not None  # no topic to judge
    assert combine_outlines([first, cooking], shape, EN) is None


def test_a_module_restating_the_topic_does_not_put_its_answer_on_the_topic():
    """An answer whose only module naming the topic restates it (refused) lends its other
    module no more than an answer wholly on another subject: 'Primeros auxilios básicos' (in
    the page) had "Primeroes auxilios básico s" beside a module on the brain."""
    shape = CourseShape(2, 2, 2)
    first = _echo_then(False)
    brain = Outline.model_validate({**first.model_dump(), "description": "How your brain "
                                    "moves your muscles and learns new skills.", "modules": [
        {"title": "Photosynthesis", "summary": "How the brain moves the hands.",
         "lesson_titles": ["The brain and speed", "Moving your arms"]},
        {"title": "Using your brain", "summary": "The brain lets you learn new skills.",
         "lesson_titles": ["The brain at rest", "Careful with your lungs"]}]})
    assert combine_outlines([first, brain], shape, EN) is None


def test_modules_that_repeat_lessons_already_taken_are_not_combined():
    """A module whose lessons repeat the other module's lessons is passed over."""
    shape = CourseShape(2, 2, 2)
    first = _echo_then(False)
    copy = first.model_dump()
    copy["modules"][1]["title"] = "Water in the leaf"
    copy["modules"][1]["lesson_titles"] = list(copy["modules"][0]["lesson_titles"])
    copy["modules"][0]["title"] = "Photosynthesis"
    assert combine_outlines([first, Outline.model_validate(copy)], shape, EN) is None


def _rocks(wrong: int) -> ModuleQuiz:
    """Two questions on volcanic rock; question ``wrong`` has placeholder options, as the real
    Gemma spoiled one question of each answer in a course on volcanoes."""
    questions = [
        {"question": "¿Qué roca se forma al enfriarse la lava?",
         "options": ["Basalto", "Mármol", "Arenisca"], "answer": 0,
         "explanation": "El Basalto se forma cuando la lava se enfría deprisa."},
        {"question": "¿Qué sale de un volcán en erupción?",
         "options": ["Lava", "Nieve", "Arena"], "answer": 0,
         "explanation": "La Lava es el magma que sale a la superficie."}]
    questions[wrong]["options"] = ["Roca A", "Roca B", "Roca C"]
    return ModuleQuiz.model_validate({"questions": questions})


def test_two_quiz_answers_each_with_one_good_question_make_one_passing_quiz():
    about = ("Los volcanes", "La lava y el basalto")
    first, second = _rocks(0), _rocks(1)
    assert check_quiz(first, 2, ES, about=about).problems
    combined = combine_quizzes([first, second], 2, ES, about)
    assert combined is not None and combined.problems == []
    assert [q.answer for q in combined.value.questions] == [0, 0]
    assert combined.notes == ["assembled from 2 answers: each question passed its checks"]
    assert combine_quizzes([first, _rocks(0)], 2, ES, about) is None  # one good question only


def test_an_explanation_padded_with_topic_words_does_not_make_a_question_on_topic():
    """In the page (seed 7), a photography course's quiz was the coffee example's, with
    "foto" written into the explanation; the question and options decide."""
    about = ("Introducción a la fotografía digital", "Introducción a las fotos digitales",
             "Descubre la historia de la foto digital",
             "Discute diferentes tipos de fotos para tener un mejor acercé")
    quiz = ModuleQuiz(questions=[
        {"question": "¿Qué diferencia el grano de la masa?",
         "options": ["La masa tiene más cafeína", "Tiene menos acidez y sabor amargo",
                     "Solo se cultiva a lo largo del año"], "answer": 1,
         "explanation": "Cuando se hace la foto en la masa se producen las fotos."}])
    problems = check_quiz(quiz, 1, Gate(language="es"), about=about).problems
    assert ("questions[0]", "is about another subject, not this module's lessons") in problems


def test_a_smaller_quiz_drops_a_question_about_another_subject():
    """Under the user's "Keep a smaller course", a question about another subject is one of
    those dropped, not kept beside the good one."""
    quiz = ModuleQuiz.model_validate({"questions": [
        _rocks(0).model_dump()["questions"][1],
        {"question": "¿Qué diferencia al fuerte frente a este?",
         "options": ["Tiene más cafeína", "Es más robusto", "No tiene sabor amargo"],
         "answer": 0, "explanation": "Un fuerte es más resistente."}]})
    about = ("Los volcanes", "La lava y el basalto")
    smaller = check_quiz(quiz, 2, Gate("Los volcanes", "es", policy="smaller"), about=about)
    assert smaller.problems == []
    assert [q.question for q in smaller.value.questions] == ["¿Qué sale de un volcán en erupción?"]


def _page_outline(title: str, description: str, modules: list[tuple[str, str, list[str]]],
                  language: str) -> Outline:
    data = outline_data(SHAPE, title=title, language=language)
    data["description"] = description
    data["modules"] = [{"title": t, "summary": s, "lesson_titles": lessons}
                       for t, s, lessons in modules]
    return Outline.model_validate(data)


def test_a_module_about_another_subject_than_the_course_is_a_problem():
    """In the page (seed 7), a fractions course's second module was about vaccines; every
    title was real, distinct and Spanish, so it passed every other check."""
    outline = _page_outline(
        "Fracciones para la escuela primaria",
        "Esta es una introducción a las fracciones y sus propiedades. Aprende a resolver "
        "problemas con fracciones y el denominador común.",
        [("Fracciones para secundaria", "Comprobación matemática con fracciones",
          ["Verificar si se pueden resolver utilizando fracciones",
           "Resolver problemas matemáticos usando fracciones en casa"]),
         ("Enfermedad: ¿cuál es la mejor vacuna?",
          "¿La vacuna del virus de la varicela o el anticuerpo anti-hantavirus?",
          ["Especialidades médicas", "Vacunas para el sistema inmunológico"])], "es")
    gate = Gate("Fracciones para la escuela primaria", "es")
    checked = check_outline(outline, SHAPE, gate)
    assert ("modules[1]", "is about another subject than the rest of the course; write a "
            "module on this course") in checked.problems
    smaller = check_outline(outline, SHAPE, dataclasses.replace(gate, policy="smaller"))
    assert [m.title for m in smaller.value.modules] == ["Fracciones para secundaria"]


def test_a_module_that_shares_words_with_the_rest_of_the_course_is_on_topic():
    """"Introduction to Networks" shares no word with "How the internet works", but the
    course's description speaks of networks (the real model's course, native run)."""
    outline = _page_outline(
        "How the internet works",
        "Learn about how the Internet connects you with people. In this course we'll explore "
        "basic concepts of networks and web traffic.",
        [("Introduction to Networks", "Learn about the basics of a network in this course.",
          ["What is a Network?", "How do I make a network?"]),
         ("Intro to Web Traffic", "We will study what your browser does and why people use "
          "the internet.", ["What is web traffic? Why do people visit websites?",
                            "How many sites are there online?"])], "en")
    assert check_outline(outline, SHAPE, Gate("How the internet works", "en")).problems == []


def test_a_function_word_shared_with_the_module_does_not_make_a_question_on_topic():
    """'Introducción a la programación con Python' (in the page): module 2's quiz asked about
    population in the Bronze Age and shared only "desde" with the module's lessons; on the
    next run, about meiosis, sharing only "tres"."""
    about = ("Python con python 2,0", "Lecturas",
             "El lenguaje de Python con python2.x y 365 más de 15000",
             "Introducir Python con los módulos (python3)",
             "Las principales funciones del lenguaje (python)",
             "Importación de las librerías y otros módulos (python2.x) e (python3), se puede "
             "utilizar desde el PC",
             "Python es un lenguaje mucho más simple para los usuarios que son principiantes "
             "en python3.",
             "python es una de las lenguas mas sencillas a aprender con menos complejidad y/o "
             "menos lengualidad.")
    quiz = ModuleQuiz(questions=[
        {"question": "¿Cuál es el nivel de población de la civilización como un promedio de "
                     "edad desde hace 135.000 años?",
         "options": ["La Edad del Bronce", "El Censo de la Edad Media", "Los Estados Modernos"],
         "answer": 0, "explanation": "Hace 100.000 años el nivel de población era menor."}])
    gate = Gate("Introducción a la programación con Python", "es")
    assert ("questions[0]", "is about another subject, not this module's lessons") in \
        check_quiz(quiz, 1, gate, about=about).problems
    genetics = ModuleQuiz(questions=[  # the worked example's meiosis, with "tres" in it
        {"question": "¿Qué diferencia a la primera división de la segunda?",
         "options": ["Las tres cromátidas de la primera", "La segunda división de las células",
                     "Los cuatro o los seis cromosomas"], "answer": 1,
         "explanation": "La segunda división separa las cromátidas."}])
    key_point = ("El lenguaje python2.x tiene tres elementos principales:",)
    assert ("questions[0]", "is about another subject, not this module's lessons") in \
        check_quiz(genetics, 1, gate, about=about + key_point).problems
    on_topic = ModuleQuiz(questions=[
        {"question": "¿Desde qué versión de Python se usa print()?",
         "options": ["Python 3", "Python 1", "Python 0"], "answer": 0,
         "explanation": "En Python 3 print es una función."}])
    assert not [p for p in check_quiz(on_topic, 1, gate, about=about).problems
                if "another subject" in p[1]]


def test_elemento_shared_with_the_module_does_not_make_a_question_on_topic():
    """The same course in the page, one stop later: a meiosis question that shared only
    "elemento" with a key point ("El lenguaje python2.x tiene tres elementos principales:")."""
    about = ("Python con python 2,0", "Lecturas",
             "El lenguaje de Python con python2.x y 365 más de 15000",
             "Python es una de las lenguas más utilizadas en la programación",
             "El lenguaje python2.x tiene tres elementos principales:",
             "Python es un lenguaje muy común para trabajar con datos")
    quiz = ModuleQuiz(questions=[
        {"question": "¿Cuál es el único elemento que separa a cada pareja?",
         "options": ["las 23 cromatidas de una célula madre", "Los 46 óvulos de las tres parejas",
                     "La segunda división separa la gameta de su madre."],
         "answer": 0, "explanation": "El núcleo de un citoplasma tiene los 2 cromosomas."}])
    gate = Gate("Introducción a la programación con Python", "es")
    assert ("questions[0]", "is about another subject, not this module's lessons") in \
        check_quiz(quiz, 1, gate, about=about).problems


def test_an_outline_described_as_another_subject_is_asked_again_and_its_words_steered():
    """'Los volcanes y cómo se forman' (in the page): an outline on volcanoes under a
    description of multiplication tables was kept. Only a base model's description is judged
    on its own (it continues a worked example's subject)."""
    outline = _page_outline(
        "Los volcanes y cómo se forman",
        "Aprendizaje de la tabla de multiplicar y el uso de los números naturales.",
        [("Los volcanes y el efecto invernadero", "Los datos de los volcanes.",
          ["Temperaturas de los volcanes", "La lava y el magma"]),
         ("Las erupciones volcánicas", "Cuando el magma sale.",
          ["La salida del magma", "Los gases del volcán"])], "es")
    base = Gate("Los volcanes y cómo se forman", "es", base=True)
    checked = check_outline(outline, SHAPE, base)
    assert checked.problems == [("description", "is not about 'Los volcanes y cómo se forman'; "
                                                "describe this course")]
    assert {"tabla", "multiplicar", "naturales"} <= set(checked.steer)
    # a chat model's short description ("Parts of a whole." for "Fractions") is its own
    assert check_outline(outline, SHAPE, dataclasses.replace(base, base=False)).problems == []
