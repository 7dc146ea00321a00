"""The Engine protocol every adapter implements, and the request/cancel types it takes.

Public names: ``Engine``, ``GenerateRequest``, ``CancelToken``, ``TokenCallback``,
``llama_sampling`` (a request's sampling fields under llama.cpp's names), ``start_call`` and
``call_errors`` (the checks every local engine makes before and around its JS call),
``estimate_tokens`` (the local engines' token estimate).

An engine turns one ``GenerateRequest`` into text, streaming deltas to ``on_token``. It raises
only ``localloom.errors`` exceptions (JS errors are mapped at the adapter), and raises
``GenerationCancelled`` promptly once ``cancel.cancelled`` is true. Example::

    text = await engine.generate(
        GenerateRequest(messages=[{"role": "user", "content": "Hi"}], max_tokens=64),
        on_token=print, cancel=CancelToken(),
    )

This module is pure Python: test engines (tests/) implement the same protocol.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

__all__ = ["CancelToken", "Engine", "GenerateRequest", "TokenCallback", "call_errors",
           "estimate_tokens", "llama_sampling", "start_call"]

TokenCallback = Callable[[str], None]


class CancelToken:
    """Set by the UI's Cancel button; engines poll it and abort their JS work."""

    def __init__(self) -> None:
        self.cancelled = False
        self._callbacks: list[Callable[[], None]] = []

    def cancel(self) -> None:
        if self.cancelled:
            return
        self.cancelled = True
        for callback in self._callbacks:
            callback()

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` on cancel (at once if already cancelled), e.g. an AbortController."""
        if self.cancelled:
            callback()
        else:
            self._callbacks.append(callback)


@dataclass
class GenerateRequest:
    """One model call. Chat engines use ``messages``; base models use ``prompt``."""

    messages: list[dict[str, str]] | None = None
    prompt: str | None = None
    schema: dict[str, Any] | str | None = None  # already in the engine's shape
    max_tokens: int = 512
    temperature: float = 0.7
    stop: list[str] = field(default_factory=list)
    task: str = "course"
    seed: int | None = None  # reproducible sampling where the engine allows it
    repeat_penalty: float | None = None  # llama.cpp's penalty (local engines)
    dry_multiplier: float | None = None  # llama.cpp's DRY: penalises copying a phrase (local)
    frequency_penalty: float | None = None  # OpenAI-compatible providers
    logit_bias: list[list] | None = None  # llama.cpp's [text, bias] pairs (local)

    def __post_init__(self) -> None:
        if (self.messages is None) == (self.prompt is None):
            raise ValueError("give exactly one of messages or prompt")


@runtime_checkable
class Engine(Protocol):
    name: str  # "wllama", "webllm", "chrome", "transformers", "openai"
    model_id: str
    context_window: int  # tokens
    chat: bool  # False for base models: prompts are plain completion text

    async def generate(
        self,
        request: GenerateRequest,
        on_token: TokenCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> str: ...

    def count_tokens(self, text: str) -> int:
        """A fast estimate (adapters may ask the real tokenizer)."""
        ...


#: llama.cpp's DRY ("don't repeat yourself") sampler, as its authors tuned it: a token that
#: would extend a phrase already in the context past two tokens is penalised, more the longer
#: the copy. Quotes, colons and newlines break phrases, so JSON's own keys are never penalised.
DRY_BASE = 1.75
DRY_ALLOWED_LENGTH = 2


def llama_sampling(request: GenerateRequest, context_window: int) -> dict[str, Any]:
    """The request's seed and penalties as llama.cpp's completion parameters (wllama passes
    them to llama.cpp as they are); only the fields the request sets."""
    params: dict[str, Any] = {}
    if request.seed is not None:
        params["seed"] = request.seed
    if request.repeat_penalty is not None:
        params["repeat_penalty"] = request.repeat_penalty
    if request.dry_multiplier:
        params.update(dry_multiplier=request.dry_multiplier, dry_base=DRY_BASE,
                      dry_allowed_length=DRY_ALLOWED_LENGTH,
                      dry_penalty_last_n=context_window)  # the whole prompt: examples too
    if request.logit_bias:
        params["logit_bias"] = [list(pair) for pair in request.logit_bias]
    return params


def start_call(engine: str, loaded: bool, cancel: CancelToken | None) -> CancelToken:
    """The call's cancel token, after the checks every local engine makes before a call: the
    model is loaded (else ``EngineError``, a LocalLoom bug) and Cancel was not pressed yet."""
    from localloom.errors import EngineError, GenerationCancelled

    if not loaded:
        raise EngineError("The model is not loaded.", stage="generate", engine=engine,
                          fix="Load the model first (this is a bug in LocalLoom).")
    cancel = cancel or CancelToken()
    if cancel.cancelled:
        raise GenerationCancelled("Generation was cancelled.", stage="generate")
    return cancel


@contextlib.contextmanager
def call_errors(cancel: CancelToken,
                classify: Callable[[BaseException], Exception]) -> Iterator[None]:
    """Around an engine's JS call: after Cancel any failure is ``GenerationCancelled`` (the
    aborted call's own error says nothing more); otherwise ``classify`` maps it to a LocalLoom
    error with cause and fix."""
    from localloom.errors import GenerationCancelled

    try:
        yield
    except Exception as exc:
        if cancel.cancelled:
            raise GenerationCancelled("Generation was cancelled.", stage="generate") from exc
        raise classify(exc) from exc


def estimate_tokens(text: str) -> int:
    """Tokens in ``text``, estimated: Gemma, Llama, Qwen and SmolLM2 tokenizers average ~3.5
    characters per token on English and Spanish."""
    return max(1, int(len(text) / 3.5) + 1)
