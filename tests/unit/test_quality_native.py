"""buildtools.quality_native: the body sent to llama-server carries what wllama is sent."""

from __future__ import annotations

import asyncio
import json

from buildtools.quality_native import LlamaServerEngine, completion_body, run_course
from localloom.engine import GenerateRequest
from localloom.view.form import SIZES
from tests.fakes import outline_data, script_for


def test_body_carries_the_wllama_fields_under_llama_cpp_names():
    """Prompt, token cap, temperature, stop, seed, repeat penalty and the JSON schema (given as
    text, as the runner does) reach llama-server; the prompt cache is kept between calls."""
    schema = {"type": "object", "properties": {"title": {"type": "string"}}}
    request = GenerateRequest(prompt="Curso: X\nJSON:", max_tokens=300, temperature=0.4,
                              stop=["\n\n"], seed=11, repeat_penalty=1.1,
                              dry_multiplier=2.0, schema=json.dumps(schema))
    body = completion_body(request, context_window=4096)
    assert body == {"prompt": "Curso: X\nJSON:", "n_predict": 300, "temperature": 0.4,
                    "stop": ["\n\n"], "cache_prompt": True, "seed": 11,
                    "repeat_penalty": 1.1, "json_schema": schema, "dry_multiplier": 2.0,
                    "dry_base": 1.75, "dry_allowed_length": 2, "dry_penalty_last_n": 4096}


def test_body_leaves_out_what_the_request_does_not_set():
    """No seed, penalty or schema: llama-server's defaults apply, as in wllama."""
    body = completion_body(GenerateRequest(prompt="p"))
    assert not {"seed", "repeat_penalty", "json_schema", "dry_multiplier"} & set(body)


class _Scripted(LlamaServerEngine):
    """llama-server's answers from a script (no server): 10 tokens per answer."""

    def __init__(self, answers: list[str]) -> None:
        super().__init__("http://127.0.0.1:9")
        self.answers = list(answers)

    def _post(self, body: dict) -> dict:
        return {"content": self.answers.pop(0), "tokens_predicted": 10,
                "timings": {"prompt_ms": 5.0, "prompt_n": 100}}


def test_a_course_is_generated_gated_and_audited_with_its_reasks_counted():
    """One outline whose module 2 echoes the topic, then that module written on its own and a
    good run: the extra call and its wasted tokens are counted from the generator's events,
    and the finished course is audited."""
    shape = SIZES["short"][0]
    echo = outline_data(shape, title="Photosynthesis")
    good = echo["modules"][1]
    echo["modules"][1] = {**good, "title": "Photosynthesis"}
    engine = _Scripted([json.dumps(echo), json.dumps(good), *script_for(shape)[1:]])
    result = asyncio.run(run_course(engine, "Photosynthesis", "en", "beginner", "short", 7))
    # the first answer's head and module 1 were kept: only the rest of its 10 tokens is waste
    assert result["rendered"] and result["reasks"] == 1 and 0 < result["tokens_wasted"] < 10
    assert result["calls"] == 1 + len(script_for(shape))
    assert result["prompt_tokens_read"] == 100 * result["calls"]
    assert result["audit"]["echo_or_placeholder_titles"] == []
    assert "topic" in result["steps"][0]["verdicts"][0]
