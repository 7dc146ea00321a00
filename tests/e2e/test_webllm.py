"""The WebLLM tier in the real page, with the real library, to the edge of what exists here.

No MLC model library or weights can be had on these machines, so no test runs a model:

- without WebGPU (Chromium's default flags here) and with only SwiftShader's software adapter
  (``--enable-unsafe-webgpu``), the plan refuses WebLLM before anything is fetched and the tier
  report says why; the library (outside the precache) is not even downloaded;
- with the SwiftShader adapter presented to the page as a hardware GPU (an init script: the
  worker still runs web-llm on the real SwiftShader device), the real library in its worker
  fetches the real URLs of Llama-3.2-1B-Instruct-q4f32_1-MLC from its prebuiltAppConfig, which
  Playwright answers locally with faults (404, 403, 503, a dropped connection, a web page, a
  truncated or foreign .wasm): each is classified, shown with cause and fix, and the next tier
  serves;
- an engine double (webllm_engine_double.js) stands in for web-llm's MLCEngine behind the
  library's real worker handler, for streaming, interruptGenerate and errors a loaded model
  would raise.

The next tier is the loopback cloud double (tests/cloud_server.py); the embedded Gemma's GGUF
is answered with a 404, so it fails in milliseconds instead of generating.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.cloud_server import CloudServer

from .conftest import BOOT_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS, DIST, wait_outcome
from .test_tiers import TEXT, _run_text, _settings

DOUBLE = Path(__file__).with_name("webllm_engine_double.js").read_text()
KEY = "sk-loom-test-0123456789abcdef"
TAGS = '{"tags": ["fractions", "math"]}'
LLAMA = "Llama-3.2-1B-Instruct-q4f32_1-MLC"
WASM = next(DIST.glob("vendor/wllama-*/wasm/wllama.wasm")).read_bytes()  # another program's wasm
HTML = b"<!DOCTYPE html><html><body><h1>Not Found</h1></body></html>"
CONFIG = json.dumps({"tokenizer_files": ["tokenizer.json"], "context_window_size": 4096}).encode()
# The page's probe sees SwiftShader as a hardware GPU; the worker's web-llm sees it as it is.
REAL_GPU = """
for (const proto of [GPUAdapterInfo.prototype, GPUAdapter.prototype]) {
  if ('isFallbackAdapter' in proto) {
    Object.defineProperty(proto, 'isFallbackAdapter', { get: () => false });
  }
}
"""


@pytest.fixture(scope="module")
def cloud():
    with CloudServer(key=KEY, lifetime=1800, content=TAGS) as server:
        yield server


@pytest.fixture(scope="module")
def gpu_browser(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                         args=[*CHROMIUM_ARGS, "--enable-unsafe-webgpu"])
    yield browser
    browser.close()


class Net:
    """Every request of a context; requests beyond the app and the cloud double are answered
    here (``answer(kind)`` → (status, body) or "reset"), so none leaves the machine."""

    def __init__(self, context, app_url: str, cloud_origin: str) -> None:
        self.app = app_url.rstrip("/")
        self.cloud = cloud_origin
        self.seen: list[str] = []
        self.routed: list[str] = []
        self.answer = lambda kind: (404, HTML)
        context.on("request", lambda request: self.seen.append(request.url))
        context.route(lambda url: not url.startswith((self.app, self.cloud)), self._route)
        context.route("**/*.gguf", lambda route: route.fulfill(status=404, body=HTML))
        # the Transformers.js model too: the tier after WebLLM must be the one a test names
        context.route("**/models/tjs/**", lambda route: route.fulfill(status=404, body=HTML))

    def _route(self, route) -> None:
        url = route.request.url
        self.routed.append(url)
        path = urlsplit(url).path
        kind = ("config" if path.endswith("/mlc-chat-config.json") else
                "wasm" if path.endswith(".wasm") else "other")
        answer = self.answer(kind)
        if answer == "reset":
            route.abort("connectionreset")
            return
        status, body = answer
        route.fulfill(status=status, body=body, headers={"cache-control": "no-store"})

    def left(self) -> list[str]:
        """Requests that went beyond 127.0.0.1 unanswered by this test: must be none."""
        return [u for u in self.seen if not u.startswith((self.app, self.cloud, "blob:", "data:"))
                and u not in self.routed]


def _open(browser, app_url, cloud, *, gpu: bool = False):
    context = browser.new_context(service_workers="block")
    if gpu:
        context.add_init_script(script=REAL_GPU)
    net = Net(context, app_url, cloud.origin)
    page = context.new_page()
    page.goto(app_url)
    page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
    return context, page, net


def _tiers(page) -> str:
    return page.text_content("#text-tiers") or ""


def test_without_webgpu_webllm_is_skipped_and_its_library_never_fetched(browser, app_url, cloud):
    """Default Chromium here has no adapter: each WebLLM model is skipped with that reason, and
    web-llm's 6.8 MB library is neither precached nor fetched (the service worker is on)."""
    context = browser.new_context()
    seen: list[str] = []
    context.on("request", lambda request: seen.append(request.url))
    page = context.new_page()
    page.goto(app_url)
    page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=60_000)
    assert page.locator("#preferred-engine option[value=webllm]").count() == 1
    _settings(page, allow_downloads=True, preferred="custom",
              provider={"id": "custom", "key": KEY, "base_url": cloud.url})
    cloud.reset().set_content(TAGS)
    outcome, served, _ = _run_text(page, "tags")
    assert (outcome, served) == ("done", "openai"), page.inner_text("#error")
    tiers = _tiers(page)
    assert f"WebLLM {LLAMA}: skipped, no WebGPU adapter (WebGPU is exposed but no adapter" in tiers
    assert tiers.count("skipped, no WebGPU adapter") == 4
    manifest = json.loads((DIST / "precache.json").read_text())
    assert not [f for f in manifest["shell"] if "web-llm" in f["url"] or "webllm" in f["url"]]
    # WebLLM's and Transformers.js's libraries, and wllama's build for Safari
    lazy = {f["url"] for f in manifest["lazy"]}
    assert {"vendor/web-llm/index.js", "webllm-worker.js"} <= lazy
    assert {u for u in lazy if not u.startswith(("vendor/transformers/",
                                                 "vendor/wllama-compat-"))} == {
        "vendor/web-llm/index.js", "webllm-worker.js"}
    assert not [u for u in seen if "web-llm" in u or "webllm" in u]
    cached = "async (u) => !!(await (await caches.keys()).reduce(async (hit, k) => " \
             "(await hit) || (await caches.open(k)).match(u), null))"
    assert page.evaluate(cached, "vendor/web-llm/index.js") is False
    # On first use the service worker keeps the library with this build's shell: offline next.
    page.evaluate("fetch('./vendor/web-llm/index.js').then((r) => r.arrayBuffer())")
    page.wait_for_function(f"({cached})('vendor/web-llm/index.js')", timeout=30_000)
    context.close()
    assert [u for u in seen if not u.startswith((app_url, cloud.origin))] == []


def test_a_software_adapter_is_refused_with_its_reason(gpu_browser, app_url, cloud):
    """SwiftShader's fallback adapter is no GPU for a language model: the plan says so."""
    context, page, net = _open(gpu_browser, app_url, cloud)
    _settings(page, allow_downloads=True, preferred="custom",
              provider={"id": "custom", "key": KEY, "base_url": cloud.url})
    cloud.reset().set_content(TAGS)
    outcome, served, _ = _run_text(page, "tags")
    assert (outcome, served) == ("done", "openai"), page.inner_text("#error")
    tiers = _tiers(page)
    assert (f"WebLLM {LLAMA}: skipped, the only WebGPU adapter is a software fallback "
            "(swiftshader), not a GPU") in tiers
    assert tiers.count("software fallback") == 4
    assert net.routed == [] and net.left() == []
    context.close()


# (name, answer for the config, answer for the model library, words the report must show,
#  the same tier retried once)
FAULTS = [
    ("config-404", (404, HTML), None, ["a file is missing", "its config file mlc-chat-config",
                                       "HTTP 404", "Choose another model"], False),
    ("config-403", (403, HTML), None, ["refused", "gated or private"], False),
    ("config-503", (503, HTML), None, ["could not download the files", "HTTP 503"], True),
    ("config-reset", "reset", None, ["could not reach the server", "offline"], True),
    ("config-web-page", (200, HTML), None, ["received a broken file", "web page"], False),
    ("lib-404", (200, CONFIG), (404, HTML), ["its model library (the model's compiled GPU"],
     False),
    ("lib-web-page", (200, CONFIG), (200, HTML), ["model library is not usable",
                                                  "sent a web page instead"], False),
    ("lib-truncated", (200, CONFIG), (200, WASM[:4096]), ["incomplete or damaged",
                                                          "deleted the model's stored files"],
     True),
    ("lib-other-version", (200, CONFIG), (200, WASM), ["built for another WebLLM version"],
     False),
]


def test_routed_model_file_faults_are_explained_and_fall_back(gpu_browser, app_url, cloud):
    """The real library fetches the real URLs; each fault reaches the user as a cause and a
    fix in the tier report and the result line, broken files are not kept, the cloud serves."""
    context, page, net = _open(gpu_browser, app_url, cloud, gpu=True)
    _settings(page, allow_downloads=True, preferred="webllm",
              provider={"id": "custom", "key": KEY, "base_url": cloud.url})
    matrix = []
    for name, config, lib, words, retried in FAULTS:
        net.answer = lambda kind, c=config, w=lib: {"config": c, "wasm": w}.get(kind) or (404, HTML)
        net.routed.clear()
        cloud.reset().set_content(TAGS)
        outcome, served, seconds = _run_text(page, "tags")
        tiers = _tiers(page)
        line = page.inner_text("#text-served-by")
        webllm_s = re.findall(rf"WebLLM {LLAMA}(?: \(retry\))?: failed: .*?\((\d+\.\d) s\)",
                              tiers)
        matrix.append((name, served, round(seconds, 1), "WebLLM attempts (s):", webllm_s))
        assert (outcome, served) == ("done", "openai"), (name, page.inner_text("#error"))
        assert f"WebLLM {LLAMA} failed first:" in line, (name, line)
        mine = [li for li in tiers.split(f"WebLLM {LLAMA}") if "Cause:" in li]
        assert mine, (name, tiers)
        for word in words:
            assert word in mine[0], (name, word, mine[0])
        assert "Fix:" in mine[0]
        assert (f"WebLLM {LLAMA} (retry)" in tiers) is retried, (name, tiers)
        assert page.inner_text("#text-result").split() == ["fractions", "math"]
        wanted = {"config": f"/mlc-ai/{LLAMA}/resolve/main/mlc-chat-config.json",
                  "wasm": "/Llama-3.2-1B-Instruct-q4f32_1_cs1k-webgpu.wasm"}
        # a good config stays stored (it came from an earlier case): only the library is asked
        asked = wanted["wasm"] if lib is not None else wanted["config"]
        assert any(u.endswith(asked) for u in net.routed), (name, net.routed)
        stored = page.evaluate("""async () => {
            const keys = [];
            for (const name of ['webllm/config', 'webllm/wasm']) {
              if (!(await caches.has(name))) continue;
              for (const r of await (await caches.open(name)).keys()) keys.push(r.url);
            }
            return keys; }""")
        if name in ("config-web-page", "lib-web-page", "lib-truncated", "lib-other-version"):
            assert stored == [], (name, stored)  # a broken file is not kept to break the next load
    print("\nfault → tier that served → seconds for the run:", *matrix, sep="\n  ")
    q4f16 = [m for m in ("Qwen2.5-1.5B-Instruct-q4f16_1-MLC", "Llama-3.2-3B-Instruct-q4f16_1-MLC",
                         "SmolLM2-360M-Instruct-q4f16_1-MLC")]
    for model in q4f16:
        assert f"WebLLM {model}: skipped, this GPU lacks shader-f16" in _tiers(page)
    assert net.left() == []
    context.close()


def _calls(page) -> list[dict]:
    return page.evaluate("globalThis.__webllmCalls")


LISTEN = """globalThis.__webllmCalls = [];
new BroadcastChannel('webllm-double').onmessage = (e) => globalThis.__webllmCalls.push(e.data);"""


def _double(script: dict) -> str:
    return f"const INITIAL = {json.dumps(script)};\n{DOUBLE}"


def _script(page, script: dict) -> None:
    """The double's next behaviour, for the worker already running and any worker started."""
    page.evaluate("(s) => new BroadcastChannel('webllm-double-script').postMessage(s)", script)


def test_engine_double_streams_interrupts_and_maps_its_errors(gpu_browser, app_url, cloud):
    """Behind web-llm's real worker handler: a load that loses the device falls back; a
    generation streams under json_object + a schema string; a context overflow falls back;
    Cancel interrupts the generation and no other tier runs."""
    script: dict = {"reloadError": {"name": "DeviceLostError", "message": (
        "The WebGPU device was lost while loading the model. This issue often occurs due to "
        "running out of memory (OOM).")}}
    context = gpu_browser.new_context(service_workers="block")
    context.add_init_script(script=REAL_GPU)
    context.add_init_script(script=LISTEN)
    net = Net(context, app_url, cloud.origin)
    # A worker's script must come with the real response's headers (a bare fulfill fails).
    context.route("**/webllm-worker.js", lambda route: route.fulfill(
        response=route.fetch(), body=_double(script)))
    page = context.new_page()
    page.goto(app_url)
    page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
    _settings(page, allow_downloads=True, preferred="webllm",
              provider={"id": "custom", "key": KEY, "base_url": cloud.url})

    cloud.reset().set_content(TAGS)
    outcome, served, _ = _run_text(page, "tags")
    assert (outcome, served) == ("done", "openai"), page.inner_text("#error")
    assert f"WebLLM {LLAMA}: failed: WebLLM ran out of memory" in _tiers(page)
    assert "smaller model" in _tiers(page)

    script.clear()
    script.update({"pieces": ['{"tags": ', '["fractions", ', '"math"]}'], "delayMs": 20})
    _script(page, script)
    outcome, served, _ = _run_text(page, "tags")
    assert (outcome, served) == ("done", "webllm"), page.inner_text("#error")
    assert page.inner_text("#text-result").split() == ["fractions", "math"]
    assert '"math"]}' in (page.text_content("#stream") or "")  # the raw panel streamed
    request = [c for c in _calls(page) if c["method"] == "chatCompletion"][-1]["request"]
    assert request["stream"] is True and request["messages"]
    assert request["response_format"]["type"] == "json_object"
    assert "tags" in json.loads(request["response_format"]["schema"])["properties"]
    assert f"Served by WebLLM {LLAMA}" in page.inner_text("#text-served-by")
    assert page.inner_text("#model-label") == f"WebLLM {LLAMA}: Finish loading on WebGPU - double"
    assert page.inner_text("#model-bytes") == "100%"  # web-llm's progress reached the page

    script.update({"generateError": {"name": "ContextWindowSizeExceededError", "message": (
        "Prompt tokens exceed context window size: number of prompt tokens: 5000; context "
        "window size: 4096")}})
    _script(page, script)
    outcome, served, _ = _run_text(page, "tags", TEXT)
    assert (outcome, served) == ("done", "openai"), page.inner_text("#error")
    assert "is too long for WebLLM" in _tiers(page)

    script.clear()
    script.update({"pieces": ['{"title": "Fractions", '] + ['"x", '] * 400, "delayMs": 50})
    cloud.reset()
    _script(page, script)
    page.fill("#topic", "Fractions")
    page.select_option("#size", "tiny")
    page.evaluate("document.body.dataset.outcome = ''")
    page.click("#generate")
    page.wait_for_function("document.getElementById('stream').textContent.includes('x')",
                           timeout=60_000)
    started = time.monotonic()
    page.click("#cancel")
    assert wait_outcome(page, 30_000) == "cancelled"
    cancel_s = time.monotonic() - started
    methods = [c["method"] for c in _calls(page)]
    assert methods[-1] == "interruptGenerate", methods[-4:]
    tiers = page.text_content("#tiers") or ""
    assert "wllama gemma-3-270m-q4_k_m: failed" not in tiers and cloud.posts() == []  # no fallback
    assert "Cancelled." in page.inner_text("#gen-status")
    print(f"\nCancel → cancelled outcome: {cancel_s:.2f} s")
    assert cancel_s < 5
    assert net.left() == []
    context.close()
