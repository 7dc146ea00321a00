"""The quality benchmark's topics on native llama.cpp: the same prompts, gates and audit in
seconds instead of minutes, to tune prompts and gates before the browser run confirms them.

``python build.py bench --quality`` drives the real page; on this 2-core machine one Short
course there takes minutes (the browser reads prompts ~14× slower than llama.cpp natively).
This runs LocalLoom's own pure-Python generator (``localloom.course.generator``, every gate
and re-ask included) against llama.cpp's ``llama-server`` on the same GGUF, with the request
fields the wllama adapter sends (prompt, ``json_schema``, seed, ``repeat_penalty``, stop), and
audits each course with ``localloom.course.audit``. Attempts, re-asks and wasted tokens are
counted by the page's own ``RunReport`` from the generator's events (a base model's re-ask
carries no feedback text for the browser bench's markers to find). It prints the browser
bench's JSON, with ``"engine": "llama-server"``. Sampling differs in detail from wllama's
build, so the browser bench stays the measure a closing note quotes; this is the fast loop.

    .venv/bin/python -m buildtools.quality_native --topics independent --out q.json

Needs ``llama-server`` built as ``buildtools/native.md`` says.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .deps import CACHE, ROOT
from .quality_bench import TOPICS, select_topics, totals

SERVER = CACHE / "native" / "build" / "bin" / "llama-server"
MODEL = ROOT / "dist" / "models" / "gemma-3-270m-q4_k_m.gguf"
sys.path.insert(0, str(ROOT / "py"))


def completion_body(request, context_window: int = 4096) -> dict:
    """llama-server's /completion body for a ``GenerateRequest`` — the fields the wllama
    adapter hands to wllama's createCompletion, under llama.cpp's own names."""
    from localloom.engine import llama_sampling
    body = {"prompt": request.prompt, "n_predict": request.max_tokens,
            "temperature": request.temperature, "stop": list(request.stop),
            "cache_prompt": True}
    body.update(llama_sampling(request, context_window))
    schema = request.schema
    if schema is not None:
        body["json_schema"] = json.loads(schema) if isinstance(schema, str) else schema
    return body


class LlamaServerEngine:
    """A base-model engine over llama-server, counting calls like the browser bench does."""

    name = "wllama"
    chat = False

    def __init__(self, url: str, model_id: str = "gemma-3-270m", context_window: int = 4096):
        self.url, self.model_id, self.context_window = url, model_id, context_window
        self.calls: list[dict] = []
        self.report = None  # the run's RunReport, fed one call and its tokens per generate
        self.trace = None  # an open file: one JSON line per call (prompt's end, answer)

    def count_tokens(self, text: str) -> int:
        from localloom.engine import estimate_tokens
        return estimate_tokens(text)  # the wllama adapter's estimate

    def _post(self, body: dict) -> dict:
        http = urllib.request.Request(self.url + "/completion", data=json.dumps(body).encode(),
                                      headers={"Content-Type": "application/json"})
        return json.loads(urllib.request.urlopen(http, timeout=600).read())

    async def generate(self, request, on_token=None, cancel=None) -> str:
        body = completion_body(request, self.context_window)
        answer = await asyncio.to_thread(self._post, body)
        self.calls.append({"prompt_ms": answer.get("timings", {}).get("prompt_ms", 0),
                           # prompt tokens read, after the prompt cache's reused prefix
                           "prompt_read": answer.get("timings", {}).get("prompt_n", 0)})
        if self.report is not None:
            self.report.call()
            self.report.tokens(answer.get("tokens_predicted", 0))
        if self.trace is not None:
            self.trace.write(json.dumps({"prompt_end": request.prompt[-600:],
                                         "answer": answer["content"]}, ensure_ascii=False) + "\n")
        if on_token:
            on_token(answer["content"])
        return answer["content"]


def _start(port: int, threads: int) -> subprocess.Popen:
    if not SERVER.exists():
        sys.exit(f"{SERVER} is missing: build it as buildtools/native.md says")
    server = subprocess.Popen(
        [str(SERVER), "-m", str(MODEL), "--port", str(port), "-t", str(threads), "-c", "4096",
         "--host", "127.0.0.1", "-np", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    sys.exit("llama-server did not start")


async def run_course(engine: LlamaServerEngine, topic: str, language: str, level: str,
                     size: str, seed: int | None) -> dict:
    from localloom.course.audit import audit_course
    from localloom.course.checkpoints import MemoryCheckpointStore
    from localloom.course.generator import CourseRequest, generate_course
    from localloom.course.prompts.fewshot import example_subjects
    from localloom.errors import LocalLoomError
    from localloom.view.form import SIZES
    from localloom.view.runreport import RunReport

    shape, strategy = SIZES[size]
    engine.calls, engine.report = [], RunReport()
    course, error = None, ""
    try:
        course = await generate_course(
            engine, CourseRequest(topic, language=language, level=level, shape=shape),
            MemoryCheckpointStore(), strategy=strategy, seed=seed,
            on_event=engine.report.event)
    except LocalLoomError as exc:
        error = str(exc)
    engine.report.finish("done" if course else "error")
    report = engine.report.to_dict()
    result = {"topic": topic, "language": language, "level": level, "engine": "llama-server",
              "outcome": report["outcome"], "rendered": course is not None,
              "seconds": report["seconds"], "error": error,
              **{k: report[k] for k in ("calls", "reasks", "tokens", "tokens_wasted")},
              "prompt_seconds": round(sum(c["prompt_ms"] for c in engine.calls) / 1000, 1),
              "prompt_tokens_read": sum(c["prompt_read"] for c in engine.calls),
              "want_modules": shape.modules,
              "steps": [{k: s[k] for k in ("label", "attempts", "verdicts")}
                        for s in report["steps"]]}
    if course is not None:
        data = course.model_dump(mode="json")
        result["course"] = data
        result["audit"] = audit_course(data, topic=topic, language=language,
                                       subjects=example_subjects(language))
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", choices=[*sorted(TOPICS), "all"], default="all")
    parser.add_argument("--size", default="short")
    parser.add_argument("--seed", type=int, default=7, help="fixed sampling seed (-1: none)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=18431)
    parser.add_argument("--limit", type=int, help="the first N topics of each set")
    parser.add_argument("--only", help="just the topics this regular expression finds")
    parser.add_argument("--trace", type=Path, help="write each call's prompt end and answer here")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    topics = select_topics(sorted(TOPICS) if args.topics == "all" else [args.topics],
                           args.limit, args.only)
    seed = None if args.seed < 0 else args.seed
    server = _start(args.port, args.threads)
    engine = LlamaServerEngine(f"http://127.0.0.1:{args.port}")
    if args.trace:
        engine.trace = args.trace.open("w")
    results = []
    try:
        for topic, language, level in topics:
            result = asyncio.run(run_course(engine, topic, language, level, args.size, seed))
            results.append(result)
            print(json.dumps(result, ensure_ascii=False), file=sys.stderr, flush=True)
    finally:
        server.kill()
    total = totals(results)
    total["median_seconds_all"] = statistics.median(r["seconds"] for r in results)
    report = {"engine": "llama-server", "topics": args.topics, "size": args.size, "seed": seed,
              "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
              "total": total, "courses": results}
    if args.out:
        args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print(json.dumps(total, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
