"""What ``build.py bench`` asks the model: a real lesson call and texts of a given length.

Public names: ``lesson_call``, ``free_call``, ``sample_text``, ``native_tokens_per_s``.

``lesson_call()`` is the request the app makes for a Short course's first lesson on the
embedded model (few-shot prompt, JSON-schema grammar, sampling), taken from the generator
itself with a recording engine, in the parameter names wllama's ``createCompletion`` takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
from importlib import resources
from pathlib import Path

from .deps import CACHE

__all__ = ["free_call", "lesson_call", "native_tokens_per_s", "sample_text"]

NATIVE_BENCH = CACHE / "native" / "build" / "bin" / "llama-bench"


class _Stop(Exception):
    pass


class _Recorder:
    """An Engine that answers the outline with a valid one and records the next call."""

    name, model_id, context_window, chat = "wllama", "gemma-3-270m-q4_k_m", 4096, False

    def __init__(self, outline: str) -> None:
        self.outline = outline
        self.requests: list = []

    def count_tokens(self, text: str) -> int:  # the adapter's own estimate
        from localloom.engine import estimate_tokens
        return estimate_tokens(text)

    async def generate(self, request, on_token=None, cancel=None) -> str:
        self.requests.append(request)
        if len(self.requests) == 1:
            return self.outline
        raise _Stop


def lesson_call(topic: str = "Beekeeping for beginners", seed: int = 1234) -> dict:
    """The first lesson call of a Short course, as wllama ``createCompletion`` params."""
    from localloom.course.generator import CourseRequest, generate_course
    from localloom.view.form import SIZES
    from tests.fakes import outline_json

    shape = SIZES["short"][0]
    engine = _Recorder(outline_json(shape, title=topic))
    with contextlib.suppress(_Stop):
        asyncio.run(generate_course(engine, CourseRequest(topic, shape=shape), seed=seed,
                                    max_reasks=0))
    from localloom.engine import llama_sampling

    request = engine.requests[1]
    schema = request.schema if isinstance(request.schema, dict) else json.loads(request.schema)
    # the sampling fields the wllama adapter sends (seed, repeat penalty, DRY), by their names
    return {"prompt": request.prompt, "json_schema": schema, "temperature": request.temperature,
            **llama_sampling(request, engine.context_window),
            "max_tokens": request.max_tokens, "stop": list(request.stop)}


def free_call(call: dict, max_tokens: int) -> dict:
    """``call`` without its grammar and stop strings, cut to ``max_tokens``: the same prompt
    and sampling, so only the grammar differs."""
    return {k: v for k, v in call.items() if k not in ("json_schema", "stop")} | {
        "max_tokens": max_tokens}


def sample_text(chars: int) -> str:
    """English prose of about ``chars`` characters (the worked examples' lessons, repeated)."""
    data = json.loads(resources.files("localloom.course.prompts").joinpath(
        "examples/en.json").read_text(encoding="utf-8"))
    parts = [f"{lesson['title']}\n\n{lesson['content']}" for course in data["courses"]
             for module in course["course"]["modules"] for lesson in module["lessons"]]
    text, i = "", 0
    while len(text) < chars:
        text += parts[i % len(parts)] + "\n\n"
        i += 1
    return text[:chars].rsplit(" ", 1)[0]


def native_tokens_per_s(model: Path, threads: int = 2) -> dict | None:
    """llama.cpp's own llama-bench on the same GGUF and cores (None when it is not built)."""
    if not NATIVE_BENCH.exists():
        return None
    out = subprocess.run([str(NATIVE_BENCH), "-m", str(model), "-t", str(threads), "-p", "512",
                          "-n", "64", "-r", "3", "-o", "json"], capture_output=True, text=True,
                         timeout=900, check=True).stdout
    rows = json.loads(out)
    speed = {("prompt" if r["n_prompt"] else "generate"): round(r["avg_ts"], 2) for r in rows}
    return {"threads": threads, "prompt_tokens_per_s": speed.get("prompt"),
            "tokens_per_s": speed.get("generate"), "binary": str(NATIVE_BENCH.relative_to(
                CACHE.parent))}
