"""localloom.i18n: which interface language a user gets, and translation through the catalog."""

from __future__ import annotations

import pytest

from buildtools.catalogs import compile_catalogs
from localloom import i18n


@pytest.fixture(autouse=True)
def english_after():
    compile_catalogs()  # the build does this; a test run straight from the tree needs it too
    yield
    i18n.set_language("en")


@pytest.mark.parametrize(("browser", "saved", "expected"), [
    (["es-ES", "en-US"], "", "es"),
    (["es_MX"], "", "es"),
    (["fr-FR", "es-419", "en"], "", "es"),   # the first language we have
    (["fr-FR", "de"], "", "en"),             # none we have: English
    ([], "", "en"),
    (["es-ES"], "en", "en"),                 # the saved choice wins over the browser
    (["en-GB"], "es", "es"),
    (["es-ES"], "fr", "es"),                 # a saved value we do not have is ignored
])
def test_pick_language(browser, saved, expected):
    """The saved choice, else the browser's first language we have, else English."""
    assert i18n.pick_language(browser, saved) == expected


def test_spanish_catalog_translates_and_english_is_the_source():
    """Spanish comes from the compiled catalog; English is the source text itself."""
    assert i18n.set_language("es") == "es"
    assert i18n.language() == "es"
    assert i18n._("Saved.") != "Saved."
    assert i18n._("Saved.").strip()
    assert i18n._("Not a string in the catalog") == "Not a string in the catalog"
    assert i18n.set_language("en") == "en"
    assert i18n._("Saved.") == "Saved."


def test_placeholders_survive_translation():
    """A translated template still takes its named values."""
    i18n.set_language("es")
    text = i18n._("Step {i} of {n}: {label}…").format(i=2, n=5, label="X")
    assert "2" in text and "5" in text and "X" in text and text != "Step 2 of 5: X…"


def test_unknown_language_falls_back_to_english():
    """An unknown language code means English, never an error at boot."""
    assert i18n.set_language("xx") == "en"
    assert i18n._("Saved.") == "Saved."
    with pytest.raises(ValueError):
        i18n.catalog("xx")


def test_marker_does_not_translate():
    """N_ only marks a constant for the catalog; _ translates it where it is shown."""
    i18n.set_language("es")
    assert i18n.N_("Saved.") == "Saved."
    assert i18n._(i18n.N_("Saved.")) == i18n._("Saved.")
    assert i18n._("") == ""
