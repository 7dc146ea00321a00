"""The model cache in the real page: only the verified model is ever stored or loaded.

The model URL misbehaves as a user's network or web host can make it: a web page with status
200 (captive portal, a host's SPA fallback), a body cut at 50 % with and without
Content-Length, a complete chunked body, a 404, a body with one byte changed, a slow body the
user cancels. Each case checks what the page says, that Cache Storage holds nothing bad, and
that pressing the button again really reaches the server.

How the bad answers reach the service worker: this module serves dist/ itself (a loopback
server whose model route can stream chunked, cut or slow bodies, which ``route.fulfill``
cannot) and routes the simple answers (HTML page, 404) with ``context.route``. In Playwright
1.65 on Chromium, ``context.route`` also intercepts the requests the service worker makes
(``PLAYWRIGHT_DISABLE_SERVICE_WORKER_NETWORK`` turns that off), while ``page.route`` sees only
the page's own request, which the worker answers. The tests wait until the worker controls the
page (``navigator.serviceWorker.controller``), so the model request goes page → worker →
network, the path a user takes. One more test blocks service workers
(``service_workers="block"``): the page's own checks must refuse a bad file too.

The real 253 MB model is loaded twice in this module: downloaded (the tampered-copy test),
then from storage with the network cut.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from buildtools.serve import _Handler, make_server

from .conftest import BOOT_TIMEOUT_MS, DIST, new_app_context, open_app

MODEL_GLOB = "**/models/*.gguf"
MANIFEST = json.loads((DIST / "precache.json").read_text())["models"][0]
MODEL = DIST / MANIFEST["url"]
SIZE, SHA256 = MANIFEST["size"], MANIFEST["sha256"]
HTML = b"<!doctype html><title>Sign in</title><p>Wi-Fi!</p>\r\n"  # a captive portal, 52 bytes
LOAD_TIMEOUT_MS = 240_000
DONE = """() => {  // the load is over; the second branch is for builds without data-model
  const model = document.body.dataset.model;
  const error = !document.getElementById('error').hidden;
  if (model) return model === 'ready' || model === 'cancelled' || (model === 'failed' && error);
  return error || /Loaded in/.test(document.getElementById('model-bytes').textContent);
}"""
RESET = """() => {  // forget the last load's outcome, so DONE waits for the next one
  delete document.body.dataset.model;
  document.getElementById('error').hidden = true;
  document.getElementById('model-bytes').textContent = '';
}"""
CACHE_ENTRIES = """async () => {
  const cache = await caches.open('localloom-models');
  const out = [];
  for (const request of await cache.keys()) {
    const stored = await cache.match(request);
    out.push({url: request.url, verified: stored.headers.get('X-LocalLoom-Verified'),
              size: (await stored.blob()).size});
  }
  return out;
}"""


class ModelServer:
    """dist/ on 127.0.0.1; ``mode`` says how the model URL answers the next request.

    file: the real file with Content-Length; chunked: the whole file, chunked; cut: chunked,
    ending cleanly at 50 %; cut-length: Content-Length of the whole file, connection closed at
    50 %; corrupt: chunked, one byte changed; slow: chunked at about 10 MB/s.
    """

    def __init__(self) -> None:
        self.mode = "file"
        self.served: list[str] = []  # the mode of each model request
        self.hung_up: list[tuple[float, int]] = []  # (time, bytes sent) when a client left
        outer = self

        class Handler(_Handler):
            quiet = True

            def do_GET(self) -> None:
                if self.path.split("?")[0].endswith(".gguf") and outer.mode != "file":
                    outer.served.append(outer.mode)
                    outer.send_model(self)
                    return
                if self.path.split("?")[0].endswith(".gguf"):
                    outer.served.append("file")
                super().do_GET()

        self.server = make_server(DIST, port=0, quiet=True)
        self.server.RequestHandlerClass = lambda *a, **kw: Handler(*a, directory=str(DIST), **kw)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/"

    def send_model(self, handler) -> None:
        mode = self.mode
        limit = SIZE // 2 if mode in ("cut", "cut-length") else SIZE
        chunked = mode != "cut-length"
        handler.protocol_version = "HTTP/1.1"
        handler.send_response(200)
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header("Connection", "close")
        if chunked:
            handler.send_header("Transfer-Encoding", "chunked")
        else:
            handler.send_header("Content-Length", str(SIZE))
        handler.end_headers()
        handler.close_connection = True
        sent = 0
        try:
            with MODEL.open("rb") as f:
                while sent < limit:
                    block = f.read(min(1 << 20, limit - sent))
                    if mode == "corrupt" and sent <= SIZE // 2 < sent + len(block):
                        i = SIZE // 2 - sent
                        block = block[:i] + bytes([block[i] ^ 0xFF]) + block[i + 1:]
                    handler.wfile.write(b"%x\r\n%s\r\n" % (len(block), block) if chunked
                                        else block)
                    sent += len(block)
                    if mode == "slow":
                        time.sleep(0.1)
            if chunked:
                handler.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.hung_up.append((time.monotonic(), sent))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def server():
    model_server = ModelServer()
    yield model_server
    model_server.close()


def _open(browser, url: str, **options):
    context, log = new_app_context(browser, url, **options)
    return context, open_app(context, url), log


@pytest.fixture(scope="module")
def visit(browser, server):
    context, page, log = _open(browser, server.url)
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=30_000)
    yield context, page
    context.close()
    assert log.foreign() == [], f"requests left the device: {log.foreign()[:5]}"


class Routed:
    """A ``context.route`` answer for the model URL that counts the requests it answers."""

    def __init__(self, status: int, body: bytes, content_type: str) -> None:
        self.status, self.body, self.content_type = status, body, content_type
        self.count = 0

    def __call__(self, route) -> None:
        self.count += 1
        route.fulfill(status=self.status, body=self.body, content_type=self.content_type)


def _preload(page, timeout_ms: int = LOAD_TIMEOUT_MS) -> None:
    """Press "Load the model now" and wait until the load is over (ready, failed, cancelled)."""
    page.evaluate(RESET)
    page.click("#preload")
    page.wait_for_function(DONE, timeout=timeout_ms)


def _entries(page) -> list[dict]:
    return page.evaluate(CACHE_ENTRIES)


def _failed_with(page, *needles: str) -> str:
    assert page.evaluate("document.body.dataset.model") == "failed", page.inner_text("#error")
    error = page.inner_text("#error")
    for needle in needles:
        assert needle in error, error
    assert "Load the model now" in error  # the fix names the button that retries
    assert page.inner_text("#gen-status") == "Failed."
    assert "Loading" not in page.inner_text("#model-label")
    assert page.is_visible("#preload") and page.is_enabled("#preload")
    return error


def test_a_web_page_served_as_the_model_is_refused_and_not_stored(visit):
    """A 52-byte HTML page with status 200: the page says so, nothing is stored, and pressing
    the button again asks the server again (nothing cached answers in its place)."""
    context, page = visit
    routed = Routed(200, HTML, "text/html")
    context.route(MODEL_GLOB, routed)
    try:
        _preload(page)
        _failed_with(page, "web page (52 bytes, text/html)", "Wi-Fi")
        assert _entries(page) == []
        assert routed.count == 1
        _preload(page)
        _failed_with(page, "web page")
        assert routed.count == 2
        assert _entries(page) == []
    finally:
        context.unroute(MODEL_GLOB, routed)
    assert "work offline" not in page.inner_text("#offline-status")
    assert page.evaluate("document.body.dataset.modelCached") == "no"


def test_a_404_says_so_and_a_retry_reaches_the_server(visit):
    """HTTP 404: the error names the status, nothing is stored, the retry is a new request."""
    context, page = visit
    routed = Routed(404, b"Not found", "text/plain")
    context.route(MODEL_GLOB, routed)
    try:
        _preload(page)
        _failed_with(page, "HTTP 404")
        _preload(page)
        assert routed.count == 2
        assert _entries(page) == []
    finally:
        context.unroute(MODEL_GLOB, routed)


def test_a_body_cut_short_of_its_content_length_is_not_stored(visit, server):
    """Content-Length of the whole file, connection closed at 50 %: the download broke off."""
    _, page = visit
    server.mode, before = "cut-length", len(server.served)
    _preload(page)
    _failed_with(page, "broke off")
    assert server.served[before:] == ["cut-length"]
    assert _entries(page) == []


def test_a_body_cut_at_half_without_content_length_is_not_stored(visit, server):
    """A chunked body that ends cleanly at 50 %: "incomplete", nothing stored, the retry
    reaches the server, and after a reload the page does not claim the model is stored."""
    _, page = visit
    server.mode, before = "cut", len(server.served)
    _preload(page)
    _failed_with(page, "incomplete", f"{SIZE // 2:,} of {SIZE:,} bytes")
    assert _entries(page) == []
    _preload(page)
    _failed_with(page, "incomplete")
    assert server.served[before:] == ["cut", "cut"]
    page.reload()
    page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
    assert page.evaluate("document.body.dataset.modelCached") == "no"
    assert "work offline" not in page.inner_text("#offline-status")
    assert _entries(page) == []


def test_a_file_with_one_byte_changed_fails_the_checksum_and_is_not_stored(visit, server):
    """Right size and GGUF magic, one byte changed: the worker's sha256 check refuses it."""
    _, page = visit
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=30_000)
    server.mode = "corrupt"
    _preload(page)
    _failed_with(page, "sha256")
    assert _entries(page) == []


def test_cancel_stops_the_download_at_the_server_and_stores_nothing(visit, server):
    """Cancel during a slow download: "Cancelled." within seconds, the worker hangs up on the
    server (no hidden second download), and Cache Storage stays empty."""
    _, page = visit
    server.mode, server.hung_up = "slow", []
    page.evaluate(RESET)
    page.click("#preload")
    page.wait_for_function("/MB of/.test(document.getElementById('model-bytes').textContent)",
                           timeout=60_000)
    pressed = time.monotonic()
    page.click("#cancel")
    page.wait_for_function("document.getElementById('gen-status').textContent === 'Cancelled.'",
                           timeout=10_000)
    assert time.monotonic() - pressed < 5
    assert page.evaluate("document.body.dataset.model") == "cancelled"
    assert page.is_enabled("#preload") and page.is_disabled("#cancel")
    deadline = time.monotonic() + 10
    while not server.hung_up and time.monotonic() < deadline:
        time.sleep(0.2)
    assert server.hung_up, "the server kept sending after Cancel"
    left, sent = server.hung_up[0]
    assert left - pressed < 5 and sent < SIZE // 2
    time.sleep(1)
    assert _entries(page) == []


def test_a_tampered_copy_is_deleted_and_a_chunked_download_replaces_it(visit, server):
    """A web page stored under the model's URL with forged "verified" headers: the worker sees
    its real size, deletes it and downloads again; the complete chunked download (no
    Content-Length) loads, is stored verified, and the page says it works offline. The load
    status words are true at every moment: downloading, starting, then ready, never "Loading"
    after the model is loaded."""
    _, page = visit
    page.evaluate("""async ([sha, size]) => {
      const cache = await caches.open('localloom-models');
      await cache.put(new URL('models/gemma-3-270m-q4_k_m.gguf', document.baseURI).href,
        new Response('<!doctype html><p>Sign in</p>', {headers: {
          'X-LocalLoom-Verified': sha, 'X-LocalLoom-Size': String(size)}}));
    }""", [SHA256, SIZE])
    page.evaluate("""() => {
      window.__words = [];
      const ids = ['model-label', 'gen-status', 'offline-status'];
      const note = () => window.__words.push(ids.map((id) =>
        document.getElementById(id).textContent));
      new MutationObserver(note).observe(document.getElementById('course-form'),
        {subtree: true, childList: true, characterData: true});
    }""")
    server.mode, before = "chunked", len(server.served)
    _preload(page)
    assert page.evaluate("document.body.dataset.model") == "ready", page.inner_text("#error")
    assert server.served[before:] == ["chunked"]
    words = page.evaluate("window.__words")
    titles = [w[0] for w in words]
    assert any(t.startswith("Downloading gemma-3-270m-q4_k_m") for t in titles), titles
    assert any(t.startswith("Starting gemma-3-270m-q4_k_m") for t in titles), titles
    assert any("was deleted" in w[2] for w in words), words
    assert page.inner_text("#model-label").startswith("gemma-3-270m-q4_k_m is ready")
    assert page.inner_text("#model-bytes").startswith("Loaded in")
    assert page.inner_text("#gen-status") == "Model ready."
    assert [e["verified"] for e in _entries(page)] == [SHA256]
    assert [e["size"] for e in _entries(page)] == [SIZE]
    assert page.evaluate("document.body.dataset.modelCached") == "yes"
    assert "stored in this browser" in page.inner_text("#offline-status")
    assert page.is_hidden("#preload")


def test_offline_the_verified_copy_loads_from_storage(visit, server):
    """Offline-ready is true: with the network cut, a reload loads the stored copy (the page
    says it reads from this browser's storage) and the server is not asked."""
    context, page = visit
    before = len(server.served)
    context.set_offline(True)
    try:
        page.reload()
        page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
        assert page.evaluate("document.body.dataset.modelCached") == "yes"
        page.evaluate("""() => {
          window.__titles = [];
          new MutationObserver(() => window.__titles.push(
            document.getElementById('model-label').textContent)).observe(
            document.getElementById('model-box'), {subtree: true, childList: true,
                                                   characterData: true});
        }""")
        # The bench's hook loads the model and writes one token (Load is hidden when stored).
        result = json.loads(page.evaluate("window.localloom.speedTest(1)"))
    finally:
        context.set_offline(False)
    assert result["tokens"] >= 1
    assert page.evaluate("document.body.dataset.model") == "ready"
    titles = page.evaluate("window.__titles")
    assert any(t.startswith("Reading gemma-3-270m-q4_k_m from this browser's storage")
               for t in titles), titles
    assert not any(t.startswith("Downloading") for t in titles), titles
    assert server.served[before:] == []
    assert [e["verified"] for e in _entries(page)] == [SHA256]


def test_an_unverified_or_altered_copy_is_deleted_on_the_next_visit(visit):
    """A copy without the verified mark (an earlier build's) and one whose headers lie about
    a web page: at boot the page deletes each and does not claim to work offline."""
    _, page = visit
    url = page.evaluate("new URL('models/gemma-3-270m-q4_k_m.gguf', document.baseURI).href")
    for headers in ({}, {"X-LocalLoom-Verified": SHA256, "X-LocalLoom-Size": str(SIZE)}):
        page.evaluate("""async ([url, headers]) => {
          const cache = await caches.open('localloom-models');
          await cache.put(url, new Response('<!doctype html><p>Sign in</p>', {headers}));
        }""", [url, headers])
        page.reload()
        page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
        assert _entries(page) == []
        assert page.evaluate("document.body.dataset.modelCached") == "no"
        status = page.inner_text("#offline-status")
        assert "was deleted" in status and "courses work offline" not in status
        assert page.is_visible("#preload")


def test_without_a_service_worker_the_page_refuses_a_web_page_too(browser, server):
    """Service workers blocked: the page's own size and magic checks refuse the HTML page."""
    context, page, log = _open(browser, server.url, service_workers="block")
    routed = Routed(200, HTML, "text/html")
    context.route(MODEL_GLOB, routed)
    try:
        _preload(page)
        _failed_with(page, "web page")
        assert routed.count == 1
        assert _entries(page) == []
    finally:
        context.close()
    assert log.foreign() == []
