"""What the page reads back and writes: tampered storage, a form it cannot show, full storage.

No model runs here: the one course is served by the loopback OpenAI-compatible double
(tests/cloud_server.py) as the custom provider, so each test costs a boot or two.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from localloom.course.schema import CourseShape
from tests.cloud_server import CloudServer
from tests.fakes import course_json
from tests.unit.test_render import course_data

from .conftest import BOOT_TIMEOUT_MS, RequestLog, open_app, wait_outcome
from .test_tiers import _settings

TINY = json.loads(course_json(CourseShape(1, 1, 0)))  # passes the quality gates
FAIL_INDEXEDDB = """() => {
  IDBObjectStore.prototype.put = function () {
    throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  };
}"""
FILL_STORAGE = """() => {
  let n = 0;
  for (const size of [262144, 16384, 1024, 64, 1]) {
    const block = 'x'.repeat(size);
    try { for (;; n++) localStorage.setItem('filler:' + n, block); } catch (e) { n++; }
  }
  return n;
}"""


def _reload(page) -> None:
    page.reload()
    page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)


def test_a_tampered_course_and_form_do_not_stop_the_boot(app_context, app_url):
    """A saved course with 'modules': 3 stopped every visit with a TypeError, and a saved
    Language 'fr' blanked the select: now the page boots clean, the unreadable course is kept
    in the library as text (export it to recover it), and the form says what it dropped."""
    page = open_app(app_context, app_url)
    bad = json.dumps({**course_data(), "title": "Bad", "modules": 3})
    page.evaluate("""(bad) => {
      localStorage.setItem('localloom:last-course', bad);
      localStorage.setItem('localloom:form', JSON.stringify(
        {topic: 'Fracciones', language: 'fr', level: 'beginner', size: 'tiny'}));
    }""", bad)
    _reload(page)
    notice = page.inner_text("#notice")
    assert "language" in notice
    assert page.evaluate("localStorage.getItem('localloom:last-course')") is None
    assert page.get_attribute("#library-list li", "data-status") == "unreadable"
    assert "moved into the library (1)" in page.inner_text("#library-status")
    with page.expect_download() as info:
        page.click("#library-list button[data-action=export-raw]")
    assert Path(info.value.path()).read_text() == bad
    assert page.input_value("#language") == "en" and page.input_value("#topic") == "Fracciones"
    assert page.input_value("#size") == "tiny"
    _reload(page)  # the next visit is clean and quiet
    assert page.is_hidden("#notice")


@pytest.fixture
def course_server():
    with CloudServer(content=json.dumps(TINY), lifetime=600) as server:
        yield server


@pytest.fixture
def cloud_context(browser, app_url, course_server):
    """A fresh profile whose requests may reach the page's origin and the loopback double."""
    context = browser.new_context()
    log = RequestLog(app_url)
    context.on("request", log)
    yield context
    context.close()
    assert [u for u in log.foreign() if not u.startswith(course_server.origin)] == []


def test_full_storage_says_not_saved_where_it_happens(cloud_context, app_url, course_server):
    """With storage full a course showed 'Done.' and was silently lost; a reload then
    showed the previous course as the last one. Now the page says NOT saved, and why
    (courses live in IndexedDB, the form in localStorage: both are full here)."""
    page = open_app(cloud_context, app_url)
    _settings(page, preferred="custom",
              provider={"id": "custom", "base_url": course_server.url})
    assert "goes first to your server at 127.0.0.1" in page.inner_text("#privacy")
    assert page.evaluate(FILL_STORAGE) > 0
    page.evaluate(FAIL_INDEXEDDB)
    page.fill("#topic", "Photosynthesis")
    page.select_option("#size", "tiny")
    page.click("#generate")
    assert wait_outcome(page, 60_000) == "done", page.inner_text("#error")
    assert page.evaluate("document.body.dataset.servedBy") == "openai"
    assert "NOT saved" in page.inner_text("#gen-status")
    assert "Photosynthesis" in page.inner_text("#course")
    assert page.is_visible("#notice")  # the form could not be saved either, and it says so
    _reload(page)
    assert "Photosynthesis" not in page.inner_text("#course")
    assert "last saved course" not in page.inner_text("#served-by")
