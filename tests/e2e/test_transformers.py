"""The Transformers.js tier in Chromium with a real model: SmolLM2-135M-Instruct, q8 ONNX.

The model is built from registry packages by ``buildtools.tjs_model`` (``build.py test``
prepares it once; later runs reuse it), then served from dist/. The page runs it through
Transformers.js on WASM: one load per module (one browser context), with each file's progress
in the model box; Cancel while it writes; then a text task it must finish itself with a
schema-valid answer; then the bench's speed test on the loaded model. The failure paths use
their own contexts and never run the model: its ONNX file answered with a 404 or a damaged
copy must end on the loopback cloud double (tests/cloud_server.py) with the cause and fix in
the tier report and nothing damaged kept in the browser's storage.

Tags are the task: a Tiny course needs 3 calls of several hundred tokens each at ~2-5
tokens/s on this machine, and a 135M model without a grammar rarely gets a course's JSON
right, so the course would mostly measure fallbacks.

Run it alone, holding the model lock: ``flock /work/model.lock python3 build.py test
tests/e2e/test_transformers.py -q``.
"""

from __future__ import annotations

import json

import pytest

from buildtools.deps import ensure_browser_wheels, ensure_model
from buildtools.dist import build_dist
from buildtools.tjs_model import TJS_MODEL_ID, built_tjs_model, ensure_tjs_model
from localloom.course.schema import Tags
from tests.cloud_server import CloudServer

from .conftest import DIST, new_app_context, open_app, wait_outcome
from .test_tiers import _run_text, _settings

TEXT = ("Photosynthesis lets plants turn sunlight, water and carbon dioxide into sugar and "
        "oxygen. It happens in the chloroplasts of leaf cells, where chlorophyll absorbs light.")
WATCH = """() => { window.tjsLabels = []; const el = document.getElementById('model-label');
  new MutationObserver(() => window.tjsLabels.push(el.textContent))
    .observe(el, {childList: true, characterData: true, subtree: true}); }"""
# At ~16 tokens/s an answer can end before a click from the test arrives: the page presses
# Cancel itself once the loaded model has streamed a few tokens past the answer's opening.
CANCEL_WHILE_WRITING = """() => { const s = document.getElementById('stream');
  const body = document.body;
  const press = new MutationObserver(() => {
    if (body.dataset.tjs === 'ready' && s.textContent.length > 24) {
      press.disconnect(); window.tjsCancelAt = performance.now();
      document.getElementById('text-cancel').click(); } });
  press.observe(s, {childList: true, characterData: true, subtree: true});
  new MutationObserver(() => { if (body.dataset.outcome && window.tjsCancelAt &&
      !window.tjsOutcomeAt) window.tjsOutcomeAt = performance.now(); })
    .observe(body, {attributes: true, attributeFilter: ['data-outcome']}); }"""
KEY = "sk-loom-test-0123456789abcdef"
CLOUD_TAGS = '{"tags": ["plants", "light"]}'
ONNX = f"models/tjs/{TJS_MODEL_ID}/onnx/model_quantized.onnx"
STORED = """async () => !(await caches.has('transformers-cache')) ? [] :
  (await (await caches.open('transformers-cache')).keys()).map((r) => r.url)"""


@pytest.fixture(scope="module")
def model_in_dist():
    """Build the model if this machine has not (CI's first run), and put it in dist/."""
    if built_tjs_model() is None:
        ensure_tjs_model()
        build_dist(ensure_browser_wheels(), ensure_model())
    return built_tjs_model()


@pytest.fixture(scope="module")
def visit(browser, app_url, model_in_dist):
    context, log = new_app_context(browser, app_url)
    page = open_app(context, app_url)
    yield page
    context.close()
    assert log.foreign() == [], f"requests left the device: {log.foreign()[:5]}"


def _start(page, task: str = "tags") -> None:
    page.fill("#source-text", TEXT)
    page.select_option("#text-task", task)
    page.select_option("#text-language", "en")
    page.evaluate("delete document.body.dataset.outcome")
    page.click("#run-text")


def _why(page) -> str:
    raw = page.text_content("#stream") or ""
    return (f"{page.inner_text('#error')}\n{page.inner_text('#text-served-by')}\n"
            f"--- raw model output (end) ---\n{raw[-3000:]}")


def test_the_page_offers_the_built_model(visit):
    """Settings says which model Transformers.js runs; its Preferred engine choice is on."""
    page = visit
    page.click("#settings summary")
    assert "SmolLM2-135M-Instruct" in page.inner_text("#tjs-status")
    assert page.is_enabled('#preferred-engine option[value="transformers"]')
    assert page.evaluate("document.body.dataset.tjs") == "idle"
    page.select_option("#preferred-engine", "transformers")


def test_load_shows_each_file_and_cancel_stops_the_answer(visit):
    """The model box names every file with its bytes while Transformers.js loads it; Cancel
    while the model writes ends the run within seconds and keeps the model loaded."""
    page = visit
    page.evaluate(WATCH)
    page.evaluate(CANCEL_WHILE_WRITING)
    _start(page, "summary")
    page.wait_for_function("document.body.dataset.tjs === 'ready'", timeout=300_000)
    labels = page.evaluate("window.tjsLabels")
    onnx = [t for t in labels if "onnx/model_quantized.onnx: " in t and " MB of 136.6 MB" in t]
    assert onnx, labels[:20]
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json",
                 "generation_config.json"):
        assert any(f": {name}: " in t for t in labels), (name, labels[:20])
    assert "is ready (WASM, q8" in labels[-1] and "loaded in" in labels[-1]
    assert wait_outcome(page, 120_000) == "cancelled", _why(page)
    cancel_at, outcome_at = page.evaluate("[window.tjsCancelAt, window.tjsOutcomeAt]")
    assert cancel_at and outcome_at - cancel_at < 15_000, (cancel_at, outcome_at)
    print(f"\nCancel → outcome: {(outcome_at - cancel_at) / 1000:.2f} s")
    assert page.is_enabled("#run-text")
    assert page.evaluate("document.body.dataset.tjs") == "ready"


def test_it_tags_a_text_with_a_schema_valid_answer(visit):
    """SmolLM2 through Transformers.js serves the task itself: the answer validates as Tags,
    the result line names Transformers.js and its speed. A 135M model without a grammar is
    stochastic: like a user, press Run once more if it fell back."""
    page = visit
    for _ in range(2):
        _start(page, "tags")
        assert wait_outcome(page) == "done", _why(page)
        if page.evaluate("document.body.dataset.servedBy") == "transformers":
            break
    assert page.evaluate("document.body.dataset.servedBy") == "transformers", _why(page)
    served = page.inner_text("#text-served-by")
    assert "Transformers.js SmolLM2-135M-Instruct" in served and "tokens/s" in served, served
    print(f"\n{served}")
    report = json.loads(page.evaluate("window.localloom.lastRun()"))
    assert report["outcome"] == "done"
    shown = page.eval_on_selector_all("#text-result .tags .pill", "els => els.map(e => "
                                      "e.textContent)")
    assert Tags.model_validate({"tags": shown}).tags == shown, _why(page)


def test_the_speed_test_measures_the_loaded_model(visit):
    """``window.localloom.transformersSpeedTest`` (what ``build.py bench`` reads) reuses the
    loaded model and reports a real generation: tokens, time to first token, tokens/s."""
    page = visit
    result = json.loads(page.evaluate(
        "async () => await window.localloom.transformersSpeedTest(48)"))
    print(f"\nTransformers.js speed test: {result}")
    assert result["model"] == TJS_MODEL_ID and result["backend"].startswith("WASM, q8")
    assert 0 < result["tokens"] <= 48 and result["chars"] > 0
    assert 0 < result["first_token_s"] < result["total_s"] and result["tokens_per_s"] > 0


@pytest.fixture(scope="module")
def cloud():
    with CloudServer(key=KEY, lifetime=1800, content=CLOUD_TAGS) as server:
        yield server


# (fault, how the ONNX file is answered, words the report must show, retried once)
FAULTS = [
    ("missing", {"status": 404, "body": "Not Found"},
     ["a file is missing", "lacks its ONNX weights:", "Reload the page",
      "Preferred engine in Settings"], False),
    ("damaged", {"status": 200, "body": b"\x08\x07\x12\x07pytorch" + b"\0" * 4096},
     ["a file is damaged", "Its ONNX weights could not be read",
      "deleted this browser's stored copy", "Preferred engine in Settings"], True),
]


@pytest.mark.parametrize(("fault", "answer", "words", "retried"), FAULTS,
                         ids=[f[0] for f in FAULTS])
def test_a_missing_or_damaged_model_file_is_explained_and_the_next_tier_serves(
        browser, app_url, model_in_dist, cloud, fault, answer, words, retried):
    """Transformers.js preferred, its ONNX file missing or damaged: the tier fails with a cause
    and a fix that name what exists, the damaged copy is not kept, and the next tier serves
    (the embedded GGUF answers 404 here, so the cloud double does, in seconds)."""
    assert (DIST / ONNX).is_file()
    context = browser.new_context(service_workers="block")
    seen: list[str] = []
    context.on("request", lambda request: seen.append(request.url))
    context.route("**/*.gguf", lambda route: route.fulfill(status=404, body="Not Found"))
    context.route(f"**/{ONNX}", lambda route: route.fulfill(**answer))
    page = open_app(context, app_url)
    _settings(page, preferred="transformers",
              provider={"id": "custom", "key": KEY, "base_url": cloud.url})
    cloud.reset().set_content(CLOUD_TAGS)
    outcome, served, seconds = _run_text(page, "tags", TEXT)
    assert (outcome, served) == ("done", "openai"), _why(page)
    tiers = page.text_content("#text-tiers") or ""
    label = f"Transformers.js {TJS_MODEL_ID}"
    mine = [part for part in tiers.split(label) if "Cause:" in part]
    assert mine, tiers
    for word in words:
        assert word in mine[0], (fault, word, mine[0])
    assert "Fix:" in mine[0]
    assert (f"{label} (retry)" in tiers) is retried, tiers
    assert f"{label} failed first:" in page.inner_text("#text-served-by")
    assert page.inner_text("#text-result").split() == ["plants", "light"]
    assert page.evaluate("document.body.dataset.tjs") == "failed"
    assert not [u for u in page.evaluate(STORED) if u.endswith(".onnx")]
    print(f"\n{fault}: served by the cloud double in {seconds:.1f} s")
    context.close()
    assert [u for u in seen if not u.startswith((app_url, cloud.origin))] == []
