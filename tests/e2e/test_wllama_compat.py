"""wllama on a browser without JSPI (Safari, Chrome before 137): the embedded model runs on
wllama's compatibility build, served from our own dist/ (wllama's default would fetch it from a
CDN, which an offline page cannot reach), and no other browser downloads that build."""

from __future__ import annotations

import json

from tests.e2e.conftest import new_app_context, open_app

COMPAT = "/vendor/wllama-compat-"


def test_without_jspi_the_embedded_model_runs_on_the_compat_build_served_here(browser, app_url):
    """With ``WebAssembly.Suspending`` gone, as on Safari, the model loads and writes on the
    compatibility build, fetched from this server; the label says which build runs."""
    context, log = new_app_context(browser, app_url)
    context.add_init_script("delete WebAssembly.Suspending;")
    try:
        page = open_app(context, app_url)
        assert page.evaluate("typeof WebAssembly.Suspending") == "undefined"
        result = json.loads(page.evaluate("window.localloom.speedTest(4)"))
    finally:
        context.close()
    assert result["tokens"] >= 1 and result["chars"] > 0
    assert result["backend"].endswith(", compatibility build"), result["backend"]
    fetched = [u for u in log.urls if COMPAT in u]
    assert any(u.endswith("/wllama.wasm") for u in fetched), fetched
    assert any(u.endswith("/wllama.js") for u in fetched), fetched
    assert log.foreign() == [], log.foreign()[:5]


def test_a_browser_with_jspi_never_downloads_the_compat_build(browser, app_url):
    """Chromium has JSPI and 64-bit memory: neither its first visit (the service worker's
    install included) nor loading the model fetches anything of the compatibility build."""
    context, log = new_app_context(browser, app_url)
    try:
        page = open_app(context, app_url)
        page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=60_000)
        result = json.loads(page.evaluate("window.localloom.speedTest(1)"))
    finally:
        context.close()
    assert result["tokens"] >= 1 and "compatibility" not in result["backend"]
    assert not [u for u in log.urls if COMPAT in u]
