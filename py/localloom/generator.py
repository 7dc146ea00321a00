"""Generate a course step by step on one engine, checkpointed and resumable; and short tasks.

Public names:

- ``CourseRequest``: topic, language (``"en"``/``"es"``), level, audience, shape, source text.
- ``generate_course(engine, request, store=None, on_event=None, cancel=None, max_reasks=2,
  *, strategy="progressive")``: outline → per module: lessons, then quiz. Each finished step is
  saved to ``store``; a rerun of the same request redoes only what is missing or invalid.
  ``strategy="single"`` asks for the whole course in one call (tiny shapes).
- ``generate_course_single(engine, request, on_event=None, cancel=None, max_reasks=2)``.
- ``generate_summary``, ``generate_tags``, ``generate_classify``: one short call each.
- ``GenerationEvent`` (progress for the UI) and ``EVENT_KINDS``.

Failures: ``InvalidOutputError`` after ``max_reasks`` re-asks (the router falls back to the next
tier), ``ContextOverflowError`` when even a shrunk prompt does not fit, ``GenerationCancelled``
when ``cancel`` fires (checkpoints are kept); engine errors pass through. Example::

    store = MemoryCheckpointStore()
    request = CourseRequest("Photosynthesis", language="es", shape=CourseShape(modules=2))
    course = await generate_course(engine, request, store, on_event=ui.show_progress)
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ._budget import step_budget
from ._quality import (
    check_course,
    check_lessons,
    check_outline,
    check_quiz,
    norm,
)
from ._steps import EVENT_KINDS, EventCallback, GenerationEvent, Runner, Step
from ._tasks import generate_classify, generate_summary, generate_tags, guarded, runner_for
from .checkpoints import CheckpointStore, stable_key
from .engines.base import CancelToken, Engine
from .errors import InvalidOutputError
from .schema import (
    Course,
    CourseShape,
    Module,
    ModuleLessons,
    ModuleQuiz,
    Outline,
)

__all__ = [
    "EVENT_KINDS",
    "CourseRequest",
    "GenerationEvent",
    "generate_classify",
    "generate_course",
    "generate_course_single",
    "generate_summary",
    "generate_tags",
]

CHECKPOINT_VERSION = 1
_LEVELS = ("beginner", "intermediate", "advanced")


@dataclass(frozen=True)
class CourseRequest:
    """What to generate. ``key`` identifies its checkpoint; ``language`` is the course's
    language whatever the model claims."""

    topic: str
    language: str = "en"
    level: str = "beginner"
    audience: str = ""
    shape: CourseShape = field(default_factory=CourseShape)
    source_text: str | None = None

    def __post_init__(self) -> None:
        if not self.topic.strip():
            raise ValueError("topic must not be empty")
        if self.language not in ("en", "es"):
            raise ValueError(f"language must be 'en' or 'es', not {self.language!r}")
        if self.level not in _LEVELS:
            raise ValueError(f"level must be one of {_LEVELS}, not {self.level!r}")
        if len(self.audience.strip()) > 400:
            raise ValueError("audience must be at most 400 characters")

    def to_dict(self) -> dict[str, Any]:
        return {"topic": self.topic.strip(), "language": self.language, "level": self.level,
                "audience": self.audience.strip(), "shape": dataclasses.asdict(self.shape),
                "source_sha256": hashlib.sha256((self.source_text or "").encode()).hexdigest()}

    @property
    def key(self) -> str:
        """The checkpoint key: equal for equal requests, on any run and device."""
        return stable_key("course", self.to_dict())

    def prompt_vars(self) -> dict[str, Any]:
        """The template variables every step of this request shares."""
        return {"topic": self.topic.strip(), "level": self.level,
                "audience": self.audience.strip(), "source_text": self.source_text or ""}


# -- checkpoints ---------------------------------------------------------------------------

@dataclass
class _State:
    outline: Outline | None = None
    lessons: dict[int, ModuleLessons] = field(default_factory=dict)
    quizzes: dict[int, ModuleQuiz] = field(default_factory=dict)

    def dump(self, request: CourseRequest) -> dict[str, Any]:
        modules: dict[str, dict[str, Any]] = {}
        for m, lessons in self.lessons.items():
            modules.setdefault(str(m), {})["lessons"] = lessons.model_dump(mode="json")
        for m, quiz in self.quizzes.items():
            modules.setdefault(str(m), {})["quiz"] = quiz.model_dump(mode="json")
        return {"version": CHECKPOINT_VERSION, "request": request.to_dict(),
                "outline": self.outline.model_dump(mode="json") if self.outline else None,
                "modules": modules}


def _restore(data: Any, request: CourseRequest) -> _State:
    """Keep each checkpointed part that still validates and fits the request's shape."""
    state = _State()
    if not isinstance(data, dict) or data.get("version") != CHECKPOINT_VERSION:
        return state
    shape = request.shape
    try:
        outline = Outline.model_validate(data.get("outline"))
    except ValidationError:
        return state
    checked = check_outline(outline, shape)
    if checked.value is None or checked.value != outline:
        return state  # it would not have been saved like this: redo everything
    state.outline = outline
    modules = data.get("modules") if isinstance(data.get("modules"), dict) else {}
    for m, module in enumerate(outline.modules):
        part = modules.get(str(m))
        if not isinstance(part, dict):
            continue
        try:
            lessons = ModuleLessons.model_validate(part.get("lessons"))
            if len(lessons.lessons) <= len(module.lesson_titles):
                state.lessons[m] = lessons
        except ValidationError:
            pass
        try:
            quiz = ModuleQuiz.model_validate(part.get("quiz"))
            if shape.questions_per_quiz and len(quiz.questions) <= shape.questions_per_quiz:
                state.quizzes[m] = quiz
        except ValidationError:
            pass
    return state


async def _load(store: CheckpointStore | None, key: str) -> Any:
    if store is None:
        return None
    try:
        return await store.load(key)
    except Exception:  # an unreadable checkpoint only means starting over
        return None


async def _save(runner: Runner, store: CheckpointStore | None, request: CourseRequest,
                state: _State, step: Step) -> None:
    if store is None:
        return
    try:
        await store.save(request.key, state.dump(request))
    except Exception as exc:  # a checkpoint is a convenience: never lose the course over it
        runner.emit("checkpoint", step, message=f"not saved: {exc}")
        return
    runner.emit("checkpoint", step, message=request.key)


# -- the course ----------------------------------------------------------------------------

def _assemble(request: CourseRequest, state: _State) -> Course:
    outline = state.outline
    assert outline is not None
    modules = [Module(title=om.title, summary=om.summary, lessons=state.lessons[m].lessons,
                      quiz=state.quizzes[m].questions if m in state.quizzes else [])
               for m, om in enumerate(outline.modules)]
    return Course(title=outline.title, description=outline.description,
                  language=request.language, level=request.level,
                  audience=request.audience.strip() or outline.audience,
                  prerequisites=outline.prerequisites,
                  learning_objectives=outline.learning_objectives,
                  estimated_hours=outline.estimated_hours, modules=modules)


async def _progressive(runner: Runner, request: CourseRequest, store: CheckpointStore | None
                       ) -> Course:
    shape, base = request.shape, request.prompt_vars()
    state = _restore(await _load(store, request.key), request)
    per = 2 if shape.questions_per_quiz else 1
    n = 1 + shape.modules * per
    step = Step("outline", Outline, "Course outline", 1, n, dict(base),
                step_budget("outline", shape), shape=shape,
                check=lambda o: check_outline(o, shape), truncatable="source_text")
    if state.outline is None:
        state = _State(outline=await runner.run(step))
        await _save(runner, store, request, state, step)
    else:
        runner.emit("step_done", step, message="restored from checkpoint")
    outline = state.outline
    count = len(outline.modules)
    n = 1 + count * per
    titles = [m.title for m in outline.modules]
    for m, module in enumerate(outline.modules):
        label = f"Module {m + 1} of {count}"
        context = {**base, "course_title": outline.title, "module_titles": titles,
                   "module_index": m + 1, "module_count": count, "module_title": module.title,
                   "module_summary": module.summary}
        used = {norm(les.title) for k, done in state.lessons.items() if k != m
                for les in done.lessons}
        want = len(module.lesson_titles)
        step = Step("lessons", ModuleLessons, f"{label}: lessons", 2 + m * per, n,
                    {**context, "lesson_titles": module.lesson_titles},
                    step_budget("lessons", shape, items=want),
                    shape=dataclasses.replace(shape, lessons_per_module=want), module=m,
                    check=lambda v, want=want, used=used: check_lessons(v, want, used),
                    truncatable="source_text",
                    avoid=[les.title for k in sorted(state.lessons) if k < m
                           for les in state.lessons[k].lessons])
        if m not in state.lessons:
            state.lessons[m] = await runner.run(step)
            await _save(runner, store, request, state, step)
        else:
            runner.emit("step_done", step, message="restored from checkpoint")
        if not shape.questions_per_quiz:
            continue
        lessons = state.lessons[m].lessons
        step = Step("quiz", ModuleQuiz, f"{label}: quiz", 3 + m * per, n,
                    {**context, "source_text": "",
                     "lesson_titles": [les.title for les in lessons],
                     "key_points": [p for les in lessons for p in les.key_points][:12]},
                    step_budget("quiz", shape), shape=shape, module=m,
                    check=lambda v: check_quiz(v, shape.questions_per_quiz))
        if m not in state.quizzes:
            state.quizzes[m] = await runner.run(step)
            await _save(runner, store, request, state, step)
        else:
            runner.emit("step_done", step, message="restored from checkpoint")
    try:
        course = _assemble(request, state)
    except ValidationError as exc:
        raise InvalidOutputError(f"The generated course is inconsistent: {exc}",
                                 engine=runner.engine.name, stage="course") from exc
    if store is not None:
        await store.delete(request.key)
    runner.emit("done", Step("course", Course, "Course ready", n, n, {}, 0))
    return course


async def generate_course(engine: Engine, request: CourseRequest,
                          store: CheckpointStore | None = None,
                          on_event: EventCallback | None = None,
                          cancel: CancelToken | None = None, max_reasks: int = 2, *,
                          strategy: str = "progressive", whitespace_cap: int = 200) -> Course:
    """Generate ``request``'s course on ``engine`` (see the module docstring)."""
    if strategy == "single":
        return await generate_course_single(engine, request, on_event, cancel, max_reasks,
                                            whitespace_cap=whitespace_cap)
    if strategy != "progressive":
        raise ValueError(f"strategy must be 'progressive' or 'single', not {strategy!r}")
    runner = runner_for(engine, request.language, on_event, cancel, max_reasks,
                     whitespace_cap=whitespace_cap)
    return await guarded(runner, "Course", 0, _progressive(runner, request, store))


async def generate_course_single(engine: Engine, request: CourseRequest,
                                 on_event: EventCallback | None = None,
                                 cancel: CancelToken | None = None, max_reasks: int = 2, *,
                                 whitespace_cap: int = 200) -> Course:
    """The whole course in one call: for tiny shapes on engines with room for it."""
    runner = runner_for(engine, request.language, on_event, cancel, max_reasks,
                     whitespace_cap=whitespace_cap)
    shape = request.shape
    step = Step("course", Course, "Whole course", 1, 1, request.prompt_vars(),
                step_budget("course", shape), shape=shape, truncatable="source_text",
                check=lambda c: check_course(c, shape, request.language, request.level))

    async def go() -> Course:
        course = await runner.run(step)
        runner.emit("done", step)
        return course
    return await guarded(runner, "Course", 1, go())
