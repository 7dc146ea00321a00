"""Private: turn the common slips of small models into the schema's shapes before validation.

``coerce(data, model, log)`` walks a decoded JSON value along ``model``'s fields and returns a
fixed copy; every change is appended to ``log`` as ``"path: old → new"``. It only makes changes
whose meaning is unambiguous:

- keys: ``learningObjectives``/``Key Points``/``título`` → the schema's snake_case English name;
  ``{"course": {...}}`` is unwrapped; a bare list becomes ``{"lessons": [...]}`` etc. when the
  model has exactly one list field;
- ``language`` "English"/"español"/"en-US" → ``"en"``/``"es"``; ``level`` "Beginner"/
  "principiante" → ``"beginner"`` (a phrase naming two levels is left alone);
- numbers: ``"45"``, ``"45 min"``, ``"1 hour"`` (→ 60 for minutes), ``"10 hours"``, ``"1,5 horas"``;
- ``answer`` given as a letter (``"B"``, ``"b)"``, ``"Option B"``) or as an option's text; a
  1-based index is *not* guessed; ``options`` given as ``{"A": ..., "B": ...}`` → a list;
- a single string where a list of strings is expected → ``[string]`` (tags: split on commas);
  ``null`` where a list is expected → ``[]``; a list of paragraphs for a long text → joined;
  a list of ``{"title": ...}`` where titles are expected → the titles.

``fold(text)`` casefolds and strips accents, for comparisons.

Example::

    >>> log = []
    >>> coerce({"pregunta": "2+2?", "options": ["3", "4"], "answer": "B"}, QuizQuestion, log)
    {'options': ['3', '4'], 'answer': 1, 'question': '2+2?'}
    >>> log
    ["(root): key 'pregunta' → 'question'", "answer: 'B' → 1"]
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

__all__ = ["coerce", "fold"]

_LANGUAGES = {
    "en": {"en", "eng", "english", "ingles", "anglais", "englisch"},
    "es": {"es", "spa", "spanish", "espanol", "castellano", "castilian", "espagnol"},
}
_LEVELS = {
    "beginner": {"beginner", "beginners", "novice", "basic", "basics", "introductory", "intro",
                 "elementary", "entry", "easy", "principiante", "principiantes", "basico",
                 "basica", "inicial", "iniciacion", "introductorio", "elemental", "facil"},
    "intermediate": {"intermediate", "medium", "moderate", "intermedio", "intermedia", "medio"},
    "advanced": {"advanced", "expert", "experts", "hard", "avanzado", "avanzada", "experto",
                 "experta", "dificil"},
}
# Other spellings of field names → the canonical names they may stand for, first match wins.
_SYNONYMS = {
    "titulo": ["title"], "name": ["title"], "descripcion": ["description"],
    "idioma": ["language"], "lang": ["language"], "lengua": ["language"],
    "nivel": ["level"], "difficulty": ["level"], "dificultad": ["level"],
    "audiencia": ["audience"], "publico": ["audience"], "publico_objetivo": ["audience"],
    "target_audience": ["audience"], "prerequisitos": ["prerequisites"],
    "prerrequisitos": ["prerequisites"], "requisitos": ["prerequisites"],
    "requirements": ["prerequisites"], "objectives": ["objectives", "learning_objectives"],
    "objetivos": ["objectives", "learning_objectives"], "goals": ["learning_objectives"],
    "objetivos_de_aprendizaje": ["learning_objectives"], "hours": ["estimated_hours"],
    "horas": ["estimated_hours"], "horas_estimadas": ["estimated_hours"],
    "estimated_duration_hours": ["estimated_hours"], "modulos": ["modules"],
    "resumen": ["summary"], "lecciones": ["lessons", "lesson_titles"],
    "lessons": ["lessons", "lesson_titles"], "lesson_names": ["lesson_titles"],
    "titulos_de_lecciones": ["lesson_titles"], "contenido": ["content"], "body": ["content"],
    "duration": ["duration_minutes"], "duracion": ["duration_minutes"],
    "duracion_minutos": ["duration_minutes"], "minutes": ["duration_minutes"],
    "minutos": ["duration_minutes"], "puntos_clave": ["key_points"],
    "keypoints": ["key_points"], "key_takeaways": ["key_points"], "takeaways": ["key_points"],
    "ideas_clave": ["key_points"], "quiz": ["quiz", "questions"], "quizzes": ["quiz"],
    "questions": ["questions", "quiz"], "preguntas": ["questions", "quiz"],
    "cuestionario": ["quiz", "questions"], "pregunta": ["question"], "opciones": ["options"],
    "choices": ["options"], "respuesta": ["answer"], "correct_answer": ["answer"],
    "answer_index": ["answer"], "correct_option": ["answer"], "correct": ["answer"],
    "respuesta_correcta": ["answer"], "explicacion": ["explanation"],
    "rationale": ["explanation", "reason"], "etiquetas": ["tags"], "keywords": ["tags"],
    "palabras_clave": ["tags"], "category": ["label"], "categoria": ["label"],
    "class": ["label"], "etiqueta": ["label"], "razon": ["reason"], "motivo": ["reason"],
    "explanation": ["explanation", "reason"], "justification": ["reason"],
}
_LONG_TEXT = {"content", "description", "summary", "explanation", "audience", "reason"}
_NUMBER = re.compile(
    r"^(?:about|approx\.?|approximately|around|roughly|~|aprox\.?|aproximadamente|unas?|"
    r"cerca de)?\s*(\d+(?:[.,]\d+)?)\s*([a-z]*)\.?$"
)
_HOUR_UNITS = {"h", "hr", "hrs", "hour", "hours", "hora", "horas"}
_MINUTE_UNITS = {"m", "min", "mins", "minute", "minutes", "minuto", "minutos"}
_LETTER = re.compile(
    r"^(?:(?:the\s+)?(?:correct\s+)?(?:option|answer|choice|opcion|respuesta)\s*:?\s*)?"
    r"\(?([a-f])\)?(?:[.):]\s*(.*))?$"
)
_OPTION_PREFIX = re.compile(r"^\(?[a-f][.)]\s+")


def fold(text: str) -> str:
    """Casefold and drop accents: ``"Español"`` → ``"espanol"``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def _key(name: str) -> str:
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return re.sub(r"[^a-z0-9]+", "_", fold(snake)).strip("_")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(text))


def _language(value: str) -> str | None:
    words = set(_words(value))
    found = {code for code, names in _LANGUAGES.items() if names & words}
    return found.pop() if len(found) == 1 else None


def _level(value: str) -> str | None:
    words = set(_words(value))
    found = {level for level, names in _LEVELS.items() if names & words}
    return found.pop() if len(found) == 1 else None


def _number(value: str, field: str) -> float | None:
    match = _NUMBER.match(fold(value))
    if not match:
        return None
    number, unit = float(match.group(1).replace(",", ".")), match.group(2)
    if unit and unit not in _HOUR_UNITS | _MINUTE_UNITS:
        return None
    if field.endswith("minutes") and unit in _HOUR_UNITS:
        number *= 60
    elif field.endswith("hours") and unit in _MINUTE_UNITS:
        number /= 60
    return int(number) if number.is_integer() else number


def _answer(value: Any, options: Any) -> Any:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool):  # never 0/1: match a "True"/"False" option or fail validation
        value = str(value).lower()
    if not isinstance(value, str) or not isinstance(options, list):
        return value
    wanted = fold(value)
    texts = [fold(o) if isinstance(o, str) else None for o in options]
    for strip in (False, True):
        for i, text in enumerate(texts):
            if text is not None and (_OPTION_PREFIX.sub("", text) if strip else text) == wanted:
                return i
    match = _LETTER.match(wanted)
    if match:
        return "abcdef".index(match.group(1))
    return value


def _targets(key: Any, fields: dict[str, Any]) -> list[str]:
    norm = _key(str(key))
    return [t for t in [norm, *_SYNONYMS.get(norm, [])] if t in fields]


def _rename_keys(data: dict, fields: dict[str, Any], path: str, log: list[str]) -> dict:
    out = dict(data)
    for key in list(data):
        if key in fields:
            continue
        target = next((t for t in _targets(key, fields) if t not in out), None)
        if target:
            out[target] = out.pop(key)
            log.append(f"{path or '(root)'}: key {key!r} → {target!r}")
    return out


def _unwrap(data: Any, model: type[BaseModel], log: list[str]) -> Any:
    fields = model.model_fields
    list_fields = [n for n, f in fields.items() if get_origin(f.annotation) is list]
    if isinstance(data, list) and len(fields) == 1 and list_fields:
        log.append(f"(root): bare list → {{{list_fields[0]!r}: [...]}}")
        return {list_fields[0]: data}
    if isinstance(data, dict) and len(data) == 1:
        ((key, inner),) = data.items()
        if isinstance(inner, dict) and not _targets(key, fields):
            log.append(f"(root): unwrapped {key!r}")
            return inner
    return data


def _field(value: Any, name: str, ann: Any, path: str, log: list[str]) -> Any:
    origin, args = get_origin(ann), get_args(ann)
    new = value
    if origin is list:
        item = args[0] if args else Any
        if value is None:
            new = []
        elif isinstance(value, dict) and isinstance(item, type) and issubclass(item, BaseModel):
            new = [value]
        elif isinstance(value, str) and item is str:
            new = [t.strip() for t in value.split(",")] if name == "tags" else [value]
        if isinstance(new, list) and item is str and any(isinstance(v, dict) for v in new):
            new = [v["title"] if isinstance(v, dict) and isinstance(v.get("title"), str)
                   else v for v in new]
        if new is not value:
            log.append(f"{path}: {_short(value)} → {_short(new)}")
        if isinstance(new, list) and isinstance(item, type) and issubclass(item, BaseModel):
            return [coerce(v, item, log, f"{path}[{i}]") for i, v in enumerate(new)]
        return new
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return coerce(value, ann, log, path)
    elif isinstance(value, str) and origin is Literal:
        if name == "language":
            new = _language(value) or value
        elif name == "level":
            new = _level(value) or value
        new = next((a for a in args if fold(str(a)) == fold(new)), new)
    elif isinstance(value, str) and ann in (int, float):
        number = _number(value, name)
        new = value if number is None else number
    elif ann is str and name in _LONG_TEXT and isinstance(value, list) and value and all(
            isinstance(v, str) for v in value):
        new = "\n\n".join(value)
    if new is not value and new != value:
        log.append(f"{path}: {_short(value)} → {_short(new)}")
    return new


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def coerce(data: Any, model: type[BaseModel], log: list[str], path: str = "") -> Any:
    """Return ``data`` with ``model``'s common slips fixed; append each change to ``log``."""
    if not path:
        data = _unwrap(data, model, log)
    if not isinstance(data, dict):
        return data
    fields = model.model_fields
    data = _rename_keys(data, fields, path, log)
    out = dict(data)
    for name, info in fields.items():
        if name in data:
            out[name] = _field(data[name], name, info.annotation, f"{path}.{name}".lstrip("."), log)
    if "options" in fields and "answer" in fields:
        options = out.get("options")
        if isinstance(options, dict) and all(isinstance(k, str) for k in options):
            out["options"] = list(options.values())
            log.append(f"{path}.options: object → list of its values".lstrip("."))
            if "answer" in out and isinstance(out["answer"], str):
                keys = [fold(k) for k in options]
                if fold(out["answer"]) in keys:
                    out["answer"] = keys.index(fold(out["answer"]))
        if "answer" in out:
            before = out["answer"]
            out["answer"] = _answer(before, out.get("options"))
            if out["answer"] is not before and out["answer"] != before:
                log.append(f"{path}.answer: {_short(before)} → {out['answer']!r}".lstrip("."))
    return out
