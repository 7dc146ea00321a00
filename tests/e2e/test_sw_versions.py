"""web/sw.js across builds: after a version bump, an engine binary cached by the old build is
never served (web-llm #308, wllama #143: a stale cached wasm after an upgrade breaks loading).

The test serves a copy of dist/ (without the models), lets the worker precache build A, then
poisons build A's cached ``wllama.wasm`` (so it can tell which copy it gets), and publishes
build B the way ``buildtools/dist.py`` does: a new version in ``precache.json`` and in
``sw.js``. Once the page takes the update (its banner's Reload, web/update.js), it must get
the real wasm, and build A's cache must be gone.
No model is loaded.
"""

from __future__ import annotations

import json
import shutil

import pytest

from buildtools.serve import serve_in_thread

from .conftest import BOOT_TIMEOUT_MS, DIST, RequestLog

GET_BYTES = """async (url) => {
  const r = await fetch(url);
  const b = new Uint8Array(await r.arrayBuffer());
  return {size: b.length, head: Array.from(b.subarray(0, 4))};
}"""


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    shutil.copytree(DIST, root, ignore=shutil.ignore_patterns("models"))
    server = serve_in_thread(root)
    yield root, f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def _shells(page) -> list[str]:
    return page.evaluate("caches.keys().then((k) => k.filter((n) => "
                         "n.startsWith('localloom-shell-')))")


def test_an_old_builds_cached_engine_wasm_is_not_used_after_an_update(browser, site):
    """Build A's cached wllama.wasm (poisoned here) is served while A is current; once build
    B is published and the page reloads, the page gets the real file and A's cache is gone."""
    root, url = site
    manifest = json.loads((root / "precache.json").read_text())
    old = manifest["version"]
    wasm = next(f for f in manifest["shell"] if f["url"].endswith("wllama.wasm"))
    wasm_url = url + wasm["url"]
    context = browser.new_context()
    log = RequestLog(url)
    context.on("request", log)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=30_000)
    assert _shells(page) == [f"localloom-shell-{old}"]
    page.evaluate("""async ([name, url]) => {
      await (await caches.open(name)).put(url, new Response('stale engine binary'));
    }""", [f"localloom-shell-{old}", wasm_url])
    assert page.evaluate(GET_BYTES, wasm_url)["size"] == len("stale engine binary")

    new = "b" * len(old)
    manifest["version"] = new
    (root / "precache.json").write_text(json.dumps(manifest))
    sw = (root / "sw.js").read_text()
    assert f"'{old}'" in sw
    (root / "sw.js").write_text(sw.replace(f"'{old}'", f"'{new}'"))

    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    page.click("#update-banner button", timeout=60_000)  # web/update.js: "Reload" takes B
    page.wait_for_function("document.body.dataset.state === 'booting'", timeout=30_000)
    page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
    assert page.evaluate("""async ([old, fresh]) => {  // the new worker installs, activates
      for (let i = 0; i < 240; i++) {
        const k = await caches.keys();
        if (!k.includes(old) && k.includes(fresh)) return true;
        await new Promise((r) => setTimeout(r, 250));
      }
      return false;
    }""", [f"localloom-shell-{old}", f"localloom-shell-{new}"])
    got = page.evaluate(GET_BYTES, wasm_url)
    assert got == {"size": wasm["size"], "head": [0, 97, 115, 109]}  # "\0asm"
    assert _shells(page) == [f"localloom-shell-{new}"]
    context.close()
    assert log.foreign() == []
