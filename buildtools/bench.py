"""``python build.py bench``: measure the built app in Chromium and print JSON.

Figures (seconds unless named otherwise):

- ``boot_first_visit_s`` / ``boot_cached_s``: navigation start → Python ready (first visit,
  then a reload served by the service worker).
- ``first_visit_bytes_excl_model``: bytes the first visit downloads (page + service worker
  precache), the model excluded.
- ``model_load_s``: fetch of the GGUF (from the service worker cache) + wllama load.
- ``python``: time to first token and tokens/s as the Python layer sees them.
- ``js_direct``: the same prompt and parameters through wllama called directly from JS on
  the same page and loaded model; ``python_over_js`` is the ratio of the two tokens/s.
- ``parse_30kb_ms``: parse + repair + validate of a ~30 KB damaged course, CPython and Pyodide.
- ``transformers`` (only when the Transformers.js model is built, ``buildtools.tjs_model``):
  its load from localhost (files, then the ONNX session), time to first token and tokens/s
  of a chat answer, through the page (``window.localloom.transformersSpeedTest``).

Rounds alternate Python and JS so machine drift hits both alike; medians are reported.
"""

from __future__ import annotations

import json
import statistics
import sys

from .deps import ROOT
from .serve import serve_in_thread
from .tjs_model import built_tjs_model

ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ROUNDS = 3
MAX_TOKENS = 48
PROMPT = "Machine learning is"

JS_DIRECT = """async ([prompt, maxTokens]) => {
  const w = globalThis.localloomWllama;
  const t0 = performance.now(); let first = 0; let last = 0; let n = 0;
  await w.createCompletion({prompt, max_tokens: maxTokens, temperature: 0, stream: true,
    onData: (c) => { if (c.choices.length && c.choices[0].text) {
      last = performance.now(); if (!first) first = last; n++; } }});
  return {tokens: n, first_token_s: (first - t0) / 1000,
          tokens_per_s: n > 1 ? (n - 1) / ((last - first) / 1000) : 0};
}"""

READY_MARK = """() => performance.getEntriesByName('localloom:python-ready')[0].startTime / 1000"""


def _boot(page, url: str) -> float:
    page.goto(url)
    page.wait_for_selector("body[data-state=ready]", timeout=180_000)
    return round(page.evaluate(READY_MARK), 3)


def run() -> dict:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "py"))
    from localloom.course import parse_bench

    server = serve_in_thread(ROOT / "dist")
    url = f"http://127.0.0.1:{server.server_port}/"
    transferred = [0]  # bytes of every response, page and service worker, model excluded
    out: dict = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        context = browser.new_context()

        def on_response(response) -> None:
            if response.url.endswith(".gguf") or response.from_service_worker:
                return
            length = response.headers.get("content-length")
            if length:
                transferred[0] += int(length)
        context.on("response", on_response)
        page = context.new_page()
        out["boot_first_visit_s"] = _boot(page, url)
        page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=60_000)
        page.wait_for_timeout(1000)
        out["first_visit_bytes_excl_model"] = transferred[0]
        out["boot_cached_s"] = _boot(page, url)
        speed = json.loads(page.evaluate("async () => await window.localloom.speedTest(8)"))
        out["model_load_s"] = speed["load_s"]
        out["backend"] = speed["backend"]
        py_runs, js_runs = [], []
        for _ in range(ROUNDS):
            py_runs.append(json.loads(page.evaluate(
                f"async () => await window.localloom.speedTest({MAX_TOKENS})")))
            js_runs.append(page.evaluate(JS_DIRECT, [PROMPT, MAX_TOKENS]))
        out["python"] = {
            "first_token_s": statistics.median(r["first_token_s"] for r in py_runs),
            "tokens_per_s": statistics.median(r["tokens_per_s"] for r in py_runs),
            "tokens": py_runs[-1]["tokens"],
        }
        out["js_direct"] = {
            "first_token_s": round(statistics.median(r["first_token_s"] for r in js_runs), 3),
            "tokens_per_s": round(statistics.median(r["tokens_per_s"] for r in js_runs), 3),
            "tokens": js_runs[-1]["tokens"],
        }
        ratios = [p_["tokens_per_s"] / j["tokens_per_s"]
                  for p_, j in zip(py_runs, js_runs, strict=True) if j["tokens_per_s"]]
        out["python_over_js"] = round(statistics.median(ratios), 3) if ratios else None
        pyodide_parse = json.loads(page.evaluate("window.localloom.parseBench(5)"))
        out["transformers"] = _transformers(page) if built_tjs_model() else {
            "skipped": "model not built (build.py bench and build.py test build it)"}
        browser.close()
    server.shutdown()
    cpython_parse = parse_bench.run(5)
    out["parse_30kb_ms"] = {"bytes": cpython_parse.get("bytes"),
                            "cpython_median": cpython_parse.get("parse_ms_median"),
                            "pyodide_median": pyodide_parse.get("parse_ms_median")}
    out["rounds"] = ROUNDS
    return out


def _transformers(page) -> dict:
    """SmolLM2 through Transformers.js on the page: the first round loads it (from localhost)."""
    call = f"async () => await window.localloom.transformersSpeedTest({MAX_TOKENS})"
    runs = [json.loads(page.evaluate(call)) for _ in range(ROUNDS)]
    if "error" in runs[0]:
        return runs[0]
    return {"model": runs[0]["model"], "backend": runs[0]["backend"],
            "load_s": runs[0]["load_s"],
            "first_token_s": statistics.median(r["first_token_s"] for r in runs),
            "tokens_per_s": statistics.median(r["tokens_per_s"] for r in runs),
            "tokens": runs[-1]["tokens"]}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
