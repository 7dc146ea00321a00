"""buildtools.catalogs: every string of the page is in the catalogs, translated, and the
translations keep their placeholders."""

from __future__ import annotations

import json
import re

from babel.messages.pofile import read_po

from buildtools import catalogs

_PLACEHOLDER = re.compile(r"\{\w*\}|%\(\w+\)s")


def _po(lang: str):
    with catalogs.PO(lang).open("rb") as fh:
        return read_po(fh, locale=lang)


def _text(value) -> str:
    return value if isinstance(value, str) else value[0]


def test_po_files_hold_exactly_the_marked_strings():
    """A string marked in the code but missing from a .po (or left there after its code went)
    fails here: run ``python build.py i18n`` and translate what it lists."""
    wanted = {_text(m.id) for m in catalogs.extract() if m.id}
    for lang in catalogs.LANGS:
        have = {_text(m.id) for m in _po(lang) if m.id}
        assert sorted(wanted - have) == [], f"{lang}: not in the catalog"
        assert sorted(have - wanted) == [], f"{lang}: no longer used"


def test_every_string_is_translated_with_the_same_placeholders():
    """No empty translation, and each keeps the placeholders its source fills."""
    for lang in catalogs.LANGS:
        for message in _po(lang):
            if not message.id:
                continue
            source, translation = _text(message.id), _text(message.string)
            assert translation.strip(), f"{lang}: untranslated: {source!r}"
            assert sorted(_PLACEHOLDER.findall(source)) == \
                sorted(_PLACEHOLDER.findall(translation)), f"{lang}: {source!r}"


def test_the_catalog_covers_each_kind_of_source():
    """Python, jinja templates, the page's JavaScript and the static page all feed it."""
    found = {where.split("/")[0] + ("/" + where.rsplit(".", 1)[-1])
             for m in catalogs.extract() for where, _ in m.locations}
    assert {"py/py", "py/j2", "web/js", "web/html"} <= found


def test_static_page_text_skips_what_is_not_for_translation():
    """Visible text and placeholder/title/aria-label attributes are taken, whitespace
    collapsed; translate="no", scripts and styles are not."""
    page = catalogs._PageText()
    page.feed('<p>Hello <em>dear</em>\n   world</p><h1 translate="no">LocalLoom</h1>'
              '<input placeholder="Paste a text"><script>var a = "Nope";</script>'
              '<style>p { color: red }</style><button aria-label="Close it">×</button>'
              '<select><option translate="no">Español</option><option>Automatic</option>'
              '</select><br><p>After a void element</p>')
    assert [text for _, text in page.found] == ["Hello", "dear", "world", "Paste a text",
                                                "Close it", "Automatic",
                                                "After a void element"]


def test_boot_messages_hold_only_the_scripts_strings():
    """boot-messages.js is an ES module with the translations of web/*.js strings only."""
    text = catalogs.boot_messages()
    table = json.loads(text[text.index("{"):text.rindex("}") + 1])
    es = table["es"]
    assert es["Starting Python…"] and es["Starting Python…"] != "Starting Python…"
    assert "Saved." not in es  # a Python string: the catalog in the wheel has it


def test_compiled_catalog_is_written_for_the_wheel():
    """compile_catalogs gives the .mo bytes at the path the wheel and i18n.catalog use."""
    out = catalogs.compile_catalogs()
    assert list(out) == ["localloom/locale/es/LC_MESSAGES/localloom.mo"]
    assert out["localloom/locale/es/LC_MESSAGES/localloom.mo"][:4] in (b"\xde\x12\x04\x95",
                                                                       b"\x95\x04\x12\xde")
