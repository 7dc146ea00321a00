"""Which language a text is in, English or Spanish: pure Python, fast, honest about doubt.

Public names: ``detect``, ``Detection``, ``LANGUAGES``.

LocalLoom writes in English and Spanish. This detector tells the two apart (and says
``"unknown"`` when a text gives too little evidence, as titles like "Python 3" do) so that a
text task can answer in the language of its text when the browser has no ``LanguageDetector``,
and so that a course written in the wrong language is caught. It scores function words that
belong to one language only, letters and affixes one language uses (ñ, á, ¿, "-ción" against
"th", "w", "-ing"), and needs a margin before it decides::

    >>> detect("Introducción a la fotografía digital").language
    'es'
    >>> detect("The basics of photography").language
    'en'
    >>> detect("Python 3").language
    'unknown'

Why not a library: PyPI's pure-Python detectors carry profiles for dozens of languages
(langdetect: random sampling, no release since 2021; simplemma: megabytes of dictionaries), or
need NumPy or native code that Pyodide lacks; two languages need a few hundred words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["LANGUAGES", "Detection", "detect"]

LANGUAGES = ("en", "es")

# Words frequent in one language and absent (or rare) in the other. Shared spellings such as
# "a", "no", "me", "he", "son", "come", "once", "red", "sea" are left out on purpose.
_EN_WORDS = """
the and of to in is are was were be been being that this these those it its with for on by from
as at or an which what who whom whose when where why how will would can could should shall may
might must have has had having do does did not but if then than so you your yours we our ours
they their them he his she her him my mine i us about into over under after before between
through during without within because while also just only very more most some any each every
other such same own both all few many much there here out up down off again further once too
learn learning lesson lessons course module basics basic introduction guide how what step steps
use using used make making made get getting first second new way ways work working understand
understanding key points overview practice practical tips simple example examples what's it's
don't can't isn't you'll we'll let's home garden photography cooking writing reading skills
"""
_ES_WORDS = """
el la los las lo un una unos unas del al de que y en por con para es son está están ser estar
fue era sus su se le les nos mi mis tu tus este esta estos estas ese esa esos esas aquel
aquella cómo qué cuál cuáles quién dónde cuándo cuánto porque pero sino también muy más menos
ya sin sobre entre hasta desde durante según hacia mediante cada todo todos toda todas otro
otra otros otras mismo misma ni o u e ha han hay hemos puede pueden debe deben tiene tienen
hace hacer como cuando donde mientras aunque además así bien mejor primero primera segundo
segunda nuevo nueva nuevos nuevas forma formas trabajo entender aprender aprendizaje lección
lecciones curso módulo conceptos básicos básico básica introducción guía paso pasos usar uso
ejemplo ejemplos práctica prácticas consejos puntos clave cómo qué también aquí allí
fotografía cocina escritura lectura habilidades jardín casa
"""
_EN = frozenset(_EN_WORDS.split())
_ES = frozenset(_ES_WORDS.split())

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_ES_LETTERS = re.compile(r"[ñáéíóúü¿¡]")
_ES_AFFIX = re.compile(r"(?:ción|ciones|sión|siones|mente|idad|idades|ando|iendo|ados|adas|"
                       r"ería|ista|ismo|aje)$|^(?:des|est|esp)")
_EN_AFFIX = re.compile(r"(?:tion|tions|ing|ings|ness|ful|less|ship|ough|ight|ly|ed)$|"
                       r"th|w|k|sh|ph|oo|ee|y$")
#: Evidence (in word units) needed before deciding, and the margin the winner needs.
MIN_EVIDENCE = 1.5
MIN_MARGIN = 0.34


@dataclass(frozen=True)
class Detection:
    """``language`` is "en", "es" or "unknown"; ``confidence`` in [0, 1]; ``evidence`` the
    summed scores (how much the text said), for callers that weigh short texts less."""

    language: str
    confidence: float
    evidence: float

    def is_not(self, language: str) -> bool:
        """True only when the text is confidently in another language than ``language``."""
        return self.language not in ("unknown", language)


def _scores(text: str) -> tuple[float, float]:
    en = es = 0.0
    for raw in _WORD.findall(text):
        word = raw.casefold()
        if word in _EN:
            en += 1.0
        elif word in _ES:
            es += 1.0
        elif len(word) >= 3:
            if _ES_LETTERS.search(word):
                es += 0.8
            elif _ES_AFFIX.search(word):
                es += 0.4
            elif _EN_AFFIX.search(word):
                en += 0.4
    es += 0.8 * len(re.findall(r"[¿¡]", text))
    return en, es


def detect(text: str) -> Detection:
    """The language of ``text`` ("en", "es" or "unknown"), with its confidence."""
    en, es = _scores(text[:20000])
    total = en + es
    if total < MIN_EVIDENCE:
        return Detection("unknown", 0.0, total)
    margin = abs(en - es) / total
    if margin < MIN_MARGIN:
        return Detection("unknown", round(margin, 3), total)
    return Detection("en" if en > es else "es", round(margin, 3), total)
