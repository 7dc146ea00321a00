"""A new build deployed while a tab is open: the tab offers to reload, keeps serving its own
build until then (no mixed files), and the library survives the update.

dist/ is copied (hard links) to a temporary site; "deploying" replaces styles.css and writes
a new build version into sw.js and precache.json, as a rebuild does.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil

from buildtools.serve import serve_in_thread
from localloom.course.schema import CourseShape
from tests.fakes import course_json

from .conftest import BOOT_TIMEOUT_MS, DIST, new_app_context, open_app

STYLES = "fetch('./styles.css').then(r => r.text())"


def _replace(path, text: str) -> None:
    path.unlink()  # a hard link to dist/: never write through it
    path.write_text(text, encoding="utf-8")


def _deploy(site) -> None:
    _replace(site / "styles.css", (site / "styles.css").read_text() + "\n/* build 2 */\n")
    manifest = json.loads((site / "precache.json").read_text())
    old = manifest["version"]
    manifest["version"] = "build2" + old[6:]
    _replace(site / "precache.json", json.dumps(manifest))
    _replace(site / "sw.js", (site / "sw.js").read_text().replace(old, manifest["version"]))


@contextlib.contextmanager
def _controlled(browser, site):
    """A fresh visit to ``site`` served on 127.0.0.1, once its service worker controls the
    page: yields (page, server); no request may leave the device."""
    server = serve_in_thread(site)
    url = f"http://127.0.0.1:{server.server_port}/"
    context, log = new_app_context(browser, url)
    try:
        page = open_app(context, url)
        page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=60_000)
        yield page, server
    finally:
        context.close()
        server.shutdown()
        server.server_close()
    assert log.foreign() == []


def test_a_new_build_is_offered_not_mixed_and_the_library_survives(browser, tmp_path):
    """A rebuild deployed while the tab is open: the tab offers the update, keeps its own
    files until the user reloads, then runs the new build with the library intact."""
    site = tmp_path / "site"
    shutil.copytree(DIST, site, copy_function=os.link)
    with _controlled(browser, site) as (page, _server):
        course = tmp_path / "c.json"
        course.write_text(course_json(CourseShape(1, 1, 0)), encoding="utf-8")
        page.set_input_files("#library-import", str(course))
        page.wait_for_function("document.querySelectorAll('#library-list li').length == 1")

        _deploy(site)
        page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
        page.wait_for_selector("#update-banner button", timeout=60_000)
        assert "A new version of LocalLoom is ready." in page.inner_text("#update-banner")
        assert "build 2" not in page.evaluate(STYLES)  # the open tab keeps its own build

        page.click("#update-banner button")
        page.wait_for_function("document.body.dataset.state === 'booting'", timeout=30_000)
        page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
        assert "build 2" in page.evaluate(STYLES)
        assert page.evaluate("document.querySelectorAll('#library-list li').length") == 1
        shells = [k for k in page.evaluate("caches.keys()") if k.startswith("localloom-shell-")]
        assert len(shells) == 1 and "build2" in shells[0]  # the old build's files are gone


def test_a_first_visit_downloads_each_shell_file_once(browser):
    """The worker installs after Python is ready and revalidates what the page fetched (304s):
    the Python runtime crosses the wire once, not a second time for the precache."""
    with _controlled(browser, DIST) as (page, server):
        shell = page.evaluate("caches.keys()")
        assert any(k.startswith("localloom-shell-") for k in shell)
        wasm = "/pyodide/pyodide.asm.wasm"
        page.wait_for_timeout(500)  # the server thread counts a body after writing it
        one_body = {p.stat().st_size for p in (DIST / "pyodide").glob("pyodide.asm.wasm*")}
        assert server.sent[wasm] in one_body  # the plain, .br or .gz file, once
