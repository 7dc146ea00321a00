"""course.prompts.fewshot: a base model's documents — examples, the open slot, a stable prefix."""

from __future__ import annotations

from localloom.course.prompts.fewshot import example_subjects, quiz_key_points, render_document
from localloom.course.schema import CourseShape

SHAPE = CourseShape(2, 2, 2)


def _lesson(module: str, lessons: list[str], lesson: str) -> str:
    return render_document("lesson", "es", course_title="Fotografía digital",
                           topic="Fotografía digital", module_title=module,
                           lesson_titles=lessons, lesson_title=lesson, shape=SHAPE)


def test_every_lesson_of_a_course_reads_the_same_examples_first():
    """The engine's prompt cache reuses a matching prefix: only the open slot differs."""
    first = _lesson("La luz", ["El ISO", "La apertura"], "El ISO")
    last = _lesson("El encuadre", ["La regla de los tercios", "Las líneas"], "Las líneas")
    head = first.rsplit("\n\nCurso:", 1)[0]
    assert last.startswith(head + "\n\nCurso: Fotografía digital\nMódulo: El encuadre")
    assert len(head) > 0.8 * len(first)
    assert first.endswith("Lección: El ISO\nJSON:\n")


def test_the_two_examples_teach_different_lessons():
    blocks = _lesson("La luz", ["El ISO"], "El ISO").split("\n\nCurso:")
    lessons = [b.split("Lección:")[1].split("\n")[0] for b in blocks[:2]]
    assert len(set(lessons)) == 2


def test_a_quiz_document_shows_what_each_lesson_taught():
    points = quiz_key_points([["El ISO mide la sensibilidad", "Un ISO alto añade ruido"],
                              ["La apertura controla la luz"]])
    assert points == ["El ISO mide la sensibilidad", "Un ISO alto añade ruido",
                      "La apertura controla la luz"]
    text = render_document("quiz", "es", course_title="Fotografía digital",
                           topic="Fotografía digital", module_title="La luz",
                           lesson_titles=["El ISO", "La apertura"], key_points=points,
                           shape=SHAPE)
    blocks = text.split("\n\n")
    assert blocks[-1].endswith("Puntos clave: El ISO mide la sensibilidad; Un ISO alto añade "
                               "ruido; La apertura controla la luz\nJSON:\n")
    assert all("Puntos clave:" in block for block in blocks[:-1])  # the examples show theirs
    assert len(quiz_key_points([[str(i)] * 5 for i in range(4)])) == 12


def test_a_last_re_ask_can_start_from_other_example_courses():
    first = _lesson("La luz", ["El ISO"], "El ISO")
    other = render_document("lesson", "es", course_title="Fotografía digital",
                            topic="Fotografía digital", module_title="La luz",
                            lesson_titles=["El ISO"], lesson_title="El ISO", shape=SHAPE,
                            examples_from=2)
    courses = [{b.split("\n")[0] for b in text.split("\n\nCurso:")[:2]} for text in
               (first, other)]
    assert courses[0].isdisjoint(courses[1])
    assert other.endswith("Lección: El ISO\nJSON:\n")


def test_example_subjects_are_each_worked_course_s_subject_words():
    coffee, genetics, *_others = example_subjects("es")
    assert {"arabi", "robus"} <= coffee and "cromo" in genetics and "cromo" not in coffee
    assert any({"sourd"} <= subject for subject in example_subjects("en"))
    assert any({"rebas"} <= subject for subject in example_subjects("en"))
    assert all("difer" not in subject for subject in example_subjects("es"))  # any subject's
    assert example_subjects("fr") == ()
