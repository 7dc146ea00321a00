"""buildtools.quality_native: the body sent to llama-server carries what wllama is sent."""

from __future__ import annotations

import json

from buildtools.quality_native import completion_body
from localloom.engine import GenerateRequest


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
