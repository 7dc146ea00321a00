"""The interface language: which one the user gets, and the gettext catalog that translates.

Public names: ``_``, ``N_``, ``ngettext``, ``set_language``, ``language``, ``pick_language``,
``LANGUAGES``, ``catalog``.

Every string of the page is English in the source and marked for the catalog: ``_("...")``
where it is shown, ``N_("...")`` where it is defined before the language is known (module
constants, class defaults) and translated later with ``_(constant)``. Placeholders are named
and filled after translation, so a translation may move them::

    set_language(pick_language(["es-ES", "en"], saved=""))   # "es"
    _("Saved.")                                              # "Guardado."
    _("{done} of {total} steps").format(done=2, total=5)     # "2 de 5 pasos"

The catalogs are ``locale/<lang>/LC_MESSAGES/localloom.mo`` inside this package, compiled by
the build from the ``.po`` files beside them (``buildtools.catalogs``). The UI language is
independent of a course's language: a Spanish interface can write an English course.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterable
from importlib import resources

__all__ = ["LANGUAGES", "N_", "_", "catalog", "language", "ngettext", "pick_language",
           "set_language"]

#: The interface languages, in the order the Settings select lists them.
LANGUAGES = {"en": "English", "es": "Español"}
DOMAIN = "localloom"

_state: dict[str, object] = {"lang": "en", "catalog": _gettext.NullTranslations()}


def catalog(lang: str) -> _gettext.NullTranslations:
    """The compiled catalog of ``lang`` (English, the source language, needs none).

    Raises ``FileNotFoundError`` when a listed language has no compiled catalog: a build
    that forgot it must fail loudly in the tests, not show English to a Spanish user."""
    if lang == "en":
        return _gettext.NullTranslations()
    if lang not in LANGUAGES:
        raise ValueError(f"no interface language {lang!r}")
    mo = resources.files("localloom").joinpath("locale", lang, "LC_MESSAGES", f"{DOMAIN}.mo")
    with mo.open("rb") as fh:
        return _gettext.GNUTranslations(fh)


def set_language(lang: str) -> str:
    """Translate from now on into ``lang`` (an unknown one means English); returns it."""
    lang = lang if lang in LANGUAGES else "en"
    _state["catalog"] = catalog(lang)
    _state["lang"] = lang
    return lang


def language() -> str:
    """The interface language now in use ("en" or "es")."""
    return str(_state["lang"])


def pick_language(browser: Iterable[str], saved: str = "") -> str:
    """The language to use: the saved choice if it is one we have, else the first of the
    browser's preferred languages (``navigator.languages``) we have, else English."""
    if saved in LANGUAGES:
        return saved
    for tag in browser:
        base = str(tag).split("-")[0].split("_")[0].lower()
        if base in LANGUAGES:
            return base
    return "en"


def _(message: str) -> str:
    """``message`` in the interface language (itself when the catalog lacks it)."""
    if not message:
        return message
    return _state["catalog"].gettext(message)  # type: ignore[union-attr]


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n`` in the interface language."""
    return _state["catalog"].ngettext(singular, plural, n)  # type: ignore[union-attr]


def N_(message: str) -> str:
    """Marks ``message`` for the catalog without translating it (translate it where shown)."""
    return message
