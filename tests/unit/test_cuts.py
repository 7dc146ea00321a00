"""course.cuts: texts a grammar cut at their cap end at a whole sentence, clause or word.

The inputs are the embedded Gemma 3 270M's own answers (quality_native, 22 Short courses),
each cut by the grammar at its field's cap."""

from __future__ import annotations

import pytest

from localloom.course.cuts import end_cleanly, end_cut_texts

CUT = [  # (field cap reached, answer, what a learner reads after the repair)
    ("Este módulo explica qué es lo que se hace cuando los volcanes se forman. Podrías saber "
     "si la lava del volcán crece o se lava con una roca de menor densidad. Este vídeo se "
     "enseña las leyes de las placas y cómo puedes ver,",
     "Este módulo explica qué es lo que se hace cuando los volcanes se forman. Podrías saber "
     "si la lava del volcán crece o se lava con una roca de menor densidad."),
    ("Los volcanes se forman en las placas tectónicas y tienen una superficie llena por agua "
     "(por ejemplo,",
     "Los volcanes se forman en las placas tectónicas y tienen una superficie llena por agua"),
    ("La vida del mar con el agua afluente por su superficie (y si",
     "La vida del mar con el agua afluente por su superficie"),
    ("The top numbers name the length that it takes to cut a piece of meat or fish, and the "
     "bottom numbers", "The top numbers name the length that it takes to cut a piece of meat "
     "or fish"),
    ("Las estrellas son la única estrellas visibles en el espacio aplanada por la galaxia. La "
     "luna es una", "Las estrellas son la única estrellas visibles en el espacio aplanada por "
     "la galaxia."),
    ("Leer el gránulo de una fruta para determinar la cantidad de azúcar en su grano y "
     "comparar su sabor a", "Leer el gránulo de una fruta para determinar la cantidad de "
     "azúcar en su grano y comparar su sabor"),
]


@pytest.mark.parametrize(("text", "ended"), CUT)
def test_a_cut_text_ends_where_a_reader_expects(text, ended):
    assert end_cleanly(text) == ended


def test_an_abbreviation_is_not_a_sentence_end():
    text = ("Temperatures in different places can change with the season (rainy season vs. "
            "dry season), but they")
    assert end_cleanly(text) == ("Temperatures in different places can change with the "
                                 "season (rainy season vs. dry season)")


def test_a_whole_last_word_is_kept_and_only_dangling_words_go():
    """One short of the cap the grammar's last character was a space: the word is whole."""
    assert end_cleanly("Seasonal Weather Patterns in Different Places and Countries",
                       mid_word=False) == ("Seasonal Weather Patterns in Different Places "
                                           "and Countries")
    assert end_cleanly("Python es la herramienta más poderosa que se puede usar para "
                       "realizar diversas tareas en", mid_word=False) == (
        "Python es la herramienta más poderosa que se puede usar para realizar diversas tareas")


def test_a_finished_sentence_and_a_short_text_stay_as_they_are():
    done = "La fuente libre es más fácil de copiar y se puede usar con muchos programas."
    assert end_cleanly(done) == done
    assert end_cleanly("Una") == "Una"


def test_only_strings_at_their_cap_are_ended_and_their_paths_reported():
    schema = {"type": "object", "properties": {
        "title": {"type": "string", "maxLength": 60},
        "key_points": {"type": "array", "items": {"type": "string", "maxLength": 100}},
        "level": {"type": "string", "enum": ["beginner"], "maxLength": 8}}}
    cut = ("Los volcanes se forman en las placas tectónicas y tienen una superficie llena por "
           "agua (por ejemplo,")
    assert len(cut) == 100
    data = {"title": "Volcanes", "key_points": ["Corto.", cut], "level": "beginner"}
    assert end_cut_texts(data, schema) == ["key_points[1]"]
    assert data["key_points"] == ["Corto.", CUT[1][1]]
    assert data["title"] == "Volcanes"


def test_a_text_that_would_fall_below_its_minimum_is_left_alone():
    schema = {"type": "object", "properties": {
        "content": {"type": "string", "maxLength": 60, "minLength": 59}}}
    text = "La vida del mar con el agua afluente por su superficie (y si"
    data = {"content": text}
    assert end_cut_texts(data, schema) == [] and data["content"] == text


def test_the_audit_counts_texts_that_stop_mid_phrase():
    from localloom.course.cuts import ends_mid_phrase
    # "…and the bottom numbers" reads as whole words: the audit cannot tell it was cut
    assert [ends_mid_phrase(text) for text, _ in CUT] == [True, True, True, False, True, True]
    assert ends_mid_phrase("Los volcanes se forman en las placas y tienen una")
    assert ends_mid_phrase("Plantas con tierra fértil y plantas que producen frutas,")
    assert not ends_mid_phrase("La lava se enfría y forma basalto.")
    assert not ends_mid_phrase("Seasonal Weather Patterns in Different Places")
    for _, ended in CUT:
        assert not ends_mid_phrase(ended), ended
