"""audit: what a learner would reject in a valid course — the issue's real Gemma outputs —
is found, and a good course in either language passes clean."""

from __future__ import annotations

import pytest

from localloom.course.audit import (
    audit_course,
    borrowed_subject,
    broken_word,
    course_off_topic,
    description_off_topic,
    echoes,
    key_problem,
    mend_broken_words,
    near_duplicates,
    numeric_options_problem,
    off_topic,
    opinion_problem,
    options_problem,
    same_options,
    sentences,
    similar,
    text_problem,
    title_problem,
)
from localloom.course.prompts.fewshot import example_subjects
from tests.unit.test_render import course_data

TOPIC = "Introducción a la fotografía digital"

BAD_TITLES = ["1.0", "1.1", "1", "Lesson 1", "Lección 2", "Módulo 3", "Question 1", "titl",
              "Title", "es", "beginner", "...", "Introducción a la fotografía digital",
              "Introducción a la fotografía digital 2"]
GOOD_TITLES = ["Fotografía en vivo", "Fotografía de vídeo", "Fotografía 360", "Summary",
               "1. La luz", "Módulo 1: Conceptos básicos", "The basics of compost",
               "Python 3 for data work"]


@pytest.mark.parametrize("title", BAD_TITLES)
def test_placeholder_numeric_echo_and_field_name_titles_are_found(title):
    assert title_problem(title, topic=TOPIC) is not None


@pytest.mark.parametrize("title", ["Primeros auxilios bases", "Primeros auxilios basales",
                                   "Primeroas auxilios básico"])
def test_a_damaged_copy_of_the_topic_is_an_echo(title):
    """Module titles natively ("bases", "basales") and in the page: llama.cpp's DRY sampler
    penalises the exact copy, so the model changes a word of it."""
    assert echoes(title, "Primeros auxilios básicos")


@pytest.mark.parametrize("title", ["Primeros auxilios en casa", "Auxilios para quemaduras",
                                   "Primeros auxilios en la escuela", "Water cyclones"])
def test_a_title_that_adds_to_the_topic_is_no_damaged_echo(title):
    assert not echoes(title, "Primeros auxilios básicos")
    assert not echoes(title, "The water cycle")


@pytest.mark.parametrize("title", ["kitchener']}, {", "Los volcanes\"]", "{title}"])
def test_json_syntax_in_a_title_is_the_form_leaking_in(title):
    """"kitchener']}, {" was a lesson title of a course natively."""
    assert "JSON syntax" in title_problem(title)


@pytest.mark.parametrize("title", GOOD_TITLES)
def test_real_titles_pass(title):
    assert title_problem(title, topic=TOPIC) is None


@pytest.mark.parametrize(("a", "b"), [
    ("Basic photography basics", "Photography basics"),
    ("Home Compost", "Compost in your home"),
    ("Intro to fractions", "Introduction to fractions"),
    ("Photograph basics", "Photography basics"),
    ("La luz", "la luz."),
    ("What is a computer?", "What's a computer?"),  # one course's lessons, in the page
    ("Children's games", "Games for children"),
    ("¿Cuántos volcanes existen hoy?", "¿Cuántos volcanes hay hoy?"),  # one quiz, in the page
    ("Vaccines", "Vaccination"),  # one question's options, in the page
    ("La Constellation", "Constella"),
])
def test_near_duplicates_are_similar(a, b):
    assert similar(a, b) and similar(b, a)


@pytest.mark.parametrize(("a", "b"), [
    ("Fotografía en vivo", "Fotografía de vídeo"),
    ("Home Compost", "The basics of compost"),
    ("Fracciones equivalentes", "Fracciones propias"),
    ("Light", "Sugar"),
    ("Vitamin C", "Vitamin D"),
    ("Mitosis", "Meiosis"),  # one letter apart, yet two subjects
    ("Photosynthesis", "Photography"),
    ("Sol", "Solsticio"),  # too short to be a stem of the other
    ("¿Hay volcanes en la Luna?", "¿Cuántos volcanes existen hoy?"),
])
def test_distinct_titles_are_not_similar(a, b):
    assert not similar(a, b)


def test_near_duplicates_lists_index_pairs():
    assert near_duplicates(["Basic photography basics", "Light", "Photography basics"]) == \
        [(0, 2)]


@pytest.mark.parametrize("text", ["title", "", "  ", "1", "answer", "explanation", "question",
                                  "1.1", "en", "123456789" * 40])
def test_unusable_body_texts_are_found(text):
    assert text_problem(text) is not None


def test_text_in_the_wrong_language_is_found_only_when_sure():
    assert text_problem("The basics of photography and light", language="es") == \
        "is not in Spanish"
    assert text_problem("La luz entra por el objetivo de la cámara", language="es") is None
    assert text_problem("ISO 100", language="es") is None  # too little evidence: no verdict


def test_quiz_keys():
    """The key points at a real, unrepeated option that the explanation agrees with."""
    good = {"question": "¿Qué controla la apertura?", "options": ["La luz", "El color", "El ISO"],
            "answer": 0, "explanation": "La apertura deja pasar más o menos luz."}
    assert key_problem(good) is None
    assert key_problem({**good, "answer": 3}) is not None
    assert key_problem({**good, "options": ["La luz", "la luz", "El ISO"]}) is not None
    wrong = {"question": "Capital of France?", "options": ["Paris", "London", "Rome"],
             "answer": 1, "explanation": "Paris is the capital of France."}
    assert "supports option 1" in key_problem(wrong)


def test_a_good_course_passes_clean():
    report = audit_course(course_data(), topic="Photosynthesis", language="en")
    assert report["language_share"] == 1.0 and report["wrong_language"] == []
    for key in ("near_duplicate_lesson_titles", "near_duplicate_module_titles",
                "echo_or_placeholder_titles", "repeated_objectives", "unusable_text",
                "quiz_key_problems", "near_duplicate_questions", "repeated_option_sets",
                "borrowed_lesson_texts"):
        assert report[key] == [], key


def test_a_question_asked_in_two_quizzes_of_a_course_is_counted():
    """The volcano course (independent set, in the page): module 1's quiz asked "¿Cuántos
    volcanos existen?", module 2's "¿Cuántos volcanes existen hoy?"."""
    data = course_data()
    data["modules"][0]["quiz"][0]["question"] = "¿Cuántos volcanos existen?"
    data["modules"][1]["quiz"] = [{**data["modules"][0]["quiz"][0],
                                   "question": "¿Cuántos volcanes existen hoy?"}]
    report = audit_course(data, topic="Photosynthesis", language="en")
    assert report["near_duplicate_questions"] == [
        ("¿Cuántos volcanos existen?", "¿Cuántos volcanes existen hoy?")]


def test_two_questions_of_a_quiz_with_the_same_options_are_counted():
    """'How vaccines train the immune system' (in the page) asked "What is an immunization?"
    and "What is vaccination?", both with "vaccination / immunization / vaccine"."""
    data = course_data()
    first = {**data["modules"][0]["quiz"][0], "question": "What is an immunization?",
             "options": ["vaccination", "immunization", "vaccine"]}
    second = {**first, "question": "What is vaccination?",
              "options": ["Vaccine", "immunization", "vaccination."]}
    data["modules"][0]["quiz"] = [first, second]
    report = audit_course(data, topic="Photosynthesis", language="en")
    assert report["repeated_option_sets"] == [("What is an immunization?",
                                               "What is vaccination?")]


def test_lesson_text_on_a_worked_example_s_subject_is_counted_when_the_examples_are_given():
    """'How the internet works' (in the page): a lesson's key point on the sheet-music
    example's time signature."""
    data = course_data()
    data["modules"][0]["lessons"][0]["key_points"].append(
        "Read the top and bottom number of a time signature")
    report = audit_course(data, topic="Photosynthesis", language="en",
                          subjects=example_subjects("en"))
    assert report["borrowed_lesson_texts"] == [
        "Read the top and bottom number of a time signature"]
    assert audit_course(data, topic="Photosynthesis", language="en")[
        "borrowed_lesson_texts"] == []  # a chat model read no examples


def test_sentences_split_at_end_marks_and_line_breaks_and_join_back_to_the_text():
    text = "Ice melts. Seas rise!\n\n- Bullet one\n- Bullet two? Yes"
    pairs = sentences(text)
    assert [t for t, _gap in pairs] == ["Ice melts.", "Seas rise!", "- Bullet one",
                                        "- Bullet two?", "Yes"]
    assert "".join(t + gap for t, gap in pairs) == text


@pytest.mark.parametrize(("a", "b", "pairs"), [
    (["15", "20", "24"], ["24", "15", "20"], [(0, 1)]),  # '¿Cuántos volcanes existen / hay?'
    (["Alto", "bajo"], ["alto", "Bajo"], [(0, 1)]),
    (["True", "False"], ["true", "false"], []),  # a true/false quiz offers them every time
    (["Sí", "No"], ["si", "no"], []),
    (["Paris", "London", "Rome"], ["Paris", "London", "Berlin"], []),
    (["Paris", "London", "Rome"], ["Paris", "London"], []),
])
def test_same_options_pairs_questions_offering_one_set_in_any_order_and_case(a, b, pairs):
    assert same_options([a, b]) == pairs


def test_spelling_variants_make_questions_near_duplicates_but_not_titles():
    """Titles keep the stricter rule: 'Cercado cerca de la boca' / 'Curso básico del habla
    (cerca de la boca)' are two titles; a question in other spellings is the same question."""
    a, b = "¿Cuántos volcanos existen?", "¿Cuántos volcanes existen hoy?"
    assert similar(a, b, variants=True) and similar(b, a, variants=True)
    assert not similar(a, b)
    assert not similar("¿Qué sale de un volcán?", "¿Cuántos volcanes existen hoy?",
                       variants=True)


def test_the_issues_bad_course_is_caught_everywhere():
    """The saved courses of the issue: numbered titles, objectives of field names, audience
    'en', a quiz of '1.1' options, English text in a Spanish course."""
    data = course_data()
    data.update(audience="en", learning_objectives=["module", "title", "description"])
    module = data["modules"][0]
    module["lessons"][0].update(title="1.0", content="1")
    data["modules"][1]["lessons"][0]["title"] = "1.1"
    module["quiz"][0].update(question="Question 1", options=["1.1", "1.2", "1.3"])
    report = audit_course(data, topic="Photosynthesis", language="es")
    titles = [t for t, _ in report["echo_or_placeholder_titles"]]
    assert titles == ["1.0", "1.1"]
    bad = {path for path, _ in report["unusable_text"]}
    assert {"audience", "learning_objectives[0]", "learning_objectives[1]",
            "learning_objectives[2]", "modules[0].lessons[0].content"} <= bad
    assert report["quiz_key_problems"] == [
        "the options are one placeholder with a letter or number; write real answers"]
    assert report["language_share"] < 0.5  # the rest of the course is English


def test_a_course_about_something_else_is_off_topic():
    """Gemma wrote a fashion course for 'Introducción a la fotografía digital'."""
    fashion = ["El uso de las nuevas tecnologías en el mercado de moda", "Los productos en la moda"]
    assert off_topic(fashion, "Introducción a la fotografía digital")
    assert not off_topic(["Fotografía en vivo", "La luz"], "Introducción a la fotografía digital")
    assert not off_topic(["What is a compost pile?"], "Basics of home composting")
    assert not off_topic(["Anything"], "AI")  # no word long enough to judge


VOLCANO_MODULES = [
    {"title": "Los volcanes y el estudio del efecto invernadero", "summary": "Aprendizaje de "
     "matemáticas con los datos de los volcanes, así como la tabla de cálculo de la temperatura.",
     "lesson_titles": ["Comparación de temperaturas en los diferentes lugares",
                       "el estudio de las diferencias de temperatura entre los dos"]},
    {"title": "El papel de la tierra", "summary": "Aprendizaje sobre el uso del agua.",
     "lesson_titles": ["la fertilidad del agua", "el cambio climático"]}]


def test_a_description_about_another_subject_than_the_titles_is_off_topic():
    """'Los volcanes y cómo se forman' (in the page): described as multiplication tables over
    modules on volcanoes. A description that names no topic word but shares one with a
    title ("clean" / "Cleaning") is fair."""
    volcano = {"title": "Los volcanes y cómo se forman", "description": "Aprendizaje de la tabla "
               "de multiplicar y el uso de los números naturales. Este curso te enseña cómo la "
               "tabla de multiplicación y el cálculo de fracciones puede dar diferentes "
               "resultados a cada número que se multiplica.",
               "learning_objectives": ["Comparación de fracciones (1/2)"],
               "modules": VOLCANO_MODULES}
    assert description_off_topic(volcano, "Los volcanes y cómo se forman")
    assert not course_off_topic(volcano, "Los volcanes y cómo se forman")  # the modules are
    on = dict(volcano, description="Cómo nace un volcán y qué sale de él.")
    assert not description_off_topic(on, "Los volcanes y cómo se forman")
    dog = {"title": "Caring for a dog", "description": "Keep your pet clean and happy.",
           "modules": [{"title": "Cleaning up your dog's kennel", "summary": "",
                        "lessons": [{"title": "Brushing"}]}]}
    assert not description_off_topic(dog, "Caring for a dog")
    assert audit_course(volcano, topic="Los volcanes y cómo se forman",
                        language="es")["description_off_topic"]
    ml = {"title": "Introducción a Machine Learning",
          "description": "Se trata de una introducción a la metodología ML para estudiantes.",
          "modules": [{"title": "Los datos", "lesson_titles": ["Investigar estrategias"]}]}
    assert not description_off_topic(ml, "Introducción a Machine Learning")  # its initials
    assert description_off_topic(dict(ml, description="Una metodología para estudiantes."),
                                 "Introducción a Machine Learning")


def test_a_course_is_judged_by_its_description_and_modules_not_its_title():
    """The title does not count (a base model's is pinned to the topic); three-letter words
    do ("dog"), generic ones do not ("primeros", "beginners")."""
    dog = {"title": "Caring for a dog", "description": "Keep your pet clean and happy.",
           "modules": [{"title": "Cleaning up your dog's kennel", "summary": "",
                        "lesson_titles": ["Brushing"]}]}
    assert not course_off_topic(dog, "Caring for a dog")
    cooking = {"title": "Primeros auxilios básicos",
               "description": "Aprenderás a preparar los primeros alimentos básicos.",
               "modules": [{"title": "Preparar los primeros alimentos", "summary": "",
                            "lessons": [{"title": "Cocinar en casa"}]}]}
    assert course_off_topic(cooking, "Primeros auxilios básicos")
    assert not course_off_topic(cooking, "")
    speaking = {"title": "x", "description": "For beginners.", "modules": []}
    assert course_off_topic(speaking, "Public speaking for beginners")


# Module titles the real Gemma 3 270M wrote natively (buildtools.quality_native, seed 7) under
# llama.cpp's DRY sampler, which makes a copy come back with its spelling changed.
@pytest.mark.parametrize(("title", "topic"), [
    ("Los volcanos y cómo se formaron", "Los volcanes y cómo se forman"),
    ("Los volcanes e cómo se formarán", "Los volcanes y cómo se forman"),
    ("Fracciones para primaria", "Fracciones para la escuela primaria"),
    ("Cuidado de plantas interior", "Cuidado de plantas de interior"),
    ("Sistemas solares", "El sistema solar"),
    ("Basic knife skills", "Basic knife skills in the kitchen"),
])
def test_a_topic_restated_with_variants_or_fewer_words_is_an_echo(title, topic):
    assert echoes(title, topic)
    assert title_problem(title, topic=topic) == \
        "repeats the course topic instead of naming a part of it"


@pytest.mark.parametrize(("title", "topic"), [
    ("La imprenta", "Historia de la imprenta"),  # a part of the topic
    ("El sistema solar interior", "El sistema solar"),  # the topic narrowed
    ("Introducción a la tecnología fotográfica digital", "Introducción a la fotografía digital"),
    ("Photons", "Photosynthesis"),  # a shared root is not the same word
    ("Knife skills", "Basic knife skills in the kitchen"),
])
def test_a_title_that_names_a_part_or_another_word_is_no_echo(title, topic):
    assert not echoes(title, topic)


@pytest.mark.parametrize("options", [
    ["Volcano A", "Volcano B", "Volcano C"],  # the real Gemma's quiz on volcanoes
    ["Option 1", "Option 2", "Option 3"], ["a)", "b)", "c)"], ["1", "2", "3"],
    ["I", "II", "III"],  # the real Gemma's, in the page
])
def test_options_that_are_one_placeholder_with_a_label_are_found(options):
    assert options_problem(options) is not None


@pytest.mark.parametrize("options", [
    ["Vitamin A", "Vitamin C", "Vitamin D"],  # real answers: the letters are no sequence
    ["1/2", "1/3", "1/4"], ["3", "5", "8"],  # a course on fractions; a count
    ["Three", "Four", "Five"], ["Tiene más cafeína", "Es más robusto", "No tiene sabor amargo"],
])
def test_real_options_pass(options):
    assert options_problem(options) is None


@pytest.mark.parametrize("question, options", [
    ("What does compost pile?", ["10", "20", "30"]),  # the real Gemma's, in the page
    ("¿Qué diferencia entre un plato saludable y un plato con menos grasa?",
     ["100", "250", "300"]),  # the real Gemma's, natively
    ("Which tool cuts bread best?", ["1.5", "2,5", "40 %"]),
    ("Which tool cuts bread best?", ["A serrated knife", "10", "A spoon"]),  # one filler
    ("How do I log into an online shopping store?",  # the real Gemma's, in the page
     ["Enter your password, click on 'Log In', and enter your address.", "2", "3"]),
    ("¿Qué diferencia en el lenguaje python a partir del primer nivel?",
     ["Python", "python2.x", "360"]),  # the real Gemma's, in the page
])
def test_numbers_as_options_of_a_question_that_asks_for_no_number_are_found(question, options):
    """Numbers where the question wants words are the model filling the slot, not answers."""
    assert numeric_options_problem(question, options) is not None


@pytest.mark.parametrize("question, options", [
    ("¿Cuántos años tiene la computadora?", ["10", "20", "30"]),  # asks for a number
    ("How many e-mails do you have a day?", ["10", "20", "30"]),
    ("What is the average of these values?", ["85.3", "84.1", "84.0"]),
    ("¿En qué año se inventó la imprenta?", ["1440", "1492", "1517"]),
    ("What is 3 + 4?", ["6", "7", "8"]),  # a number in the question
    ("Which fraction is larger?", ["1/2", "1/3", "1/4"]),  # fractions are no bare numbers
    ("How many slices does a loaf give?", ["About 20", "12", "None"]),  # asks for a number
])
def test_numbers_as_options_of_a_question_that_asks_for_one_pass(question, options):
    """A count, a year, an average or a sum takes numbers, among words too."""
    assert numeric_options_problem(question, options) is None


@pytest.mark.parametrize("question", [
    "¿Cómo te gustaría usar la cámara?",  # the real Gemma's, in the page
    "What is your preferred mode of communication?",  # the real Gemma's, natively
    "How many e-mails do you have a day?",
    "What kind of food would be better than cheese? Which one would you choose?",
    "¿Cuál es tu favorita?",
    "Do you live with other animals? If so, what are they called?",  # in the page, seed 7
    "Do you ever think about how much you need to practice public speaking?",
    "¿Qué plantas crecen en la zona donde vives?", "Have you ever cut yourself?",
    "¿Alguna vez has visto un volcán?",
    "What are you reading?", "What do you think about this map?",  # in the page, seed 7
    "¿Qué opinas de la imprenta?", "¿Qué estás escribiendo?",
])
def test_a_question_after_the_learner_s_taste_has_no_right_answer(question):
    """Questions of the saved runs that ask what the learner likes, does or thinks (10 of
    521 distinct ones): no option can be keyed right."""
    assert opinion_problem(question) is not None


@pytest.mark.parametrize("question", [
    "Which type of knife would you use if you were chopping meat?",  # knowledge
    "What do you have to add to a compost pile to keep it warm?",
    "¿Qué fracción es mayor?", "Which climate would you expect in a desert?",
    "Where do most people live in a volcanic region?", "¿Dónde viven los pingüinos?",
    "What do you call the top number of a fraction?", "¿Qué es una variable?",
])
def test_a_question_about_a_fact_is_no_opinion(question):
    """'would you use', 'do you have to', 'would you expect' ask for knowledge."""
    assert opinion_problem(question) is None


def test_placeholder_options_count_as_a_quiz_problem_in_the_audit():
    course = course_data()
    course["modules"][0]["quiz"][0]["options"] = ["Volcano A", "Volcano B", "Volcano C"]
    course["modules"][0]["quiz"][0]["answer"] = 1
    assert audit_course(course, topic="Volcanoes", language="en")["quiz_key_problems"]


@pytest.mark.parametrize("option", ["1/2", "3", "25 %", "$100"])
def test_a_number_is_a_fair_quiz_option_but_no_lesson_text(option):
    """The real Gemma's quizzes on fractions and budgets were refused three times for options
    like these; they are answers. Elsewhere a bare number is still no content."""
    assert text_problem(option, numbers_ok=True) is None
    assert text_problem(option) == "is a number or a placeholder, not content"
    assert text_problem("...", numbers_ok=True) is not None


@pytest.mark.parametrize("option", ["Question 1A", "Question 2B", "Pregunta 3", "Opción 2"])
def test_an_option_naming_a_slot_of_the_quiz_is_a_placeholder(option):
    """"How the internet works" (natively, DRY allowing 3 tokens): "What are these computers
    used for?" with options "Internet browser, web server…", "Question 1A", "Question 2B"."""
    assert text_problem(option, numbers_ok=True) == "is a number or a placeholder, not content"
    assert title_problem(option) is not None


@pytest.mark.parametrize("option", ["Step 3", "Vitamin B12", "Apollo 11", "Windows 95"])
def test_a_named_thing_with_a_number_is_a_fair_option(option):
    assert text_problem(option, numbers_ok=True) is None


@pytest.mark.parametrize("option", [",", "answer=", "(b)"])
def test_punctuation_and_field_names_are_no_option_even_where_numbers_are(option):
    """The page's composting quiz (seed 7) kept the options "," and "answer=" once numbers
    became fair options: a number needs a digit, and a field name stays one in punctuation."""
    assert text_problem(option, numbers_ok=True) is not None


def test_the_audit_names_a_module_about_another_subject():
    course = {"title": "Fracciones para la escuela primaria",
              "description": "Aprende a resolver problemas con fracciones.",
              "modules": [
                  {"title": "Sumar fracciones", "summary": "Fracciones con igual denominador.",
                   "lessons": [{"title": "Fracciones con el mismo denominador"}]},
                  {"title": "Enfermedad: ¿cuál es la mejor vacuna?",
                   "summary": "La vacuna de la varicela.",
                   "lessons": [{"title": "Vacunas para el sistema inmunológico"}]}]}
    from localloom.course.audit import off_topic_modules
    assert off_topic_modules(course, "Fracciones para la escuela primaria") == [1]
    course["modules"][1] = {"title": "Restar fracciones", "summary": "Quitar partes.",
                            "lessons": [{"title": "Restar con el mismo denominador"}]}
    assert off_topic_modules(course, "Fracciones para la escuela primaria") == []


def test_a_name_from_code_is_not_content():
    """A key point of the real model's composting course (browser, seed 7)."""
    from localloom.course.audit import text_problem
    assert text_problem("key_points_with_color_coding") == (
        "is a name from code ('key_points_with_color_coding'), not content")
    # an option of the photography quiz in the page, with the comma of its JSON list
    assert text_problem("option_1,", numbers_ok=True) == (
        "is a name from code ('option_1'), not content")
    assert text_problem("answer_type=", numbers_ok=True) == (  # public speaking, natively
        "is a name from code ('answer_type'), not content")
    # options of the SQL quiz in the page: a code name as a label, with or without a value
    assert text_problem("answer_id: 1,", numbers_ok=True) == (
        "starts with the field name 'answer_id'; write only the text itself")
    assert text_problem("question_id_string:", numbers_ok=True) == (
        "is a name from code ('question_id_string'), not content")
    assert text_problem("Nota: lee la etiqueta", numbers_ok=True) is None


@pytest.mark.parametrize("text", [
    "answer-1:",  # budgeting quiz in the page
    "answer_explanation': 'This type of vessel was often the main way",  # water cycle, page
    "content”: “The first thing you should do when navigating",  # native runs
    "duration_minutes”: 25,",
])
def test_a_text_labelled_with_a_field_or_code_name_in_any_quoting_is_the_form_leaking_in(text):
    """Over the 3,670 distinct texts of the saved runs this finds 16, all of them leaks."""
    assert "starts with the field name" in text_problem(text, numbers_ok=True)


@pytest.mark.parametrize("text", ["e-mail: write one line", "Step 1: read the label",
                                  "Paso 2: riega", "Nota: lee la etiqueta"])
def test_an_ordinary_label_is_content(text):
    assert text_problem(text, numbers_ok=True) is None


def test_a_title_that_ends_in_a_quote_and_a_colon_is_the_json_form_leaking_in():
    """A lesson title of the vaccines course in the page; 'Language' alone is a fair title."""
    assert title_problem("language”:") == (
        "ends in JSON syntax (a quote and a colon): the answer's form leaking in")
    assert title_problem('Vaccines":') is not None
    assert title_problem("Language") is None and title_problem("“Vacunas” hoy") is None
    assert text_problem("Use a well-drained mix") is None


def test_two_titles_glued_by_quotes_are_the_json_list_leaking_in():
    """Lesson titles of 'How the internet works' in the page (independent set, seed 7)."""
    for title in ("What You Can Do On The Internet”, “How To Find A Website",
                  'How To Search For Websites – 2", "Search for Websites"'):
        assert title_problem(title) == ("is two titles joined by a quote, a comma and a "
                                        "quote: the answer's form leaking in")
    for title in ("Los verbos “ser”, “estar” y “haber”", "“Hola”, “Adiós” y otras palabras",
                  'The words "compost", "pile" and "soil"', "Salt, pepper and oil"):
        assert title_problem(title) is None


@pytest.mark.parametrize(("title", "piece"), [
    ("Los volcane s", "volcane s"),
    ("Los volcan e, los valles e, el agua", "volcan e"),
    ("Cooking basic s for beginners", "basic s"),
])
def test_a_word_broken_by_a_space_is_not_a_title(title, piece):
    """Module titles of 'Los volcanes y cómo se forman' in the page (independent set, seed
    7): the topic's word split in two, which no whole-word check sees."""
    assert title_problem(title, topic="Los volcanes y cómo se forman") == (
        f"has a word broken by a space ({piece!r}); write whole words")


@pytest.mark.parametrize("title", [
    "Miercoles e viernes para la merienda", "Frutas y verduras", "Aprende a cocinar",
    "Solving for x", "The sum of n numbers", "Vitamin C and your body", "Plan B",
    "Python y Java", "Los planetas: del sol a Neptuno", "Points x, y and z",
])
def test_one_letter_words_variables_and_names_are_whole_words(title):
    assert broken_word(title) is None


@pytest.mark.parametrize(("title", "topic", "mended"), [
    ("Los volcane s", "Los volcanes y cómo se forman", "Los volcanes"),
    ("Los volcan e, los valles e, el agua", "Los volcanes y cómo se forman",
     "Los volcanes, los valles e, el agua"),
    ("Auxilios basic s para niños", "Primeros auxilios básicos", "Auxilios básicos para niños"),
    ("Cooking basic s", "Knife skills", "Cooking basics"),
    ("Los volcanes y la lava", "Los volcanes y cómo se forman", "Los volcanes y la lava"),
    ("The letter b", "The alphabet", "The letter b"),
])
def test_a_broken_word_is_joined_where_the_topic_or_the_plural_names_it(title, topic, mended):
    """'Primeros auxilios básicos' (main set, in the page) ended in an error after its last
    outline's module was "… basic s"."""
    assert mend_broken_words(title, topic) == mended


def test_a_quiz_question_may_ask_about_a_letter():
    question = "¿Qué letra va después de la letra b?"
    assert title_problem(question) is not None
    assert title_problem(question, letters_ok=True) is None


def test_a_text_that_starts_with_a_field_name_is_the_json_form_leaking_in():
    """Options of the real model's knife-skills quiz (native run, seed 7)."""
    assert text_problem("answer: Use the sharpest edge of the knife and a piece of cloth;") == (
        "starts with the field name 'answer'; write only the text itself")
    assert text_problem("explanation: The top/bottom number counts how many pieces")
    assert text_problem("Nota: el cuchillo debe estar afilado.") is None
    assert text_problem("Use the knife's flat side: it is safer.") is None


@pytest.mark.parametrize("text", ["Mierda saludable", "This is shit", "¡Joder, qué frío!",
                                  "Fucking knives"])
def test_a_rude_text_is_not_course_content(text):
    """An option of the nutrition quiz in the page ('Mierda saludable'): the only one in the
    4,968 distinct texts of the saved runs."""
    assert text_problem(text) == "is rude; write words a teacher would use"
    assert title_problem(text) == "is rude; write words a teacher would use"


@pytest.mark.parametrize("text", ["El cono del volcán", "Shiitake mushrooms", "Puntos clave",
                                  "Computadora", "Cojinete de bolas", "The title of the album"])
def test_words_that_only_look_rude_are_content(text):
    assert text_problem(text) is None and title_problem(text) is None


def test_a_course_whose_modules_never_name_the_topic_is_found():
    """"Nutrición y alimentación saludable" (in the page): an on-topic description, two modules
    on Mendel's genetics. Over the 151 distinct courses of the saved runs, this flags three:
    that one, "Primeros auxilios básicos" as food preparation, and "La Revolución Industrial"
    as "El origen de la agricultura"."""
    from localloom.course.audit import no_module_on_topic

    genetics = {"modules": [
        {"title": "Herencia cruzada y reproducción sexual",
         "summary": "Las leyes de Mendel explican cómo se heredan los rasgos.",
         "lesson_titles": ["La herencia de padres", "Las leyes de Mendel"]},
        {"title": "Mendel y su legado", "summary": "Gregor Mendel y los genes.",
         "lesson_titles": ["Genética y reproducción humana", "La herencia en la agricultura"]}]}
    assert no_module_on_topic(genetics, "Nutrición y alimentación saludable")
    genetics["modules"][1]["lesson_titles"][1] = "Una alimentación que cuida los genes"
    assert not no_module_on_topic(genetics, "Nutrición y alimentación saludable")
    assert not no_module_on_topic({"modules": []}, "Nutrición")
    assert audit_course({"modules": genetics["modules"][:1]}, topic="Nutrición saludable",
                        language="es")[
        "no_module_on_topic"] is True


def test_a_question_borrowing_a_worked_examples_subject_is_found():
    shown = [frozenset({"arabi", "robus", "cafei"}), frozenset({"cromo", "human"})]
    about = ["Cuidado de plantas de interior", "Cuidar arbustos"]
    assert borrowed_subject("¿Qué diferencia al arábica y al robusta?", about, shown)
    assert not borrowed_subject("¿Qué planta prefiere el arábica?", about, shown)  # a known word
    assert not borrowed_subject("¿Por qué el robusta?", about, shown)  # one word is no subject
    assert not borrowed_subject("¿Qué arbustos y robustas plantas?", about, shown)
    assert not borrowed_subject("¿Qué diferencia al helecho y al potus?", about, shown)
    # words of two examples are no single example's subject ("aplicación, fecha, tiempo")
    assert not borrowed_subject("¿Qué diferencia al arábica y al cromosoma?", about, shown)
