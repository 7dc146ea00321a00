"""The library in the real page: kept as written, resumed, exported, imported, shared by tabs.

No model runs here: courses come from the loopback OpenAI-compatible double
(tests/cloud_server.py) as the custom provider, answering each step with a valid part for
the step's schema (outline, lesson, quiz, whole course). IndexedDB, BroadcastChannel and the
downloads are Chromium's own.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from localloom.course.schema import CourseShape
from localloom.library.transfer import export_markdown, import_json
from tests.cloud_server import CloudServer
from tests.fakes import course_json, lesson_data, lesson_titles, outline_json, quiz_json

from .conftest import BOOT_TIMEOUT_MS, RequestLog, wait_outcome
from .test_tiers import _settings

SHORT = CourseShape(2, 2, 2)


class CourseCloud(CloudServer):
    """Answers each request with a valid part for the schema it names (``json_schema.name``):
    the outline, the lesson whose title the schema pins, a quiz, or a whole tiny course."""

    @property
    def content(self) -> str:
        body = self.requests[-1].body if self.requests else None
        spec = ((body or {}).get("response_format") or {}).get("json_schema") or {}
        task, schema = spec.get("name"), spec.get("schema") or {}
        if task == "outline":
            return outline_json(SHORT)
        if task == "lesson":
            return json.dumps(lesson_data(schema["properties"]["title"]["enum"][0]))
        if task == "quiz":  # about the module the prompt names, as the quiz gate asks
            prompt = body["messages"][-1]["content"]
            module = int(re.search(r"Module (\d+) of", prompt).group(1)) - 1
            return quiz_json(2, lesson_titles(SHORT)[module][0].lower())
        return course_json(CourseShape(1, 1, 0))

    @content.setter
    def content(self, _value: str) -> None:
        pass


@pytest.fixture
def cloud():
    with CourseCloud(lifetime=900) as server:
        yield server


@pytest.fixture
def context(browser, app_url, cloud):
    """A fresh profile whose requests may reach the page's origin and the loopback double."""
    made = browser.new_context(accept_downloads=True)
    log = RequestLog(app_url)
    made.on("request", log)
    yield made
    made.close()
    assert [u for u in log.foreign() if not u.startswith(cloud.origin)] == []
    # the double answers every part well: a fallback to the embedded model means it did not
    assert [u for u in log.urls if u.endswith(".gguf")] == []


def _open(context, app_url, cloud=None):
    page = context.new_page()
    page.goto(app_url)
    page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
    if cloud is not None:
        _settings(page, preferred="custom", provider={"id": "custom", "base_url": cloud.url})
    return page


def _generate(page, size: str = "short") -> None:
    page.fill("#topic", "Photosynthesis")
    page.select_option("#size", size)
    page.evaluate("document.body.dataset.outcome = ''")
    page.click("#generate")
    assert wait_outcome(page, 90_000) == "done", page.inner_text("#error")


def _items(page) -> list[str]:
    return page.eval_on_selector_all("#library-list li h3", "els => els.map(e => e.textContent)")


def _action(page, action: str, index: int = 0) -> None:
    page.locator(f"#library-list button[data-action={action}]").nth(index).click()


def _download(page, action: str, index: int = 0) -> str:
    with page.expect_download() as info:
        _action(page, action, index)
    return Path(info.value.path()).read_text(encoding="utf-8")


def test_a_course_is_kept_exported_imported_renamed_deleted_and_restored(context, app_url,
                                                                         cloud, tmp_path):
    """Generate → reload: the course is in the library with who wrote each part; Export JSON
    → Import gives the identical course; Export Markdown is the course; a bad file is refused
    whole; Rename; Delete → Undo."""
    page = _open(context, app_url, cloud)
    _generate(page)
    assert "Done." in page.inner_text("#gen-status")
    page.reload()
    page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
    assert _items(page) == ["Photosynthesis"]
    line = page.inner_text("#library-list li p")
    assert "finished · en · beginner" in line and "openai" in line and "kB" in line
    assert page.locator("#course [data-regenerate]").count() == 6  # 4 lessons, 2 quizzes
    assert "Written by openai" in page.inner_text("#course")

    exported = _download(page, "export-json")
    data = json.loads(exported)
    assert data["format"] == "localloom-course" and data["schema_version"] == 1
    assert set(data["provenance"]) == {"outline", "lesson:0.0", "lesson:0.1", "quiz:0",
                                       "lesson:1.0", "lesson:1.1", "quiz:1"}
    markdown = _download(page, "export-md")
    assert markdown == export_markdown(import_json(exported))

    path = tmp_path / "again.json"
    path.write_text(exported, encoding="utf-8")
    page.set_input_files("#library-import", str(path))
    page.wait_for_function("document.querySelectorAll('#library-list li').length == 2")
    again = json.loads(_download(page, "export-json", 0))
    assert again["course"] == data["course"] and again["provenance"] == data["provenance"]

    bad = tmp_path / "bad.json"
    bad.write_text(exported.replace('"answer": 0', '"answer": 9'), encoding="utf-8")
    page.set_input_files("#library-import", str(bad))
    page.wait_for_selector("#library-error:not([hidden])")
    error = page.inner_text("#library-error")
    assert "bad.json" in error and "does not validate" in error and "nothing was imported" in error
    assert len(_items(page)) == 2

    _action(page, "rename")
    page.fill("#rename-title", "Plants and light")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#library-list h3')?.textContent == "
                           "'Plants and light'")
    _action(page, "delete")
    page.wait_for_function("document.querySelectorAll('#library-list li').length == 1")
    assert "Deleted “Plants and light”." in page.inner_text("#library-status")
    page.keyboard.press("Enter")  # focus is on Undo
    page.wait_for_function("document.querySelectorAll('#library-list li').length == 2")
    assert "Plants and light" in _items(page)


def test_closed_mid_generation_the_course_resumes_from_the_library(context, app_url, cloud):
    """The tab closes after step 2: the library shows the course in progress; Resume asks
    only for the steps not yet written, and the finished course replaces the run."""
    cloud.script(["ok", "ok", "slow"])  # the 3rd call (lesson 2) waits: close then
    page = _open(context, app_url, cloud)
    page.fill("#topic", "Photosynthesis")
    page.select_option("#size", "short")
    page.click("#generate")
    page.wait_for_function("document.getElementById('gen-status').textContent"
                           ".startsWith('Step 3 of')", timeout=60_000)
    # the 3rd call's request is sent just after the label changes: on a loaded machine it
    # reached the double after the count below and was counted as the resumed run's
    deadline = time.monotonic() + 30
    while len(cloud.posts()) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(cloud.posts()) == 3
    page.close()
    posts_before = len(cloud.posts())
    page = _open(context, app_url)
    assert page.get_attribute("#library-list li", "data-status") == "in_progress"
    assert "in progress" in page.inner_text("#library-list li p")
    _action(page, "resume")
    assert wait_outcome(page, 90_000) == "done", page.inner_text("#error")
    tasks = [p.body["response_format"]["json_schema"]["name"] for p in cloud.posts()[posts_before:]]
    assert "outline" not in tasks and tasks.count("lesson") == 3
    assert page.get_attribute("#library-list li", "data-status") == "done"
    assert len(_items(page)) == 1


def test_two_tabs_see_each_others_changes(context, app_url, cloud, tmp_path):
    """An import in one tab appears in the other without a reload; a delete there
    disappears here: both write through IndexedDB transactions, told by BroadcastChannel."""
    first = _open(context, app_url)
    second = _open(context, app_url)
    path = tmp_path / "c.json"
    path.write_text(course_json(CourseShape(1, 1, 0)), encoding="utf-8")  # a bare course
    first.set_input_files("#library-import", str(path))
    second.wait_for_function("document.querySelectorAll('#library-list li').length == 1")
    assert "another tab" in second.inner_text("#library-status")
    _action(second, "delete")
    first.wait_for_function("document.querySelectorAll('#library-list li').length == 0")


def test_a_lesson_is_written_again_and_the_rest_is_kept(context, app_url, cloud):
    """Regenerate lesson 2 of module 1: one call for that lesson; the other parts and their
    provenance unchanged; the new part's date and engine shown."""
    page = _open(context, app_url, cloud)
    _generate(page)
    before = page.inner_text("#course")
    posts = len(cloud.posts())
    page.click("#course [data-regenerate='lesson:0.1']")
    page.wait_for_function("document.getElementById('gen-status').textContent"
                           ".startsWith('Regenerated')", timeout=60_000)
    assert "Regenerated module 1, lesson 2 of “Photosynthesis”." in page.inner_text(
        "#gen-status")
    tasks = [p.body["response_format"]["json_schema"]["name"] for p in cloud.posts()[posts:]]
    assert tasks == ["lesson"]
    assert page.inner_text("#course") == before  # the double writes the same lesson again
    assert len(_items(page)) == 1


def test_courses_from_local_storage_move_into_the_library_once(context, app_url):
    """An earlier build's last course and checkpoint become library records; the old keys
    go; nothing is lost."""
    page = context.new_page()
    page.goto(app_url + "icon.svg")  # the origin's storage, before the app's first boot
    page.evaluate("""([course, ckpt]) => {
      localStorage.setItem('localloom:last-course', course);
      localStorage.setItem('localloom:checkpoint:course:0123', ckpt);
    }""", [course_json(CourseShape(1, 1, 0)), json.dumps(
        {"version": 2, "request": {"topic": "Rust"}, "outline": None, "lessons": {},
         "quizzes": {}})])
    page.goto(app_url)
    page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
    assert sorted(_items(page)) == ["Photosynthesis", "Rust"]
    assert "moved into the library (2)" in page.inner_text("#library-status")
    assert page.evaluate("Object.keys(localStorage).filter(k => k.includes('course'))") == []
    assert "Photosynthesis" in page.inner_text("#course")
