"""The real page against hostile or broken OpenAI-compatible servers, and the Settings panel.

Cheap by design: the on-device models (Gemma, Transformers.js) are aborted by routing (their
tiers fail in about a second), Groq's URL is routed to a hostile answer, and the custom provider is
tests/cloud_server.py on loopback. Service workers are blocked so every page request can be
routed and seen. Each test asserts that nothing left 127.0.0.1 except what it routed.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.cloud_server import DEEP, CloudServer

from .conftest import BOOT_TIMEOUT_MS

GROQ = "https://api.groq.com/"
GROQ_KEY = "gsk_hostile0123456789abcdef"
KEY = "sk-loom-local-0123456789abcdef"
TEXT = ("Fractions describe parts of a whole. The numerator counts the parts taken and the "
        "denominator counts the equal parts the whole is split into.")
TAGS = '{"tags": ["fractions", "math"]}'
DEEP_JSON = "[" * DEEP + "]" * DEEP
OUTCOME_MS = 90_000  # a dead Pyodide never sets an outcome: fail in 90 s, not 8 minutes


def _sse(*payloads: str) -> str:
    return "".join(f"data: {p}\n\n" for p in payloads)


def _chunk(content: str) -> str:
    return json.dumps({"choices": [{"index": 0, "delta": {"content": content}}]})


#: What the routed "Groq" answers, per kind: (status, content type, body).
HOSTILE = {
    "sse event": (200, "text/event-stream", _sse(DEEP_JSON)),
    "json body": (200, "application/json", DEEP_JSON),
    "400 body": (400, "application/json", '{"error": ' + DEEP_JSON + "}"),
    "answer": (200, "text/event-stream",
               _sse(*(_chunk(DEEP_JSON[i:i + 700]) for i in range(0, len(DEEP_JSON), 700)),
                    "[DONE]")),
}


class Browser:
    """One fresh profile: its page, its traffic, its console messages."""

    def __init__(self, browser, app_url: str, init_script: str = "") -> None:
        self.context = browser.new_context(service_workers="block")
        self.app_url = app_url
        self.urls: list[str] = []
        self.console: list[str] = []
        self.context.on("request", lambda request: self.urls.append(request.url))
        # The embedded model's tier fails at once (offline-like): no real generation here.
        self.context.route("**/models/*.gguf", lambda route: route.abort())
        self.context.route("**/models/tjs/**", lambda route: route.abort())  # Transformers.js
        if init_script:
            self.context.add_init_script(script=init_script)
        self.page = self.context.new_page()
        self.page.on("console", lambda message: self.console.append(message.text))
        self.page.on("pageerror", lambda error: self.console.append(str(error)))
        self.page.goto(app_url)
        self.page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)

    def outside(self, *origins: str) -> list[str]:
        allowed = (self.app_url, *(o.rstrip("/") + "/" for o in origins), "blob:", "data:")
        return [url for url in self.urls if not url.startswith(allowed)]

    def fatal(self) -> list[str]:
        return [m for m in self.console if "fatal error" in m.lower() or "RangeError" in m]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def profile(browser, app_url):
    made: list[Browser] = []

    def make(init_script: str = "") -> Browser:
        made.append(Browser(browser, app_url, init_script))
        return made[-1]
    yield make
    for each in made:
        each.close()


def _open_settings(page) -> None:
    if not page.evaluate("document.getElementById('settings').open"):
        page.click("#settings > summary")


def _provider(page, pid: str, *, key: str = "", url: str = "", model: str = "") -> str:
    """Fill and save one provider; returns the panel's status line."""
    _open_settings(page)
    page.select_option("#provider", pid)
    page.fill("#provider-key", key)
    page.fill("#provider-url", url)
    page.fill("#provider-model", model)
    page.click("#provider-save")
    return page.evaluate("document.getElementById('provider-status')?.textContent ?? ''")


def _run_tags(user: Browser) -> str:
    """Run the tags task; the outcome, or an assertion error as soon as Pyodide dies."""
    page = user.page
    page.fill("#source-text", TEXT)
    page.select_option("#text-task", "tags")
    page.evaluate("document.body.dataset.outcome = ''; document.body.dataset.servedBy = ''")
    page.click("#run-text")
    deadline = time.monotonic() + OUTCOME_MS / 1000
    while time.monotonic() < deadline:
        assert not user.fatal(), user.fatal()[:2]
        outcome = page.evaluate("document.body.dataset.outcome")
        if outcome:
            return outcome
        page.wait_for_timeout(100)
    raise AssertionError(f"no outcome in {OUTCOME_MS / 1000:g} s")


def test_deep_json_from_a_provider_is_refused_and_the_page_lives_on(profile):
    """Groq (routed) answers JSON nested 7,000 levels deep as an SSE event, a JSON body, a 400
    error body and as the answer itself: each time its tier fails with a clear reason, the
    embedded tier fails (download aborted), and the custom loopback server serves, with the
    model the server lists (the Model field is blank). Then Cancel and the form still work,
    and Pyodide never reported a fatal error (before the fix: 'Pyodide has suffered a fatal
    error … Maximum call stack size exceeded', the page stuck in 'generating')."""
    with CloudServer(lifetime=600, content=TAGS, slow_seconds=5.0) as good:
        user = profile()
        page = user.page
        hostile = {"kind": "sse event"}

        def groq(route) -> None:
            status, ctype, body = HOSTILE[hostile["kind"]]
            route.fulfill(status=status, content_type=ctype, body=body,
                          headers={"access-control-allow-origin": "*"})
        user.context.route(GROQ + "**", groq)
        _provider(page, "groq", key=GROQ_KEY)
        _provider(page, "custom", url=good.url)
        page.select_option("#preferred-engine", "groq")

        for kind in HOSTILE:
            hostile["kind"] = kind
            good.reset()
            outcome = _run_tags(user)
            assert outcome == "done", (kind, page.inner_text("#error"))
            assert page.evaluate("document.body.dataset.servedBy") == "openai"
            assert page.inner_text("#text-result").split() == ["fractions", "math"]
            tiers = page.text_content("#text-tiers") or ""
            assert "nested more than 64 levels" in tiers, (kind, tiers)
            print(f"\n{kind}: {tiers}")
            gets = [r.path for r in good.requests if r.method == "GET"]
            assert gets == ["/v1/models"] and good.posts()[-1].body["model"] == "test-model"

        # Cancel still works: the good server stalls 5 s before answering, Cancel ends it.
        good.reset().script(["slow"])
        page.fill("#source-text", TEXT)
        page.evaluate("document.body.dataset.outcome = ''")
        page.click("#run-text")
        deadline = time.monotonic() + 30
        while not good.posts() and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        assert good.posts(), "the custom tier was never reached"
        page.click("#text-cancel")
        page.wait_for_function("document.body.dataset.outcome", timeout=10_000)
        assert page.evaluate("document.body.dataset.outcome") == "cancelled"
        # ... and the form still runs the next task.
        assert _run_tags(user) == "done", page.inner_text("#error")
        assert not user.fatal()
        assert user.outside(good.origin, GROQ) == []


def test_redirects_and_missing_cors_end_in_clear_messages(profile):
    """The custom server answers 307 to another loopback origin: the page refuses to follow
    (before the fix the prompt was re-sent there), every tier fails with a neutral stage
    ('route', not the last tier's), and the second server gets nothing. A server without CORS
    headers ends in the CORS explanation."""
    with CloudServer(lifetime=600, content=TAGS) as other, \
            CloudServer(lifetime=600, content=TAGS,
                        redirect_to=f"{other.url}/chat/completions") as moved, \
            CloudServer(lifetime=600, content=TAGS, cors=False) as closed:
        user = profile()
        page = user.page
        moved.script(["redirect"] * 4)
        _provider(page, "custom", key=KEY, url=moved.url, model="test-model")
        assert _run_tags(user) == "error"
        error, tiers = page.inner_text("#error"), page.text_content("#text-tiers") or ""
        assert "Every tier failed." in error and "(route)" in error, error
        assert "does not follow redirects" in tiers, tiers
        assert moved.posts() and other.requests == []

        _provider(page, "custom", url=closed.url, model="test-model")
        assert _run_tags(user) == "error"
        tiers = page.text_content("#text-tiers") or ""
        assert "Could not reach" in tiers and "CORS" in tiers, tiers
        assert not user.fatal()
        assert user.outside(moved.origin, closed.origin) == []


def test_settings_panel_says_what_it_could_not_read_keep_or_save(profile):
    """Saved settings with "on_device_only": "no" boot with On-device only ON and a notice (a
    saved URL's password is dropped and the reset values are stored); unparsable settings are
    reported as a whole; the panel refuses a URL with a password (without showing it), drops
    a key when the server's origin changes, and says "Not saved" when localStorage is full."""
    stored = json.dumps({"on_device_only": "no", "providers": {
        "groq": {"key": GROQ_KEY, "enabled": "yes"},
        "custom": {"base_url": "http://me:s3cr3t-pw@127.0.0.1:9/v1", "enabled": True}}})
    user = profile("if (!localStorage.getItem('localloom:settings')) "
                   f"localStorage.setItem('localloom:settings', {json.dumps(stored)});")
    page = user.page
    notice = page.locator("#settings-notice")
    assert page.evaluate("document.getElementById('settings').open")
    assert notice.is_visible() and page.is_checked("#on-device-only")
    text = notice.inner_text()
    assert "on_device_only" in text and "providers.groq.enabled" in text
    assert "On-device only is now ON" in text
    assert "providers.custom.base_url" in text and "s3cr3t" not in page.content()
    saved = page.evaluate("localStorage.getItem('localloom:settings')")
    assert json.loads(saved)["on_device_only"] is True and "s3cr3t" not in saved

    page.evaluate("localStorage.setItem('localloom:settings', '{not json')")
    page.reload()
    page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
    assert "all settings" in page.inner_text("#settings-notice")
    assert page.is_checked("#on-device-only")

    status = _provider(page, "custom", url="http://me:s3cr3t-pw@127.0.0.1:9/v1")
    assert "user name or password" in status and "s3cr3t" not in page.content()
    assert _provider(page, "custom", key=KEY, url="http://127.0.0.1:9/v1").startswith("Saved.")
    status = _provider(page, "custom", url="http://127.0.0.2:9/v1")
    assert "not kept" in status and "127.0.0.2" in status
    assert page.get_attribute("#provider-key", "placeholder") == ""  # no saved key any more

    filled = page.evaluate("""() => {  // fill localStorage to the last character
        let size = 1 << 20, i = 0, chars = 0;
        while (size >= 1 && i < 200) {
            try { localStorage.setItem('fill:' + i++, 'x'.repeat(size)); chars += size; }
            catch (e) { size >>= 1; }
        }
        return chars;
    }""")
    assert filled > 1_000_000
    status = _provider(page, "custom", key=KEY, url="http://127.0.0.1:9/v1")
    assert status.startswith("Not saved") and "full or blocked" in status
    page.click("#allow-downloads")
    assert page.inner_text("#settings-status").startswith("Not saved")
    assert user.outside() == []
