"""Run one task on one tier of the routing plan: the bridge from ``PlanStep`` to engines.

Public names: ``Dispatcher``, ``TaskInput``.

``Dispatcher.run(step, task_input)`` readies the step's engine (loads the embedded model or a
WebLLM or Transformers.js model (``ui.transformers_tier``), opens a Chrome built-in AI session —
from the user's click, which a model download needs —, or builds a cloud client with the
provider's key) and runs the task on it through the pure generator. ``fallback.run_plan`` calls
it tier after tier until one serves the result.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from localloom.course.generator import (
    CourseRequest,
    generate_classify,
    generate_course,
    generate_summary,
    generate_tags,
)
from localloom.course.regenerate import regenerate_part
from localloom.course.schema import Summary
from localloom.engine import CancelToken
from localloom.engines.chrome_ai import ChromeAIEngine, ChromeSummarizer
from localloom.engines.cloud import CloudEngine
from localloom.engines.webllm import shared_engine
from localloom.errors import EngineUnavailable
from localloom.models.catalog import webllm_spec
from localloom.routing.tiers import PlanStep
from localloom.settings import Settings
from localloom.ui.transformers_tier import ready_engine

__all__ = ["Dispatcher", "TaskInput"]


@dataclass
class TaskInput:
    task: str  # "course", "summary", "tags", "classify"
    language: str = "en"
    course: CourseRequest | None = None
    strategy: str = "progressive"
    text: str = ""
    categories: list[str] = field(default_factory=list)
    policy: str = "ask"  # after a quality failure: "accept" or "smaller" (the user's choice)
    part: str = ""  # a course task writing one part again: "lesson:M.J" or "quiz:M"
    base: Any = None  # ... of this finished Course


@dataclass
class Dispatcher:
    """Holds what the tiers share: the embedded engine, settings, the page's callbacks."""

    local_engine: Any  # WllamaEngine for the embedded model
    load_local: Callable[[CancelToken], Awaitable[None]]
    settings: Settings
    store: Any
    wrap: Callable[[Any], Any]  # lets the page see the raw tokens
    on_event: Callable[[Any], None]
    on_progress: Callable[[str, float], None]  # (label, fraction) for Chrome's download
    cancel: CancelToken
    max_reasks: int = 2
    engine: Any = None  # the engine of the last step run: the result line names its model
    caps: Any = None  # the device probe: WebLLM refuses what cannot run before downloading;
    # Transformers.js picks WASM or WebGPU by it

    async def engine_for(self, step: PlanStep, language: str) -> Any:
        if step.engine == "wllama":
            await self.load_local(self.cancel)
            return self.local_engine
        if step.engine == "chrome":
            engine = ChromeAIEngine(language)
            await engine.availability()
            await engine.prepare(lambda f: self.on_progress("Chrome built-in AI model", f),
                                 self.cancel, user_gesture=True)
            return engine
        if step.engine == "webllm":
            return await self._webllm(step)
        if step.engine == "transformers":
            return await ready_engine(step.model_id, self.caps,
                                      allow_remote=self.settings.allow_downloads,
                                      on_progress=self.on_progress, cancel=self.cancel)
        if step.engine == "openai":
            provider = self.settings.providers.get(step.provider)
            if provider is None or not provider.usable:
                raise EngineUnavailable(f"{step.label}: no key or URL is set.",
                                        engine="openai", stage="route")
            return CloudEngine(step.provider, provider.model or None, key=provider.key or None,
                               base_url=provider.base_url or None)
        raise EngineUnavailable(f"{step.label or step.engine} is not available in this build.",
                                engine=step.engine, stage="route",
                                fix="LocalLoom tries the next tier.")

    async def _webllm(self, step: PlanStep) -> Any:
        spec = webllm_spec(step.model_id)
        if spec is None:
            raise EngineUnavailable(f"WebLLM has no model {step.model_id!r} in this build.",
                                    engine="webllm", stage="route",
                                    fix="LocalLoom tries the next tier.")
        engine = shared_engine(spec)
        label = step.label or spec.id
        await engine.load(self.caps, cancel=self.cancel,
                          on_progress=lambda f, text: self.on_progress(f"{label}: {text}", f))
        return engine

    async def run(self, step: PlanStep, job: TaskInput) -> Any:
        if step.engine == "chrome" and step.model_id == "Summarizer":
            return await self._chrome_summary(job)
        self.engine = await self.engine_for(step, job.language)
        engine = self.wrap(self.engine)
        kw = {"on_event": self.on_event, "cancel": self.cancel, "max_reasks": self.max_reasks,
              "seed": self.settings.seed}
        if job.task == "course" and job.part:
            assert job.course is not None
            return await regenerate_part(engine, job.course, job.base, job.part, **kw)
        if job.task == "course":
            assert job.course is not None
            return await generate_course(engine, job.course, self.store,
                                         strategy=job.strategy, policy=job.policy, **kw)
        if job.task == "summary":
            return await generate_summary(engine, job.text, job.language, **kw)
        if job.task == "tags":
            return await generate_tags(engine, job.text, job.language, **kw)
        return await generate_classify(engine, job.text, job.language,
                                       categories=job.categories or None, **kw)

    async def _chrome_summary(self, job: TaskInput) -> Summary:
        summarizer = ChromeSummarizer(language=job.language)
        await summarizer.availability()
        await summarizer.prepare(lambda f: self.on_progress("Chrome Summarizer model", f),
                                 self.cancel, user_gesture=True)
        try:
            text = await summarizer.summarize(job.text, cancel=self.cancel)
        finally:
            await summarizer.close()
        return Summary(summary=text.strip() or "(empty)", key_points=[])
