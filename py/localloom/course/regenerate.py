"""Write one lesson or one quiz of a finished course again, keeping every other part.

Public names: ``regenerate_part``, ``outline_of``, ``PARTS``.

The step is the one the generator builds (``generator.lesson_step`` / ``quiz_step``), run
alone through the same ``Runner``, so a regenerated lesson is written with its module and
course context and passes the same quality gate::

    course = await regenerate_part(engine, request, course, "lesson:0.1")
    course = await regenerate_part(engine, request, course, "quiz:1", on_event=ui.progress)

A regenerated lesson keeps its title (the outline's); a quiz keeps its number of questions.
Errors are the generator's: ``InvalidOutputError``/``QualityError`` when no answer passes,
``GenerationCancelled`` on Cancel; the course passed in is never changed.
"""

from __future__ import annotations

import dataclasses
import re

from localloom.course.generator import CourseRequest, lesson_step, quiz_step
from localloom.course.runner import EventCallback
from localloom.course.schema import Course, CourseShape, Outline, OutlineModule
from localloom.course.textjobs import guarded, runner_for
from localloom.engine import CancelToken, Engine

__all__ = ["PARTS", "outline_of", "regenerate_part"]

#: The part keys this module writes: ``lesson:M.J`` and ``quiz:M`` (0-based).
PARTS = re.compile(r"^(?:lesson:(\d+)\.(\d+)|quiz:(\d+))$")


def outline_of(course: Course) -> Outline:
    """The outline a finished course was written from (its lesson titles in order)."""
    head = course.model_dump(exclude={"modules"})
    return Outline(**head, modules=[
        OutlineModule(title=m.title, summary=m.summary,
                      lesson_titles=[lesson.title for lesson in m.lessons])
        for m in course.modules])


def _shape_for(request: CourseRequest, course: Course, m: int) -> CourseRequest:
    """The request with a shape that fits this course (an imported course may be larger)."""
    module = course.modules[m]
    shape = request.shape
    fitted = dataclasses.replace(
        shape, modules=max(shape.modules, len(course.modules)),
        lessons_per_module=max(shape.lessons_per_module, len(module.lessons)),
        questions_per_quiz=len(module.quiz) or shape.questions_per_quiz)
    return dataclasses.replace(request, shape=CourseShape(**dataclasses.asdict(fitted)))


async def regenerate_part(engine: Engine, request: CourseRequest, course: Course, part: str,
                          on_event: EventCallback | None = None,
                          cancel: CancelToken | None = None, max_reasks: int = 2, *,
                          seed: int | None = None) -> Course:
    """``course`` with ``part`` written again on ``engine``; ``ValueError`` for a bad part."""
    found = PARTS.match(part)
    if found is None:
        raise ValueError(f"not a lesson or quiz part: {part!r}")
    m = int(found.group(1) if found.group(1) is not None else found.group(3))
    if m >= len(course.modules):
        raise ValueError(f"the course has no module {m + 1}")
    module = course.modules[m]
    request = _shape_for(request, course, m)
    outline = outline_of(course)
    runner = runner_for(engine, request.language, on_event, cancel, max_reasks, seed=seed)
    modules = list(course.modules)
    if found.group(2) is not None:
        j = int(found.group(2))
        if j >= len(module.lessons):
            raise ValueError(f"module {m + 1} has no lesson {j + 1}")
        step = lesson_step(request, outline, m, j, base=not engine.chat)
        lesson = await guarded(runner, "Lesson", 1, runner.run(step))
        lessons = [*module.lessons[:j], lesson, *module.lessons[j + 1:]]
        modules[m] = module.model_copy(update={"lessons": lessons})
    else:
        if request.shape.questions_per_quiz == 0:
            raise ValueError(f"module {m + 1} has no quiz to write again")
        earlier = tuple(q.question for k, other in enumerate(course.modules) if k != m
                        for q in other.quiz)
        step = quiz_step(request, outline, m, list(module.lessons), base=not engine.chat,
                         earlier=earlier)
        quiz = await guarded(runner, "Quiz", 1, runner.run(step))
        modules[m] = module.model_copy(update={"quiz": quiz.questions})
    runner.emit("done", step)
    return Course.model_validate({**course.model_dump(), "modules": [
        mod.model_dump() for mod in modules]})
