"""The pure side of the Transformers.js adapter: its ``env`` fields, generation options, the
answer's opening for a grammar-less model, and stop strings (Transformers.js has none).

Public names: ``env_settings``, ``generation_options``, ``answer_prefix``, ``StopScanner``.

    env_settings("/models/tjs/", allow_remote=False)   # fields for transformers.env
    generation_options(GenerateRequest(prompt="x", max_tokens=32))
    answer_prefix({"properties": {"tags": {}}})        # '{"tags":'

Imported by ``engines.transformers``; no browser API here, so it is tested in CPython.
"""

from __future__ import annotations

import json
from typing import Any

from localloom.engine import GenerateRequest
from localloom.errors import EngineUnavailable

__all__ = ["StopScanner", "answer_prefix", "env_settings", "generation_options"]


def env_settings(local_path: str | None, *, allow_remote: bool) -> dict[str, Any]:
    """Transformers.js ``env`` fields: a local folder never reaches the Hub; a remote model
    only with consent (``allow_remote``: Settings → Allow model downloads). ``useWasmCache``
    is off: with it, Transformers.js imports onnxruntime-web's wasm factory from a ``blob:``
    URL, which the page's CSP (``script-src 'self'``) refuses ("no available backend found");
    our service worker keeps those files instead (``buildtools.dist.LAZY``)."""
    if local_path is not None:
        return {"allowLocalModels": True, "allowRemoteModels": False,
                "localModelPath": local_path, "useBrowserCache": True, "useWasmCache": False}
    if not allow_remote:
        raise EngineUnavailable(
            "This Transformers.js model is downloaded from the Hugging Face Hub.",
            cause="Model downloads are not allowed.",
            fix="Turn on 'Allow model downloads' in Settings, or pick a model that ships with "
                "the app.", engine="transformers", stage="route")
    return {"allowLocalModels": False, "allowRemoteModels": True, "useBrowserCache": True,
            "useWasmCache": False}


def generation_options(request: GenerateRequest) -> dict[str, Any]:
    """The request as Transformers.js generation options (greedy at temperature 0)."""
    options: dict[str, Any] = {"max_new_tokens": request.max_tokens}
    if request.temperature > 0:
        options.update(do_sample=True, temperature=request.temperature)
    else:
        options["do_sample"] = False
    if request.repeat_penalty is not None:
        options["repetition_penalty"] = request.repeat_penalty
    if request.prompt is not None:
        options["return_full_text"] = False
    return options


def answer_prefix(schema: dict[str, Any] | str | None) -> str:
    """The start of a JSON answer to ``schema`` (``{"tags":``), written for the model: a
    grammar-less engine's nudge into the format. Empty for no schema or one without fields."""
    if isinstance(schema, str):
        schema = json.loads(schema)
    fields = schema.get("properties") if isinstance(schema, dict) else None
    return '{"' + next(iter(fields)) + '":' if fields else ""


class StopScanner:
    """Stop strings, which Transformers.js lacks: ``feed`` the streamed text; once a stop string
    appears, ``hit`` is set and ``text`` ends before it."""

    def __init__(self, stops: list[str]) -> None:
        self.stops = [s for s in stops if s]
        self.parts: list[str] = []
        self.hit = False

    def feed(self, delta: str) -> str:
        """Take a delta; return the part of it before any stop string."""
        if self.hit:
            return ""
        before = "".join(self.parts)
        self.parts.append(delta)
        joined = before + delta
        cuts = [i for s in self.stops if (i := joined.find(s, max(0, len(before) - len(s)))) >= 0]
        if not cuts:
            return delta
        self.hit = True
        self.parts = [joined[:min(cuts)]]
        return joined[len(before):min(cuts)]

    @property
    def text(self) -> str:
        return "".join(self.parts)
