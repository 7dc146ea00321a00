"""The course form as data: its choices, size presets, and reading it into a request.

Public names: ``SIZES``, ``CHOICES``, ``restore_form``, ``read_form``.

The page's form is untrusted twice over: it is restored from storage (which a user or an old
build may have written) and read back from the DOM. ``restore_form`` keeps only values the
form offers and names what it dropped; ``read_form`` turns the values into a
``CourseRequest`` or raises a ``LocalLoomError`` that names the field at fault::

    >>> clean, dropped = restore_form({"topic": "Álgebra", "language": "fr"})
    >>> clean, dropped
    ({'topic': 'Álgebra'}, ['language'])
    >>> request, strategy = read_form({"topic": "Álgebra", "language": "es", "level": "beginner",
    ...                                "size": "tiny"})
    >>> request.shape.modules, strategy
    (1, 'single')
"""

from __future__ import annotations

from localloom.course.generator import CourseRequest
from localloom.course.schema import CourseShape
from localloom.errors import LocalLoomError
from localloom.i18n import N_, _

__all__ = ["CHOICES", "SIZES", "read_form", "restore_form"]

#: Form "size" → (shape, strategy). Text caps keep a 270M model's answers short and on topic.
SIZES: dict[str, tuple[CourseShape, str]] = {
    "tiny": (CourseShape(1, 1, 0, max_text=120, max_list=2), "single"),  # no quiz: fastest
    "short": (CourseShape(2, 2, 2, max_text=400, max_list=3, options=3), "progressive"),
    "standard": (CourseShape(4, 3, 3, max_text=1200, max_list=4), "progressive"),
}
CHOICES: dict[str, tuple[str, ...]] = {
    "language": ("en", "es"),
    "level": ("beginner", "intermediate", "advanced"),
    "size": tuple(SIZES),
}
_LABELS = {"topic": N_("Topic"), "language": N_("Language"), "level": N_("Level"),
           "size": N_("Size")}
MAX_TOPIC = 200


def restore_form(saved: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The saved values the form can show, and the names of those it cannot."""
    clean: dict[str, str] = {}
    dropped: list[str] = []
    for name in ("topic", *CHOICES):
        if name not in saved:
            continue
        value = saved[name]
        ok = value in CHOICES[name] if name in CHOICES else 0 < len(value) <= MAX_TOPIC
        if ok:
            clean[name] = value
        else:
            dropped.append(name)
    return clean, dropped


def read_form(values: dict[str, str]) -> tuple[CourseRequest, str]:
    """``(request, strategy)`` from the form's values; a ``LocalLoomError`` names a bad field."""
    topic = values.get("topic", "").strip()
    if not topic:
        raise LocalLoomError(_("Type a topic first."), cause=_("The topic is empty."),
                             fix=_("Describe what the course should teach."), stage="form")
    if len(topic) > MAX_TOPIC:
        raise LocalLoomError(
            _("The topic is too long ({count} characters).").format(count=len(topic)),
            cause=_("A topic has at most {limit} characters.").format(limit=MAX_TOPIC),
            fix=_("Shorten the topic to a few words: the model works out the rest."),
            stage="form")
    for name, allowed in CHOICES.items():
        value = values.get(name, "")
        if value not in allowed:
            raise LocalLoomError(
                _("The {field} field has a value LocalLoom does not offer: {value}.").format(
                    field=_(_LABELS[name]), value=repr(value)),
                cause=_("The page was changed by hand or by an extension."),
                fix=_("Pick the {field} again from its list.").format(field=_(_LABELS[name])),
                stage="form")
    shape, strategy = SIZES[values["size"]]
    return CourseRequest(topic=topic, language=values["language"], level=values["level"],
                         shape=shape), strategy
