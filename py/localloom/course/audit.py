"""Read a course as a learner would: wrong language, near-duplicates, echoes, placeholders.

Public names: ``title_problem``, ``text_problem``, ``near_duplicates``, ``similar``,
``echoes``, ``key_problem``, ``options_problem``, ``numeric_options_problem``,
``opinion_problem``, ``off_topic``, ``course_off_topic``,
``off_topic_modules``, ``explained_option``, ``audit_course``, ``content_stems``,
``subject_roots``, ``no_module_on_topic``, ``description_off_topic``, ``broken_word``,
``mend_broken_words``, ``outline_off_topic``, ``borrowed_subject``, ``FORM_WORDS``,
``FIELD_NAMES``.

A course can validate and still be worthless: "1.0" as a lesson title, the topic repeated as
every module title, "es" as the audience, ``["module", "title", "description"]`` (the
schema's own field names) as learning objectives, a Spanish course in English, a quiz whose
options are "1.1 / 1.2 / 1.3". These checks find such text; the generator's quality gates
re-ask with the problem named, and ``build.py bench --quality`` counts what slipped through::

    >>> title_problem("1.0", topic="Fotografía digital")
    'is a number or a numbered placeholder, not a title'
    >>> similar("Basic photography basics", "Photography basics")
    True
    audit_course(course.model_dump(), topic="Fotografía digital", language="es")
    # {"language_share": 0.93, "near_duplicate_lesson_titles": [...], ...}
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from difflib import SequenceMatcher
from typing import Any

from localloom.course.cuts import ends_mid_phrase
from localloom.language import detect

__all__ = [
    "ECHO_PROBLEM",
    "FIELD_NAMES",
    "FORM_WORDS",
    "audit_course",
    "borrowed_subject",
    "broken_word",
    "content_stems",
    "course_off_topic",
    "description_off_topic",
    "echoes",
    "explained_option",
    "key_problem",
    "mend_broken_words",
    "near_duplicates",
    "no_module_on_topic",
    "numeric_options_problem",
    "off_topic",
    "off_topic_modules",
    "opinion_problem",
    "options_problem",
    "outline_off_topic",
    "same_options",
    "sentences",
    "similar",
    "subject_roots",
    "text_problem",
    "title_problem",
]  # fmt: skip

#: Words of the course form: a title, audience or objective made of one of these is an echo.
FORM_WORDS = frozenset("""en es english spanish inglés ingles español espanol castellano
beginner beginners intermediate advanced principiante principiantes intermedio avanzado
tiny short standard corto estándar estandar""".split())
#: The schema's own field names, which small models copy as content.
FIELD_NAMES = frozenset("""title titles description language level audience prerequisites
learning_objectives objectives estimated_hours modules module summary lessons lesson
lesson_titles content duration_minutes key_points quiz question questions options option
answer explanation tags label reason name text json""".split())
_NUMBERED_WORD = (r"(?:lesson|lecci[oó]n|leccion|module|m[oó]dulo|unit|unidad|part|parte|"
                  r"chapter|cap[ií]tulo|question|pregunta|topic|tema|section|secci[oó]n|option|"
                  r"opci[oó]n|step|paso|title|t[ií]tulo|item|objective|objetivo)")
#: "1.0", "Lesson 1", and "Question 1A" / "Question 2B" (a quiz's options, natively).
_NUMBERED = re.compile(rf"(?:{_NUMBERED_WORD}\s*)?[#nº°]?\s*[\d.,:)\-]+|"
                       rf"{_NUMBERED_WORD}\s*[#nº°]?\s*\d+\s*[a-z]", re.IGNORECASE)
#: A text that names a slot of the quiz: options "Question 1A" / "Question 2B" (natively).
_SLOT = re.compile(r"(?:question|pregunta|option|opcion|answer|respuesta)\s*[#nº°]?\s*\d+\s*"
                   r"[a-z]?", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\.{2,}|…|tbd|todo|untitled|sin t[ií]tulo|lorem ipsum|"
                          r"(?:your|tu|su) (?:title|t[ií]tulo) here|xxx+|n/?a", re.IGNORECASE)
#: Field names that are also fair titles ("Summary", "Quiz"): not flagged as titles.
_TITLE_WORDS = frozenset("summary quiz content language level tags objectives".split())
_STOP = frozenset("""a an the of to in on for and or with your you how what why from into by at
is are it its this that be el la los las lo le les un una unos unas de del al y e o u en con
para por tu su sus mi mis se como qué que cómo""".split())


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


#: An English contraction's or possessive's ending: "What's a computer?" says what "What is a
#: computer?" says (two lesson titles of one course, in the page).
_CLITIC = re.compile(r"(?<=[^\W\d_])['’](?:s|re|ll|ve|d|m|t)\b", re.IGNORECASE)


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", _fold(_CLITIC.sub("", text)))


def _stem(word: str) -> str:
    for suffix in ("es", "s"):
        if len(word) > 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_stems(text: str) -> list[str]:
    """``text``'s content words as the near-duplicate check compares them: folded, without
    stop words, plurals cut."""
    return [_stem(w) for w in _words(text) if w not in _STOP]


#: Words that say the same thing in a question: "¿Cuántos volcanes existen hoy?" and
#: "¿Cuántos volcanes hay hoy?" were one quiz's two questions (in the page).
_SAME = {w: "exist" for w in """hay existe existen existir existia existian habia habian
exist""".split()}


def similar(a: str, b: str, *, variants: bool = False) -> bool:
    """Near-duplicates: the same content words (plurals, order, stop words and ``_SAME``'s
    synonyms ignored), one title's words inside the other's (two or more of them), or one
    word changed into a variant of itself ("Photograph basics" / "Photography basics").
    ``variants`` (quiz questions): also three or more words inside the other's with
    spelling variants as one word ("¿Cuántos volcanos existen?" / "¿Cuántos volcanes existen
    hoy?", two quizzes of one course in the page)."""
    wa, wb = ([_SAME.get(w, w) for w in content_stems(t)] for t in (a, b))
    if not wa or not wb:
        return _fold(a).strip() == _fold(b).strip()
    sa, sb = set(wa), set(wb)
    if sa == sb:
        return True
    small, large = (sa, sb) if len(sa) <= len(sb) else (sb, sa)
    if len(small) >= 2 and small <= large:
        return True
    if variants:
        va = {next((x for x in sb if _variant(x, w)), w) for w in sa}
        small, large = (va, sb) if len(va) <= len(sb) else (sb, va)
        if len(small) >= 3 and small <= large:
            return True
    if len(sa) == len(sb) == 1 and not sa & sb:  # "Vaccines" / "Vaccination" (a quiz's options)
        x, y = next(iter(sa)), next(iter(sb))
        return min(len(x), len(y)) >= 4 and (x.startswith(y) or y.startswith(x))
    only_a, only_b = sa - sb, sb - sa
    if len(only_a) == len(only_b) == 1 and len(sa & sb) >= 1:
        x, y = next(iter(only_a)), next(iter(only_b))
        if min(len(x), len(y)) >= 4 and (x.startswith(y) or y.startswith(x)):
            return True  # "Intro" / "Introduction"
        return min(len(x), len(y)) >= 5 and SequenceMatcher(None, x, y).ratio() >= 0.8
    return False


#: Function words the stop list leaves, and "course": the near-duplicate check keeps them,
#: but they say nothing about a subject (nor are they a refused answer's words to steer
#: off). A Python quiz's "¿Cuál es el nivel de población … desde hace 135.000 años?" shared
#: only "desde" with its module's lessons (in the page), a genetics question in the same
#: course only "tres".
_FUNCTION_WORDS = """desde hasta entre sobre hacia según segun durante donde cuando
porque pero también cada todo todos toda todas otro otros otra otras mucho mucha muchos muchas
este esta estos estas esos esas estar están está sido hace hacen siempre nunca solo sólo antes
después aunque cualquier mismo misma principal principales
there their they them then than when where will would could should have been were this that
these those with also more most many much some other each every very such only just over
under after before between through does doing done main course courses curso cursos
muy más mas sin hay son fue ser not but all can has was our any
uno dos tres cuatro cinco seis siete ocho nueve diez primero primera segundo segunda tercero
tercera one two three four five six seven eight nine ten second third""".split()
#: Roots of words any subject uses ("diferencia", "tipos", "introducción", "learn",
#: "elemento"): sharing one of these does not make two texts about the same thing.
_GENERIC = frozenset("""difer tipo tipos mejor tiene tener hacer puede usar forma parte cosas
ejemp impor bueno nuevo gener intro basic basico apren descu discu conoc cual cuale cuant
diffe type types bette make makes using thing examp good best learn about which first
kind kinds know prime begin eleme""".split()) | {_stem(_fold(w))[:5] for w in _FUNCTION_WORDS}


def subject_roots(text: str, min_len: int = 1) -> set[str]:
    """Content words by their first five letters ("composting" ~ "compost", "volcanos" ~
    "volcanes", "formaron" ~ "forman"): the spelling variants a small model writes. Words
    any subject uses are left out."""
    return {w[:5] for w in content_stems(text)
            if len(w) >= min_len and not w.isdigit() and w[:5] not in _GENERIC}


def borrowed_subject(question: str, about: Iterable[str],
                     subjects: Iterable[frozenset[str]]) -> bool:
    """True when ``question`` asks about a worked example's subject: two or more subject words
    (5+ letters), every one of them among one example's roots (``subjects``, one set per
    worked course: "aplicación, nombre, fecha, tiempo" spread over four examples is no
    subject of theirs), and no word of it in ``about`` (the module's topic, titles and key
    points). "¿Qué diferencia al arábica y al
    robusta?" (the coffee example's question, reworded) in a quiz on house plants passed the
    off-topic check natively because an option said "planta"."""
    asked = subject_roots(question, 5)
    known = {root for text in about for root in subject_roots(text)}
    return (len(asked) >= 2 and any(asked <= subject for subject in subjects)
            and not subject_roots(question) & known)  # "your dog's food" in a dog course


def off_topic(texts: list[str], topic: str, min_len: int = 4) -> bool:
    """True when none of the topic's content words (``min_len``+ letters, compared by their
    first five letters) appears in ``texts``: a course (or a quiz) about something else."""
    wanted = subject_roots(topic, min_len)
    if not wanted:
        return False
    seen = {root for text in texts for root in subject_roots(text)}
    return not wanted & seen


def course_off_topic(course: dict[str, Any], topic: str) -> bool:
    """True when the course's description and modules (titles, summaries, lesson titles) name
    none of the topic's words (3+ letters: "dog", "tea"; generic ones such as "primeros" or
    "beginners" left out). The title does not count: a base model's is pinned to the topic,
    and "Primeros auxilios básicos" was a course on cooking under it."""
    modules = course.get("modules") or []
    texts = [course.get("description", "")] + [
        text for m in modules
        for text in (m.get("title", ""), m.get("summary", ""), *_lesson_titles(m))]
    return bool(topic) and off_topic(texts, topic, min_len=3)


def description_off_topic(course: dict[str, Any], topic: str) -> bool:
    """True when the description shares no word with the topic, the course's title or any
    module or lesson title: "Los volcanes y cómo se forman" (in the page) was described as
    a course on multiplication tables over modules on volcanoes. Titles count, so "Keep your
    pet clean" describes "Caring for a dog" with a module "Cleaning your dog's kennel";
    summaries and objectives do not (the volcano course's mixed both subjects)."""
    titles = [topic, course.get("title", ""), *(
        text for m in course.get("modules") or [] for text in (m.get("title", ""),
                                                                *_lesson_titles(m)))]
    description = course.get("description", "")
    if set(re.findall(r"\b[A-Z]{2,5}\b", description)) & _acronyms(topic):
        return False  # "la metodología ML" in "Introducción a Machine Learning"
    return bool(topic) and off_topic([description], " ".join(titles), min_len=3)


def _acronyms(text: str) -> set[str]:
    """The initials of every run of two to five consecutive content words ("ML" and "IML"
    of "Introducción a Machine Learning")."""
    initials = [w[0].upper() for w in re.findall(r"[^\W\d_]+", text) if _fold(w) not in _STOP]
    return {"".join(initials[i:j]) for i in range(len(initials))
            for j in range(i + 2, min(len(initials), i + 5) + 1)}


def no_module_on_topic(course: dict[str, Any], topic: str) -> bool:
    """True when no module (title, summary, lesson titles) names any of the topic's words: a
    course on something else under an on-topic description. "Nutrición y alimentación
    saludable" (in the page): a description on family meals, from one answer, and two modules
    on Mendel's genetics (a worked example's subject), from another."""
    modules = course.get("modules") or []
    texts = [text for m in modules
             for text in (m.get("title", ""), m.get("summary", ""), *_lesson_titles(m))]
    return bool(topic) and bool(modules) and off_topic(texts, topic, min_len=3)


def outline_off_topic(course: dict[str, Any], topic: str) -> bool:
    """True when an answer lends no module to another: none of its modules names the topic,
    or neither its description nor its modules do (a worked example's subject)."""
    return bool(topic) and (no_module_on_topic(course, topic) or course_off_topic(course, topic))


def _lesson_titles(module: dict[str, Any]) -> list[str]:
    """An outline module's lesson titles, or a course module's lessons' titles."""
    return module.get("lesson_titles") or [
        les.get("title", "") for les in module.get("lessons") or []]


def off_topic_modules(course: dict[str, Any], topic: str = "") -> list[int]:
    """Indexes of the modules (title, summary, lesson titles) that share no content word with
    the topic and the rest of the course: a fractions course's module on vaccines. The rest
    of the course counts, so "Introduction to Networks" stays in "How the internet works";
    a course of one module has no rest to compare with ("Light and water" is fair in a
    Tiny course on photosynthesis), so none of its modules is named."""
    modules = course.get("modules") or []
    if len(modules) < 2:
        return []
    found = []
    for i, module in enumerate(modules):
        lessons = _lesson_titles(module)
        rest = " ".join([topic, course.get("title", ""), course.get("description", ""), *(
            f"{m.get('title', '')} {m.get('summary', '')}"
            for j, m in enumerate(modules) if j != i)])
        if off_topic([module.get("title", ""), module.get("summary", ""), *lessons], rest):
            found.append(i)
    return found


def _variant(a: str, b: str) -> bool:
    """One word written as a variant of the other ("volcanos" / "volcan", "formaron" /
    "forman"), not merely sharing a root ("photon" / "photosynthesi")."""
    if a == b:
        return True
    pairs = enumerate(zip(a, b, strict=False))
    shared = next((i for i, (x, y) in pairs if x != y), min(len(a), len(b)))
    return shared >= 5 and shared >= 0.6 * max(len(a), len(b))


def _damaged_echo(mine: list[str], matched: list[str], theirs: list[str]) -> bool:
    """The topic of three or more words with one word changed into another of the same first
    three letters: "Primeros auxilios bases" and "Primeros auxilios basales"
    for "Primeros auxilios básicos" (module titles, natively; DRY penalises the exact copy)."""
    rest = [t for t in theirs if not any(_variant(w, t) for w in matched)]
    others = [w for w in mine if w not in matched]
    return (len(theirs) >= 3 and len(rest) == len(others) == 1
            and len(others[0]) >= 3 and rest[0][:3] == others[0][:3])


def echoes(title: str, topic: str) -> bool:
    """True when ``title`` only restates ``topic``: each of its content words is one of the
    topic's (or a variant of it) and they cover most of the topic, e.g. "Los volcanos y cómo
    se formaron" for "Los volcanes y cómo se forman", "Fracciones para primaria" for
    "Fracciones para la escuela primaria"; "La imprenta" names a part of "Historia de la
    imprenta"."""
    mine = [w for w in content_stems(title) if not w.isdigit()]
    theirs = [w for w in content_stems(topic) if not w.isdigit()]
    if not mine or not theirs:
        return False
    matched = [w for w in mine if any(_variant(w, t) for t in theirs)]
    if len(matched) < len(mine):
        return _damaged_echo(mine, matched, theirs)
    covered = [t for t in theirs if any(_variant(w, t) for w in mine)]
    return len(covered) >= 0.6 * len(theirs)


def near_duplicates(texts: list[str], *, variants: bool = False) -> list[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, of texts that say the same thing (``similar``)."""
    return [(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts))
            if similar(texts[i], texts[j], variants=variants)]


#: Options a true/false or yes/no quiz gives every question: the same set is no repeat there.
_CHOICE_WORDS = frozenset({"true", "false", "verdadero", "falso", "yes", "no", "si",
                           "not sure", "no se", "depends", "depende"})


def same_options(option_lists: list[list[str]]) -> list[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, of questions offering the same options in any order
    and letter case: "What is an immunization?" and "What is vaccination?" both offered
    "vaccination / immunization / vaccine" (in the page), so a learner reads one choice
    twice and at most one key can be right for what each asks. True/false and yes/no sets
    are left alone."""
    keys = [frozenset(_fold(str(o)).strip(" .!?¡¿") for o in options)
            for options in option_lists]
    return [(i, j) for i in range(len(keys)) for j in range(i + 1, len(keys))
            if keys[i] == keys[j] and len(keys[i]) > 1 and not keys[i] <= _CHOICE_WORDS]


def _is_field_fragment(word: str) -> bool:
    return len(word) >= 3 and any(name.startswith(word) for name in FIELD_NAMES)


#: ``title_problem``'s verdict on a title that is the course topic (or a damaged copy of it).
ECHO_PROBLEM = "repeats the course topic instead of naming a part of it"


def title_problem(title: str, *, topic: str = "", letters_ok: bool = False) -> str | None:
    """Why ``title`` is not a real title (number, placeholder, form or schema word, a word
    broken by a space, the topic itself), or None. ``letters_ok``: a lone letter may be a
    subject (a quiz question "¿Qué letra va después de la letra b?")."""
    text = title.strip()
    folded = _fold(text).strip(" .:;-_*#\"'“”‘’«»")
    if not re.search(r"[^\W\d_]{2}", text):
        return "is a number or a numbered placeholder, not a title"
    if _NUMBERED.fullmatch(folded) or _PLACEHOLDER.fullmatch(folded):
        return "is a number or a numbered placeholder, not a title"
    if re.search(r"[\"“”'’]\s*:\s*$", text):  # 'language”:' (vaccines, in the page)
        return "ends in JSON syntax (a quote and a colon): the answer's form leaking in"
    if re.search(r"[{}]|[\"'”’]\s*[\]}]", text):  # "kitchener']}, {" (natively)
        return "holds JSON syntax (brackets and quotes): the answer's form leaking in"
    if _glued(text):
        return "is two titles joined by a quote, a comma and a quote: the answer's form leaking in"
    if _PROFANE.search(folded):
        return "is rude; write words a teacher would use"
    if not letters_ok and (piece := broken_word(text)):
        return f"has a word broken by a space ({piece!r}); write whole words"
    if folded in FORM_WORDS:
        return f"repeats the form's setting {text!r} instead of naming content"
    if folded not in _TITLE_WORDS and (folded.replace(" ", "_") in FIELD_NAMES or (
            " " not in folded and _is_field_fragment(folded))):
        return f"is the field name {text!r}, not content"
    if topic and echoes(text, topic):
        return ECHO_PROBLEM
    return None


#: A word, a space, then one lower-case letter and no more: "Los volcane s", "Los volcan e,
#: los valles e, el agua" (module titles of one course, in the page; llama.cpp's DRY sampler
#: penalises copying the topic's phrase from the prompt, and the model split the word).
_SPLIT = r"([^\W\d_]{3,})[ \t]+([a-z])(?![\w'’])"
_LONE_LETTER = re.compile(_SPLIT + r"(?=\s*(.?))")
#: Consonants that stand alone in a title only as a variable or a name ("Sum of n",
#: "Solving for x"); the vowels and "y" are words ("a", "e", "o", "u", "y") unless a
#: phrase ends after them.
_VARIABLES = frozenset("nxyz")


def _is_broken(match: re.Match[str]) -> bool:
    letter, after = match.group(2), match.group(3)
    if letter in "aeiouy":
        return after in (",", ";", ":", ".", ")", "/")
    return letter not in _VARIABLES


def broken_word(text: str) -> str | None:
    """The piece of ``text`` where a word is broken by a space ("volcane s"), or None: a
    lone lower-case consonant after a word, or a lone vowel (or "y") that ends a phrase ("los
    valles e," — a conjunction joins two words; one that ends the text is a phrase cut
    short, not a broken word)."""
    match = next((m for m in _LONE_LETTER.finditer(text) if _is_broken(m)), None)
    return None if match is None else f"{match.group(1)} {match.group(2)}"


def mend_broken_words(text: str, source: str) -> str:
    """``text`` with each word a space broke joined again where ``source`` (the topic) or
    the plural says which word it was: "Los volcane s" and "Los volcan e," are "Los
    volcanes" for the topic "Los volcanes y cómo se forman", "Auxilios basic s" is "Auxilios
    básicos" for "Primeros auxilios básicos" (in the page), "Cooking basic s" is "Cooking
    basics". Any other split is left for ``title_problem`` to refuse."""
    known = {_fold(w): w for w in re.findall(r"[^\W_]+", source)}

    def join(match: re.Match[str]) -> str:
        word, letter = match.group(1), match.group(2)
        if not _is_broken(match):
            return match.group(0)
        joined = _fold(word + letter)
        if joined in known:
            return word + letter
        like = next((w for f, w in known.items() if _variant(joined, f)), None)
        if like is not None:
            return word[0] + like[1:]
        return word + letter if letter == "s" else match.group(0)
    return _LONE_LETTER.sub(join, text)


def _glued(title: str) -> bool:
    """'What You Can Do On The Internet”, “How To Find A Website' (in the page): a closing
    quote, a comma and an opening quote after words that no quote opened, so the quotes are
    the list's, not the title's ('Los verbos “ser”, “estar”' opens its own)."""
    match = re.search(r"[\"”]\s*,\s*[\"“]", title)
    if match is None:
        return False
    before = title[:match.start()]
    return not re.search(r"[\"“]", before) and len(before.split()) >= 2


#: Swear words (folded, whole words) no course for learners should print, in English and
#: Spanish; mild or ambiguous words ("crap", "hostia", "dick") are left out.
_PROFANE = re.compile(r"\b(?:fuck\w*|motherfuck\w*|shit\w*|bitch\w*|asshole\w*|cunt\w*|mierda\w*|"
                      r"joder|jodid[oa]s?|put[oa]s?|cabron\w*|gilipollas|pendej\w*|"
                      r"cojon\w*)\b")


def text_problem(text: str, *, language: str = "", min_words: int = 0,
                 numbers_ok: bool = False) -> str | None:
    """Why a body text (summary, content, objective, option…) is not usable, or None.
    ``numbers_ok``: a quiz option may be a number ("3", "1/2", "25 %"); a sequence of
    numbered placeholders is ``options_problem``'s to find."""
    folded = _fold(text).strip(" .:;,-_*#\"'=<>[](){}|")
    if not folded:
        return "is empty"
    if folded in FIELD_NAMES or folded in FORM_WORDS:
        return f"is the word {text.strip()!r}, not content"
    name = text.strip(" .:;,=\"'")
    if re.fullmatch(r"[^\W\d_]+(?:_[^\W_]+)+", name):
        return f"is a name from code ({name!r}), not content"
    # a field or code name as a label: "answer: …", "answer_id: 1,", "answer-1:",
    # "answer_explanation': 'This type…" (the JSON form leaking into a text)
    label = re.match(r"\s*([a-z][a-z_-]*[a-z])(?:[-_]?\d+)?\s*[\"'”’]?\s*[:=](?=\s|$|[\"'“‘])",
                     text, re.IGNORECASE)
    if label and (label.group(1).casefold() in FIELD_NAMES or "_" in label.group(1)):
        # an option "explanation: The top/bottom number counts…": the JSON form leaking in
        return f"starts with the field name {label.group(1)!r}; write only the text itself"
    if _PROFANE.search(folded):  # "Mierda saludable", an option of the nutrition quiz
        return "is rude; write words a teacher would use"
    words = re.search(r"[^\W\d_]{2}", text)
    if (_PLACEHOLDER.fullmatch(folded) or _SLOT.fullmatch(folded)
            or not (words or (numbers_ok and re.search(r"\d", text)))):
        return "is a number or a placeholder, not content"
    if min_words and len(_words(text)) < min_words:
        return f"has fewer than {min_words} words"
    if language and detect(text).is_not(language):
        name = {"en": "English", "es": "Spanish"}.get(language, language)
        return f"is not in {name}"
    return None


def explained_option(question: dict[str, Any]) -> int | None:
    """The one option (index) a quiz question's explanation quotes, or None when it quotes
    none or several."""
    texts = [str(o) for o in question.get("options") or []]
    explanation = _fold(str(question.get("explanation") or ""))
    quoted = [i for i, o in enumerate(texts)
              if len(_fold(o).strip()) >= 4 and _fold(o).strip() in explanation]
    return quoted[0] if len(quoted) == 1 else None


def key_problem(question: dict[str, Any]) -> str | None:
    """Why a quiz question's answer key is not trustworthy, or None.

    The key must point at an existing option that is not a near-duplicate of another; when the
    explanation quotes exactly one option, it must be the keyed one.
    """
    options = question.get("options") or []
    answer = question.get("answer")
    if not isinstance(answer, int) or not 0 <= answer < len(options):
        return "the answer does not point at one of the options"
    texts = [str(o) for o in options]
    for i, j in near_duplicates(texts):
        if answer in (i, j):
            return "the answer points at an option that another option repeats"
    quoted = explained_option(question)
    if quoted is not None and quoted != answer:
        return (f"the explanation supports option {quoted + 1} ({texts[quoted]!r}), "
                f"not the keyed option {answer + 1}")
    return None


_ROMAN = re.compile(r"[ivx]{1,4}")
_LABELLED = re.compile(r"(.*?)[\s\-:.)(]*\b([a-z]|\d+)\W*", re.IGNORECASE)


def options_problem(options: list[str]) -> str | None:
    """Why a question's options are placeholders, or None: the same words with another letter
    or number at the end, in sequence ("Volcano A / Volcano B / Volcano C", "Option 1 /
    Option 2"); "Vitamin A / Vitamin C / Vitamin D" are real answers."""
    if len(options) >= 2 and all(_ROMAN.fullmatch(_fold(o).strip(" .)(")) for o in options):
        return "the options are one placeholder with a letter or number; write real answers"
    stems, labels = set(), []
    for option in options:
        match = _LABELLED.fullmatch(_fold(option).strip())
        if match is None:
            return None
        stem = match.group(1).strip()
        if stem and not stem.isdigit() and not re.search(r"[^\W\d_]", stem):
            return None  # "1/2", "1/3", "1/4": fractions, not labels
        stems.add(stem)
        label = match.group(2)
        labels.append(int(label) if label.isdigit() else ord(label))
    labels.sort()
    in_sequence = labels == list(range(labels[0], labels[0] + len(labels))) if labels else False
    if len(options) >= 2 and len(stems) == 1 and in_sequence:
        return "the options are one placeholder with a letter or number; write real answers"
    return None


_BARE_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?\s*%?")
#: Words of a question that asks for a number (folded): "how many", "¿cuántos…?", "what year".
_ASKS_NUMBER = re.compile(
    r"\b(?:how (?:many|much|old|long|far|often|big|fast|tall|deep|high|wide|heavy)|number|"
    r"numbers|year|years|percent|percentage|temperature|degrees|age|calculate|compute|sum|"
    r"total|result|average|mean|value|maximum|minimum|budget|cost|price|size|fraction|"
    r"cuant[oa]s?|numero|numeros|ano|anos|porcentaje|por ciento|temperatura|grados|edad|"
    r"calcula|calcular|suma|resultado|promedio|media|valor|maximo|minimo|presupuesto|"
    r"precio|costo|coste|tamano|fraccion)\b")


def numeric_options_problem(question: str, options: list[str]) -> str | None:
    """Why options that are all bare numbers do not answer ``question``, or None: a question
    that names no number and asks for none ("What does a compost pile do?" with "10 / 20 /
    30") was given numbers in place of answers. "How many legs…?", "¿En qué año…?" and a
    question with a number in it may take numbers; "1/2" and "25 cm" are not bare numbers.
    One bare number among answers in words is a filler too: "How do I log into an online
    shopping store?" offered "Enter your password, …" / "2" / "3" (in the page)."""
    bare = [k for k, o in enumerate(options) if _BARE_NUMBER.fullmatch(str(o).strip())]
    if len(options) < 2 or not bare:
        return None
    folded = _fold(question)
    if re.search(r"\d", folded) or _ASKS_NUMBER.search(folded):
        return None
    if len(bare) < len(options):
        return (f"option {bare[0] + 1} is a bare number, but the question asks for no "
                "number; write a real answer")
    return "the options are numbers, but the question asks for no number; write real answers"


#: A question after the learner's own taste or life (folded): it has no right answer.
_OPINION = re.compile(
    r"\b(?:(?:te|le|les|os) gustaria|prefieres|prefiere usted|eliges|tu favorit[oa]|"
    r"tienes tu|would you (?:like|prefer|choose|rather)|do you (?:like|prefer|live|ever)|"
    r"your (?:preferred|favou?rite)|do you have(?! to)|you prefer|have you ever|vives|"
    r"alguna vez (?:has|te)|what (?:are|were) you \w+ing|what do you (?:think|want)|"
    r"que (?:piensas|opinas|quieres)|que estas \w+ndo)\b")


def opinion_problem(question: str) -> str | None:
    """Why ``question`` cannot be marked, or None: it asks for the learner's preference or
    life ("¿Cómo te gustaría usar la cámara?", "What is your preferred mode of
    communication?", "How many e-mails do you have a day?", "Do you live with other
    animals?", "What are you reading?", "What do you think about this map?"), which no
    option answers rightly.
    "Which knife would you use to chop meat?" asks for knowledge and passes."""
    if _OPINION.search(_fold(question)):
        return "asks for the learner's own preference, which has no right answer; ask about " \
               "a fact of the lessons"
    return None


def _texts(course: dict[str, Any]) -> list[tuple[str, str]]:
    """Every model-written string of a course as ``(path, text)``."""
    out: list[tuple[str, str]] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, str):
            out.append((path, value))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]")
        elif isinstance(value, dict):
            for key, item in value.items():
                if key not in ("language", "level"):
                    walk(item, f"{path}.{key}" if path else key)
    walk(course, "")
    return out


def _question_key_problem(question: dict[str, Any]) -> str | None:
    """Why a quiz question has no trustworthy right answer, or None (the audit's count)."""
    options = [str(o) for o in question.get("options") or []]
    text = str(question.get("question", ""))
    return (key_problem(question) or options_problem(options)
            or numeric_options_problem(text, options) or opinion_problem(text))


#: Where a lesson's content splits into sentences: after an end mark, or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(text: str) -> list[tuple[str, str]]:
    """``text`` as (sentence, the separator after it) pairs; joined back, they are ``text``."""
    pairs, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        pairs.append((text[start:match.start()], match.group()))
        start = match.end()
    return [*pairs, (text[start:], "")]


def _borrowed_lesson_texts(course: dict[str, Any], topic: str,
                           subjects: tuple[frozenset[str], ...]) -> list[str]:
    """The lesson objectives, key points and content lines on a worked example's subject."""
    found = []
    for m in course.get("modules") or []:
        for lesson in m.get("lessons") or []:
            about = (topic, str(course.get("title", "")), str(m.get("title", "")),
                     str(lesson.get("title", "")))
            texts = [*map(str, lesson.get("objectives") or []),
                     *map(str, lesson.get("key_points") or []),
                     *(text for text, _gap in sentences(str(lesson.get("content", ""))))]
            found += [t for t in texts if borrowed_subject(t, about, subjects)]
    return found


def audit_course(course: dict[str, Any], *, topic: str, language: str,
                 subjects: Iterable[frozenset[str]] = ()) -> dict[str, Any]:
    """What a learner would reject in ``course`` (a ``Course`` dumped to a dict), counted.
    ``subjects``: the roots of the worked examples a base model read
    (``fewshot.example_subjects``), to count lesson text on their subjects."""
    texts = _texts(course)
    decided = [(p, t) for p, t in texts if detect(t).language != "unknown"]
    wrong = [p for p, t in decided if detect(t).is_not(language)]
    modules = course.get("modules") or []
    module_titles = [m.get("title", "") for m in modules]
    lesson_titles = [les.get("title", "") for m in modules for les in m.get("lessons") or []]
    bad_titles = [(t, why) for t in [course.get("title", ""), *module_titles, *lesson_titles]
                  if (why := title_problem(t, topic=topic if t != course.get("title") else ""))]
    questions = [q for m in modules for q in m.get("quiz") or []]
    asked = [str(q.get("question", "")) for q in questions]
    keys = [why for q in questions if (why := _question_key_problem(q))]
    objectives = course.get("learning_objectives") or []
    bad_text = [(p, why) for p, t in texts if not p.endswith("title")
                and (why := text_problem(t, numbers_ok=".options[" in p))]
    return {
        "off_topic": course_off_topic(course, topic),
        "no_module_on_topic": no_module_on_topic(course, topic),
        "description_off_topic": description_off_topic(course, topic),
        "off_topic_modules": [module_titles[i] for i in off_topic_modules(course, topic)],
        "text_fields": len(texts),
        "fields_with_language": len(decided),
        "language_share": round(1 - len(wrong) / len(decided), 3) if decided else 1.0,
        "wrong_language": wrong,
        "near_duplicate_lesson_titles": [
            (lesson_titles[i], lesson_titles[j]) for i, j in near_duplicates(lesson_titles)],
        "near_duplicate_module_titles": [
            (module_titles[i], module_titles[j]) for i, j in near_duplicates(module_titles)],
        "echo_or_placeholder_titles": bad_titles,
        "repeated_objectives": [(objectives[i], objectives[j])
                                for i, j in near_duplicates([str(o) for o in objectives])],
        "unusable_text": bad_text,
        "ends_mid_phrase": [p for p, t in texts if ends_mid_phrase(t)],
        "quiz_questions": len(questions),
        "near_duplicate_questions": [
            (asked[i], asked[j]) for i, j in near_duplicates(asked, variants=True)],
        "repeated_option_sets": [
            (quiz[i]["question"], quiz[j]["question"]) for m in modules
            if (quiz := [q for q in m.get("quiz") or [] if isinstance(q, dict)])
            for i, j in same_options([list(q.get("options") or []) for q in quiz])],
        "quiz_key_problems": keys,
        "borrowed_lesson_texts": _borrowed_lesson_texts(course, topic, tuple(subjects)),
        "modules": len(modules),
        "lessons": len(lesson_titles),
    }
