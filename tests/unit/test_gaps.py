"""``course.gaps``: what is kept after re-asks fail, and the open list a base model continues."""

from __future__ import annotations

import json

from localloom.course.gaps import open_list, outline_gaps, quiz_gaps
from localloom.course.schema import CourseShape, ModuleQuiz, Outline
from tests.fakes import outline_data, question_data

SHAPE = CourseShape(modules=2, lessons_per_module=2, questions_per_quiz=2)


def _outline(**changes) -> Outline:
    data = outline_data(SHAPE, title="La Revolución Industrial", language="es")
    for i, module in changes.items():
        data["modules"][int(i[1:])] = module
    return Outline.model_validate(data)


def _repeat_of_module_1() -> dict:
    first = outline_data(SHAPE, language="es")["modules"][0]
    return {**first, "title": first["title"] + " hoy"}


def test_the_head_and_the_module_that_passed_are_kept_and_one_module_is_missing():
    answer = _outline(m1=_repeat_of_module_1())
    gaps = outline_gaps([(answer, [("modules[1].title", "repeats 'Luz y agua'")])], SHAPE)
    assert gaps is not None and gaps.key == "modules" and gaps.want == 2
    assert [m["title"] for m in gaps.data["modules"]] == [answer.modules[0].title]
    assert gaps.data["title"] == "La Revolución Industrial"
    assert 0.5 < gaps.used[0] < 0.9  # the head and module 1: most of the answer's text


def test_a_good_module_of_a_later_answer_is_kept_unless_it_repeats_one_kept():
    first = _outline(m1=_repeat_of_module_1())
    other = outline_data(SHAPE, language="es", prefix="Más ")["modules"][1]
    second = _outline(m0=_repeat_of_module_1(), m1=other)
    problems = [("modules[1].title", "repeats 'Luz y agua' in other words")]
    gaps = outline_gaps([(first, problems), (second, [("modules[0]", "is off topic")])], SHAPE)
    assert gaps is None  # both modules passed somewhere: nothing missing (combine's case)
    gaps = outline_gaps([(first, problems), (second, problems)], SHAPE)
    assert [m["title"] for m in gaps.data["modules"]] == [first.modules[0].title]


def test_no_module_is_kept_from_an_answer_whose_modules_are_all_about_another_subject():
    """'Primeros auxilios básicos' (main set, in the page): attempt 1 wrote the topic as both
    module titles, attempt 2 two modules on cooking (the course "is about another subject"
    as a whole, no module faulted on its own), attempt 3 one good module. The cooking
    modules were kept, nothing was left to write, and the step ended in an error."""
    topic = "La Revolución Industrial"
    echo = _outline(m0={**_outline().modules[0].model_dump(), "title": topic},
                    m1={**_outline().modules[1].model_dump(), "title": topic})
    cooking = Outline.model_validate({**outline_data(SHAPE, title=topic, language="es"),
                                      "modules": [
        {"title": "Preparar una vaca", "summary": "Cómo se cocina la carne de vaca.",
         "lesson_titles": ["El arroz con carne", "Los huevos fritos"]},
        {"title": "El café de filtro", "summary": "Cómo se prepara un café de goteo.",
         "lesson_titles": ["El filtro", "La nevera"]}]})
    good = _outline(m1={**_outline().modules[1].model_dump(), "title": topic})
    judged = [(echo, [("modules[0].title", "repeats the course topic"),
                      ("modules[1].title", "repeats the course topic")]),
              (cooking, [("modules", "none is about the topic")]),
              (good, [("modules[1].title", "repeats the course topic")])]
    assert outline_gaps(judged, SHAPE) is None  # the old behaviour: both cooking modules kept
    gaps = outline_gaps(judged, SHAPE, topic)
    assert [m["title"] for m in gaps.data["modules"]] == [good.modules[0].title]


def test_no_module_is_kept_from_an_answer_whose_only_module_on_the_topic_restates_it():
    """'Primeros auxilios básicos' (in the page, its trace): attempt 3's module 1 was the topic
    damaged ("Primeroes auxilios básico s", refused), its module 2 was on the brain. The brain
    module was kept, and the modules then written alone followed it: speech, mental health."""
    topic = "Primeros auxilios básicos"
    head = outline_data(SHAPE, title=topic, language="es")
    answer = Outline.model_validate({**head, "modules": [
        {"title": "Primeroes auxilios básicos", "summary": "Este curso se centra en un curso "
         "de uso general de su cerebro o el cerebro.",
         "lesson_titles": ["El cerebro para moverse más rápido", "Primoeras auxilios básico"]},
        {"title": "Los cursos básicos de uso del cerebro (cercas)", "summary": "Conocido como "
         "curso breve de uso de su cerebro, el cerebro permite un mayor flujo de información.",
         "lesson_titles": ["El cerebro por si muero", "Cercado en este curso hay que tener "
                                                      "muy cuidado con tus pulm"]}]})
    judged = [(answer, [("modules[0].title", "repeats the course topic")])]
    assert [m["title"] for m in outline_gaps(judged, SHAPE)  # the old behaviour
            .data["modules"]] == ["Los cursos básicos de uso del cerebro (cercas)"]
    gaps = outline_gaps(judged, SHAPE, topic)
    assert gaps.data["modules"] == [] and gaps.want == 2


def test_nothing_is_kept_without_a_head_and_every_module_is_missing_when_none_passed():
    """No head: nothing to continue. A head and no module: every module is written alone."""
    answer = _outline()
    assert outline_gaps([(answer, [("title", "is not about the topic")])], SHAPE) is None
    gaps = outline_gaps([(answer, [("modules[0]", "x"), ("modules[1].title", "y")])], SHAPE)
    assert gaps.data["modules"] == [] and gaps.want == 2
    assert gaps.data["title"] == "La Revolución Industrial" and 0 < gaps.used[0] < 0.5


def test_the_questions_that_passed_are_kept():
    quiz = ModuleQuiz.model_validate({"questions": [question_data(0), question_data(1)]})
    gaps = quiz_gaps([(quiz, [("questions[0]", "is about another subject")])], 2)
    assert gaps.data == {"questions": [question_data(1)]}
    assert 0.4 < gaps.used[0] < 0.6
    none = quiz_gaps([(quiz, [("questions[0]", "x"), ("questions[1].answer", "y")])], 2)
    assert none.data == {"questions": []} and none.want == 2 and none.used == {}
    assert quiz_gaps([], 2) is None


def test_the_open_list_is_the_answer_so_far_as_the_examples_show_it():
    data = {"modules": [{"title": "Luz"}], "title": "Curso", "level": "beginner"}
    text = open_list(data, "modules")
    assert text == '{"title": "Curso", "level": "beginner", "modules": [{"title": "Luz"}, '
    assert json.loads(text + '{"title": "Agua"}]}')["modules"][1] == {"title": "Agua"}
    assert open_list({"questions": []}, "questions") == '{"questions": ['
