"""The Transformers.js tier on the page: its engine for the visit, its load, its status line.

Public names: ``ready_engine``, ``show_status``, ``speed_test``.

One engine per model for the whole visit (loaded once, reused by every task). While it loads,
the model box names each file and its bytes; ``<body data-tjs>`` follows the load (loading,
ready, failed, cancelled). ``show_status`` tells the Settings panel whether this build has a
Transformers.js model at all; ``speed_test`` (``window.localloom.transformersSpeedTest``)
measures load time and tokens/s for ``build.py bench``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from localloom.engine import CancelToken, GenerateRequest
from localloom.engines.transformers import TransformersEngine
from localloom.errors import EngineUnavailable, GenerationCancelled
from localloom.i18n import _
from localloom.models.catalog import ModelSpec, transformers_specs
from localloom.models.progress import format_bytes
from localloom.models.tjs_build import built_folders
from localloom.routing.device import Capabilities

__all__ = ["ready_engine", "show_status", "speed_test"]

_ENGINES: dict[str, TransformersEngine] = {}
SPEED_PROMPT = "Explain in three sentences what machine learning is."


def _state(value: str) -> None:
    import js

    js.document.body.dataset.tjs = value


def _engine(model_id: str, allow_remote: bool) -> TransformersEngine:
    engine = _ENGINES.get(model_id)
    if engine is None:
        folder = next((f for f in built_folders() if f.id == model_id), None)
        if folder is None:
            raise EngineUnavailable(
                _("Transformers.js has no model {model} in this build.").format(
                    model=repr(model_id)),
                engine="transformers", stage="route", fix=_("LocalLoom tries the next tier."))
        spec = transformers_specs([folder])[0]
        engine = TransformersEngine(spec.id, folder, chat=spec.chat)
        _ENGINES[model_id] = engine
    engine.allow_remote = allow_remote
    return engine


async def ready_engine(model_id: str, caps: Capabilities | None, *, allow_remote: bool,
                       on_progress: Callable[[str, float], None],
                       cancel: CancelToken) -> TransformersEngine:
    """The loaded engine for ``model_id``; ``on_progress(label, fraction)`` shows the load."""
    engine = _engine(model_id, allow_remote)
    if engine.loaded:
        return engine
    label = f"Transformers.js {model_id}"
    on_progress(f"{label}: starting…", 0.0)
    _state("loading")
    try:
        await engine.load(caps, on_progress=lambda line, f: on_progress(f"{label}: {line}", f),
                          cancel=cancel)
    except GenerationCancelled:
        on_progress(f"{label}: loading cancelled.", 0.0)
        _state("cancelled")
        raise
    except Exception:
        on_progress(f"{label} is not loaded: see the error below.", 0.0)
        _state("failed")
        raise
    on_progress(f"{label} is ready ({engine.backend}), loaded in {engine.load_seconds:.1f} s.",
                1.0)
    _state("ready")
    return engine


def show_status(specs: list[ModelSpec] | None = None) -> None:
    """Say in Settings whether Transformers.js has a model in this build; without one, its
    choice in the Preferred engine list is disabled."""
    import js

    specs = transformers_specs() if specs is None else specs
    option = js.document.querySelector('#preferred-engine option[value="transformers"]')
    line = js.document.getElementById("tjs-status")
    if specs:
        text = _("Transformers.js runs {models}.").format(models=", ".join(
            _("{model} ({size}, ships with the app)").format(
                model=s.id, size=format_bytes(s.size_bytes)) for s in specs))
    else:
        text = _("Transformers.js has no model in this build, so LocalLoom does not use it.")
    if option is not None:
        option.disabled = not specs
    if line is not None:
        line.textContent = text
    _state("none" if not specs else "idle")


async def speed_test(caps: Capabilities | None, max_tokens: int = 64) -> str:
    """Load the first Transformers.js model and time one greedy generation (JSON)."""
    specs = transformers_specs()
    if not specs:
        return json.dumps({"error": "no Transformers.js model in this build"})
    engine = await ready_engine(specs[0].id, caps, allow_remote=False,
                                on_progress=lambda label, f: None, cancel=CancelToken())
    text = await engine.generate(GenerateRequest(
        messages=[{"role": "user", "content": SPEED_PROMPT}], max_tokens=max_tokens,
        temperature=0.0))
    stats = engine.stats
    return json.dumps({"model": engine.model_id, "load_s": round(engine.load_seconds, 3),
                       "tokens": stats.tokens, "first_token_s": round(stats.first_token_s, 3),
                       "total_s": round(stats.total_s, 3),
                       "tokens_per_s": round(stats.tokens_per_s, 3), "chars": len(text),
                       "backend": engine.backend})
