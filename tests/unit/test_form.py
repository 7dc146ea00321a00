"""form: saved values the page does not offer are dropped and named; reading the form names
the field at fault instead of blaming the topic."""

from __future__ import annotations

import pytest

from localloom.errors import LocalLoomError
from localloom.view.form import CHOICES, SIZES, read_form, restore_form

GOOD = {"topic": "Fracciones", "language": "es", "level": "beginner", "size": "short"}


def test_restore_keeps_offered_values_and_names_the_rest():
    """'fr' blanked the Language select and broke Generate; now it is dropped and named."""
    clean, dropped = restore_form({**GOOD, "language": "fr", "size": "huge"})
    assert clean == {"topic": "Fracciones", "level": "beginner"}
    assert dropped == ["language", "size"]
    assert restore_form(GOOD) == (GOOD, [])
    assert restore_form({"topic": "x" * 201}) == ({}, ["topic"])


def test_read_form_builds_the_request_for_each_size():
    for size, (shape, strategy) in SIZES.items():
        request, got = read_form({**GOOD, "size": size})
        assert (request.shape, got) == (shape, strategy)
        assert request.topic == "Fracciones" and request.language == "es"


@pytest.mark.parametrize("field", list(CHOICES))
def test_a_value_the_form_does_not_offer_names_its_field(field):
    """With a topic present the error is about the field, never 'Type a topic first'."""
    with pytest.raises(LocalLoomError) as caught:
        read_form({**GOOD, field: "fr"})
    assert "topic" not in caught.value.what.lower()
    assert field.capitalize() in caught.value.what and "'fr'" in caught.value.what


@pytest.mark.parametrize("topic", ["", "   "])
def test_an_empty_topic_asks_for_one(topic):
    with pytest.raises(LocalLoomError, match="Type a topic first"):
        read_form({**GOOD, "topic": topic})


def test_an_overlong_topic_is_refused_with_its_length():
    with pytest.raises(LocalLoomError, match="too long \\(250 characters\\)"):
        read_form({**GOOD, "topic": "x" * 250})
