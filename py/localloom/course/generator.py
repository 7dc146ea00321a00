"""Generate a course step by step on one engine, checkpointed and resumable; and short tasks.

Public names:

- ``CourseRequest``: topic, language (``"en"``/``"es"``), level, audience, shape, source text.
- ``generate_course(engine, request, store=None, on_event=None, cancel=None, max_reasks=2,
  *, strategy="progressive", policy="ask")``: outline → per module: each lesson (written with
  its module and course context), then the quiz. Each finished step is saved to ``store``; a
  rerun of the same request redoes only what is missing. ``strategy="single"`` asks for the
  whole course in one call (tiny shapes).
- ``generate_course_single(...)``: that single call.
- ``generate_summary``, ``generate_tags``, ``generate_classify``: one short call each.
- ``GenerationEvent`` (progress for the UI) and ``EVENT_KINDS``.
- ``lesson_step(request, outline, m, j)``, ``quiz_step(request, outline, m, lessons)``: the
  steps the generator runs, for running one alone (``course.regenerate``).

Quality: every step passes its gate (``_quality``) before it is kept. When re-asks do not
satisfy a gate, ``QualityError`` names the problems and offers ``choices``; the best answer
is kept with the checkpoint, and a rerun with ``policy="accept"`` keeps it as it is, with
``policy="smaller"`` drops what is wrong (fewer modules, lessons or questions) — the shape
never shrinks unless the user chose so. ``InvalidOutputError`` when no answer validated,
``ContextOverflowError`` when even a shrunk prompt does not fit, ``GenerationCancelled`` on
Cancel (checkpoints are kept); engine errors pass through. Example::

    store = MemoryCheckpointStore()
    request = CourseRequest("Photosynthesis", language="es", shape=CourseShape(modules=2))
    course = await generate_course(engine, request, store, on_event=ui.show_progress)
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from localloom.course.budget import step_budget
from localloom.course.checkpoints import CheckpointStore, stable_key
from localloom.course.gaps import outline_gaps, quiz_gaps
from localloom.course.prompts.fewshot import quiz_key_points
from localloom.course.quality import (
    POLICIES,
    Gate,
    check_course,
    check_lesson,
    check_outline,
    check_quiz,
    combine_outlines,
    combine_quizzes,
)
from localloom.course.runner import EVENT_KINDS, EventCallback, GenerationEvent, Runner, Step
from localloom.course.schema import (
    FIELD_CAPS,
    Course,
    CourseShape,
    Lesson,
    Module,
    ModuleQuiz,
    Outline,
)
from localloom.course.textjobs import (
    generate_classify,
    generate_summary,
    generate_tags,
    guarded,
    runner_for,
)
from localloom.engine import CancelToken, Engine
from localloom.errors import InvalidOutputError, QualityError
from localloom.i18n import _

__all__ = [
    "EVENT_KINDS",
    "RESTORED",
    "CourseRequest",
    "GenerationEvent",
    "generate_classify",
    "generate_course",
    "generate_course_single",
    "generate_summary",
    "generate_tags",
    "lesson_step",
    "quiz_step",
]

CHECKPOINT_VERSION = 2
#: The ``step_done`` message of a step taken from the checkpoint instead of the model.
RESTORED = "restored from checkpoint"
_LEVELS = ("beginner", "intermediate", "advanced")
_AUDIENCES = {
    "en": {"beginner": "Beginners with no prior experience",
           "intermediate": "Learners who already know the basics",
           "advanced": "Experienced learners who want to go deeper"},
    "es": {"beginner": "Principiantes sin experiencia previa",
           "intermediate": "Personas que ya conocen lo básico",
           "advanced": "Personas con experiencia que quieren profundizar"},
}


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

    @property
    def gate(self) -> Gate:
        return Gate(topic=self.topic.strip(), language=self.language)

    def base_fixed(self) -> dict[str, Any]:
        """What a base model is not asked to write in the course head: it copies these from
        its worked examples (another course's audience and prerequisites) or drifts from
        the topic in the title. The topic is the title when it fits one."""
        fixed: dict[str, Any] = {"audience": self.audience.strip() or
                                 _AUDIENCES[self.language][self.level], "prerequisites": []}
        if len(self.topic.strip()) <= FIELD_CAPS["title"]:
            fixed["title"] = self.topic.strip()
        return fixed


# -- checkpoints ---------------------------------------------------------------------------

@dataclass
class _State:
    outline: Outline | None = None
    lessons: dict[tuple[int, int], Lesson] = field(default_factory=dict)
    quizzes: dict[int, ModuleQuiz] = field(default_factory=dict)
    pending: dict[str, Any] = field(default_factory=dict)  # step key → best answer kept

    def dump(self, request: CourseRequest) -> dict[str, Any]:
        return {"version": CHECKPOINT_VERSION, "request": request.to_dict(),
                "outline": self.outline.model_dump(mode="json") if self.outline else None,
                "lessons": {f"{m}.{j}": les.model_dump(mode="json")
                            for (m, j), les in self.lessons.items()},
                "quizzes": {str(m): q.model_dump(mode="json") for m, q in self.quizzes.items()},
                "pending": self.pending}


def _from_v1(data: dict[str, Any]) -> dict[str, Any]:
    """A version-1 checkpoint (lessons per module) in the version-2 layout."""
    lessons, quizzes = {}, {}
    modules = data.get("modules") if isinstance(data.get("modules"), dict) else {}
    for m, part in modules.items():
        if not isinstance(part, dict):
            continue
        block = part.get("lessons")
        items = block.get("lessons") if isinstance(block, dict) else None
        for j, lesson in enumerate(items if isinstance(items, list) else []):
            lessons[f"{m}.{j}"] = lesson
        if part.get("quiz") is not None:
            quizzes[m] = part["quiz"]
    return {"outline": data.get("outline"), "lessons": lessons, "quizzes": quizzes}


def _valid(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError:
        return None


def _restore(data: Any, request: CourseRequest) -> _State:
    """Keep each checkpointed part that still validates and fits the request's shape."""
    state = _State()
    if not isinstance(data, dict) or data.get("version") not in (1, CHECKPOINT_VERSION):
        return state
    if data.get("version") == 1:
        data = _from_v1(data)
    shape = request.shape
    pending = data.get("pending")
    state.pending = dict(pending) if isinstance(pending, dict) else {}
    outline = _valid(Outline, data.get("outline"))
    if outline is None or len(outline.modules) > shape.modules or any(
            len(m.lesson_titles) > shape.lessons_per_module for m in outline.modules):
        return state
    state.outline = outline
    lessons = data.get("lessons") if isinstance(data.get("lessons"), dict) else {}
    quizzes = data.get("quizzes") if isinstance(data.get("quizzes"), dict) else {}
    for m, module in enumerate(outline.modules):
        for j, title in enumerate(module.lesson_titles):
            lesson = _valid(Lesson, lessons.get(f"{m}.{j}"))
            if lesson is not None and lesson.title == title:
                state.lessons[(m, j)] = lesson
        quiz = _valid(ModuleQuiz, quizzes.get(str(m)))
        if quiz is not None and len(quiz.questions) <= shape.questions_per_quiz:
            state.quizzes[m] = quiz
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


# -- one step, with the user's choice after a quality failure ------------------------------

async def _run_step(runner: Runner, step: Step, state: _State, store: CheckpointStore | None,
                    request: CourseRequest, policy: str) -> Any:
    """Run ``step``; a best answer kept from a failed run is used when the user chose so."""
    kept = state.pending.get(step.key)
    if kept is not None and policy != "ask":
        value = _valid(step.model, kept)
        if value is not None and policy == "smaller" and step.smaller is not None:
            checked = step.smaller(value)
            value = checked.value if not checked.problems else None
        if value is not None:
            state.pending.pop(step.key)
            runner.emit("step_done", step, message=f"kept the answer you chose ({policy})")
            return value
    try:
        value = await runner.run(step)
    except QualityError as exc:
        best = getattr(exc, "best", None)
        if best is not None:
            state.pending[step.key] = best.model_dump(mode="json")
            await _save(runner, store, request, state, step)
        raise
    state.pending.pop(step.key, None)
    return value


# -- the course ----------------------------------------------------------------------------

def _assemble(request: CourseRequest, state: _State) -> Course:
    outline = state.outline
    assert outline is not None
    modules = [Module(title=om.title, summary=om.summary,
                      lessons=[state.lessons[(m, j)] for j in range(len(om.lesson_titles))],
                      quiz=state.quizzes[m].questions if m in state.quizzes else [])
               for m, om in enumerate(outline.modules)]
    return Course(title=outline.title, description=outline.description,
                  language=request.language, level=request.level,
                  audience=request.audience.strip() or outline.audience,
                  prerequisites=outline.prerequisites,
                  learning_objectives=outline.learning_objectives,
                  estimated_hours=outline.estimated_hours, modules=modules)


def _outline_step(request: CourseRequest, n: int, base: bool = False) -> Step:
    shape, gate = request.shape, dataclasses.replace(request.gate, base=base)
    return Step("outline", Outline, _("Course outline"), 1, n, request.prompt_vars(),
                step_budget("outline", shape), shape=shape,
                check=lambda o: check_outline(o, shape, gate), truncatable="source_text",
                key="outline", fixed={"language": request.language, "level": request.level},
                base_fixed=request.base_fixed(),
                combine=lambda answers: combine_outlines(answers, shape, gate),
                gaps=lambda judged: outline_gaps(judged, shape, gate.topic),
                smaller=lambda o: check_outline(o, shape, dataclasses.replace(
                    gate, policy="smaller")))


def _steps_per_module(outline: Outline, shape: CourseShape) -> list[int]:
    quiz = 1 if shape.questions_per_quiz else 0
    return [len(m.lesson_titles) + quiz for m in outline.modules]


def _module_context(request: CourseRequest, outline: Outline, m: int) -> dict[str, Any]:
    module = outline.modules[m]
    return {**request.prompt_vars(), "course_title": outline.title,
            "module_titles": [mod.title for mod in outline.modules], "module_index": m + 1,
            "module_count": len(outline.modules), "module_title": module.title,
            "module_summary": module.summary, "lesson_titles": module.lesson_titles}


def lesson_step(request: CourseRequest, outline: Outline, m: int, j: int, i: int = 1,
                n: int = 1, base: bool = False) -> Step:
    """The step that writes lesson ``j`` of module ``m`` (0-based) with its module and course
    context: the generator runs it in order, ``regenerate`` runs it alone (step ``i`` of
    ``n``). ``base``: for a base model, whose lesson may borrow a worked example's
    subject."""
    shape = request.shape
    gate = dataclasses.replace(request.gate, base=base)
    title = outline.modules[m].lesson_titles[j]
    about = (request.topic, outline.title, outline.modules[m].title, title)
    label = _("Module {m} of {total}, lesson {j}: {title}").format(
        m=m + 1, total=len(outline.modules), j=j + 1, title=title)
    return Step("lesson", Lesson, label, i, n,
                {**_module_context(request, outline, m), "lesson_title": title,
                 "lesson_index": j + 1},
                step_budget("lesson", shape), shape=shape, module=m,
                check=lambda v: check_lesson(v, title, gate, about), truncatable="source_text",
                key=f"lesson:{m}.{j}", fixed={"title": title})


def quiz_step(request: CourseRequest, outline: Outline, m: int, lessons: list[Lesson],
              i: int = 1, n: int = 1, base: bool = False,
              earlier: tuple[str, ...] = ()) -> Step:
    """The step that writes module ``m``'s quiz from its ``lessons``' key points; ``base``:
    for a base model, whose questions may borrow a worked example's subject; ``earlier``:
    the questions of the course's other quizzes, which none of its may repeat."""
    shape, want = request.shape, request.shape.questions_per_quiz
    gate = dataclasses.replace(request.gate, base=base)
    label = _("Module {m} of {total}: quiz").format(m=m + 1, total=len(outline.modules))
    key_points = quiz_key_points(les.key_points for les in lessons)
    about = (request.topic, outline.modules[m].title, *(les.title for les in lessons),
             *key_points)
    return Step("quiz", ModuleQuiz, label, i, n,
                {**_module_context(request, outline, m), "source_text": "",
                 "key_points": key_points},
                step_budget("quiz", shape), shape=shape, module=m,
                check=lambda v: check_quiz(v, want, gate, about=about, earlier=earlier),
                key=f"quiz:{m}",
                combine=lambda answers: combine_quizzes(answers, want, gate, about, earlier),
                gaps=lambda judged: quiz_gaps(judged, want),
                smaller=lambda v: check_quiz(v, want, dataclasses.replace(
                    gate, policy="smaller"), about=about, earlier=earlier))


async def _progressive(runner: Runner, request: CourseRequest, store: CheckpointStore | None,
                       policy: str) -> Course:
    shape = request.shape
    state = _restore(await _load(store, request.key), request)
    quiz = 1 if shape.questions_per_quiz else 0
    planned = 1 + shape.modules * (shape.lessons_per_module + quiz)
    step = _outline_step(request, planned, base=not runner.engine.chat)
    if state.outline is None:
        state.outline = await _run_step(runner, step, state, store, request, policy)
        await _save(runner, store, request, state, step)
    else:
        runner.emit("step_done", step, message=RESTORED)
    outline = state.outline
    n = 1 + sum(_steps_per_module(outline, shape))
    i = 1
    for m, module in enumerate(outline.modules):
        for j in range(len(module.lesson_titles)):
            i += 1
            step = lesson_step(request, outline, m, j, i, n, base=not runner.engine.chat)
            if (m, j) in state.lessons:
                runner.emit("step_done", step, message=RESTORED)
                continue
            state.lessons[(m, j)] = await _run_step(runner, step, state, store, request, policy)
            await _save(runner, store, request, state, step)
        if not quiz:
            continue
        i += 1
        lessons = [state.lessons[(m, j)] for j in range(len(module.lesson_titles))]
        earlier = tuple(q.question for k in sorted(state.quizzes) if k != m
                        for q in state.quizzes[k].questions)
        step = quiz_step(request, outline, m, lessons, i, n, base=not runner.engine.chat,
                         earlier=earlier)
        if m in state.quizzes:
            runner.emit("step_done", step, message=RESTORED)
            continue
        state.quizzes[m] = await _run_step(runner, step, state, store, request, policy)
        await _save(runner, store, request, state, step)
    try:
        course = _assemble(request, state)
    except ValidationError as exc:
        raise InvalidOutputError(f"The generated course is inconsistent: {exc}",
                                 engine=runner.engine.name, stage="course") from exc
    if store is not None:
        await store.delete(request.key)
    runner.emit("done", Step("course", Course, _("Course ready"), n, n, {}, 0))
    return course


def _check_policy(policy: str) -> None:
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {POLICIES}, not {policy!r}")


async def generate_course(engine: Engine, request: CourseRequest,
                          store: CheckpointStore | None = None,
                          on_event: EventCallback | None = None,
                          cancel: CancelToken | None = None, max_reasks: int = 2, *,
                          strategy: str = "progressive", policy: str = "ask",
                          whitespace_cap: int = 200, seed: int | None = None) -> Course:
    """Generate ``request``'s course on ``engine`` (see the module docstring)."""
    _check_policy(policy)
    if strategy == "single":
        return await generate_course_single(engine, request, on_event, cancel, max_reasks,
                                            store=store, policy=policy,
                                            whitespace_cap=whitespace_cap, seed=seed)
    if strategy != "progressive":
        raise ValueError(f"strategy must be 'progressive' or 'single', not {strategy!r}")
    runner = runner_for(engine, request.language, on_event, cancel, max_reasks,
                        whitespace_cap=whitespace_cap, seed=seed)
    return await guarded(runner, "Course", 0, _progressive(runner, request, store, policy))


async def generate_course_single(engine: Engine, request: CourseRequest,
                                 on_event: EventCallback | None = None,
                                 cancel: CancelToken | None = None, max_reasks: int = 2, *,
                                 store: CheckpointStore | None = None, policy: str = "ask",
                                 whitespace_cap: int = 200, seed: int | None = None) -> Course:
    """The whole course in one call: for tiny shapes on engines with room for it."""
    _check_policy(policy)
    runner = runner_for(engine, request.language, on_event, cancel, max_reasks,
                        whitespace_cap=whitespace_cap, seed=seed)
    shape, gate = request.shape, dataclasses.replace(request.gate, base=not engine.chat)
    step = Step("course", Course, _("Whole course"), 1, 1, request.prompt_vars(),
                step_budget("course", shape), shape=shape, truncatable="source_text",
                check=lambda c: check_course(c, shape, gate, language=request.language,
                                             level=request.level),
                key="course", fixed={"language": request.language, "level": request.level},
                base_fixed=request.base_fixed())

    async def go() -> Course:
        state = _restore(await _load(store, request.key), request)
        course = await _run_step(runner, step, state, store, request, policy)
        if store is not None:
            await store.delete(request.key)
        runner.emit("done", step)
        return course
    return await guarded(runner, "Course", 1, go())
