"""Quality gates: each step's answer is read as a learner would before anything is saved.

Public names (internal module, used by the generator):

- ``Gate``: what the gates know of the request (topic, language, policy).
- ``Checked``: a step result after its gate: ``value`` (``None`` = unusable), ``problems``
  [(path, msg)] worth a re-ask, ``avoid`` titles for the re-ask prompt, ``steer`` words
  the step's next calls are biased against (``course.steer``), ``notes`` on what was
  repaired or dropped.
- ``check_outline``, ``check_lesson``, ``check_quiz``, ``check_course``, ``check_summary``,
  ``check_tags``, ``check_classification``: one gate per step.
- ``combine_outlines``, ``combine_quizzes``: one passing outline (quiz) from the good
  modules (questions) of several answers.
- ``norm(text)``, ``collapse_repeats(text) -> (text, removed)``, ``placeholders(data)``,
  ``repair_data(data)``: the repairs they share.

A gate repairs what needs no judgement (a repeated sentence, a duplicate key point, list
items that are the schema's field names, the answer index of a deduplicated option, a quiz
key that its own explanation contradicts: a small model picks the index, one token, before
it writes the explanation that names an option) and reports what does (a title that is a
number or repeats another, text in the wrong language) as problems, which the runner turns
into a re-ask naming them (in English: the model reads them, and the error box quotes them
as they are; ``notes``, shown only in the raw panel, are in the interface language). A gate
never shrinks the requested shape on its own: with ``policy="smaller"`` (the user's choice
after re-asks failed) it drops what is wrong and keeps the rest; with ``policy="accept"`` the
runner keeps the best answer as it is. Checks themselves live in ``localloom.course.audit``.
Example::

    >>> collapse_repeats("Water boils at 100 °C. Water boils at 100 °C. Then it is steam.")
    ('Water boils at 100 °C. Then it is steam.', 1)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from localloom.course.audit import (
    ECHO_PROBLEM,
    borrowed_subject,
    course_off_topic,
    description_off_topic,
    explained_option,
    key_problem,
    mend_broken_words,
    near_duplicates,
    no_module_on_topic,
    numeric_options_problem,
    off_topic,
    off_topic_modules,
    opinion_problem,
    options_problem,
    outline_off_topic,
    same_options,
    sentences,
    similar,
    text_problem,
    title_problem,
)
from localloom.course.prompts.fewshot import example_subjects
from localloom.course.schema import (
    Classification,
    Course,
    CourseShape,
    Lesson,
    ModuleQuiz,
    Outline,
    OutlineModule,
    Summary,
    Tags,
)
from localloom.course.steer import code_pieces, subject_words, title_words
from localloom.i18n import _, ngettext
from localloom.language import detect

__all__ = [
    "POLICIES", "Checked", "Gate", "check_classification", "check_course", "check_lesson",
    "check_outline", "check_quiz", "check_summary", "check_tags", "collapse_repeats",
    "combine_outlines", "combine_quizzes", "norm", "placeholders", "repair_data",
]  # fmt: skip

#: What to do when re-asks did not fix a step: ask the user, keep the best answer as it is,
#: or drop what is wrong and keep a smaller part.
POLICIES = ("ask", "accept", "smaller")
_PIECES = re.compile(r"[^\n.!?]*[.!?]+[ \t]*|[^\n.!?]+[ \t]*|\n+")
_LOOP = re.compile(r"([^\n]{6,120}?)(?:[ \t]*\1){3,}")
_LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}
MIN_CONTENT_WORDS = 8


@dataclass(frozen=True)
class Gate:
    """The request as the gates see it: ``language`` "" skips the language checks; ``base``:
    the answer continues a few-shot document (a base model), whose description can drift to
    another subject on its own ("Parts of a whole." is a chat model's fair description of
    "Fractions", a base model's multiplication tables are not one of volcanoes)."""

    topic: str = ""
    language: str = ""
    policy: str = "ask"
    base: bool = False

    def __post_init__(self) -> None:
        if self.policy not in POLICIES:
            raise ValueError(f"policy must be one of {POLICIES}, not {self.policy!r}")


@dataclass
class Checked:
    value: BaseModel | None
    problems: list[tuple[str, str]] = field(default_factory=list)
    avoid: list[str] = field(default_factory=list)
    steer: list[str] = field(default_factory=list)  # words the next call is biased against
    echo: bool = False  # a title repeats the topic: the step's next calls guard titles
    notes: list[str] = field(default_factory=list)
    used: dict[int, float] = field(default_factory=dict)  # earlier calls whose parts it kept


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(".!?:;, ").casefold()


def _collapse_loops(text: str) -> tuple[str, int]:
    removed = 0

    def one(match: re.Match[str]) -> str:
        nonlocal removed
        unit = match.group(1)
        if not re.search(r"\w\w", unit):  # markdown rules, table separators
            return match.group(0)
        removed += match.group(0).count(unit) - 1
        return unit
    return _LOOP.sub(one, text), removed


def collapse_repeats(text: str, min_len: int = 16) -> tuple[str, int]:
    """Keep the first of each repeated sentence (of ``min_len``+ chars) and phrase loop."""
    text, removed = _collapse_loops(text)
    seen: set[str] = set()
    kept: list[str] = []
    for piece in _PIECES.findall(text):
        key = norm(piece)
        if len(key) >= min_len and "\n" not in piece:
            if key in seen:
                removed += 1
                continue
            seen.add(key)
        kept.append(piece)
    out = re.sub(r"\n{3,}", "\n\n", "".join(kept)).strip()
    return (out or text.strip()), removed


def _dedupe_options(question: dict[str, Any]) -> None:
    options, answer = question.get("options"), question.get("answer")
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        return
    keys = [norm(o) for o in options]
    kept = [i for i, k in enumerate(keys) if k and keys.index(k) == i]
    if len(kept) == len(options):
        return
    question["options"] = [options[i] for i in kept]
    if isinstance(answer, int) and 0 <= answer < len(options) and keys[answer]:
        question["answer"] = kept.index(keys.index(keys[answer]))


def repair_data(data: Any) -> Any:
    """Fix, in place and recursively, what validation would reject but a re-ask need not fix:
    exactly repeated quiz options (the answer index follows its option)."""
    if isinstance(data, list):
        for item in data:
            repair_data(item)
    elif isinstance(data, dict):
        if "options" in data and "answer" in data:
            _dedupe_options(data)
        for value in data.values():
            repair_data(value)
    return data


_PLACEHOLDER = re.compile(r"\s*(?:\.\.\.|…)\s*")


def placeholders(data: Any, path: str = "") -> list[str]:
    """Paths of strings that are the example's placeholder (``"..."``) copied verbatim."""
    if isinstance(data, str):
        return [path or "(root)"] if _PLACEHOLDER.fullmatch(data) else []
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in placeholders(v, f"{path}.{k}" if path else k)]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in placeholders(v, f"{path}[{i}]")]
    return []


# -- shared pieces ---------------------------------------------------------------------------

def _clean_list(items: list[str], notes: list[str], path: str) -> list[str]:
    """Drop empty, field-name, placeholder and repeated items; keep at least the first."""
    kept: list[str] = []
    for item in items:
        if text_problem(item) is None and all(norm(item) != norm(k) for k in kept):
            kept.append(item)
    if len(kept) < len(items):
        dropped = len(items) - len(kept)
        notes.append(ngettext("{path}: dropped {count} empty or repeated item",
                              "{path}: dropped {count} empty or repeated items",
                              dropped).format(path=path, count=dropped))
    return kept or items[:1]


def _not_in(language: str) -> str:
    name = _LANGUAGE_NAMES.get(language, language)
    return f"is not in {name}; write it in {name}"


def _language(text: str, gate: Gate, path: str, problems: list[tuple[str, str]]) -> None:
    if gate.language and detect(text).is_not(gate.language):
        problems.append((path, _not_in(gate.language)))


def _validate(model: type[BaseModel], data: dict[str, Any], checked: Checked) -> Checked:
    try:
        checked.value = model.model_validate(data)
    except ValidationError as exc:
        checked.value = None
        checked.problems += [(".".join(map(str, e["loc"])), e["msg"]) for e in exc.errors()]
    return checked


def _count(path: str, have: int, want: int, what: str) -> tuple[str, str]:
    return path, f"has {have} {what}; write exactly {want}"


def _mend_titles(module: dict[str, Any], topic: str, path: str, notes: list[str]) -> None:
    """Join the words of ``module``'s titles that a space broke where the topic names the
    whole word ("Los volcane s"): a repair, not a re-ask."""
    def mended(title: str, where: str) -> str:
        after = mend_broken_words(title, topic)
        if after != title:
            notes.append(_("{path}: joined a word a space broke (“{before}” → “{after}”)")
                         .format(path=where, before=title, after=after))
        return after
    module["title"] = mended(module["title"], f"{path}.title")
    module["lesson_titles"] = [mended(t, f"{path}.lesson_titles[{j}]")
                               for j, t in enumerate(module["lesson_titles"])]


def _titles(titles: list[str], paths: list[str], gate: Gate, topic_echo: bool,
            checked: Checked) -> set[int]:
    """Problems of a list of titles (own faults, then near-duplicates); the bad indexes."""
    bad: set[int] = set()
    for i, (title, path) in enumerate(zip(titles, paths, strict=True)):
        why = title_problem(title, topic=gate.topic if topic_echo else "")
        if why:
            checked.problems.append((path, why))
            checked.avoid.append(title)
            checked.echo = checked.echo or why == ECHO_PROBLEM
            bad.add(i)
    for i, j in near_duplicates(titles):
        if j not in bad:
            checked.problems.append((paths[j], f"repeats {titles[i]!r} in other words; "
                                               "write a title about something else"))
            checked.avoid.append(titles[j])
            checked.steer += title_words([titles[i], titles[j]], gate.topic)
            bad.add(j)
    return bad


def _head(data: dict[str, Any], gate: Gate, checked: Checked) -> None:
    """The course head's fields: objectives and prerequisites cleaned, texts checked, and the
    whole course about the requested topic."""
    if why := title_problem(data["title"]):
        checked.problems.append(("title", why))
    if gate.topic and course_off_topic(data, gate.topic):
        checked.problems.append(("description", f"neither it nor any module is about "
                                                f"{gate.topic!r}; write the course about that "
                                                "topic"))
    elif gate.base and gate.topic and description_off_topic(data, gate.topic):
        checked.problems.append(("description", f"is not about {gate.topic!r}; describe this "
                                                "course"))
        checked.steer += subject_words([data["description"]], gate.topic)
    if why := text_problem(data["audience"]):
        checked.problems.append(("audience", why))
    data["learning_objectives"] = _clean_list(data["learning_objectives"], checked.notes,
                                              "learning_objectives")
    if why := text_problem(data["learning_objectives"][0]):
        checked.problems.append(("learning_objectives", why))
    data["prerequisites"] = [p for p in data["prerequisites"] if text_problem(p) is None]
    for path in ("title", "description"):
        _language(data[path], gate, path, checked.problems)
    _language(" ".join(data["learning_objectives"]), gate, "learning_objectives",
              checked.problems)


# -- the gates -------------------------------------------------------------------------------

def check_outline(outline: Outline, shape: CourseShape, gate: Gate = Gate()) -> Checked:
    """Exactly ``shape``'s modules and lesson titles, all real, distinct, in the language."""
    data = outline.model_dump()
    checked = Checked(None)
    _head(data, gate, checked)
    modules = data["modules"][:shape.modules]
    if len(modules) < shape.modules:
        checked.problems.append(_count("modules", len(modules), shape.modules, "modules"))
    for i, module in enumerate(modules):
        _mend_titles(module, gate.topic, f"modules[{i}]", checked.notes)
    bad_modules = _titles([m["title"] for m in modules],
                          [f"modules[{i}].title" for i in range(len(modules))], gate, True,
                          checked)
    flat, paths, owner = [], [], []
    for i, module in enumerate(modules):
        titles = module["lesson_titles"][:shape.lessons_per_module]
        module["lesson_titles"] = titles
        if len(titles) < shape.lessons_per_module:
            checked.problems.append(_count(f"modules[{i}].lesson_titles", len(titles),
                                           shape.lessons_per_module, "lesson titles"))
        _language(f"{module['title']}. {module['summary']}", gate, f"modules[{i}]",
                  checked.problems)
        for j, title in enumerate(titles):
            flat.append(title)
            paths.append(f"modules[{i}].lesson_titles[{j}]")
            owner.append((i, j))
    bad_lessons = _titles(flat, paths, gate, True, checked)
    if gate.topic and no_module_on_topic({"modules": modules}, gate.topic):
        checked.problems.append(("modules", f"none is about {gate.topic!r}; write modules on "
                                            "that topic"))
        bad_modules |= set(range(len(modules)))
        checked.steer += subject_words([m["title"] for m in modules] + flat, gate.topic)
    for i in off_topic_modules({**data, "modules": modules}, gate.topic):
        checked.problems.append((f"modules[{i}]", "is about another subject than the rest of "
                                                  "the course; write a module on this course"))
        bad_modules.add(i)
    if gate.policy == "smaller" and checked.problems:
        drop = {owner[k] for k in bad_lessons}
        kept = []
        for i, module in enumerate(modules):
            titles = [t for j, t in enumerate(module["lesson_titles"]) if (i, j) not in drop]
            if i not in bad_modules and titles:
                kept.append({**module, "lesson_titles": titles})
        if kept:
            checked.notes.append(_("smaller course: kept {kept} of {total} modules and the "
                                   "lessons without problems").format(kept=len(kept),
                                                                      total=shape.modules))
            checked.problems = []
            modules = kept
    data["modules"] = modules
    return _validate(Outline, data, checked)


def combine_outlines(answers: list[Outline], shape: CourseShape,
                     gate: Gate = Gate()) -> Checked | None:
    """One outline from several answers to the same request, or None: modules whose own
    titles pass, of answers with such a module on the topic, taken in answer order while they
    repeat no module or lesson already taken, under the first head with which the whole
    passes ``check_outline``. A base model's
    answers are independent samples: one often gets module 1 right and another module 2,
    while each alone repeats itself."""
    taken: list[dict[str, Any]] = []
    for answer in answers:
        whole = answer.model_dump()
        for module in whole["modules"]:
            _mend_titles(module, gate.topic, "", [])
        whole["modules"] = [m for m in whole["modules"] if not (
            title_problem(m["title"], topic=gate.topic) or any(
                title_problem(t, topic=gate.topic)
                for t in m["lesson_titles"][:shape.lessons_per_module]))]
        if outline_off_topic(whole, gate.topic):
            continue  # its modules are about another subject (a worked example's)
        for module in whole["modules"]:
            titles = module["lesson_titles"][:shape.lessons_per_module]
            if len(taken) == shape.modules or len(titles) < shape.lessons_per_module:
                continue
            module_titles = [m["title"] for m in taken] + [module["title"]]
            lesson_titles = [t for m in taken for t in m["lesson_titles"]] + titles
            if near_duplicates(module_titles) or near_duplicates(lesson_titles):
                continue
            taken.append({**module, "lesson_titles": titles})
    if len(taken) < shape.modules:
        return None
    for answer in answers:
        checked = check_outline(answer.model_copy(update={"modules": [
            OutlineModule.model_validate(m) for m in taken]}), shape, gate)
        if checked.value is not None and not checked.problems:
            checked.notes.append(ngettext(
                "assembled from {count} answer: each module passed its checks",
                "assembled from {count} answers: each module passed its checks",
                len(answers)).format(count=len(answers)))
            return checked
    return None


def _drop_lesson_texts(data: dict[str, Any],
                       unwanted: Callable[[str], bool]) -> tuple[int, list[str], bool]:
    """Drop the objectives, key points and content sentences of ``data`` (a lesson) that are
    ``unwanted`` while some of the lesson's own are left. Returns how many were dropped,
    the lists that were all unwanted (kept as they are), and whether the content held
    unwanted sentences but would have been left too thin to teach (kept as it is)."""
    dropped, unwanted_lists = 0, []
    for key in ("objectives", "key_points"):
        kept = [item for item in data[key] if not unwanted(item)]
        if not kept:
            unwanted_lists.append(key)
        elif len(kept) < len(data[key]):
            dropped += len(data[key]) - len(kept)
            data[key] = kept
    pairs = [(text, gap, unwanted(text)) for text, gap in sentences(data["content"])]
    if not any(flag for *_, flag in pairs):
        return dropped, unwanted_lists, False
    kept_text = "".join(text + gap for text, gap, flag in pairs if not flag).strip()
    if text_problem(kept_text, min_words=MIN_CONTENT_WORDS) is not None:
        return dropped, unwanted_lists, True
    data["content"] = kept_text
    return dropped + sum(1 for *_, flag in pairs if flag), unwanted_lists, False


def _unborrow(data: dict[str, Any], title: str, about: tuple[str, ...],
              subjects: tuple[frozenset[str], ...], checked: Checked) -> None:
    """Drop a base model's lesson sentences, objectives and key points that are about a worked
    example's subject (``borrowed_subject``): the sheet-music example's "the bottom number
    says which note gets a beat" turned up in lessons on knife skills, the water cycle, dogs,
    budgeting and the internet. Of 329 lessons stored from the quality benches, 27 held such
    text. A repair, not a re-ask, while enough of the lesson is left (22 of them); a problem,
    whose words the re-ask is biased against, when nothing would be (5)."""
    def borrowed(text: str) -> bool:
        if borrowed_subject(text, about, subjects):
            checked.steer.extend(subject_words([text], " ".join(about)))
            return True
        return False

    dropped, whole_lists, thin = _drop_lesson_texts(data, borrowed)
    why = f"is about a worked example's subject, not this lesson; write about {title!r}"
    checked.problems += [(key, why) for key in whole_lists]
    if thin:
        checked.problems.append(("content", why))
    if dropped:
        checked.notes.append(ngettext(
            "dropped {count} sentence or point about a worked example's subject",
            "dropped {count} sentences or points about a worked example's subject",
            dropped).format(count=dropped))


def _keep_language(data: dict[str, Any], gate: Gate, checked: Checked) -> list[str]:
    """Drop the objectives, key points and content sentences that are surely in another
    language while some of the lesson's own are left: "La segunda revolution was a social
    and economic change…" and "The wars in the" were a Spanish lesson's two key points (in
    the page), and passed because the check read them joined to two Spanish objectives.
    A list with nothing left is a problem (the re-ask names it); returns those lists. A
    content wholly in another language is ``_language``'s to find."""
    if not gate.language:
        return []
    dropped, foreign_lists, _thin = _drop_lesson_texts(
        data, lambda text: detect(text).is_not(gate.language))
    checked.problems += [(key, _not_in(gate.language)) for key in foreign_lists]
    if dropped:
        checked.notes.append(ngettext(
            "dropped {count} sentence or point in another language",
            "dropped {count} sentences or points in another language",
            dropped).format(count=dropped))
    return foreign_lists


def check_lesson(lesson: Lesson, title: str, gate: Gate = Gate(),
                 about: tuple[str, ...] = ()) -> Checked:
    """One lesson about ``title`` (which it keeps), whose content teaches, in the language.
    For a base model (``gate.base``), ``about`` (the topic, course, module and lesson titles)
    tells its subject from a worked example's (``_unborrow``)."""
    data = lesson.model_dump()
    checked = Checked(None)
    data["title"] = title
    data["content"], removed = collapse_repeats(data["content"])
    if removed >= 2:
        checked.problems.append(("content", "repeats the same sentence; write new ones"))
    subjects = example_subjects(gate.language) if gate.base and about else ()
    if subjects:
        _unborrow(data, title, about, subjects, checked)
    if why := text_problem(data["content"], min_words=MIN_CONTENT_WORDS):
        checked.problems.append(("content", why))
    for name in ("objectives", "key_points"):
        data[name] = _clean_list(data[name], checked.notes, name)
        if why := text_problem(data[name][0]):
            checked.problems.append((name, why))
    foreign_lists = _keep_language(data, gate, checked)
    _language(data["content"], gate, "content", checked.problems)
    if not foreign_lists:
        _language(" ".join(data["objectives"] + data["key_points"]), gate, "key_points",
                  checked.problems)
    return _validate(Lesson, data, checked)


def _align_key(question: dict[str, Any], path: str, notes: list[str]) -> None:
    """Key the option the question's explanation names, when it names exactly one."""
    named = explained_option(question)
    options = question["options"]
    if named is None or named == question["answer"] or not 0 <= question["answer"] < len(options):
        return
    if any(named in pair for pair in near_duplicates([str(o) for o in options])):
        return
    question["answer"] = named
    notes.append(_("{path}: answer key set to option {n} (“{option}”), the one its "
                   "explanation names").format(path=path, n=named + 1, option=options[named]))


def _question_problems(question: dict[str, Any], path: str, gate: Gate,
                       about: tuple[str, ...] = (), steer: list[str] | None = None,
                       earlier: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """The question's problems; the words of a question about another subject and the code
    names among its options go to ``steer``. ``earlier``: the questions of the course's
    other quizzes, which it must not repeat."""
    problems: list[tuple[str, str]] = []
    if repeated := next((q for q in earlier if similar(q, question["question"], variants=True)),
                        None):
        problems.append((path, f"repeats {repeated!r}, a question of another quiz of this "
                               "course; ask about something else"))
    steer = [] if steer is None else steer
    # the question and its options, not the explanation, which a model pads with topic words
    # ("Cuando se hace la foto en la masa…" under a coffee question)
    asked = [question["question"], *question["options"]]
    subjects = example_subjects(gate.language) if gate.base else ()
    if about and (off_topic(asked, " ".join(about))
                  or borrowed_subject(question["question"], about, subjects)):
        problems.append((path, "is about another subject, not this module's lessons"))
        # a worked example's subject ("¿Cuántos genes tiene un ser humano?" in a Python quiz)
        steer += subject_words(asked, " ".join((gate.topic, *about)))
    if why := (title_problem(question["question"], letters_ok=True)
               or opinion_problem(question["question"])):
        problems.append((f"{path}.question", why))
    for k, option in enumerate(question["options"]):
        if why := text_problem(option, numbers_ok=True):
            problems.append((f"{path}.options[{k}]", why))
            steer += code_pieces(option)
    for i, j in near_duplicates(question["options"]):
        problems.append((f"{path}.options[{j}]", f"repeats option {i + 1} in other words"))
    if why := text_problem(question["explanation"]):  # "" passed ("Writing a clear email")
        problems.append((f"{path}.explanation", why))
    if why := options_problem(question["options"]) or numeric_options_problem(
            question["question"], question["options"]):
        problems.append((f"{path}.options", why))
    if why := key_problem(question):
        problems.append((f"{path}.answer", why))
    _language(question["question"] + " " + question["explanation"], gate, path, problems)
    return problems


def check_quiz(quiz: ModuleQuiz, want: int, gate: Gate = Gate(),
               path: str = "questions", about: tuple[str, ...] = (),
               earlier: tuple[str, ...] = ()) -> Checked:
    """``want`` distinct questions with real options and a key the explanation agrees with,
    about the module (``about``: its title, lesson titles and key points) rather than about
    another subject (a worked example's quiz, copied with a word changed), none repeating a
    question of the course's other quizzes (``earlier``): "¿Cuántos volcanos existen?" was
    asked in module 1's quiz and again in module 2's (in the page), nor offering another
    question's options again (``same_options``)."""
    checked = Checked(None)
    questions = quiz.model_dump()["questions"][:want]
    if len(questions) < want:
        checked.problems.append(_count(path, len(questions), want, "questions"))
    bad: set[int] = set()
    for j, question in enumerate(questions):
        _align_key(question, f"{path}[{j}].answer", checked.notes)
        found = _question_problems(question, f"{path}[{j}]", gate, about, checked.steer,
                                   earlier)
        checked.problems += found
        bad |= {j} if found else set()
    for i, j in near_duplicates([q["question"] for q in questions], variants=True):
        checked.problems.append((f"{path}[{j}]", f"repeats question {i + 1}"))
        bad.add(j)
    for i, j in same_options([q["options"] for q in questions]):
        if j not in bad:
            checked.problems.append((f"{path}[{j}].options", f"are question {i + 1}'s options "
                                                             "again; ask about something else"))
            bad.add(j)
    if gate.policy == "smaller" and checked.problems:
        kept = [q for j, q in enumerate(questions) if j not in bad]
        if kept:
            checked.notes.append(_("smaller quiz: kept {kept} of {total} questions").format(
                kept=len(kept), total=want))
            checked.problems, questions = [], kept
    return _validate(ModuleQuiz, {"questions": questions}, checked)


def combine_quizzes(answers: list[ModuleQuiz], want: int, gate: Gate = Gate(),
                    about: tuple[str, ...] = (), earlier: tuple[str, ...] = ()) -> Checked | None:
    """One quiz from several answers, or None: questions that pass on their own, taken in
    answer order while they repeat no question already taken, if the whole passes
    ``check_quiz`` (a small model keys one question wrong in each answer, not the same one)."""
    taken: list[dict[str, Any]] = []
    for answer in answers:
        for question in answer.model_dump()["questions"]:
            _align_key(question, "question", [])
            if len(taken) == want or _question_problems(question, "q", gate, about,
                                                        earlier=earlier):
                continue
            if near_duplicates([q["question"] for q in taken] + [question["question"]],
                               variants=True) or same_options(
                    [q["options"] for q in taken] + [question["options"]]):
                continue
            taken.append(question)
    if len(taken) < want:
        return None
    checked = check_quiz(ModuleQuiz.model_validate({"questions": taken}), want, gate,
                         about=about, earlier=earlier)
    if checked.value is None or checked.problems:
        return None
    checked.notes.append(ngettext(
        "assembled from {count} answer: each question passed its checks",
        "assembled from {count} answers: each question passed its checks",
        len(answers)).format(count=len(answers)))
    return checked


def check_course(course: Course, shape: CourseShape, gate: Gate = Gate(), *,
                 language: str = "", level: str = "") -> Checked:
    """The single-call course: the outline, lesson and quiz gates on one answer."""
    data = course.model_dump()
    data.update({k: v for k, v in (("language", language), ("level", level)) if v})
    checked = Checked(None)
    _head(data, gate, checked)
    modules = data["modules"][:shape.modules]
    if len(modules) < shape.modules:
        checked.problems.append(_count("modules", len(modules), shape.modules, "modules"))
    _titles([m["title"] for m in modules], [f"modules[{i}].title" for i in range(len(modules))],
            gate, True, checked)
    titles, paths = [], []
    for i, module in enumerate(modules):
        module["lessons"] = module["lessons"][:shape.lessons_per_module]
        for j, lesson in enumerate(module["lessons"]):
            one = check_lesson(Lesson.model_validate(lesson), lesson["title"], gate)
            checked.problems += [(f"modules[{i}].lessons[{j}].{p}", m) for p, m in one.problems]
            if one.value is not None:
                module["lessons"][j] = one.value.model_dump()
            titles.append(lesson["title"])
            paths.append(f"modules[{i}].lessons[{j}].title")
        if shape.questions_per_quiz:
            quiz = check_quiz(ModuleQuiz(questions=module["quiz"]) if module["quiz"] else
                              ModuleQuiz.model_construct(questions=[]),
                              shape.questions_per_quiz, gate, f"modules[{i}].quiz")
            checked.problems += quiz.problems
        else:
            module["quiz"] = []
    _titles(titles, paths, gate, True, checked)
    data["modules"] = modules
    return _validate(Course, data, checked)


def check_summary(summary: Summary, gate: Gate = Gate()) -> Checked:
    data = summary.model_dump()
    checked = Checked(None)
    data["summary"], removed = collapse_repeats(data["summary"])
    if removed >= 2:
        checked.problems.append(("summary", "repeats the same sentence; write new ones"))
    if data["key_points"]:
        data["key_points"] = _clean_list(data["key_points"], checked.notes, "key_points")
    if why := text_problem(data["summary"], min_words=3):
        checked.problems.append(("summary", why))
    _language(data["summary"], gate, "summary", checked.problems)
    return _validate(Summary, data, checked)


def check_tags(tags: Tags, max_tags: int, gate: Gate = Gate()) -> Checked:
    checked = Checked(None)
    kept = [t for t in tags.tags if text_problem(t) is None][:max_tags]
    if not kept:
        checked.problems.append(("tags", "are empty, numbers or field names; name the topics"))
        kept = tags.tags[:1]
    return _validate(Tags, {"tags": kept}, checked)


def check_classification(result: Classification, categories: list[str] | None,
                         gate: Gate = Gate()) -> Checked:
    if not categories:
        checked = Checked(None)
        if why := text_problem(result.label):
            checked.problems.append(("label", why))
        return _validate(Classification, result.model_dump(), checked)
    by_key = {norm(c): c for c in categories}
    label = by_key.get(norm(result.label))
    if label is None:
        allowed = ", ".join(categories)
        return Checked(None, [("label", f"{result.label!r} is not one of: {allowed}")])
    return Checked(result.model_copy(update={"label": label}))
