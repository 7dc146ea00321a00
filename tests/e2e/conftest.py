"""End-to-end fixtures: dist/ served on 127.0.0.1, Debian's Chromium, and a request guard.

Every context made here records every request (pages and service worker); a test fails if
any request went to a host other than the test server (DESIGN: nothing leaves the device).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from buildtools.serve import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BOOT_TIMEOUT_MS = 120_000
GENERATE_TIMEOUT_MS = 480_000


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `python build.py test`, which installs it.")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def app_url():
    if not (DIST / "index.html").exists():
        pytest.fail("dist/ is missing: run `python build.py build` (or `python build.py test`).")
    server = serve_in_thread(DIST)
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


class RequestLog:
    """Every request a context made; ``foreign()`` lists those that left the test server."""

    def __init__(self, origin: str) -> None:
        self.origin = origin.rstrip("/")
        self.urls: list[str] = []

    def __call__(self, request) -> None:
        self.urls.append(request.url)

    def foreign(self) -> list[str]:
        return [u for u in self.urls
                if not u.startswith((self.origin + "/", "blob:", "data:"))]


def new_app_context(browser, app_url, **options):
    """A context (``options`` as Playwright's ``new_context`` takes them) whose requests are
    logged: ``(context, log)``."""
    context = browser.new_context(**options)
    log = RequestLog(app_url)
    context.on("request", log)
    return context, log


@pytest.fixture
def app_context(browser, app_url):
    context, log = new_app_context(browser, app_url)
    yield context
    context.close()
    assert log.foreign() == [], f"requests left the device: {log.foreign()[:5]}"


def open_app(context, app_url):
    page = context.new_page()
    page.goto(app_url)
    page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
    return page


def wait_outcome(page, timeout_ms: int = GENERATE_TIMEOUT_MS) -> str:
    page.wait_for_function("document.body.dataset.outcome", timeout=timeout_ms)
    return page.evaluate("document.body.dataset.outcome")
