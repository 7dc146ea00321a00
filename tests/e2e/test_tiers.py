"""Routing in the real page: Chrome built-in AI (real and doubled), cloud faults, privacy.

The Chrome double (chrome_ai_double.js) follows the real LanguageModel/Summarizer API; the
cloud provider is tests/cloud_server.py speaking the OpenAI wire protocol on loopback with
scripted faults; the last tier is always the real embedded Gemma model.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from localloom.course.schema import Course
from tests.cloud_server import CloudServer

from .conftest import BOOT_TIMEOUT_MS, wait_outcome

DOUBLE = Path(__file__).with_name("chrome_ai_double.js")
KEY = "sk-loom-test-0123456789abcdef"
TEXT = ("Fractions describe parts of a whole. The numerator counts the parts taken and the "
        "denominator counts the equal parts the whole is split into.")
TEXT_ES = ("Las fracciones describen partes de un todo. El numerador cuenta las partes tomadas "
           "y el denominador cuenta las partes iguales en que se divide el todo.")
TAGS = '{"tags": ["fractions", "math"]}'


@pytest.fixture(scope="module")
def cloud():
    with CloudServer(key=KEY, lifetime=1800, content=TAGS) as server:
        yield server


class Traffic:
    """Every request of a context, with its headers, for the key and origin checks."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []

    def __call__(self, request) -> None:
        self.requests.append((request.url, request.headers))

    def outside(self, *origins: str) -> list[str]:
        allowed = (*(o.rstrip("/") + "/" for o in origins), "blob:", "data:")
        return [url for url, _ in self.requests if not url.startswith(allowed)]

    def with_key(self) -> list[str]:
        return [url for url, headers in self.requests
                if KEY in url or any(KEY in v for v in headers.values())]


@pytest.fixture
def session(browser, app_url):
    """A fresh browser profile; yields (page factory, traffic log)."""
    context = browser.new_context()
    traffic = Traffic()
    context.on("request", traffic)

    def open_page(double: dict | None = None):
        if double is not None:
            context.add_init_script(script=f"globalThis.__chromeAIDouble = {json.dumps(double)}")
            context.add_init_script(path=str(DOUBLE))
        page = context.new_page()
        page.goto(app_url)
        page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
        return page
    yield open_page, traffic
    context.close()


def _settings(page, *, on_device_only=False, allow_downloads=False, preferred="",
              provider=None) -> None:
    page.click("#settings > summary")
    if page.is_checked("#on-device-only") != on_device_only:
        page.click("#on-device-only")
    if page.is_checked("#allow-downloads") != allow_downloads:
        page.click("#allow-downloads")
    page.select_option("#preferred-engine", preferred)
    if provider is not None:
        page.select_option("#provider", provider["id"])
        page.fill("#provider-key", provider.get("key", ""))
        page.fill("#provider-url", provider.get("base_url", ""))
        page.click("#provider-save")
    page.click("#settings > summary")


def _run_text(page, task: str = "tags", text: str = TEXT) -> tuple[str, str, float]:
    page.fill("#source-text", text)
    page.select_option("#text-task", task)
    page.evaluate("document.body.dataset.outcome = ''; document.body.dataset.servedBy = ''")
    started = time.monotonic()
    page.click("#run-text")
    outcome = wait_outcome(page)
    return outcome, page.evaluate("document.body.dataset.servedBy"), time.monotonic() - started


def test_real_chromium_builtin_ai_is_skipped_with_its_reason(session, app_url):
    """Chromium 156 here answers 'unavailable': the plan says so and Gemma serves."""
    open_page, traffic = session
    page = open_page()
    outcome, served, _ = _run_text(page, "tags")
    assert (outcome, served) == ("done", "wllama"), page.inner_text("#error")
    tiers = page.text_content("#text-tiers") or ""
    assert "Chrome built-in AI" in tiers and "unavailable" in tiers
    assert page.inner_text("#text-result").strip()
    assert traffic.outside(app_url) == []


def test_builtin_ai_double_serves_a_summary_and_a_course(session, app_url):
    """With the API present and 'available', Summarizer serves summaries and LanguageModel a
    course under a responseConstraint object."""
    course = Course.model_validate({
        "title": "Fractions", "description": "Parts of a whole.", "language": "en",
        "level": "beginner", "audience": "Pupils", "prerequisites": [],
        "learning_objectives": ["Read fractions"], "estimated_hours": 1,
        "modules": [{"title": "Basics", "summary": "What a fraction is.", "quiz": [],
                     "lessons": [{"title": "Halves", "objectives": ["Halve"],
                                  "content": "A half is one of two equal parts.",
                                  "duration_minutes": 10, "key_points": ["Two parts"]}]}]})
    open_page, traffic = session
    page = open_page({"state": "available", "summaries": ["Fractions are parts of a whole."],
                      "responses": [course.model_dump_json()]})
    spanish = ("Las fracciones describen partes de un todo. El numerador cuenta las partes "
               "que se toman y el denominador las partes iguales en que se divide el todo.")
    outcome, served, _ = _run_text(page, "summary", spanish)
    assert (outcome, served) == ("done", "chrome"), page.inner_text("#error")
    assert "Fractions are parts of a whole." in page.inner_text("#text-result")
    # LanguageDetector found the text's language, and the summary was asked for in it
    assert page.evaluate("document.body.dataset.detectedLanguage") == "es"
    summarizer = [c for c in page.evaluate("globalThis.__chromeAIDouble.calls")
                  if c["api"] == "Summarizer" and c["method"] == "create"]
    assert "es" in json.dumps(summarizer[-1]["options"])

    _settings(page, preferred="chrome")
    page.fill("#topic", "Fractions")
    page.select_option("#size", "tiny")
    page.evaluate("document.body.dataset.outcome = ''")
    page.click("#generate")
    assert wait_outcome(page) == "done", page.inner_text("#error")
    assert page.evaluate("document.body.dataset.servedBy") == "chrome"
    assert "Halves" in page.inner_text("#course")
    calls = page.evaluate("globalThis.__chromeAIDouble.calls")
    prompts = [c for c in calls if c["method"] in ("prompt", "promptStreaming")]
    assert prompts and all(c.get("responseConstraintType") == "object" for c in prompts)
    assert traffic.outside(app_url) == []


def test_downloadable_builtin_ai_downloads_from_the_click_with_progress(session, app_url):
    """'downloadable' needs consent and a click: progress events, then it serves."""
    open_page, _ = session
    page = open_page({"state": "downloadable", "summaries": ["A whole split in parts."],
                      "downloadSteps": 4, "downloadDelayMs": 50})
    outcome, served, _ = _run_text(page, "tags")  # no consent yet: Gemma serves
    assert (outcome, served) == ("done", "wllama"), page.inner_text("#error")
    assert "allow downloads" in (page.text_content("#text-tiers") or "").lower()

    _settings(page, allow_downloads=True)
    outcome, served, _ = _run_text(page, "summary")
    assert (outcome, served) == ("done", "chrome"), page.inner_text("#error")
    assert page.inner_text("#model-bytes") == "100%"
    creates = [c for c in page.evaluate("globalThis.__chromeAIDouble.calls")
               if c["api"] == "Summarizer" and c["method"] == "create"]
    assert creates, "Summarizer.create was not called"


FAULT_MATRIX = [
    # (faults queued on the provider, tier expected to serve)
    (["ok"], "openai"),
    (["429"], "openai"),  # retry-after: 1 → wait, retry the same provider
    (["slow"], "openai"),
    (["malformed"], "openai"),
    (["schema-unsupported"], "openai"),  # retried once with the schema in the prompt
    (["401"], "wllama"),
    (["402"], "wllama"),
    (["429-long"], "wllama"),  # 120 s is too long to wait: next tier
    (["500", "500"], "wllama"),  # one retry, then the next tier
    (["midstream-error", "midstream-error"], "wllama"),
    (["malformed-many", "malformed-many"], "wllama"),
]


def test_cloud_faults_fall_back_along_the_chain_to_gemma(session, app_url, cloud):
    """Each scripted fault ends on the expected tier; the key goes only to its provider."""
    open_page, traffic = session
    page = open_page()
    _settings(page, preferred="custom",
              provider={"id": "custom", "key": KEY, "base_url": cloud.url})
    matrix = []
    for faults, expected in FAULT_MATRIX:
        cloud.reset().set_content(TAGS).script(faults)
        outcome, served, seconds = _run_text(page, "tags")
        matrix.append((faults[0], served, round(seconds, 1)))
        assert (outcome, served) == ("done", expected), (faults, page.inner_text("#error"))
        line = page.inner_text("#text-served-by")
        if expected == "openai":
            assert page.inner_text("#text-result").split() == ["fractions", "math"]
            assert "on this device, through your server at 127.0.0.1" in line
        else:  # the preferred engine's failure is said at once, in the result line
            assert "Custom server failed first" in line, line
        assert page.inner_text("#gen-status") == ""  # text tasks report in their own form
    print("\nfault → tier that served → seconds:", *matrix, sep="\n  ")
    assert "goes first to your server at 127.0.0.1" in page.inner_text("#privacy")
    cloud.reset().set_content(TAGS).script(["ok"])
    outcome, served, _ = _run_text(page, "tags", TEXT_ES)
    assert (outcome, served) == ("done", "openai")
    assert page.evaluate("document.body.dataset.detectedLanguage") == "es"
    sent = json.dumps(cloud.posts()[-1].body, ensure_ascii=False)
    assert "en español" in sent, sent[:400]  # the Spanish prompt, not the course form's
    posts = cloud.posts()
    assert posts and all(p.headers.get("authorization") == f"Bearer {KEY}" for p in posts)
    assert all(url.startswith(cloud.origin) for url in traffic.with_key())
    assert traffic.outside(app_url, cloud.origin) == []


def test_on_device_only_sends_no_request_beyond_the_page(session, app_url, cloud):
    """With keys saved for Groq and a local server, 'on-device only' keeps every byte here."""
    open_page, traffic = session
    page = open_page()
    cloud.reset()
    _settings(page, preferred="groq",
              provider={"id": "groq", "key": KEY})
    _settings(page, on_device_only=True, preferred="groq",
              provider={"id": "custom", "key": KEY, "base_url": cloud.url})
    outcome, served, _ = _run_text(page, "tags")
    assert (outcome, served) == ("done", "wllama"), page.inner_text("#error")
    assert "'on-device only' is on" in (page.text_content("#text-tiers") or "")
    assert cloud.posts() == []
    assert traffic.outside(app_url) == []
    assert traffic.with_key() == []
