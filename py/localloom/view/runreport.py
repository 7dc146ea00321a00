"""What one generation run did, step by step: attempts, quality verdicts, tokens, seconds.

Public name: ``RunReport``.

The page feeds it the generator's events and every model call's streamed deltas; the raw
output panel shows its verdicts (why a step was asked again), and ``build.py bench
--quality`` reads ``to_dict()`` through ``window.localloom.lastRun()``::

    report = RunReport()
    report.event(GenerationEvent("step_start", 1, 5, "Course outline"))
    report.call()                    # a model call starts (first attempt or a re-ask)
    report.tokens(12)                # deltas it streamed
    report.to_dict()["tokens_wasted"]

Tokens are the deltas the engine streamed (one per token for wllama); a call's tokens are
wasted when its step was asked again after it, except the share of its text the step's answer
kept (a base model's parts that passed, ``course.gaps``: the event's ``used``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

__all__ = ["RunReport"]


@dataclass
class _Step:
    label: str
    calls: list[int] = field(default_factory=list)  # tokens per attempt
    verdicts: list[str] = field(default_factory=list)
    outcome: str = ""
    used: dict[int, float] = field(default_factory=dict)  # earlier calls the answer kept


@dataclass
class RunReport:
    started: float = field(default_factory=time.monotonic)
    steps: list[_Step] = field(default_factory=list)
    outcome: str = ""
    seconds: float = 0.0

    def _current(self) -> _Step:
        if not self.steps:
            self.steps.append(_Step("(before any step)"))
        return self.steps[-1]

    def event(self, event: Any) -> str:
        """Record a ``GenerationEvent``; returns a verdict line for the raw panel, or ""."""
        if event.kind == "step_start":
            self.steps.append(_Step(event.label))
        elif event.kind == "retry":
            verdict = f"asked again (attempt {event.attempt + 1}) because:\n{event.message}"
            if event.steer:
                verdict += f"\nwords of the refused answers made less likely: " \
                           f"{', '.join(event.steer)}"
            if event.guard:
                verdict += f"\ntitles may not begin with the topic's words: {event.guard!r}"
            self._current().verdicts.append(verdict)
            return f"[quality check] {event.label}: {verdict}"
        elif event.kind == "step_done":
            self._current().outcome = event.message or "ok"
            self._current().used = dict(event.used)
            if event.message:
                return f"[quality check] {event.label}: {event.message}"
        return ""

    def call(self) -> None:
        """A model call starts within the current step."""
        self._current().calls.append(0)

    def tokens(self, n: int = 1) -> None:
        step = self._current()
        if not step.calls:
            step.calls.append(0)
        step.calls[-1] += n

    def finish(self, outcome: str) -> None:
        self.outcome = outcome
        self.seconds = round(time.monotonic() - self.started, 1)

    def to_dict(self) -> dict[str, Any]:
        calls = [n for step in self.steps for n in step.calls]
        wasted = round(sum(n * (1 - step.used.get(i, 0.0)) for step in self.steps
                           for i, n in enumerate(step.calls[:-1])))
        return {
            "outcome": self.outcome, "seconds": self.seconds,
            "steps": [{"label": s.label, "attempts": len(s.calls), "tokens": s.calls,
                       "verdicts": s.verdicts, "outcome": s.outcome} for s in self.steps],
            "calls": len(calls), "reasks": sum(max(0, len(s.calls) - 1) for s in self.steps),
            "tokens": sum(calls), "tokens_wasted": wasted,
        }
