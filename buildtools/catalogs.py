"""The interface's message catalogs: extract every marked string, keep the ``.po`` files in
step, compile them for the browser.

Public names: ``extract``, ``update``, ``compile_catalogs``, ``boot_messages``, ``PO``.

Sources and how their strings are marked:

- Python (``py/localloom``): ``_("...")``, ``N_("...")``, ``ngettext(...)``;
- jinja templates (``view/templates``, ``library/templates``): ``{{ _("...") }}`` and
  ``{% trans %}``;
- the page's JavaScript (``web/*.js``): ``_('...')``;
- the static page (``web/index.html``): every visible text and the ``placeholder``,
  ``title``, ``aria-label`` attributes and the description, except inside ``translate="no"``,
  ``<script>``, ``<style>`` and ``<noscript>``; text is whitespace-collapsed, as
  ``localloom.ui.page_language`` looks it up.

``python build.py i18n`` refreshes the ``.po`` files (new strings come in untranslated,
strings no longer used go); the build compiles them into the package (``.mo``, read by
``localloom.i18n``) and writes the few strings the boot script shows before Python runs into
``dist/boot-messages.js``. ``tests/unit/test_catalogs.py`` fails when a string is marked but
not translated, or translated with other placeholders.
"""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from .deps import ROOT

__all__ = ["LANGS", "PO", "boot_messages", "compile_catalogs", "extract", "update"]

PACKAGE = ROOT / "py" / "localloom"
LANGS = ("es",)
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "gettext": None}
_HTML_ATTRS = ("placeholder", "title", "aria-label")
_SKIP = {"script", "style", "noscript"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}


def PO(lang: str) -> Path:
    """The ``.po`` file of ``lang``."""
    return PACKAGE / "locale" / lang / "LC_MESSAGES" / "localloom.po"


class _PageText(HTMLParser):
    """Visible text and translatable attributes of a static HTML page, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._stack: list[tuple[str, bool]] = []

    def _skipping(self) -> bool:
        return any(skip for _, skip in self._stack)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        skip = tag in _SKIP or values.get("translate") == "no"
        if not (skip or self._skipping()):
            for name in _HTML_ATTRS:
                self._add(values.get(name))
            if tag == "meta" and values.get("name") == "description":
                self._add(values.get("content"))
        if tag not in _VOID:
            self._stack.append((tag, skip))

    def handle_endtag(self, tag):
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self._skipping():
            self._add(data)

    def _add(self, text: str | None) -> None:
        text = " ".join((text or "").split())
        if text and any(ch.isalpha() for ch in text):
            self.found.append((self.getpos()[0], text))


def extract() -> Catalog:
    """Every marked string of the app, with where it is used."""
    catalog = Catalog(project="LocalLoom", domain="localloom")
    sources = [
        (PACKAGE, [("**/templates/**.j2", "jinja2.ext:babel_extract"), ("**.py", "python")]),
        (ROOT / "web", [("*.js", "javascript")]),
    ]
    for folder, method_map in sources:
        for filename, lineno, message, comments, context in extract_from_dir(
                folder, method_map, keywords=KEYWORDS,
                options_map={"**/templates/**.j2": {"extensions": "jinja2.ext.i18n"}}):
            if not message or (isinstance(message, tuple) and not all(message)):
                continue  # a call on a variable (``_(NOT_SAVED)``): its literal is marked N_
            where = (folder.relative_to(ROOT) / filename).as_posix()
            catalog.add(message, locations=[(where, lineno)], auto_comments=comments,
                        context=context)
    page = _PageText()
    page.feed((ROOT / "web" / "index.html").read_text(encoding="utf-8"))
    for lineno, message in page.found:
        catalog.add(message, locations=[("web/index.html", lineno)])
    return catalog


def _read(path: Path, lang: str) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=lang, domain="localloom")


def update() -> list[str]:
    """Bring each ``.po`` in step with the sources; returns the strings still untranslated."""
    template = extract()
    missing = []
    for lang in LANGS:
        path = PO(lang)
        catalog = _read(path, lang) if path.exists() else Catalog(locale=lang,
                                                                   domain="localloom")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.fuzzy = False
        catalog.project, catalog.version = "LocalLoom", "1"
        catalog.last_translator = catalog.language_team = "LocalLoom developers"
        path.parent.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        write_po(buf, catalog, width=100, omit_header=False, sort_output=False)
        path.write_bytes(buf.getvalue())
        missing += [f"{lang}: {m.id}" for m in catalog if m.id and not m.string]
    return missing


def compile_catalogs() -> dict[str, bytes]:
    """``{package path: .mo bytes}`` for every language, also written beside the ``.po`` so
    the code runs from the source tree (CPython tests) as it does from the wheel."""
    out = {}
    for lang in LANGS:
        buf = io.BytesIO()
        write_mo(buf, _read(PO(lang), lang), use_fuzzy=False)
        mo = PO(lang).with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != buf.getvalue():
            mo.write_bytes(buf.getvalue())
        out[mo.relative_to(PACKAGE.parent).as_posix()] = buf.getvalue()
    return out


def boot_messages() -> str:
    """``dist/boot-messages.js``: the translations of the strings in ``web/*.js``, which run
    before Python (and its catalogs) is there."""
    table: dict[str, dict[str, str]] = {}
    for lang in LANGS:
        table[lang] = {m.id: m.string for m in _read(PO(lang), lang)
                       if m.id and m.string and any(where.startswith("web/") and
                                                    where.endswith(".js")
                                                    for where, _ in m.locations)}
    return ("// Built from the .po catalogs by buildtools/catalogs.py. Do not edit.\n"
            f"export default {json.dumps(table, ensure_ascii=False, sort_keys=True)};\n")


def main(argv: list[str]) -> int:
    """``update``: refresh the ``.po`` files; ``compile`` (default): the build's outputs."""
    from .deps import CACHE

    if argv[:1] == ["update"]:
        missing = update()
        print(f"{len(missing)} strings to translate" + "".join(f"\n  {m}" for m in missing))
        return 0
    compile_catalogs()
    out = CACHE / "i18n" / "boot-messages.js"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(boot_messages(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
