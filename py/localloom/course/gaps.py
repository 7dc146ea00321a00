"""What is left to write after a step's re-asks failed: the parts that passed, kept, and the
list items that did not, to be written one at a time.

Public names: ``Gaps``, ``outline_gaps``, ``quiz_gaps``, ``open_list``.

A base model's three answers to one outline often agree on a good module 1 and each repeat it
as module 2 ("La Revolución Industrial": module 2 restated module 1 on every attempt); a quiz
has one good question and one about another subject on every attempt. Asking for the whole
answer again resamples the parts that were fine. A base model continues documents, so the
runner instead shows it the step's document, then the answer so far with its list left open
(``open_list``), under a grammar for one item: the model writes the missing module or
question in place, with everything kept in its context::

    gaps = outline_gaps([(answer, problems)], shape)  # its head and module 1 kept
    prompt = document + open_list(gaps.data, gaps.key)  # ..."modules": [{...}, (open)

When no item passed (the photography quiz: options "1 / 2 / 3" in both questions of all three
answers), the items can still be written one at a time, each judged on its own: the runner
does so only once every re-ask failed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from localloom.course.audit import near_duplicates, outline_off_topic
from localloom.course.schema import CourseShape

__all__ = ["Gaps", "open_list", "outline_gaps", "quiz_gaps"]

Problems = list[tuple[str, str]]


@dataclass
class Gaps:
    """``data``: the answer so far, its list ``key`` holding the items kept; ``want``: the
    items that list needs; ``used``: for each answer (index) parts were kept from, the share
    of its text they are (what a run report does not count as wasted)."""

    data: dict[str, Any]
    key: str
    want: int
    used: dict[int, float] = field(default_factory=dict)


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False))


def _use(used: dict[int, float], answer: int, part: Any, whole: Any) -> None:
    used[answer] = min(1.0, used.get(answer, 0.0) + _size(part) / max(1, _size(whole)))


def _faulty(problems: Problems, prefix: str) -> bool:
    return any(path == prefix or path.startswith((prefix + ".", prefix + "["))
               for path, _ in problems)


def _items(answers: list[tuple[Any, Problems]],
           key: str) -> list[tuple[int, dict[str, Any], bool, dict[str, Any]]]:
    """Every item of every answer's list, in answer order: the answer's index, the item,
    whether its gate faulted it, and the whole answer (dumped once)."""
    out = []
    for n, (value, problems) in enumerate(answers):
        whole = value.model_dump()
        out += [(n, item, _faulty(problems, f"{key}[{i}]"), whole)
                for i, item in enumerate(whole[key])]
    return out


def outline_gaps(answers: list[tuple[Any, Problems]], shape: CourseShape,
                 topic: str = "") -> Gaps | None:
    """The first answer whose head (title, description, objectives...) passed, with every
    module that passed in any answer and repeats no module or lesson already kept (maybe
    none); None when no head passed or nothing is missing. An answer none of whose passing
    modules names ``topic`` has none to keep: "Primeros auxilios básicos" (in the page) kept two
    modules on cooking from such an answer, had nothing left to write, and ended in an
    error."""
    first = next((n for n, (_, problems) in enumerate(answers)
                  if all(path.startswith("modules") for path, _ in problems)), None)
    if first is None:
        return None
    head = answers[first][0].model_dump()
    used: dict[int, float] = {}
    _use(used, first, {**head, "modules": []}, head)
    kept: list[dict[str, Any]] = []
    lenders = [_lends(value.model_dump(), problems, topic) for value, problems in answers]
    for n, module, faulty, whole in _items(answers, "modules"):
        titles = module["lesson_titles"][:shape.lessons_per_module]
        if (faulty or not lenders[n] or len(kept) == shape.modules
                or len(titles) < shape.lessons_per_module):
            continue
        if near_duplicates([m["title"] for m in kept] + [module["title"]]) or near_duplicates(
                [t for m in kept for t in m["lesson_titles"]] + titles):
            continue
        kept.append({**module, "lesson_titles": titles})
        _use(used, n, module, whole)
    if len(kept) >= shape.modules:
        return None
    return Gaps({**head, "modules": kept}, "modules", shape.modules, used)


def _lends(whole: dict[str, Any], problems: Problems, topic: str) -> bool:
    """Whether an answer may lend modules: one of those that passed names the topic. A module
    refused for restating the topic does not count: "Primeros auxilios básicos" (in the page)
    kept a module on the brain from an answer whose other module was the topic as a title,
    and every module then written alone followed it (speech, mental health)."""
    passed = [m for i, m in enumerate(whole["modules"])
              if not _faulty(problems, f"modules[{i}]")]
    return not outline_off_topic({**whole, "modules": passed}, topic)


def quiz_gaps(answers: list[tuple[Any, Problems]], want: int) -> Gaps | None:
    """Every question that passed in any answer and repeats none already kept (maybe none);
    None when there is no answer or nothing is missing."""
    kept: list[dict[str, Any]] = []
    used: dict[int, float] = {}
    for n, question, faulty, whole in _items(answers, "questions"):
        if faulty or len(kept) == want:
            continue
        if near_duplicates([q["question"] for q in kept] + [question["question"]],
                           variants=True):
            continue
        kept.append(question)
        _use(used, n, question, whole)
    if not answers or len(kept) >= want:
        return None
    return Gaps({"questions": kept}, "questions", want, used)


def open_list(data: dict[str, Any], key: str) -> str:
    """``data`` as the worked examples show an answer (one JSON line), with ``key`` last and
    its list left open for one more item."""
    ordered = {**{k: v for k, v in data.items() if k != key}, key: data[key]}
    text = json.dumps(ordered, ensure_ascii=False)
    return text[:-2] + (", " if data[key] else "")
