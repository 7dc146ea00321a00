"""The Diagnostics panel on real loads: a download that fails (404, then a connection dropped
mid-file) shows in the load log at the stage it stopped with cause and fix, and the copied debug
report names them and holds no API key; preflight's verdicts without and with WebGPU
(SwiftShader's fallback adapter); the self-test generates with the embedded model.

The catalog's ``https://huggingface.co/...`` URL of SmolLM2-135M is answered by the hub double
(``hub_double.HubDouble``) as in test_models_panel.py, so the real download code fails for real.
Only ``test_self_test_generates_with_the_embedded_model`` runs a model: hold the model lock
(``flock /work/model.lock``) for it; the others load none.
"""

from __future__ import annotations

import json
import shutil
import time

import pytest

from buildtools.serve import serve_in_thread
from buildtools.testmodels import SMOLLM2, ensure_test_models

from .conftest import BOOT_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS, DIST, RequestLog
from .hub_double import HubDouble
from .test_tiers import _run_text, _settings
from .test_webllm import LLAMA, REAL_GPU, Net

SMOL_ID = "smollm2-135m-instruct-q4_1"
KEY = "gsk_diagnostics_e2e_0123456789SECRET"
SELFTEST_MS = 300_000


@pytest.fixture(scope="module")
def hub():
    double = HubDouble({SMOLLM2: ensure_test_models()["whole"][0]})
    yield double
    double.close()


def _open(browser, app_url: str, hub: HubDouble | None = None):
    context = browser.new_context()
    log = RequestLog(app_url)
    context.on("request", log)
    if hub is not None:
        context.route("https://huggingface.co/**", hub.redirect)
    page = context.new_page()
    page.goto(app_url)
    page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
    return context, log, page


def _foreign(log: RequestLog, hub: HubDouble | None) -> list[str]:
    allowed = ("https://huggingface.co/", hub.origin + "/") if hub else ()
    return [u for u in log.foreign() if not u.startswith(allowed)] if allowed else log.foreign()


def _diagnostics(page) -> None:
    if not page.evaluate("document.getElementById('diagnostics').open"):
        page.click("#diagnostics > summary")
    page.wait_for_selector("#diag-preflight tr[data-verdict]", timeout=30_000)


def _download(page, model_id: str) -> tuple[str, float]:
    """Press Download for ``model_id``; (the outcome, seconds until the page showed it)."""
    page.evaluate("delete document.body.dataset.picked")
    page.select_option("#model-pick", model_id)
    page.wait_for_selector(f'body[data-picked="{model_id}"]', timeout=10_000)
    page.evaluate("delete document.body.dataset.download")
    t0 = time.monotonic()
    page.click("#model-download")
    page.wait_for_function("/^(ready|failed|cancelled)$/.test(document.body.dataset.download "
                           "|| '')", timeout=120_000)
    return page.evaluate("document.body.dataset.download"), time.monotonic() - t0


def _report(page) -> tuple[str, dict]:
    page.evaluate("delete document.body.dataset.report")
    page.click("#diag-copy")
    page.wait_for_function("document.body.dataset.report", timeout=10_000)
    text = page.inner_text("#diag-report")
    return text, json.loads(text)


def _storage(page) -> str:
    """The storage view as the user reads it: the total line and each row's text."""
    page.wait_for_function("document.body.dataset.storage === 'ready'", timeout=30_000)
    rows = page.locator("#storage-view tr[data-model]").all_inner_texts()
    return f"{page.inner_text('#storage-total')} rows: {rows}"


def _verdicts(page) -> dict[str, str]:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
        '#diag-preflight tr[data-verdict]')].map((r) => [r.dataset.model, r.dataset.verdict]))""")


def test_a_failed_download_is_logged_by_stage_and_the_report_holds_no_key(browser, app_url, hub):
    """A provider key saved in Settings; SmolLM2's file answers 404, then drops at 40 %: the
    load log shows both loads failed — at "fetching metadata", then at "downloading" — with
    cause and fix, and the debug report says the same and never contains the key."""
    hub.missing.clear()
    hub.drop_at.clear()
    context, log, page = _open(browser, app_url, hub)
    page.click("#settings > summary")
    page.select_option("#provider", "groq")
    page.fill("#provider-key", KEY)
    page.click("#provider-save")
    page.wait_for_function("document.getElementById('provider-list').textContent"
                           ".includes('Groq')", timeout=10_000)
    _diagnostics(page)
    verdicts = _verdicts(page)  # no WebGPU flag: the CPU runs every GGUF, WebLLM cannot run
    assert verdicts["gemma-3-270m-q4_k_m"] == "fits slowly (CPU)"
    assert verdicts["Llama-3.2-1B-Instruct-q4f32_1-MLC"] == "does not fit"
    assert page.get_attribute("#recommended", "data-model")
    print(f"\npreflight, no WebGPU flag: {json.dumps(verdicts)}; recommended "
          f"{page.get_attribute('#recommended', 'data-model')}")

    hub.missing.add(SMOLLM2)
    outcome, seconds_404 = _download(page, SMOL_ID)
    facts = page.inner_text("#model-facts")  # the Models panel gives the same verdict
    assert "On this device: fits slowly (CPU) — runs on the CPU with" in facts, facts
    assert outcome == "failed"
    load = page.locator(f'#diag-loads .load[data-model="{SMOL_ID}"]').first
    assert load.get_attribute("data-failed-at") == "fetching metadata"
    assert "HTTP 404" in load.inner_text() and "Cause:" in load.inner_text()
    print(f"storage after the 404: {_storage(page)}")

    hub.missing.clear()
    hub.drop_at[SMOLLM2] = 40_000_000
    outcome, seconds_drop = _download(page, SMOL_ID)
    assert outcome == "failed"
    load = page.locator(f'#diag-loads .load[data-model="{SMOL_ID}"]').first  # newest first
    assert load.get_attribute("data-failed-at") == "downloading", load.inner_text()
    stages = load.locator("li[data-stage]").evaluate_all("(l) => l.map((e) => e.dataset.stage)")
    assert stages == ["checking", "fetching metadata", "downloading"]
    print(f"storage after the drop at 40 MB: {_storage(page)}")

    text, report = _report(page)
    assert KEY not in text and KEY not in page.content()
    failed = [x for x in report["loads"] if x["model"] == SMOL_ID]
    assert [x["failed_at"] for x in failed] == ["fetching metadata", "downloading"]
    assert "HTTP 404" in failed[0]["error"]["what"] and failed[0]["error"]["cause"]
    assert "broke off" in failed[1]["error"]["what"] and failed[1]["error"]["fix"]
    assert report["settings"]["providers"] == [{"id": "groq", "enabled": True,
                                                "has_key": True}]
    assert report["environment"]["webgpu_adapter"] is None
    print(f"404 shown after {seconds_404:.1f} s; drop at 40 MB shown after {seconds_drop:.1f} s")

    hub.drop_at.clear()  # recovery is test_models_panel's (resume); here: the log's next load
    context.close()
    assert _foreign(log, hub) == []


def test_preflight_calls_swiftshader_a_fallback(playwright, app_url):
    """With --enable-unsafe-webgpu the only adapter is SwiftShader: the environment says it is
    a software fallback, GGUFs stay on the CPU and WebLLM does not fit. Then, with the adapter
    presented as a GPU (as test_webllm.py does), WebLLM's real library loads a model whose
    config answers 404: the load log shows that load failed at "fetching metadata"."""
    gpu_browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=[*CHROMIUM_ARGS, "--enable-unsafe-webgpu"])
    try:
        context, log, page = _open(gpu_browser, app_url)
        _diagnostics(page)
        assert "a software fallback, not a GPU" in page.inner_text("#diag-env")
        verdicts = _verdicts(page)
        assert verdicts["gemma-3-270m-q4_k_m"] == "fits slowly (CPU)"
        webllm = page.inner_text('#diag-preflight tr[data-model="'
                                 'Llama-3.2-1B-Instruct-q4f32_1-MLC"]')
        assert "does not fit" in webllm and "software fallback" in webllm, webllm
        print(f"\npreflight, --enable-unsafe-webgpu: {json.dumps(verdicts)}; recommended "
              f"{page.get_attribute('#recommended', 'data-model')}")
        context.close()
        assert log.foreign() == []

        context = gpu_browser.new_context(service_workers="block")
        context.add_init_script(script=REAL_GPU)
        net = Net(context, app_url, "http://127.0.0.1:9")  # answers the model hosts: 404
        page = context.new_page()
        page.goto(app_url)
        page.wait_for_selector("body[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
        _settings(page, allow_downloads=True, preferred="webllm")
        outcome, _, seconds = _run_text(page, "tags")
        assert outcome == "error"  # every tier failed: WebLLM, then the (routed) embedded GGUF
        _diagnostics(page)
        load = page.locator(f'#diag-loads .load[data-engine="webllm"][data-model="{LLAMA}"]')
        assert load.first.get_attribute("data-failed-at") == "fetching metadata"
        assert "Cause:" in load.first.inner_text() and "Fix:" in load.first.inner_text()
        gemma = page.locator('#diag-loads .load[data-engine="wllama"]').first
        assert gemma.get_attribute("data-failed-at") == "fetching metadata"
        print(f"WebLLM config 404 → load log: {load.first.inner_text()!r} ({seconds:.1f} s "
              "for the whole run)")
        context.close()
        assert net.left() == []
    finally:
        gpu_browser.close()


def test_a_service_worker_that_cannot_install_is_explained(browser, tmp_path):
    """A host without sw.js (the registration gets a 404): the page still runs, and the panel
    says the offline copy could not install, why, and what to do; the report carries it."""
    site = tmp_path / "site"
    shutil.copytree(DIST, site, ignore=shutil.ignore_patterns("models"))
    (site / "sw.js").unlink()
    server = serve_in_thread(site)
    try:
        context, log, page = _open(browser, f"http://127.0.0.1:{server.server_port}/")
        page.wait_for_function("document.body.dataset.swError", timeout=30_000)
        _diagnostics(page)
        env = page.inner_text("#diag-env")
        assert "LocalLoom's offline copy could not install." in env, env
        assert "Reload the page while online" in env
        _, report = _report(page)
        assert "404" in report["service_worker"]["error"]["detail"]
        assert report["service_worker"]["controlled"] is False
        context.close()
        assert log.foreign() == []
    finally:
        server.shutdown()
        server.server_close()


def test_self_test_generates_with_the_embedded_model(browser, app_url):
    """Run the self-test: the embedded Gemma loads (the log walks every stage to ready) and
    writes tokens (pass, tok/s); WebLLM and Chrome's built-in AI say why they did not run."""
    context, log, page = _open(browser, app_url)
    _diagnostics(page)
    page.click("#diag-selftest")
    page.wait_for_selector("body[data-selftest=done]", timeout=SELFTEST_MS)
    row = page.locator('#diag-selftests tr[data-engine="wllama"]')
    assert row.get_attribute("data-state") == "pass", row.inner_text()
    assert "tok/s" in row.inner_text()
    assert "no WebGPU adapter" in page.inner_text('#diag-selftests tr[data-engine="webllm"]')
    assert "LanguageModel.availability() is" in page.inner_text(
        '#diag-selftests tr[data-engine="chrome"]')
    load = page.locator('#diag-loads .load[data-model="gemma-3-270m-q4_k_m"]').first
    assert load.get_attribute("data-state") == "ready"
    stages = load.locator("li[data-stage]").evaluate_all("(l) => l.map((e) => e.dataset.stage)")
    assert stages[0] == "checking" and stages[-2:] == ["compiling / initialising", "ready"]
    assert "verifying" in stages
    _, report = _report(page)
    (test,) = [t for t in report["self_tests"] if t["engine"] == "wllama"]
    assert test["state"] == "pass" and test["tokens"] > 0 and test["tokens_per_s"] > 0
    print(f"\nself-test: {row.inner_text()}; load stages "
          f"{[(s['stage'], s['seconds']) for s in report['loads'][-1]['steps']]}")
    context.close()
    assert log.foreign() == []
