"""engines.transformers_options: the pure side of the Transformers.js adapter (env, options,
answer opening, stops). The browser side (engines.transformers: load, generate, Cancel, errors)
runs for real in tests/e2e/test_transformers.py.
"""

from __future__ import annotations

import pytest

from localloom.engine import GenerateRequest
from localloom.engines.transformers_options import (
    StopScanner,
    answer_prefix,
    env_settings,
    generation_options,
)
from localloom.errors import EngineUnavailable


def test_a_local_folder_never_reaches_the_hub():
    """A model served by the app reads only from the app's origin, consent or not."""
    for consent in (False, True):
        env = env_settings("/models/tjs/", allow_remote=consent)
        assert env["allowRemoteModels"] is False and env["allowLocalModels"] is True
        assert env["localModelPath"] == "/models/tjs/"


def test_the_wasm_factory_is_not_imported_from_a_blob_url():
    """The page's CSP allows scripts from 'self' only: Transformers.js's wasm cache (which
    imports onnxruntime-web's factory from a blob: URL) stays off, local or remote."""
    assert env_settings("/models/tjs/", allow_remote=False)["useWasmCache"] is False
    assert env_settings(None, allow_remote=True)["useWasmCache"] is False


def test_a_remote_model_needs_consent_to_download():
    """Without 'Allow model downloads' a Hub model is unavailable, and the fix says where."""
    with pytest.raises(EngineUnavailable) as info:
        env_settings(None, allow_remote=False)
    assert "Allow model downloads" in info.value.fix
    assert env_settings(None, allow_remote=True)["allowRemoteModels"] is True


def test_generation_options_follow_the_request():
    """Greedy at temperature 0, sampling otherwise; llama.cpp's repeat penalty maps to
    Transformers.js's repetition_penalty; a raw prompt returns only the new text."""
    chat = GenerateRequest(messages=[{"role": "user", "content": "x"}], max_tokens=32,
                           temperature=0.0)
    assert generation_options(chat) == {"max_new_tokens": 32, "do_sample": False}
    raw = GenerateRequest(prompt="x", temperature=0.6, repeat_penalty=1.1)
    assert generation_options(raw) == {"max_new_tokens": 512, "do_sample": True,
                                       "temperature": 0.6, "repetition_penalty": 1.1,
                                       "return_full_text": False}


def test_stop_strings_cut_the_text_even_across_deltas():
    """Transformers.js has no stop strings: the adapter stops at the first one it sees, also
    when the stop string arrives split over two streamed pieces."""
    scanner = StopScanner(["\n\n\n\n"])
    assert scanner.feed('{"tags": ["a"]}\n\n') == '{"tags": ["a"]}\n\n'
    assert not scanner.hit
    assert scanner.feed("\n\nmore text") == ""
    assert scanner.hit and scanner.text == '{"tags": ["a"]}'
    assert scanner.feed("later") == "" and scanner.text == '{"tags": ["a"]}'


def test_without_stop_strings_the_text_is_all_of_it():
    """No stops: every delta passes through unchanged."""
    scanner = StopScanner([])
    assert [scanner.feed(d) for d in ("a ", "b")] == ["a ", "b"]
    assert scanner.text == "a b" and not scanner.hit


def test_the_answer_is_started_with_the_schema_s_first_key():
    """No grammar: the adapter writes the JSON object's opening and first key for the model,
    from the schema the runner sent (a dict, or WebLLM-style JSON text); nothing without one."""
    schema = {"type": "object", "properties": {"tags": {"type": "array"}}, "required": ["tags"]}
    assert answer_prefix(schema) == '{"tags":'
    assert answer_prefix('{"properties": {"summary": {}, "key_points": {}}}') == '{"summary":'
    assert answer_prefix(None) == "" and answer_prefix({"type": "string"}) == ""
