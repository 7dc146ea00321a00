"""Untrusted text through every path executes nothing and requests nothing; the CSP holds with
zero violations; the page is usable at 375 px and installable.

The provider is the loopback OpenAI-compatible double (tests/cloud_server.py) answering with
an XSS corpus, and Groq's URL routed to an error whose message is the corpus. A payload that
reached the DOM as markup would run (``window.__xss``), request a beacon (``/beacon``) or be
blocked by the CSP (a ``securitypolicyviolation``): each test asserts none of the three.
"""

from __future__ import annotations

import json

import pytest

from localloom.course.schema import CourseShape
from tests.cloud_server import CloudServer
from tests.fakes import course_json

from .conftest import BOOT_TIMEOUT_MS, wait_outcome
from .test_tiers import _settings

BEACON = "http://127.0.0.1:9/beacon"
CORPUS = [
    "<script>window.__xss=1</script>",
    f'<img src="{BEACON}.png" onerror="window.__xss=2">',
    "<svg onload=window.__xss=3><circle r=1 /></svg>",
    "[click](javascript:window.__xss=4)",
    f"![b]({BEACON}.gif)",
    '<a href="data:text/html,<script>parent.__xss=5</script>">d</a>',
    "&lt;script&gt;window.__xss=6&lt;/script&gt; &#60;img src=x onerror=window.__xss=7&#62;",
    '<iframe src="javascript:window.__xss=8"></iframe>',
    f"<style>body{{background:url({BEACON}.css)}}</style>",
    "\u202eRTL\u200b\u200dzero\ufeffwidth",
]
EVIL = " ".join(CORPUS)
WATCH = """
  window.__xss = 0; window.__violations = [];
  document.addEventListener('securitypolicyviolation',
    (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
  window.alert = () => { window.__xss = 'alert'; };
"""


def _evil_course() -> str:
    data = json.loads(course_json(CourseShape(1, 1, 1)))
    data["title"] = ("<img src=x onerror=window.__xss=9>" + CORPUS[9])[:150]
    data["description"] = EVIL[:2000]
    lesson = data["modules"][0]["lessons"][0]
    lesson["content"] = "\n\n".join(CORPUS) + "\n\n" + "z" * 15000
    lesson["key_points"] = CORPUS[:5]
    data["modules"][0]["quiz"][0]["options"][1] = CORPUS[1][:100]
    return json.dumps(data)


@pytest.fixture
def watched(browser, app_url):
    """A fresh profile that records requests, CSP violations and console errors."""
    context = browser.new_context(accept_downloads=True)
    urls: list[str] = []
    context.on("request", lambda request: urls.append(request.url))
    context.add_init_script(script=WATCH)
    context.route("**/models/*.gguf", lambda route: route.abort())  # no fallback to Gemma
    context.route("**/models/tjs/**", lambda route: route.abort())  # nor to Transformers.js
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.goto(app_url)
    page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
    yield page, urls, console
    context.close()


def _clean(page, urls, console, *allowed: str) -> None:
    assert page.evaluate("window.__xss") == 0
    assert page.evaluate("window.__violations") == []
    assert [m for m in console if "Content Security Policy" in m] == []
    assert [u for u in urls if "beacon" in u] == []
    outside = [u for u in urls if not u.startswith(("http://127.0.0.1:", "blob:", "data:",
                                                    *allowed))]
    assert outside == []


def test_the_policy_is_sent_as_a_header_and_a_meta_tag(watched, app_url):
    """Header with frame-ancestors and Referrer-Policy; the meta tag without frame-ancestors."""
    page, _, _ = watched
    response = page.request.get(app_url)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'" in csp
    assert "frame-ancestors 'none'" in csp and response.headers["referrer-policy"] == "no-referrer"
    meta = page.get_attribute("meta[http-equiv=Content-Security-Policy]", "content")
    assert "connect-src 'self'" in meta and "frame-ancestors" not in meta


def test_the_corpus_through_a_course_text_tasks_import_and_errors_runs_nothing(watched, tmp_path):
    """A course answered with the corpus (streamed and shown), text tasks, an imported course
    and a provider error whose message is the corpus: nothing runs, nothing is requested, no
    CSP violation, and the titles are text."""
    page, urls, console = watched
    with CloudServer(content=_evil_course(), lifetime=300) as cloud:
        _settings(page, preferred="custom", provider={"id": "custom", "base_url": cloud.url})
        page.fill("#topic", "Photosynthesis")
        page.select_option("#size", "tiny")
        page.click("#generate")
        if wait_outcome(page, 90_000) == "error":  # quality gates object: keep it as it is
            page.evaluate("document.body.dataset.outcome = ''")
            page.click("#error button[data-policy=accept]")
            assert wait_outcome(page, 90_000) == "done", page.inner_text("#error")
        assert "window.__xss=1" in page.inner_text("#course")
        cloud.set_content(json.dumps({"summary": EVIL[:3000], "key_points": CORPUS}))
        page.fill("#source-text", EVIL)
        page.select_option("#text-task", "summary")
        page.evaluate("document.body.dataset.outcome = ''")
        page.click("#run-text")
        wait_outcome(page, 60_000)
        assert "window.__xss=1" in page.inner_text("#text-result")
        cloud.set_content(EVIL + "x" * 200_000)  # 200 KB of garbage: an error, shown as text
        page.select_option("#text-task", "tags")
        page.evaluate("document.body.dataset.outcome = ''")
        page.click("#run-text")
        wait_outcome(page, 90_000)
    path = tmp_path / "evil.json"
    path.write_text(_evil_course(), encoding="utf-8")
    page.set_input_files("#library-import", str(path))
    page.wait_for_function("document.querySelectorAll('#library-list li').length >= 1")
    titles = page.eval_on_selector_all("#library-list h3", "els => els.map(e => e.textContent)")
    assert any(t.startswith("<img src=x onerror") for t in titles)
    huge = tmp_path / "huge.json"
    huge.write_text(json.dumps({**json.loads(_evil_course()), "title": "x" * 200_000}))
    page.set_input_files("#library-import", str(huge))
    page.wait_for_selector("#library-error:not([hidden])")

    def hostile(route) -> None:
        route.fulfill(status=400, content_type="application/json",
                      body=json.dumps({"error": {"message": EVIL, "type": "invalid_request"}}))
    page.route("https://api.groq.com/**", hostile)
    _settings(page, preferred="groq", provider={"id": "groq", "key": "gsk_0123456789abcdef"})
    page.evaluate("document.body.dataset.outcome = ''")
    page.click("#run-text")
    wait_outcome(page, 90_000)
    _clean(page, urls, console, "https://api.groq.com/")


def test_no_horizontal_scroll_at_375_px_and_focus_is_visible(browser, app_url, tmp_path):
    """A phone-sized window: nothing wider than the viewport, with a course in the library;
    keyboard focus shows an outline."""
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(app_url)
    page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
    path = tmp_path / "c.json"
    path.write_text(course_json(CourseShape(2, 2, 2)), encoding="utf-8")
    page.set_input_files("#library-import", str(path))
    page.wait_for_function("document.querySelectorAll('#library-list li').length == 1")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.focus("#library-list button[data-action=open]")
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    context.close()


def test_the_app_is_installable(watched):
    """Chromium finds no installability error in the manifest, icons and service worker."""
    page, _, _ = watched
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=30_000)
    session = page.context.new_cdp_session(page)
    errors = session.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []
    manifest = session.send("Page.getAppManifest")
    assert manifest["errors"] == [] and "icon" in manifest["data"]
