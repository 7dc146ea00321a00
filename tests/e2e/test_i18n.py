"""The interface in Spanish and English: chosen from the browser, switchable in Settings,
kept across visits, and independent of the course's language. No model runs here."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from buildtools.catalogs import PO

from .conftest import BOOT_TIMEOUT_MS, new_app_context, open_app

#: (selector, English source) of texts drawn by each of the page's three sources: the static
#: page (index.html), Python code, and a jinja template (the library panel and device table).
SAMPLES = [
    ("#course-form h2", "New course"),
    ("#generate", "Generate"),
    ("label[for=topic]", "Topic"),
    ("#library-title", "Library"),
    ("#provider-list li", "No cloud provider: everything runs on this device."),
    ("#privacy", "Nothing leaves this device."),
    ("#device-panel h2", "This device"),
    ("#device th", "Cross-origin isolated"),
]


@pytest.fixture(scope="module")
def spanish():
    with PO("es").open("rb") as fh:
        catalog = read_po(fh, locale="es")
    return {m.id: m.string for m in catalog if m.id}


def _texts(page) -> dict[str, str]:
    return {sel: page.eval_on_selector_all(sel, "els => els.map(e => e.textContent.trim())")
            for sel, _ in SAMPLES}


def _check(page, table) -> None:
    texts = _texts(page)
    for selector, english in SAMPLES:
        assert (table.get(english) or english) in texts[selector], (selector, texts[selector])


def _open(browser, app_url, locale: str):
    context, log = new_app_context(browser, app_url, locale=locale)
    return context, open_app(context, app_url), log


def test_spanish_browser_gets_a_spanish_page_and_can_switch(browser, app_url, spanish):
    """A Spanish browser sees the page in Spanish (static text, Python's and the templates'),
    with ``<html lang=es>`` and a Spanish title; choosing English in Settings switches at once
    and is kept after a reload; the course's language select is not touched."""
    context, page, log = _open(browser, app_url, "es-ES")
    try:
        assert page.evaluate("document.documentElement.lang") == "es"
        assert page.title() == spanish["LocalLoom — courses from a model on your device"]
        _check(page, spanish)
        assert page.get_attribute("#source-text", "placeholder") == \
            spanish["Paste lesson notes, an article…"]
        course_language = page.input_value("#language")

        page.click("#settings > summary")
        page.select_option("#ui-language", "en")
        page.wait_for_function("document.documentElement.lang === 'en'")
        _check(page, {})
        assert page.get_attribute("#source-text", "placeholder") == \
            "Paste lesson notes, an article…"
        assert page.input_value("#language") == course_language

        page.reload()
        page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
        assert page.evaluate("document.documentElement.lang") == "en"
        _check(page, {})
        page.click("#settings > summary")
        page.select_option("#ui-language", "es")  # and back, without a reload
        page.wait_for_function("document.documentElement.lang === 'es'")
        _check(page, spanish)
    finally:
        context.close()
    assert log.foreign() == []


def test_english_browser_gets_english(browser, app_url):
    """Any browser language we do not have (here French) gets the English page."""
    context, page, log = _open(browser, app_url, "fr-FR")
    try:
        assert page.evaluate("document.documentElement.lang") == "en"
        _check(page, {})
    finally:
        context.close()
    assert log.foreign() == []
