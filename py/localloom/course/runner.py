"""One generation step: prompt → budgeted engine call → parse → quality check → re-ask.

Public names (internal module; ``generator`` re-exports the event type):

- ``GenerationEvent``, ``EVENT_KINDS``, ``EventCallback``: progress for the UI.
- ``Step``: what one call must produce (task template, schema model, vars, token budget,
  quality check).
- ``Runner``: runs steps on one engine; ``await runner.run(step)`` returns the validated model
  or raises ``InvalidOutputError`` / ``ContextOverflowError`` / ``GenerationCancelled``.

Example::

    runner = Runner(engine, "en", on_event=print, max_reasks=2)
    tags = await runner.run(Step("tags", Tags, "Tags", 1, 1, {"text": text}, budget=180))
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from localloom.course import parsing, prompts
from localloom.course.answer_stream import AnswerStream
from localloom.course.budget import (
    fit_max_tokens,
    margin,
    min_answer,
    prompt_tokens,
    schema_token_bound,
)
from localloom.course.cuts import end_cut_texts
from localloom.course.echo_guard import guard_titles, topic_prefix
from localloom.course.gaps import Gaps, open_list
from localloom.course.prompts.fewshot import copied_paths, example_strings, render_document
from localloom.course.quality import Checked, placeholders, repair_data
from localloom.course.schema import ENGINES, CourseShape, enforces_bounds, json_schema
from localloom.course.steer import biased_words, logit_bias
from localloom.engine import CancelToken, Engine, GenerateRequest
from localloom.errors import (
    ContextOverflowError,
    CourseParseError,
    GenerationCancelled,
    InvalidOutputError,
    LocalLoomError,
    QualityError,
)
from localloom.i18n import _, ngettext

__all__ = ["EVENT_KINDS", "EventCallback", "GenerationEvent", "Runner", "Step"]

EVENT_KINDS = ("step_start", "token", "step_done", "retry", "checkpoint", "done", "error")
#: Prompt variables emptied one by one, in this order, while a prompt overflows the context.
SHRINK_ORDER = ("audience", "module_summary", "key_points", "fields", "module_titles", "avoid")
#: A truncatable text (source material, text to summarise) is never cut below this.
MIN_TEXT_CHARS = 200
STOP_CHAT = ["\n\n\n\n"]
STOP_COMPLETION = ["\n\n\n\n", "\nJSON:"]


@dataclass
class GenerationEvent:
    """``kind`` is one of ``EVENT_KINDS``; step ``i`` of ``n`` (1-based), ``label`` for humans.

    ``partial`` (token events) is the answer parsed so far; ``message`` carries the re-ask
    feedback (retry) or a note (step_done, checkpoint); ``error`` is set on error events.
    """

    kind: str
    i: int
    n: int
    label: str
    step: str = ""
    module: int | None = None
    attempt: int = 0
    partial: Any = None
    chars: int = 0
    message: str = ""
    error: LocalLoomError | None = None
    key: str = ""  # the step's part of the course: "outline", "lesson:0.1", "quiz:0"
    # step_done: earlier calls of the step (0-based) whose text the answer kept, and the share
    used: dict[int, float] = field(default_factory=dict)
    # retry: words of refused answers this call is biased against (``course.steer``)
    steer: list[str] = field(default_factory=list)
    # retry: the start of the topic this call's titles may not begin with (``echo_guard``)
    guard: str = ""


EventCallback = Callable[[GenerationEvent], None]


@dataclass
class Step:
    task: str  # template name, see prompts.TASKS
    model: type[BaseModel]
    label: str
    i: int
    n: int
    vars: dict[str, Any]
    budget: int  # tokens the answer needs
    shape: CourseShape | None = None
    categories: list[str] | None = None
    check: Callable[[Any], Checked] | None = None
    module: int | None = None
    truncatable: str | None = None  # a var that may be cut to fit: "text", "source_text"
    avoid: list[str] = field(default_factory=list)
    key: str = ""  # a course step's id in the checkpoint; "" for text tasks
    fixed: dict[str, Any] = field(default_factory=dict)  # fields the schema pins
    base_fixed: dict[str, Any] = field(default_factory=dict)  # pinned for base models only
    smaller: Callable[[Any], Checked] | None = None  # the gate under policy "smaller"
    combine: Callable[[list[Any]], Checked | None] | None = None  # good parts of all answers
    # what a base model can still write item by item after the re-asks (``course.gaps``),
    # from every answer and its problems
    gaps: Callable[[list[tuple[Any, list]]], Gaps | None] | None = None


@dataclass
class Runner:
    engine: Engine
    language: str
    on_event: EventCallback | None = None
    cancel: CancelToken | None = None
    max_reasks: int = 2
    whitespace_cap: int = 200  # consecutive whitespace chars that end a call
    temperature: float = 0.6
    token_interval: float = 0.25  # seconds between two "token" events, at least
    max_chars: int = parsing.MAX_CHARS  # a longer answer is stopped
    clock: Callable[[], float] = time.monotonic
    seed: int | None = None  # fixed: every call's seed derives from it (reproducible runs)
    repeat_penalty: float = 1.1  # base models loop without it (llama.cpp's repeat_penalty)
    dry_multiplier: float = 2.0  # base models copy titles from their context without it
    frequency_penalty: float = 0.2  # chat engines (OpenAI-compatible providers)
    shots: int = 2  # worked examples in a base model's few-shot prompt
    # calls for each missing module or question (``course.gaps``): after a re-ask, and once
    # every re-ask failed
    fill_tries: tuple[int, int] = (2, 3)

    def emit(self, kind: str, step: Step, **extra: Any) -> None:
        if self.on_event is not None:
            self.on_event(GenerationEvent(kind, step.i, step.n, step.label, step=step.task,
                                          module=step.module, key=step.key, **extra))

    def check_cancel(self, stage: str = "") -> None:
        if self.cancel is not None and self.cancel.cancelled:
            raise GenerationCancelled(_("Generation cancelled."), stage=stage)

    # -- prompt and budget ---------------------------------------------------------------

    def _render(self, step: Step, vars: dict[str, Any]) -> tuple[GenerateRequest, int]:
        if self.engine.chat:
            messages = prompts.render_messages(step.task, self.language, **vars)
            return GenerateRequest(messages=messages, stop=list(STOP_CHAT), task=step.task), \
                prompt_tokens(self.engine, messages=messages)
        # A base model continues documents: worked examples, then the open slot.
        text = render_document(step.task, self.language, **vars)
        return GenerateRequest(prompt=text, stop=list(STOP_COMPLETION), task=step.task), \
            prompt_tokens(self.engine, prompt=text)

    def _seed(self, step: Step, attempt: int) -> int | None:
        if self.seed is None:
            return None
        return (self.seed * 1_000_003 + step.i * 7919 + attempt * 104_729) % 2**31

    def _overflow(self, step: Step, used: int) -> ContextOverflowError:
        ctx = self.engine.context_window
        return ContextOverflowError(
            _("{label}: the prompt needs about {used} tokens and the answer about {answer} "
              "more, but {model} has a context window of {context} tokens.").format(
                label=step.label, used=used, answer=min_answer(step.budget),
                model=self.engine.model_id, context=ctx),
            engine=self.engine.name, stage=step.task)

    def request(self, step: Step, feedback: str, avoid: list[str], attempt: int,
                steer: Sequence[str] = (), guard: bool = False) -> GenerateRequest:
        """The call for this attempt, shrunk to fit ``engine.context_window`` (or raise).
        ``steer``: words the step's refused answers leaned on, biased against (base models
        on llama.cpp engines: ``course.steer``); ``guard``: an answer wrote the topic as a
        title, so titles may not begin with it (``_guard``)."""
        ctx = self.engine.context_window
        vars = {**step.vars, "feedback": feedback, "avoid": avoid[-40:],
                "shape": step.shape or CourseShape(), "categories": step.categories or ()}
        if not self.engine.chat:
            vars["shots"] = self.shots
            if attempt and attempt == self.max_reasks:
                # A base model resampled on the same examples repeats their mistakes (three
                # quizzes on genetics in a Python course): its last try reads other examples.
                # Earlier re-asks keep the prompt, which the engine's cache holds.
                vars["examples_from"] = self.shots
        if ENGINES.get(self.engine.name):
            # A grammar enforces the schema: keep prompts short, and show small models no
            # example they could copy ("..." placeholders) instead of writing content.
            vars.setdefault("fields", "")
            vars.setdefault("example", "")
        bounded = enforces_bounds(self.engine)  # a grammar (wllama, llama-server) keeps bounds
        fixed = step.fixed if self.engine.chat else {**step.fixed, **step.base_fixed}
        schema = json_schema(step.model, self.engine.name, step.shape, step.categories,
                             bounds=bounded, fixed=fixed)
        schema = guard_titles(schema, self._guard(step, guard))
        request, used = self._render(step, vars)
        max_tokens = fit_max_tokens(ctx, used, step.budget)
        while max_tokens is None and vars.get("shots"):  # fewer examples before anything else
            vars["shots"] -= 1
            request, used = self._render(step, vars)
            max_tokens = fit_max_tokens(ctx, used, step.budget)
        for name in SHRINK_ORDER:
            if max_tokens is not None:
                break
            if vars.get(name):
                vars[name] = "" if isinstance(vars[name], str) else ()
                request, used = self._render(step, vars)
                max_tokens = fit_max_tokens(ctx, used, step.budget)
        original: str = vars.get(step.truncatable, "") if step.truncatable else ""
        keep = len(original)
        while max_tokens is None and step.truncatable and keep >= MIN_TEXT_CHARS:
            current = vars[step.truncatable]
            excess = used + min_answer(step.budget) + margin(ctx) - ctx
            per_token = max(1.0, len(current) / max(1, self.engine.count_tokens(current)))
            keep -= max(16, int(excess * per_token * 1.1))  # strictly shorter each round
            if keep < MIN_TEXT_CHARS:
                break
            vars[step.truncatable] = original[:keep].rstrip() + " […]"
            request, used = self._render(step, vars)
            max_tokens = fit_max_tokens(ctx, used, step.budget)
        if max_tokens is None:
            raise self._overflow(step, used)
        if bounded and step.shape is not None:
            # A shaped grammar (every string and list capped) bounds the answer: allow its
            # longest form when the context has room, so it is not cut off mid-JSON.
            bound = schema_token_bound(json.loads(schema) if isinstance(schema, str) else schema)
            max_tokens = max(max_tokens, min(bound, ctx - used - margin(ctx)))
        request.max_tokens = max_tokens
        request.schema = schema
        request.temperature = round(min(1.0, self.temperature + 0.15 * attempt), 2)
        request.seed = self._seed(step, attempt)
        if self.engine.chat:
            request.frequency_penalty = self.frequency_penalty
        else:
            request.repeat_penalty = self.repeat_penalty
            request.dry_multiplier = self.dry_multiplier
            request.logit_bias = logit_bias(self._biased(steer)) or None
        return request

    def _biased(self, steer: Sequence[str]) -> list[str]:
        """The words of ``steer`` a call is biased against: none unless the engine is a base
        model on llama.cpp (a grammar engine), which takes ``logit_bias``."""
        if self.engine.chat or not enforces_bounds(self.engine):
            return []
        return biased_words(steer)

    def _guard(self, step: Step, guard: bool) -> str:
        """The start of the topic a guarded step's titles may not begin with ("" when
        ``guard`` is off): base models on a llama.cpp engine, whose grammar takes a
        ``pattern`` (``course.echo_guard``)."""
        if not guard or self.engine.chat or not enforces_bounds(self.engine):
            return ""
        return topic_prefix(str(step.vars.get("topic", "")))

    # -- the call ------------------------------------------------------------------------

    async def _call(self, step: Step, request: GenerateRequest, attempt: int,
                    live: bool = True) -> tuple[str, bool]:
        """Stream one call; returns (text, flooded). A whitespace flood cancels the call; an
        answer longer than ``max_chars`` cancels it and raises ``InvalidOutputError``. Each
        delta costs O(len(delta)) (``AnswerStream``), so a huge answer stays linear.
        ``live=False``: no token events (the answer is a part, not the step's whole answer)."""
        call_cancel = CancelToken()
        if self.cancel is not None:
            self.cancel.on_cancel(call_cancel.cancel)

        def progress(partial: dict | None, chars: int) -> None:
            self.emit("token", step, attempt=attempt, partial=partial, chars=chars)
        stream = AnswerStream(call_cancel.cancel, progress if self.on_event and live else None,
                              whitespace_cap=self.whitespace_cap, max_chars=self.max_chars,
                              interval=self.token_interval, clock=self.clock)
        try:
            text = await self.engine.generate(request, on_token=stream.on_token,
                                              cancel=call_cancel)
        except GenerationCancelled:
            if (self.cancel is not None and self.cancel.cancelled) or not (
                    stream.flooded or stream.too_long):
                raise
            text = ""
        self.check_cancel(step.task)
        if stream.too_long:
            raise InvalidOutputError(
                _("{label}: the model's answer passed {chars} characters, so LocalLoom stopped "
                  "it.").format(label=step.label, chars=f"{self.max_chars:,}"),
                cause=_("The model kept writing without finishing its answer; keeping it would "
                        "fill the browser's memory."),
                fix=_("Press Generate (or Run) again for a fresh answer, or pick another "
                      "Preferred engine under Settings."), engine=self.engine.name,
                stage=step.task)
        return (stream.text if stream.flooded else text), stream.flooded

    def _parse(self, text: str, step: Step) -> BaseModel:
        try:
            return parsing.parse_as(text, step.model, categories=step.categories)
        except CourseParseError:
            data = parsing.parse_partial(text)
            if not isinstance(data, dict):
                raise
            fixed = repair_data(copy.deepcopy(data))
            if fixed == data:
                raise
            return parsing.parse_as(json.dumps(fixed, ensure_ascii=False), step.model,
                                    categories=step.categories)

    # -- the attempt loop ----------------------------------------------------------------

    async def run(self, step: Step) -> Any:
        """The step's answer once it passes its gate. After ``max_reasks`` re-asks a course
        step (``step.key``) whose best answer still has problems raises ``QualityError``
        carrying it (``.best``); a text task keeps it, with the problems noted."""
        feedback, avoid = "", list(step.avoid)
        steer: list[str] = []  # words of refused answers, biased against in later calls
        guard = False  # an answer wrote the topic as a title: later titles may not begin so
        last: CourseParseError | None = None
        best: tuple[int, Any, list] | None = None  # (problem count, value, problems)
        answers: list[Any] = []  # every parsed answer, for ``step.combine``
        judged: list[tuple[Any, list]] = []  # every parsed answer and its problems
        judged_calls: list[int] = []  # the call (0-based) each of them came from
        self.emit("step_start", step)
        calls = 0  # model calls of this step: answers and parts written on their own
        for attempt in range(self.max_reasks + 1):
            self.check_cancel(step.task)
            if attempt:
                self.emit("retry", step, attempt=calls, message=feedback,
                          steer=self._biased(steer), guard=self._guard(step, guard))
            calls += 1
            request = self.request(step, feedback, avoid, attempt, steer, guard)
            text, flooded = await self._call(step, request, attempt)
            notes: list[tuple[str, str]] = []
            if flooded:
                notes.append(("", "the answer ran into endless whitespace; end right after "
                                  "the closing brace"))
            if self.engine.count_tokens(text) >= request.max_tokens * 0.95:
                notes.append(("", "the answer was cut off at the length limit; write shorter "
                                  "texts"))
            try:
                checked = self._checked(self._parse(text, step), step, request)
            except CourseParseError as exc:
                last = CourseParseError(exc.what, notes + exc.problems, stage=step.task)
                feedback = last.feedback()
                continue
            guard = guard or checked.echo
            if checked.value is not None and checked.problems:
                judged.append((checked.value, checked.problems))
                judged_calls.append(calls - 1)
            if checked.value is not None and checked.problems and step.combine is not None:
                answers.append(checked.value)
                combined = step.combine(answers) if len(answers) > 1 else None
                if combined is not None and combined.value is not None:
                    checked = self._checked(combined.value, step, request)
                    checked.notes = combined.notes + checked.notes
            if checked.value is None or checked.problems:
                if checked.value is not None and (best is None or
                                                  len(checked.problems) < best[0]):
                    best = (len(checked.problems), checked.value, checked.problems)
                last = CourseParseError(f"{step.label}: the answer did not pass the quality "
                                        "checks.", checked.problems, stage=step.task)
                feedback = last.feedback()
                avoid = _merge(avoid, checked.avoid)
                steer = _merge(steer, checked.steer)
                if attempt < self.max_reasks:  # before re-asking the whole: only what failed
                    filled, calls = await self._fill(step, judged, judged_calls,
                                                     self.fill_tries[0], calls, feedback,
                                                     from_nothing=False, steer=steer,
                                                     guard=guard)
                    if filled is not None:
                        return self._done(step, filled)
                continue
            self.emit("step_done", step, attempt=attempt, message="; ".join(checked.notes),
                      partial=checked.value.model_dump(mode="json"))
            return checked.value
        attempts = self.max_reasks + 1
        filled, calls = await self._fill(step, judged, judged_calls, self.fill_tries[1], calls,
                                         feedback, steer=steer, guard=guard)
        if filled is not None:
            return self._done(step, filled)
        if best is not None and not step.key:
            self.emit("step_done", step, attempt=self.max_reasks,
                      message=_accepted_note(best[2]))
            return best[1]
        # The problems themselves stay English: they are the re-ask feedback the model reads.
        if best is not None:
            error = QualityError(
                ngettext("{label}: after {count} attempt the model's best answer still has "
                         "problems.",
                         "{label}: after {count} attempts the model's best answer still has "
                         "problems.", attempts).format(label=step.label, count=attempts),
                problems=best[2], choices=("accept", "smaller") if step.smaller else
                ("accept",), cause=_("Problems:\n{problems}").format(
                    problems=CourseParseError("", best[2]).feedback()),
                engine=self.engine.name, stage=step.task)
            error.best = best[1]
            raise error
        raise InvalidOutputError(
            ngettext("{label}: the model's answer stayed invalid after {count} attempt.",
                     "{label}: the model's answer stayed invalid after {count} attempts.",
                     attempts).format(label=step.label, count=attempts),
            cause=_("Last problems:\n{problems}").format(
                problems=last.feedback() if last else _("- unknown")),
            engine=self.engine.name, stage=step.task) from last

    def _done(self, step: Step, checked: Checked) -> Any:
        self.emit("step_done", step, attempt=self.max_reasks, message="; ".join(checked.notes),
                  partial=checked.value.model_dump(mode="json"),
                  used=checked.used)
        return checked.value

    async def _fill(self, step: Step, judged: list[tuple[Any, list]], judged_calls: list[int],
                    tries: int, calls: int, why: str = "", from_nothing: bool = True,
                    steer: list[str] | None = None,
                    guard: bool = False) -> tuple[Checked | None, int]:
        """The step's answer with its missing modules or questions written one at a time
        (``course.gaps``, at most ``tries`` calls each) once it passes the step's gate, and
        the step's call count; None when this engine cannot continue a document under a
        grammar, nothing can be kept, or an item stays bad. ``why``: the last answer's
        problems, for the raw panel; ``judged_calls``: the call each answer came from (the
        returned ``Checked.used`` maps calls to the share of their text the answer kept).
        ``from_nothing``: write every item when none passed (after the last re-ask; before
        it, a whole answer costs little more than its items). ``steer``: the step's words to
        bias against so far; the items' refusals add theirs (to the caller's list too).
        ``guard``: titles may not begin with the topic (``request``); set by the first item
        that echoes it."""
        if (step.gaps is None or self.engine.chat or not enforces_bounds(self.engine)
                or not judged):
            return None, calls
        gaps = step.gaps(judged)
        if gaps is None or not (gaps.data[gaps.key] or from_nothing):
            return None, calls
        steer = [] if steer is None else steer
        # The document of the answer just read, which the engine's cache holds: after the last
        # re-ask it shows other worked examples, so the parts do not copy the first ones' subject
        # (a Python course's quiz on the genetics example, seven calls in a row).
        base = self.request(step, "", [], self.max_reasks if from_nothing else 0)
        if base.prompt is None or not isinstance(base.schema, dict):
            return None, calls
        items_schema = self._items_schema(step, base.schema, gaps.key, guard)
        data, used = gaps.data, 0
        kept_calls = {judged_calls[n]: share for n, share in gaps.used.items()}
        checked = Checked(None)
        while len(data[gaps.key]) < gaps.want:
            index = len(data[gaps.key])
            path = f"{gaps.key}[{index}]"
            for k in range(tries):
                self.check_cancel(step.task)
                written = _("keeping the {kept} that passed; writing {path} on its own").format(
                    kept=ngettext("{count} part", "{count} parts", index).format(count=index),
                    path=path) if index else _(
                    "no part passed; writing {path} on its own").format(path=path)
                self.emit("retry", step, attempt=calls,
                          message=written + (f"\n{why}" if why else ""),
                          steer=self._biased(steer), guard=self._guard(step, guard))
                request = copy.copy(base)
                request.prompt = base.prompt + open_list(data, gaps.key)
                request.schema = items_schema
                request.max_tokens = min(base.max_tokens, schema_token_bound(items_schema))
                request.temperature = round(min(1.0, self.temperature + 0.15 * k), 2)
                request.seed = self._seed(step, self.max_reasks + calls)
                request.logit_bias = logit_bias(self._biased(steer)) or None
                calls, used = calls + 1, used + 1
                text, _flooded = await self._call(step, request, calls, live=False)
                item = parsing.parse_partial(text)
                candidate = {**data, gaps.key: [*data[gaps.key], item]}
                try:
                    checked = self._checked(step.model.model_validate(candidate), step, base)
                except ValidationError:
                    why = f"- {path}: is not a complete item of the answer"
                    continue
                last = index == gaps.want - 1
                problems = [p for p in checked.problems if last or p[0] == path or
                            p[0].startswith((path + ".", path + "["))]
                if checked.value is not None and not problems:
                    data = candidate
                    kept_calls[calls - 1] = 1.0
                    break
                why = CourseParseError("", problems).feedback()
                steer[:] = _merge(steer, checked.steer)
                if checked.echo and not guard:
                    guard = True
                    items_schema = self._items_schema(step, base.schema, gaps.key, guard)
            else:
                return None, calls
        checked.notes.append(ngettext(
            "kept what passed and wrote the missing part on its own ({count} call)",
            "kept what passed and wrote the missing parts on their own ({count} calls)",
            used).format(count=used))
        checked.used = kept_calls
        return checked, calls

    def _items_schema(self, step: Step, schema: dict[str, Any], key: str,
                      guard: bool) -> dict[str, Any]:
        """The schema of one item of ``schema``'s list ``key``, its titles guarded when
        ``guard`` (``request``)."""
        return guard_titles(schema, self._guard(step, guard))["properties"][key]["items"]

    def _checked(self, value: BaseModel, step: Step, request: GenerateRequest) -> Checked:
        pins = step.fixed if self.engine.chat else {**step.fixed, **step.base_fixed}
        if pins:  # what the schema pinned holds even where an engine ignored the pin
            value = value.model_copy(update=pins)
        value, ended = _end_cut_texts(value, request.schema)
        data = value.model_dump()
        copied = placeholders(data)
        if copied:
            return Checked(None, [(path, "is the placeholder '...' copied from the example; "
                                         "write real text") for path in copied[:6]])
        checked = step.check(value) if step.check is not None else Checked(value)
        if ended:
            checked.notes.append(ngettext(
                "{count} text reached its length limit mid-sentence; it now ends at its last "
                "whole sentence, clause or word", "{count} texts reached their length limit "
                "mid-sentence; they now end at their last whole sentence, clause or word",
                len(ended)).format(count=len(ended)))
        if request.prompt is not None:  # a few-shot document: its examples must not be copied
            shown = example_strings(request.prompt)
            fixed = example_strings(json.dumps({**step.fixed, **step.base_fixed},
                                               ensure_ascii=False))
            checked.problems += [(path, "copies the worked example; write it for this course")
                                 for path in copied_paths(data, shown - fixed)][:6]
        return checked


def _end_cut_texts(value: BaseModel, schema: Any) -> tuple[BaseModel, list[str]]:
    """``value`` with the texts its grammar cut at their cap ended cleanly (``course.cuts``),
    and their paths; unchanged when nothing was cut or the ended texts would not validate."""
    if isinstance(schema, str):
        schema = json.loads(schema)
    if not isinstance(schema, dict):
        return value, []
    data = value.model_dump()
    ended = end_cut_texts(data, schema)
    if not ended:
        return value, []
    try:
        return type(value).model_validate(data), ended
    except ValidationError:
        return value, []


def _accepted_note(problems: list[tuple[str, str]]) -> str:
    if not problems:
        return ""
    return _("accepted with problems:\n{problems}").format(
        problems=CourseParseError("", problems).feedback())


def _merge(avoid: list[str], more: list[str]) -> list[str]:
    out = list(avoid)
    for title in more:
        if title not in out:
            out.append(title)
    return out
