"""language: English and Spanish told apart, never confused, and doubt said as 'unknown'."""

from __future__ import annotations

import pytest

from localloom.language import detect

ENGLISH = [
    "The basics of photography",
    "Basic photography basics",
    "Compost in your home",
    "Understanding aperture, shutter speed and ISO",
    "A fraction describes parts of a whole.",
    "In this lesson you will learn how light enters the camera and why the shutter matters.",
    "Fractions describe parts of a whole. The numerator counts the parts taken.",
    "Learn to read a recipe, measure ingredients and time each step.",
    "What is machine learning? It is the study of programs that improve with data.",
    "Plants turn sunlight into sugar through photosynthesis.",
    "Write a short function that returns the sum of a list.",
    "Key points: practice every day and keep notes.",
]
SPANISH = [
    "Introducción a la fotografía digital",
    "Fotografía en vivo",
    "Cómo funciona una cámara",
    "Los fundamentos del compostaje doméstico",
    "Entender la apertura, la velocidad de obturación y el ISO",
    "Se explica qué es una fracción y cómo se lee.",
    "En esta lección aprenderás cómo entra la luz en la cámara y por qué importa el obturador.",
    "Las fracciones describen partes de un todo. El numerador cuenta las partes tomadas.",
    "¿Qué es el aprendizaje automático? Es el estudio de programas que mejoran con datos.",
    "Las plantas convierten la luz del sol en azúcar mediante la fotosíntesis.",
    "Escribe una función corta que devuelva la suma de una lista.",
    "Puntos clave: practica todos los días y toma notas.",
]
TOO_SHORT = ["Python 3", "Chocolate", "Data", "beginner", "es", "1.0", "", "   ", "ISO 100"]


@pytest.mark.parametrize("text", ENGLISH)
def test_english_is_english(text):
    assert detect(text).language == "en"


@pytest.mark.parametrize("text", SPANISH)
def test_spanish_is_spanish(text):
    assert detect(text).language == "es"


@pytest.mark.parametrize("text", TOO_SHORT)
def test_too_little_evidence_is_unknown_not_a_guess(text):
    """Names, numbers and single words decide nothing: a gate must not re-ask over them."""
    found = detect(text)
    assert found.language == "unknown"
    assert not found.is_not("es") and not found.is_not("en")


def test_is_not_is_true_only_for_a_confident_other_language():
    """The issue's case: a Spanish course showing 'The basics of photography'."""
    assert detect("The basics of photography").is_not("es")
    assert not detect("The basics of photography").is_not("en")


def test_a_mixed_text_follows_the_majority():
    text = ("Las fracciones describen partes de un todo y el numerador cuenta las partes. "
            "See also: fractions.")
    assert detect(text).language == "es"


def test_huge_text_is_read_only_up_to_a_bound():
    """Linear and bounded: a megabyte of text costs what its first 20,000 characters do."""
    found = detect("Las plantas convierten la luz en azúcar. " * 30000)
    assert found.language == "es" and found.evidence < 10000
