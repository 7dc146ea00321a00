"""The static page in the interface language: index.html's text, attributes and title.

Public names: ``apply_language``, ``browser_languages``.

index.html is written in English; ``buildtools.catalogs`` extracts its visible text (whitespace
collapsed) and its ``placeholder``, ``title`` and ``aria-label`` attributes into the catalog.
``apply_language`` looks each one up with ``localloom.i18n._``. The English source of every
text node and attribute is remembered on the node the first time, so switching back and forth
never translates a translation. Text the app writes later is translated where it is written;
parts marked ``translate="no"`` (language names, model output) are left alone.
"""

from __future__ import annotations

import js

from localloom.i18n import _, set_language

__all__ = ["apply_language", "browser_languages"]

_SHOW_TEXT = 4  # NodeFilter.SHOW_TEXT
_SKIP = "[translate=no], script, style, noscript"
_ATTRS = ("placeholder", "title", "aria-label")
_title: dict[str, str] = {}


def _first() -> bool:
    """Whether this is the first pass (text met later is the app's: translated where set)."""
    return _title.get("pass") != "done"


def browser_languages() -> list[str]:
    """``navigator.languages`` (or ``navigator.language``) as Python strings."""
    languages = getattr(js.navigator, "languages", None)
    if languages:
        return [str(tag) for tag in languages]
    return [str(getattr(js.navigator, "language", "") or "en")]


def _translate_text_nodes(root) -> int:
    walker = js.document.createTreeWalker(root, _SHOW_TEXT)
    count = 0
    node = walker.nextNode()
    while node:
        source = getattr(node, "llSource", None)
        if source is None:
            text = " ".join(str(node.data).split())
            parent = node.parentElement
            source = text if text and _first() and parent and not parent.closest(_SKIP) else ""
            node.llSource = source
        if source:
            data = str(node.data)
            lead = data[:len(data) - len(data.lstrip())]
            trail = data[len(data.rstrip()):]
            node.data = f"{lead}{_(source)}{trail}"
            count += 1
        node = walker.nextNode()
    return count


def _translate_attributes(root, first: bool) -> None:
    """The page's own attributes; the first call records their English source (attributes
    the app sets later are translated where it sets them)."""
    for name in _ATTRS:
        keep = f"data-source-{name}"
        for element in root.querySelectorAll(f"[{name}]" if first else f"[{keep}]"):
            if first:
                if element.closest(_SKIP):
                    continue
                element.setAttribute(keep, element.getAttribute(name))
            element.setAttribute(name, _(str(element.getAttribute(keep))))


def apply_language(lang: str) -> str:
    """Use ``lang`` from now on and show the static page in it; returns the language used."""
    lang = set_language(lang)
    doc = js.document
    doc.documentElement.lang = lang
    first = "source" not in _title
    _title.setdefault("source", str(doc.title))
    doc.title = _(_title["source"])
    _translate_text_nodes(doc.body)
    _translate_attributes(doc.body, first)
    _title["pass"] = "done"
    return lang
