"""render: model text is escaped, the Markdown subset, courses (full and partial), the
device report and the error box."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from localloom.course.schema import Course
from localloom.errors import LocalLoomError, ModelDownloadError
from localloom.routing.device import Capabilities, GpuInfo, StorageInfo
from localloom.view.render import (
    grow_draft,
    markdown,
    render_capabilities,
    render_choices,
    render_course,
    render_error,
)

SCRIPT = "<script>alert(1)</script>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def course_data(evil: str = "") -> dict:
    """A valid course; ``evil`` is appended to every model-written string."""
    return {
        "title": f"Light and life{evil}", "description": f"How plants eat light.{evil}",
        "language": "en", "level": "beginner", "audience": f"Curious adults{evil}",
        "prerequisites": [f"Reading{evil}"], "learning_objectives": [f"Explain it{evil}"],
        "estimated_hours": 2.5,
        "modules": [
            {"title": f"Light{evil}", "summary": f"Where the energy comes from.{evil}",
             "lessons": [{"title": f"Photons{evil}", "objectives": [f"Name a photon{evil}"],
                          "content": f"## Energy\n\nLight is **energy**.{evil}",
                          "duration_minutes": 15, "key_points": [f"Light carries energy{evil}"]}],
             "quiz": [{"question": f"What carries energy?{evil}",
                       "options": [f"Photons{evil}", f"Rocks{evil}", "Nothing"],
                       "answer": 0, "explanation": f"Photons do.{evil}"}]},
            {"title": "Sugar", "summary": "Storing the energy.",
             "lessons": [{"title": "Glucose", "objectives": ["Name glucose"],
                          "content": "- one\n- two", "duration_minutes": 10,
                          "key_points": ["Sugar stores energy"]}],
             "quiz": []},
        ],
    }


# --- markdown (markdown-it-py, CommonMark) ----------------------------------------------------

def test_markdown_escapes_html_in_model_text():
    assert markdown(SCRIPT) == f"<p>{SCRIPT_ESCAPED}</p>"
    assert markdown('x<y & "q"') == "<p>x&lt;y &amp; &quot;q&quot;</p>"


@pytest.mark.parametrize(("text", "html"), [
    ("# Title", "<h4>Title</h4>"),
    ("## Title", "<h5>Title</h5>"),
    ("### Title", "<h6>Title</h6>"),
    ("#### Title", "<h6>Title</h6>"),
    ("#hashtag", "<p>#hashtag</p>"),
])
def test_markdown_headings_start_below_the_page_headings(text, html):
    assert markdown(text) == html


def test_markdown_lists_paragraphs_and_inline_markup():
    assert markdown("- one\n- two") == "<ul><li>one</li><li>two</li></ul>"
    assert markdown("1. one\n2. two") == "<ol><li>one</li><li>two</li></ol>"
    assert markdown("one\r\n\r\n  two  \n\n") == "<p>one</p><p>two</p>"
    assert markdown("**b** and *i* and `c`") == (
        "<p><strong>b</strong> and <em>i</em> and <code>c</code></p>")
    assert markdown("`**kw** <b>`") == "<p><code>**kw** &lt;b&gt;</code></p>"
    assert markdown(42) == "<p>42</p>"


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>", "<div>\n<script>x</script>\n</div>",
    "<iframe src=//evil></iframe>", "&lt;script&gt;", "<style>*{}</style>",
])
def test_markdown_never_passes_raw_html(text):
    """Raw HTML (blocks and inline) is text: no tag from the model reaches the page."""
    html = markdown(text)
    assert not re.search(r"<(script|img|svg|iframe|style|div)\b", html), html
    assert "onerror=" not in html.replace("onerror=alert", "") or "&lt;" in html


@pytest.mark.parametrize("text", [
    "[x](javascript:alert(1))", "[x](JAVASCRIPT:alert(1))", "[x](data:text/html,<b>)",
    "[x](vbscript:msgbox)", "<javascript:alert(1)>", "[x]( javascript:alert(1))",
    "[x](java\u0000script:alert(1))", "[x](/relative)", "[x](file:///etc/passwd)",
])
def test_markdown_links_only_to_web_and_mail(text):
    """Links with any other scheme (or none) are not links."""
    assert "href" not in markdown(text)


def test_markdown_links_to_the_web_open_without_referrer_and_images_are_off():
    """A web link opens apart, with no referrer; an image is never an <img> (a beacon)."""
    html = markdown("[docs](https://example.org/a) ![beacon](https://evil.test/p.gif)")
    assert '<a href="https://example.org/a" rel="noopener noreferrer nofollow" ' in html
    assert "<img" not in html


# --- render_course ---------------------------------------------------------------------------

def flat(html: str) -> str:
    """The HTML without the newlines the templates put between tags."""
    return re.sub(r">\s+<", "><", html)


def test_render_course_shows_every_part_of_a_full_course():
    html = flat(render_course(Course.model_validate(course_data())))
    assert html.startswith('<div class="final">') and html.endswith("</div>")
    for part in ["<h3>Light and life</h3>", "beginner · en · 2.5 h", "How plants eat light.",
                 "<strong>Audience:</strong> Curious adults", "<h4>You will learn</h4>",
                 "<li>Explain it</li>", "<h4>Prerequisites</h4><ul><li>Reading</li></ul>",
                 "<h4>Module 1: Light</h4>", "<h4>Module 2: Sugar</h4>",
                 "<h5>Photons <span class=\"muted\">(15 min)</span></h5>",
                 '<ul class="objectives"><li>Name a photon</li></ul>',
                 "<h5>Energy</h5><p>Light is <strong>energy</strong>.</p>",
                 "<ul><li>one</li><li>two</li></ul>",
                 "<p><strong>Key points</strong></p><ul><li>Light carries energy</li></ul>",
                 "<p>What carries energy?</p>", '<p class="muted">Photons do.</p>']:
        assert part in html, part
    assert html.count('<section class="module">') == 2
    assert html.count('<article class="lesson">') == 2
    assert html.count("<h5>Quiz</h5>") == 1  # the second module has no quiz


def test_render_course_is_the_same_for_a_course_and_its_dict():
    course = Course.model_validate(course_data())
    assert render_course(course) == render_course(course.model_dump())


def test_render_course_escapes_every_model_written_string():
    course = Course.model_validate(course_data(evil=SCRIPT))
    html = render_course(course)
    assert "<script" not in html
    assert html.count(SCRIPT_ESCAPED) == 15  # every string course_data(evil=...) marks


def test_render_course_escapes_partial_dicts_too():
    html = render_course({"title": SCRIPT, "level": SCRIPT, "modules": [
        {"title": SCRIPT, "lesson_titles": [SCRIPT],
         "quiz": [{"question": SCRIPT, "options": [SCRIPT], "answer": 0}]}]}, partial=True)
    assert "<script" not in html
    assert html.count(SCRIPT_ESCAPED) == 6


def test_quiz_marks_the_answer_and_only_the_answer():
    html = render_course(Course.model_validate(course_data()))
    assert '<ol type="A"><li class="answer">Photons</li><li>Rocks</li><li>Nothing</li></ol>' in html
    assert html.count('class="answer"') == 1


def test_quiz_without_an_answer_yet_marks_nothing():
    html = render_course({"modules": [{"title": "M", "quiz": [
        {"question": "Q?", "options": ["a", "b"]}]}]}, partial=True)
    assert '<ol type="A"><li>a</li><li>b</li></ol>' in html
    assert 'class="answer"' not in html
    assert '<p class="muted">' not in html  # no explanation yet


@pytest.mark.parametrize("empty", [None, {}, ""])
def test_render_course_without_data_says_it_is_waiting(empty):
    assert render_course(empty, partial=True) == '<p class="muted">Waiting for the model…</p>'


def test_partial_course_with_only_a_title():
    assert render_course({"title": "Intro to ML"}, partial=True) == (
        '<div class="partial"><h3>Intro to ML</h3></div>')


def test_partial_course_with_missing_fields_renders_what_is_there():
    html = render_course({"title": "T", "modules": [{"title": "Basics"}]}, partial=True)
    assert html == ('<div class="partial"><h3>T</h3><section class="module">'
                    "<h4>Module 1: Basics</h4></section></div>")


def test_partial_course_skips_none_modules_but_keeps_their_numbers():
    html = render_course({"modules": [None, {"title": "Second"}]}, partial=True)
    assert "Module 1" not in html
    assert "<h4>Module 2: Second</h4>" in html


def test_partial_course_with_modules_none():
    assert render_course({"title": "T", "modules": None}, partial=True) == (
        '<div class="partial"><h3>T</h3></div>')


def test_partial_module_and_lesson_without_titles_show_an_ellipsis():
    html = render_course({"modules": [{"lessons": [{"content": "Hi"}]}]}, partial=True)
    assert "<h4>Module 1: …</h4>" in html
    assert '<article class="lesson"><h5>…</h5><p>Hi</p></article>' in html


def test_partial_meta_line_shows_only_known_values():
    assert '<p class="muted">advanced</p>' in render_course({"level": "advanced"}, partial=True)
    assert '<p class="muted">3 h</p>' in render_course({"estimated_hours": 3}, partial=True)
    assert 'class="muted"' not in render_course({"title": "T"}, partial=True)


def test_list_items_skip_empty_values():
    html = render_course({"learning_objectives": ["", None, "Real"]}, partial=True)
    assert "<ul><li>Real</li></ul>" in html


def test_outline_lesson_titles_are_a_numbered_list():
    outline = {"title": "T", "modules": [
        {"title": "Light", "summary": "S", "lesson_titles": ["Photons", "Chlorophyll"]}]}
    html = render_course(outline, partial=True)
    assert ('<section class="module"><h4>Module 1: Light</h4><p>S</p>'
            "<ol><li>Photons</li><li>Chlorophyll</li></ol></section>") in html


# --- render_capabilities ---------------------------------------------------------------------

def rows(html: str) -> dict[str, str]:
    return dict(re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", html))


def test_capabilities_without_webgpu():
    table = rows(render_capabilities(Capabilities()))
    assert table["WebGPU"] == '<span class="no">no — no adapter</span>'
    assert "shader-f16" not in table and "GPU buffer limits" not in table


def test_capabilities_gpu_error_is_shown_and_escaped():
    table = rows(render_capabilities(Capabilities(gpu_error="<b>blocked</b> & off")))
    assert table["WebGPU"] == '<span class="no">no — &lt;b&gt;blocked&lt;/b&gt; &amp; off</span>'


def test_capabilities_fallback_gpu():
    caps = Capabilities(gpu=GpuInfo(vendor="google", architecture="swiftshader",
                                    is_fallback=True))
    table = rows(render_capabilities(caps))
    assert table["WebGPU"] == (
        '<span class="ok">yes</span> — google swiftshader (software fallback adapter)')
    assert table["shader-f16"] == '<span class="no">no</span>'


def test_capabilities_hardware_gpu_with_shader_f16_and_buffer_limits():
    caps = Capabilities(gpu=GpuInfo(vendor="nvidia", architecture="ampere",
                                    features=("shader-f16", "timestamp-query"),
                                    max_buffer_size=4 << 30,
                                    max_storage_buffer_binding_size=2 << 30))
    table = rows(render_capabilities(caps))
    assert table["WebGPU"] == '<span class="ok">yes</span> — nvidia ampere (hardware adapter)'
    assert table["shader-f16"] == '<span class="ok">yes</span>'
    assert table["GPU buffer limits"] == "max buffer 4,295 MB, storage binding 2,147 MB"


def test_capabilities_gpu_without_a_name_and_with_escaped_vendor():
    assert "unknown GPU (hardware adapter)" in render_capabilities(Capabilities(gpu=GpuInfo()))
    html = render_capabilities(Capabilities(gpu=GpuInfo(vendor="<img src=x>")))
    assert "<img" not in html and "&lt;img src=x&gt;" in html


@pytest.mark.parametrize(("memory", "shown"), [
    (8, "≥ 8 GB"), (4, "4 GB"), (0.5, "0.5 GB"), (None, "unknown"),
])
def test_capabilities_device_memory(memory, shown):
    assert rows(render_capabilities(Capabilities(device_memory_gb=memory)))[
        "Device memory"] == shown


@pytest.mark.parametrize(("storage", "shown"), [
    (StorageInfo(), "unknown"),
    (StorageInfo(quota=50_000_000_000, usage=10_000_000_000), "40.0 GB free of 50.0 GB"),
    (StorageInfo(quota=2_000_000_000, usage=500_000_000, persisted=True),
     "1,500 MB free of 2,000 MB (persistent)"),
])
def test_capabilities_storage(storage, shown):
    assert rows(render_capabilities(Capabilities(storage=storage)))["Storage"] == shown


@pytest.mark.parametrize(("isolated", "shown"), [(True, "8 (of 8 logical cores)"),
                                                 (False, "1 (of 8 logical cores)")])
def test_capabilities_isolation_and_threads(isolated, shown):
    table = rows(render_capabilities(Capabilities(cross_origin_isolated=isolated,
                                                  hardware_concurrency=8)))
    assert table["Threads for local models"] == shown
    assert table["Cross-origin isolated"] == (
        '<span class="ok">yes</span>' if isolated else '<span class="no">no</span>')


def test_capabilities_chrome_ai_states():
    caps = Capabilities(chrome_ai={"LanguageModel": "available", "Summarizer": "downloadable",
                                   "LanguageDetector": "<bogus>"})
    table = rows(render_capabilities(caps))
    assert table["Chrome built-in AI: LanguageModel"] == '<span class="ok">available</span>'
    assert table["Chrome built-in AI: Summarizer"] == '<span class="no">downloadable</span>'
    assert table["Chrome built-in AI: LanguageDetector"] == '<span class="no">unavailable</span>'


def test_capabilities_chrome_ai_absent_says_not_in_this_browser():
    table = rows(render_capabilities(Capabilities()))
    for api in ("LanguageModel", "Summarizer", "LanguageDetector"):
        assert table[f"Chrome built-in AI: {api}"] == (
            '<span class="no">not in this browser</span>')


def test_capabilities_is_one_table_with_every_row():
    html = render_capabilities(Capabilities(gpu=GpuInfo()))
    assert html.startswith('<table class="caps">') and html.endswith("</table>")
    assert len(rows(html)) == 10


# --- render_error ----------------------------------------------------------------------------

def test_render_error_shows_what_cause_fix_and_stage():
    error = ModelDownloadError("The model did not download.", cause="The network dropped.",
                               fix="Reconnect and retry.", stage="download")
    assert render_error(error) == (
        '<h3>The model did not download. <span class="muted">(download)</span></h3>'
        "<p><strong>Cause:</strong> The network dropped.</p>"
        "<p><strong>Fix:</strong> Reconnect and retry.</p>")


def test_render_error_uses_the_default_cause_and_fix_and_no_stage():
    html = render_error(LocalLoomError("Broken."))
    assert html.startswith("<h3>Broken.</h3>")
    assert LocalLoomError.default_cause in html and LocalLoomError.default_fix in html
    assert 'class="muted"' not in html


def test_render_error_escapes_every_part():
    error = LocalLoomError(SCRIPT, cause=SCRIPT, fix=SCRIPT, stage=SCRIPT)
    html = render_error(error)
    assert "<script" not in html
    assert html.count(SCRIPT_ESCAPED) == 4


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["title", "modules", "lessons", "quiz", "options", "answer", "content",
                         "learning_objectives", "lesson_titles", "question", "summary",
                         "key_points", "objectives", "duration_minutes", "level"]),
        inner, max_size=6),
    max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(JSON)
def test_render_course_survives_any_json_the_model_or_storage_holds(value):
    """Partial stream output and stored data can be any JSON: render never raises, never
    calls a method of a string ('<built-in method title…>')."""
    html = render_course(value, partial=True)
    assert "built-in method" not in html and "<script" not in html


WRONG_TYPES = [{"modules": 3}, {"modules": "ab"}, {"learning_objectives": 7},
               {"title": "T", "modules": [{"lessons": 1, "quiz": [{"options": 2}]}]}]


@pytest.mark.parametrize("bad", WRONG_TYPES)
def test_render_course_skips_fields_of_the_wrong_type(bad):
    """The shapes that stopped the boot (issue: tampered saved course) render without them."""
    html = render_course(bad)
    assert "built-in method" not in html


def test_the_draft_grows_as_steps_finish():
    """Outline first (lessons to write stay titles), then each lesson and quiz in its module."""
    outline = {"title": "Light", "modules": [{"title": "Energy", "summary": "s",
                                              "lesson_titles": ["Photons", "Waves"]}]}
    draft = grow_draft(None, "outline", None, outline)
    lesson = {"title": "Photons", "content": "Light comes in **photons**."}
    draft = grow_draft(draft, "lesson", 0, lesson)
    assert draft["modules"][0]["lessons"] == [lesson]
    assert draft["modules"][0]["lesson_titles"] == ["Waves"]
    draft = grow_draft(draft, "quiz", 0, {"questions": [{"question": "Q?", "options": ["a"],
                                                         "answer": 0}]})
    html = render_course(draft, partial=True)
    assert "<strong>photons</strong>" in html and "Waves" in html and "Q?" in html
    assert grow_draft(None, "lesson", 0, lesson) is None  # a resumed run has no frame yet
    assert grow_draft(draft, "lesson", 7, lesson) is draft


def test_choices_render_as_buttons_with_their_policy():
    html = render_choices(("ask", "accept", "smaller", "evil<script>"))
    assert html.count("<button") == 3 and 'data-policy="smaller"' in html
    assert "Keep trying" in html and "<script" not in html
    assert render_choices(()) == ""
