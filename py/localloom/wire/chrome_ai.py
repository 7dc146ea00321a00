"""Pure helpers for Chrome's built-in AI (Prompt, Summarizer, LanguageDetector APIs).

Public names:

- ``STATES`` (the four ``availability()`` values) and ``normalize_state(value)``, which also
  maps the old ``ai.languageModel.capabilities().available`` values (readily/after-download/no).
- ``merge_chunk(so_far, chunk) -> (new_text, delta)`` and ``ChunkMerger``: streamed chunks
  are deltas in current Chrome but were cumulative in older builds; both come out as deltas.
  ``StreamCutter`` adds what Chrome lacks: ``stop`` sequences and a ``max_tokens`` cap.
- ``prompt_options(language)``, ``create_options(language, system)``,
  ``summarizer_options(...)``, ``detector_options(languages)``: the option dicts (plain dicts,
  converted to JS objects by the adapter). ``availability()`` gets the same core options
  ``create()`` gets, as the API asks.
- ``split_messages(messages) -> (system, prompt)``: the system text goes into
  ``initialPrompts``, the rest becomes the prompt input.
- ``schema_object(schema)``, ``schema_note(schema)``: the ``responseConstraint`` dict, and the
  prompt text used when the schema has to be described instead (NotSupportedError).
- ``QUOTA_NAMES``, ``overflow_error(...)``, ``needs_gesture_error(...)``,
  ``unavailable_error(...)``: the errors the adapter raises before calling the model.
- ``best_language(results)``: the top ``LanguageDetector.detect()`` result, or None.

Example::

    >>> merge_chunk("Hel", "Hello")     # cumulative (old Chrome)
    ('Hello', 'lo')
    >>> merge_chunk("Hel", "lo")        # delta (current Chrome)
    ('Hello', 'lo')
    >>> normalize_state("after-download")
    'downloadable'

This module never imports ``js``: it is tested in CPython.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from localloom.errors import ContextOverflowError, EngineUnavailable
from localloom.i18n import N_, _

__all__ = [
    "OLD_STATES", "QUOTA_NAMES", "STATES", "ChunkMerger", "StreamCutter", "best_language",
    "create_options", "detector_options", "first_stop", "merge_chunk",
    "needs_gesture_error", "normalize_state", "overflow_error", "progress_fraction",
    "prompt_options", "schema_note", "schema_object", "split_messages", "summarizer_options",
    "unavailable_error",
]  # fmt: skip

STATES = ("unavailable", "downloadable", "downloading", "available")
#: ``capabilities().available`` of the 2024 ``window.ai.*`` shape → current states.
OLD_STATES = {"readily": "available", "after-download": "downloadable", "no": "unavailable"}
#: Property and method names, current first, then the older aliases (``ai.*`` era last).
QUOTA_NAMES = {
    "window": ("contextWindow", "inputQuota", "maxTokens"),
    "usage": ("contextUsage", "inputUsage", "tokensSoFar"),
    "measure": ("measureContextUsage", "measureInputUsage", "countPromptTokens"),
}
ENGINE = "chrome"


def normalize_state(value: Any) -> str:
    """Any availability answer (current or old shape) → one of ``STATES``."""
    text = str(value or "").strip().lower()
    if text in STATES:
        return text
    return OLD_STATES.get(text, "unavailable")


def merge_chunk(so_far: str, chunk: str) -> tuple[str, str]:
    """Add one streamed ``chunk`` to ``so_far``; returns ``(new_text, delta)``.

    A chunk that starts with the whole text so far is cumulative (old Chrome); any other
    chunk is a delta (the spec, current Chrome).
    """
    if so_far and chunk.startswith(so_far):
        return chunk, chunk[len(so_far):]
    return so_far + chunk, chunk


class ChunkMerger:
    """``merge_chunk`` with the mode remembered once a stream has shown it.

    The first chunk that extends the text so far decides: starting with (and being longer
    than) the whole text means cumulative, anything else delta. While undecided, a chunk
    equal to the text so far counts as a delta (``"\n"`` after ``"\n"``). A chunk that
    contradicts cumulative mode switches to delta for good.
    """

    def __init__(self) -> None:
        self.text = ""
        self.mode: str | None = None  # None until known, then "delta" or "cumulative"

    def feed(self, chunk: str) -> str:
        """Take one chunk; return the new text it adds (possibly "")."""
        chunk = str(chunk or "")
        if not chunk:
            return ""
        if self.mode == "delta" or not self.text:
            self.text += chunk
            return chunk
        if not chunk.startswith(self.text):
            self.mode = "delta"
        elif self.mode == "cumulative" or len(chunk) > len(self.text):
            self.mode = "cumulative"
            self.text, delta = merge_chunk(self.text, chunk)
            return delta
        self.text += chunk
        return chunk


class StreamCutter:
    """Chunks in, deltas out, cut at the first stop sequence or once ``limit(text)`` is true.

    ``feed(chunk) -> (delta, finished)``; ``text`` is the answer so far, ending before any
    stop sequence (deltas already sent may hold the start of one: nothing is held back).
    """

    def __init__(self, stop: list[str] | None = None,
                 limit: Callable[[str], bool] | None = None) -> None:
        self.merger = ChunkMerger()
        self.stop = [s for s in stop or () if s]
        self.limit = limit
        self.text = ""

    def feed(self, chunk: str) -> tuple[str, bool]:
        self.merger.feed(chunk)
        cut = first_stop(self.merger.text, self.stop)
        text = self.merger.text if cut is None else self.merger.text[:cut]
        delta, self.text = text[len(self.text):], text
        return delta, cut is not None or bool(self.limit and self.limit(text))


def first_stop(text: str, stops: list[str] | None) -> int | None:
    """Where the earliest stop sequence starts in ``text`` (Chrome has no ``stop`` option)."""
    found = [i for i in (text.find(s) for s in stops or () if s) if i >= 0]
    return min(found) if found else None


def progress_fraction(loaded: Any, total: Any = 1) -> float:
    """A ``downloadprogress`` event → 0..1 (current: loaded 0..1, total 1; old: bytes)."""
    got, size = _number(loaded) or 0.0, _number(total)
    if size and size > 1 and not math.isinf(size):
        got /= size
    return min(1.0, max(0.0, got))


def _text_spec(language: str) -> list[dict[str, Any]]:
    return [{"type": "text", "languages": [language]}]


def prompt_options(language: str = "en") -> dict[str, Any]:
    """Core ``LanguageModel`` options, given to ``availability()`` and ``create()`` alike."""
    return {"expectedInputs": _text_spec(language), "expectedOutputs": _text_spec(language)}


def create_options(language: str = "en", system: str | None = None) -> dict[str, Any]:
    """``LanguageModel.create()`` options (the adapter adds ``monitor`` and ``signal``)."""
    options = prompt_options(language)
    if system:
        options["initialPrompts"] = [{"role": "system", "content": system}]
    return options


def summarizer_options(
    type: str = "tldr", format: str = "plain-text", length: str = "medium",
    language: str = "en", shared_context: str | None = None,
) -> dict[str, Any]:
    """``Summarizer.availability()`` / ``create()`` options (types: key-points, tldr, …)."""
    options: dict[str, Any] = {
        "type": type, "format": format, "length": length,
        "expectedInputLanguages": [language], "expectedContextLanguages": [language],
        "outputLanguage": language,
    }  # fmt: skip
    if shared_context:
        options["sharedContext"] = shared_context
    return options


def detector_options(languages: list[str] | None = None) -> dict[str, Any]:
    return {"expectedInputLanguages": list(languages)} if languages else {}


def split_messages(messages: list[dict[str, str]] | None, prompt: str | None = None
                   ) -> tuple[str | None, str]:
    """``(system, input)``: system messages joined, the other turns concatenated.

    One user turn is sent as is; a conversation with assistant turns is written out with
    ``User:``/``Assistant:`` labels so the model sees who said what.
    """
    if messages is None:
        return None, prompt or ""
    system = "\n\n".join(m["content"] for m in messages if m.get("role") == "system" and
                         m.get("content"))
    turns = [m for m in messages if m.get("role") != "system"]
    if any(m.get("role") == "assistant" for m in turns):
        text = "\n\n".join(f"{m.get('role', 'user').capitalize()}: {m.get('content', '')}"
                           for m in turns)
    else:
        text = "\n\n".join(m.get("content", "") for m in turns)
    return (system or None), text


def schema_object(schema: dict[str, Any] | str | None) -> dict[str, Any] | None:
    """The ``responseConstraint`` as a dict (Chrome wants an object, never a JSON string)."""
    if schema is None or isinstance(schema, dict):
        return schema
    value = json.loads(schema)
    if not isinstance(value, dict):
        raise ValueError("a JSON Schema must be an object")
    return value


def schema_note(schema: dict[str, Any] | str) -> str:
    """Appended to the prompt when Chrome cannot enforce the schema (NotSupportedError)."""
    text = json.dumps(schema_object(schema), ensure_ascii=False, separators=(",", ":"))
    return ("\n\nReply with one JSON object only (no prose, no Markdown code fences) that "
            f"matches this JSON Schema:\n{text}")


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def overflow_error(measured: Any, usage: Any, window: Any, *, what: str = N_("The prompt"),
                   stage: str = "generate") -> ContextOverflowError | None:
    """The error to raise when ``measured`` more tokens do not fit, else None.

    ``window`` may be ``Infinity`` (no hard limit) or missing: then nothing is refused.
    ``what`` is a noun phrase marked ``N_`` (``N_("The text to summarize")``), translated here.
    """
    need, used, size = _number(measured), _number(usage) or 0.0, _number(window)
    if need is None or size is None or math.isinf(size) or used + need <= size:
        return None
    left = max(0, int(size - used))
    return ContextOverflowError(
        _("{what} needs about {need} tokens, but Chrome's built-in model has only {left} of "
          "its {size}-token context window left.").format(what=_(what), need=int(need),
                                                          left=left, size=int(size)),
        cause=_("Gemini Nano's context window is small; the prompt, schema and input do not "
                "fit in it."),
        fix=_("Use shorter input or ask for fewer items; LocalLoom tries the next engine."),
        stage=stage, engine=ENGINE)


def needs_gesture_error(state: str, api: str = "LanguageModel",
                        stage: str = "download") -> EngineUnavailable:
    """Chrome must download its model first, which it does only after a click."""
    if state == "downloading":
        what = _("Chrome is still downloading its built-in model ({api}): press the button to "
                 "start the download.")
    else:
        what = _("Chrome must first download its built-in model ({api}): press the button to "
                 "start the download.")
    err = EngineUnavailable(
        what.format(api=api),
        cause=_("Chrome downloads Gemini Nano (several GB) only after a click or key press on "
                "the page, and this request did not come from one."),
        fix=_("Press the button to start the download; other engines work meanwhile."),
        stage=stage, engine=ENGINE)
    err.needs_gesture = True
    return err


def unavailable_error(state: str, api: str = "LanguageModel", language: str = "en",
                      stage: str = "probe") -> EngineUnavailable:
    """The API is absent, or Chrome said "unavailable" for these options."""
    if state == "absent":
        return EngineUnavailable(
            _("This browser has no Chrome built-in AI ({api} is missing).").format(api=api),
            cause=_("Only desktop Chrome (138+ for Summarizer, 148+ for the Prompt API) "
                    "offers it."), fix=_("Use another engine; LocalLoom picks the next one."),
            stage=stage, engine=ENGINE)
    return EngineUnavailable(
        _("Chrome's built-in AI ({api}) is unavailable on this device for language "
          "'{language}'.").format(api=api, language=language),
        cause=_("Chrome runs Gemini Nano only on desktops with a GPU with more than 4 GB of "
                "VRAM (or 16 GB RAM and 4 cores), about 22 GB free disk, and for a few "
                "languages; it may also be turned off by policy or flags."),
        fix=_("Use another engine; LocalLoom picks the next one."), stage=stage, engine=ENGINE)


def best_language(results: list[dict[str, Any]]) -> tuple[str, float] | None:
    """The most confident ``{detectedLanguage, confidence}``, skipping "und" (unknown)."""
    best: tuple[str, float] | None = None
    for item in results or []:
        lang = str(item.get("detectedLanguage") or "")
        conf = _number(item.get("confidence")) or 0.0
        if lang and lang != "und" and (best is None or conf > best[1]):
            best = (lang, conf)
    return best
