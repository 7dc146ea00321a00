"""localloom.engine: the request contract and its sampling fields under llama.cpp's names."""

from __future__ import annotations

import pytest

from localloom.engine import (
    CancelToken,
    GenerateRequest,
    call_errors,
    estimate_tokens,
    llama_sampling,
    start_call,
)


def test_a_request_takes_messages_or_a_prompt_not_both():
    """A chat call has messages, a base-model call a prompt; neither or both is a bug."""
    with pytest.raises(ValueError):
        GenerateRequest()
    with pytest.raises(ValueError):
        GenerateRequest(prompt="p", messages=[{"role": "user", "content": "m"}])


def test_cancel_runs_callbacks_once_and_at_once_when_already_cancelled():
    token, seen = CancelToken(), []
    token.on_cancel(lambda: seen.append("first"))
    token.cancel()
    token.cancel()
    token.on_cancel(lambda: seen.append("late"))
    assert seen == ["first", "late"] and token.cancelled


def test_llama_sampling_names_only_what_the_request_sets():
    """No seed and no penalty: llama.cpp's defaults stay (an empty dict)."""
    assert llama_sampling(GenerateRequest(prompt="p"), 4096) == {}


def test_dry_covers_the_whole_context_so_copying_an_example_is_penalised_too():
    """DRY's window is the model's context window (llama.cpp's server refuses -1), with the
    base and allowed length its authors recommend; seed and repeat penalty pass as they are."""
    request = GenerateRequest(prompt="p", seed=3, repeat_penalty=1.1, dry_multiplier=2.0)
    assert llama_sampling(request, 2048) == {
        "seed": 3, "repeat_penalty": 1.1, "dry_multiplier": 2.0, "dry_base": 1.75,
        "dry_allowed_length": 2, "dry_penalty_last_n": 2048}


def test_logit_bias_passes_as_llama_cpp_text_pairs():
    """llama.cpp (llama-server, and wllama's build of it) takes ``[text, bias]`` pairs and
    biases every token of the text."""
    request = GenerateRequest(prompt="p", logit_bias=[[" Water", -6.0], ("_type", -6.0)])
    assert llama_sampling(request, 2048) == {"logit_bias": [[" Water", -6.0], ["_type", -6.0]]}
    assert "logit_bias" not in llama_sampling(GenerateRequest(prompt="p", logit_bias=[]), 2048)


def test_start_call_refuses_an_unloaded_model_and_a_pressed_cancel():
    """Both local engines check this before a call: an unloaded model is a LocalLoom bug
    (EngineError), a Cancel already pressed ends the call before any JS runs."""
    from localloom.errors import EngineError, GenerationCancelled

    with pytest.raises(EngineError, match="not loaded"):
        start_call("wllama", False, None)
    pressed = CancelToken()
    pressed.cancel()
    with pytest.raises(GenerationCancelled):
        start_call("transformers", True, pressed)
    token = CancelToken()
    assert start_call("wllama", True, token) is token
    assert isinstance(start_call("wllama", True, None), CancelToken)


def test_call_errors_maps_a_failure_or_says_cancelled():
    """A failed JS call becomes the engine's classified error; after Cancel the aborted call's
    own error becomes GenerationCancelled; success passes through."""
    from localloom.errors import EngineError, GenerationCancelled

    def classify(exc):
        return EngineError(f"mapped: {exc}", stage="generate")

    token = CancelToken()
    with pytest.raises(EngineError, match="mapped: boom"), call_errors(token, classify):
        raise RuntimeError("boom")
    token.cancel()
    with pytest.raises(GenerationCancelled), call_errors(token, classify):
        raise RuntimeError("AbortError")
    with call_errors(CancelToken(), classify):
        pass


def test_the_token_estimate_is_about_three_and_a_half_characters_a_token():
    """The local engines' estimate (the budget counts prompts with it): never zero."""
    assert estimate_tokens("") == 1
    assert estimate_tokens("x" * 350) == 101
