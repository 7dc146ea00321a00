"""``python build.py bench [--scaling]``: measure the built app in Chromium and print JSON.

Every ratio the performance targets name is measured as a pair in the same run:

- ``boot``: bare Pyodide (same files but npm's standard library of sources, second origin, no
  LocalLoom) vs LocalLoom's Python-ready,
  both cached visits, medians of alternating rounds, and LocalLoom's boot stages (marks:
  main.py fetched, localloom imported, device probed, library read, ready).
- ``first_visit``: bytes the server sent on the first visit (page and service worker, as
  they went over the wire, compressed), the model excluded; the five largest files.
- ``model``: reading the stored GGUF from Cache Storage alone vs "model ready" from the same
  cache on a fresh page; the first (network) load.
- ``grammar``: the app's real first-lesson call (few-shot prompt, sampling) with and without
  its JSON-schema grammar: tokens/s of each and their ratio; the prompt's time cold and again
  (llama.cpp's prompt cache: ``cache_n`` tokens reused); ``variants``: the same pair with a
  smaller top_k and with top_k first in the sampler chain.
- ``python_over_js``: the Python layer vs wllama called directly (same prompt, alternating).
- ``native``: llama.cpp's llama-bench on the same GGUF and 2 threads, when it is built in
  .cache/native (``buildtools/native.md``); else a note.
- ``short_course``: click -> rendered for a Short course on the embedded model, tokens and
  re-asked tokens (``window.localloom.lastRun()``).
- ``scaling`` (``--scaling``): Tiny/Short/Standard courses and summaries of 2k/10k/40k chars.
- ``transformers`` (only when the Transformers.js model is built, ``buildtools.tjs_model``):
  its load from localhost (files, then the ONNX session), time to first token and tokens/s
  of a chat answer, through the page (``window.localloom.transformersSpeedTest``).

``--only boot`` takes the first visit and the cached boots alone (``--against DIR`` boots
another built dist/ in the same rounds: a before/after of a boot change); ``--only scaling``
the scaling figures alone.
``--dist DIR`` measures another build (e.g. main's, for a before/after in one session).
``load_average`` is the machine's at the start and the end: a run on a busy machine shows.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from . import bench_js as js
from .bench_work import free_call, lesson_call, native_tokens_per_s, sample_text
from .deps import MODEL_FILE, ROOT
from .serve import serve_in_thread
from .tjs_model import built_tjs_model

ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ROUNDS = 3
MAX_TOKENS = 48
GRAMMAR_TOKENS = 96
PROMPT = "Machine learning is"
MODEL_URL = f"./models/{MODEL_FILE}"
BARE = "/__bench/bare-pyodide.html"
# llama.cpp's defaults: top_k 40 after penalties, dry and top_n_sigma; the grammar checks the
# sampled token and, when it is rejected, every candidate of the 262k vocabulary.
SAMPLING_VARIANTS = {"top_k_10": {"top_k": 10},
                     "top_k_first": {"samplers": ["top_k", "penalties", "temperature"]},
                     # what the DRY sampler (on every base-model call since issue 8) costs
                     "no_dry": {"dry_multiplier": 0.0}}


def _median(values, digits: int = 3):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), digits) if values else None


def _boot(page, url: str, selector: str, mark: str) -> float:
    page.goto(url)
    page.wait_for_selector(selector, timeout=180_000, state="attached")
    return round(page.evaluate(mark), 3)


def _first_visit(page, url: str, server) -> dict:
    first = _boot(page, url, "body[data-state=ready]", js.READY_MARK)
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=120_000)
    page.wait_for_timeout(1000)
    sent = {path: n for path, n in server.sent.items() if not path.endswith(".gguf")}
    top = sorted(sent.items(), key=lambda kv: -kv[1])[:5]
    return {"python_ready_s": first, "bytes_excl_model": sum(sent.values()),
            "largest": {path: n for path, n in top}}


def _boots(page, bare_page, url: str, bare_url: str, other: tuple | None = None) -> dict:
    """Cached boots, alternating bare Pyodide and ours (and ``other``: (page, url) of another
    build, when one is compared)."""
    _boot(bare_page, bare_url, "body[data-state=ready]", js.BARE_READY_MARK)  # warm its cache
    bare, ours, stages, theirs, their_stages = [], [], [], [], []
    for _ in range(ROUNDS):
        bare.append(_boot(bare_page, bare_url, "body[data-state=ready]", js.BARE_READY_MARK))
        ours.append(_boot(page, url, "body[data-state=ready]", js.READY_MARK))
        stages.append(page.evaluate(js.BOOT_STAGES))
        if other:
            theirs.append(_boot(*other, "body[data-state=ready]", js.READY_MARK))
            their_stages.append(other[0].evaluate(js.BOOT_STAGES))
    out = {"bare_pyodide_cached_s": _median(bare), "localloom_cached_s": _median(ours),
           "localloom_over_bare": round(_median(ours) / _median(bare), 3),
           "stages_s": {name: _median(s.get(name) for s in stages) for name in stages[-1]},
           "rounds": {"bare": bare, "localloom": ours}}
    if other:
        out.update({"other_cached_s": _median(theirs),
                    "localloom_over_other": round(_median(ours) / _median(theirs), 3),
                    "other_stages_s": {name: _median(s.get(name) for s in their_stages)
                                       for name in their_stages[-1]}})
        out["rounds"]["other"] = theirs
    return out


def _speed(page, n: int) -> dict:
    return json.loads(page.evaluate(f"async () => await window.localloom.speedTest({n})"))


def _model(page, url: str) -> dict:
    first = _speed(page, 4)  # the first load: network, stored by the service worker
    _boot(page, url, "body[data-state=ready]", js.READY_MARK)
    page.wait_for_function("document.body.dataset.modelCached === 'yes'", timeout=60_000)
    read = page.evaluate(js.CACHE_READ, MODEL_URL)
    ready = _speed(page, 1)
    out = {"first_load_s": first["load_s"], "cache_read_s": round(read["seconds"], 3) if read
           else None, "ready_from_cache_s": ready["load_s"], "backend": ready["backend"]}
    if read:
        out["ready_over_read"] = round(ready["load_s"] / read["seconds"], 2)
    return out


def _python_vs_js(page) -> dict:
    py_runs, js_runs = [], []
    for _ in range(ROUNDS):
        py_runs.append(_speed(page, MAX_TOKENS))
        js_runs.append(page.evaluate(js.DIRECT, {"prompt": PROMPT, "max_tokens": MAX_TOKENS,
                                                 "temperature": 0}))
    ratios = [p["tokens_per_s"] / j["tokens_per_s"]
              for p, j in zip(py_runs, js_runs, strict=True) if j["tokens_per_s"]]
    return {"python_tokens_per_s": _median(r["tokens_per_s"] for r in py_runs),
            "js_tokens_per_s": _median(r["tokens_per_s"] for r in js_runs),
            "python_first_token_s": _median(r["first_token_s"] for r in py_runs),
            "js_first_token_s": _median(r["first_token_s"] for r in js_runs),
            "python_over_js": _median(ratios) if ratios else None}


def _grammar(page, call: dict) -> dict:
    call = {**call, "max_tokens": GRAMMAR_TOKENS}
    free = free_call(call, GRAMMAR_TOKENS)
    cold = page.evaluate(js.DIRECT, call)  # the first call with this prompt: no cache
    constrained, unconstrained = [], []
    for _ in range(ROUNDS):
        constrained.append(page.evaluate(js.DIRECT, call))
        unconstrained.append(page.evaluate(js.DIRECT, free))
    ratios = [c["tokens_per_s"] / f["tokens_per_s"]
              for c, f in zip(constrained, unconstrained, strict=True) if f["tokens_per_s"]]
    def timing(r, k):
        return ((r.get("timings") or {}).get(k))
    variants = {}  # sampling levers llama.cpp's server code in wllama takes (top_k, samplers)
    for name, extra in SAMPLING_VARIANTS.items():
        try:
            runs = [(page.evaluate(js.DIRECT, {**call, **extra}),
                     page.evaluate(js.DIRECT, {**free, **extra})) for _ in range(2)]
        except Exception as exc:  # a parameter wllama refuses: say so, keep the other figures
            variants[name] = {"params": extra, "error": str(exc)[:300]}
            continue
        variants[name] = {
            "params": extra,
            "constrained_tokens_per_s": _median(c["tokens_per_s"] for c, _ in runs),
            "free_tokens_per_s": _median(f["tokens_per_s"] for _, f in runs),
            "constrained_over_free": _median(c["tokens_per_s"] / f["tokens_per_s"]
                                             for c, f in runs if f["tokens_per_s"])}
    return {
        "prompt_chars": len(call["prompt"]),
        "sampling": {k: v for k, v in call.items()
                     if k not in ("prompt", "json_schema", "max_tokens", "stop")},
        "constrained_tokens_per_s": _median(r["tokens_per_s"] for r in constrained),
        "free_tokens_per_s": _median(r["tokens_per_s"] for r in unconstrained),
        "constrained_over_free": _median(ratios) if ratios else None,
        "tokens": {"constrained": [r["tokens"] for r in constrained],
                   "free": [r["tokens"] for r in unconstrained]},
        "prompt_cold": {"tokens": timing(cold, "prompt_n"), "ms": timing(cold, "prompt_ms"),
                        "cached_tokens": timing(cold, "cache_n")},
        "prompt_again": {"tokens": timing(constrained[-1], "prompt_n"),
                         "ms": timing(constrained[-1], "prompt_ms"),
                         "cached_tokens": timing(constrained[-1], "cache_n")},
        "variants": variants,
    }


def _course(page, topic: str, size: str) -> dict:
    result = page.evaluate(js.RUN_COURSE, [topic, size, "en"])
    run = result["run"]
    tokens = run.get("tokens") or 0
    return {"seconds": round(result["seconds"], 1), "outcome": result["outcome"],
            "error": result.get("error", ""),
            "calls": run.get("calls"), "reasks": run.get("reasks"), "tokens": tokens,
            "tokens_wasted": run.get("tokens_wasted"),
            "wasted_share": round(run.get("tokens_wasted", 0) / tokens, 3) if tokens else None}


def _summary(page, chars: int) -> dict:
    result = page.evaluate(js.RUN_TEXT, [sample_text(chars), "summary", "en"])
    run = result["run"]
    return {"chars": chars, "seconds": round(result["seconds"], 1),
            "outcome": result["outcome"], "calls": run.get("calls"),
            "tokens": run.get("tokens"), "tokens_wasted": run.get("tokens_wasted")}


def _scaling(page) -> dict:
    courses = {size: _course(page, f"Caring for houseplants ({size})", size)
               for size in ("tiny", "short", "standard")}
    summaries = {f"{n // 1000}k": _summary(page, n) for n in (2000, 10000, 40000)}
    return {"courses": courses, "summaries": summaries}


def run(scaling: bool = False, dist: Path | None = None, only: str = "",
        against: Path | None = None) -> dict:
    """Every figure as one dict; ``dist`` measures another build (default: ours).

    ``only="boot"``: the first visit and the cached boots alone (a minute or two), with
    ``against`` (another built dist/) booted in the same rounds; ``only="scaling"``: the
    scaling figures alone (about an hour here, most of it the Standard course and the 40k
    summary)."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "py"))
    from localloom.course import parse_bench

    out: dict = {"load_average": {"start": [round(x, 2) for x in os.getloadavg()]}}
    started = time.monotonic()
    call = lesson_call()  # before Playwright starts its event loop
    dist = dist or ROOT / "dist"
    out["dist"] = str(dist)
    server = serve_in_thread(dist)
    stock_stdlib = (ROOT / "node_modules/pyodide/python_stdlib.zip").read_bytes()
    bare_server = serve_in_thread(dist, extra={BARE: js.BARE_PYODIDE_HTML,
                                                  "/__bench/bare-pyodide.js": js.BARE_PYODIDE_JS,
                                                  "/__bench/stock-stdlib.zip": stock_stdlib})
    servers = [server, bare_server]
    url = f"http://127.0.0.1:{server.server_port}/"
    bare_url = f"http://127.0.0.1:{bare_server.server_port}{BARE}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(900_000)
        if only == "scaling":
            page.goto(url)
            page.wait_for_selector("body[data-state=ready]", timeout=180_000)
            out["scaling"] = _scaling(page)
        elif only == "boot":
            out["first_visit"] = _first_visit(page, url, server)
            other = None
            if against is not None:
                servers.append(serve_in_thread(against))
                other = (context.new_page(), f"http://127.0.0.1:{servers[-1].server_port}/")
                out["other"] = {"dist": str(against),
                                "first_visit": _first_visit(*other, servers[-1])}
            out["boot"] = _boots(page, context.new_page(), url, bare_url, other)
        if only:
            browser.close()
            for each in servers:
                each.shutdown()
            return _finish(out, started)
        out["first_visit"] = _first_visit(page, url, server)
        out["boot"] = _boots(page, context.new_page(), url, bare_url)
        out["model"] = _model(page, url)
        out["python_vs_js"] = _python_vs_js(page)
        out["grammar"] = _grammar(page, call)
        out["short_course"] = _course(page, "Beekeeping for beginners", "short")
        if scaling:
            out["scaling"] = _scaling(page)
        pyodide_parse = json.loads(page.evaluate("window.localloom.parseBench(5)"))
        out["transformers"] = _transformers(page) if built_tjs_model() else {
            "skipped": "model not built (build.py bench and build.py test build it)"}
        browser.close()
    server.shutdown()
    bare_server.shutdown()
    native = native_tokens_per_s(dist / "models" / MODEL_FILE)
    js_speed = out["python_vs_js"]["js_tokens_per_s"]
    out["native"] = native or {"note": "llama-bench is not built: see buildtools/native.md"}
    if native and native.get("tokens_per_s") and js_speed:
        out["native"]["browser_over_native"] = round(js_speed / native["tokens_per_s"], 3)
    cpython_parse = parse_bench.run(5)
    out["parse_30kb_ms"] = {"cpython_median": round(cpython_parse["parse_ms_median"], 2),
                            "pyodide_median": round(pyodide_parse["parse_ms_median"], 2)}
    return _finish(out, started)


def _finish(out: dict, started: float) -> dict:
    out["load_average"]["end"] = [round(x, 2) for x in os.getloadavg()]
    out["bench_seconds"] = round(time.monotonic() - started)
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
    cli = argparse.ArgumentParser(prog="buildtools.bench")
    cli.add_argument("--scaling", action="store_true")
    cli.add_argument("--only", choices=("boot", "scaling"), default="")
    cli.add_argument("--against", type=Path, help="with --only boot: boot this built dist/ "
                     "in the same rounds")
    cli.add_argument("--dist", type=Path, help="measure this built dist/ instead of ours")
    options = cli.parse_args()
    print(json.dumps(run(scaling=options.scaling, dist=options.dist, only=options.only,
                         against=options.against), indent=2))
