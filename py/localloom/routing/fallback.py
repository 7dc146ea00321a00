"""Run a plan's steps in order until one serves the result, recording why the others did not.

Public names: ``run_plan``, ``Outcome``, ``Attempt``, ``FallbackEvent``,
``MAX_RATE_LIMIT_WAIT``, ``RETRY_DELAY``. ``localloom.routing.tiers`` re-exports ``run_plan`` and
``Outcome``. A step is any object with ``engine`` and ``model_id`` (and optionally ``label``),
so this module does not depend on the catalog. Example::

    outcome = await run_plan(plan, lambda step: engines.generate(step, request))
    outcome.value, outcome.served_by.label
    for line in outcome.report(): print(line)   # "Groq: RateLimitedError - … (0.2 s)"

Policy, per step:

- a ``LocalLoomError`` moves on to the next step, after at most one retry of the same step:
  ``RateLimitedError`` whose ``retry_after`` is at most 5 s waits that long and retries;
  a ``NetworkError``/``ModelDownloadError`` whose ``retryable`` is true retries after 1 s;
- ``GenerationCancelled`` is re-raised at once (with ``.attempts`` so far): no fallback after
  the user pressed Cancel;
- any other exception is a bug in an adapter and propagates unchanged;
- when every step failed, an ``EngineError`` ("Every tier failed.", stage ``"route"``) lists
  each failure in its cause and carries ``.attempts``; when the plan had one failing step, its
  own error is raised instead (with ``.attempts``): its cause and fix say more than a summary.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from localloom.errors import (
    EngineError,
    GenerationCancelled,
    LocalLoomError,
    ModelDownloadError,
    NetworkError,
    RateLimitedError,
)
from localloom.i18n import _

__all__ = ["MAX_RATE_LIMIT_WAIT", "RETRY_DELAY", "Attempt", "FallbackEvent", "Outcome", "run_plan"]

T = TypeVar("T")
MAX_RATE_LIMIT_WAIT = 5.0  # seconds; a longer Retry-After moves on to the next tier instead
RETRY_DELAY = 1.0  # seconds before the one retry after a network/download error


def _label(step: Any) -> str:
    label = getattr(step, "label", "")
    return label or " ".join(x for x in (step.engine, step.model_id) if x)


@dataclass(frozen=True)
class Attempt:
    """One try of one step: ``kind`` is ``""`` when it served the result."""

    step: Any
    kind: str
    message: str
    elapsed: float  # seconds spent in the attempt (waits excluded)
    retry: bool = False  # this was the retry of the same step
    error: LocalLoomError | None = field(default=None, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return not self.kind

    def line(self) -> str:
        """A line for logs and tests (the page renders attempts with ``view.report``)."""
        what = "served the result" if self.ok else f"{self.kind} - {self.message}"
        again = " (retry)" if self.retry else ""
        return f"{_label(self.step)}{again}: {what} ({self.elapsed:.1f} s)"


@dataclass
class Outcome(Generic[T]):
    value: T
    served_by: Any  # the step that produced ``value``
    attempts: list[Attempt]  # every try, in order, the serving one last

    def report(self) -> list[str]:
        return [a.line() for a in self.attempts]


@dataclass(frozen=True)
class FallbackEvent:
    """Progress for the UI: ``kind`` is start, retry, failed, served or cancelled."""

    kind: str
    step: Any
    message: str = ""
    delay: float = 0.0  # seconds to wait before a retry


def _retry_delay(exc: LocalLoomError) -> float | None:
    if isinstance(exc, RateLimitedError):
        wait = exc.retry_after
        return max(0.0, wait) if wait is not None and wait <= MAX_RATE_LIMIT_WAIT else None
    if isinstance(exc, NetworkError | ModelDownloadError) and exc.retryable:
        return RETRY_DELAY
    return None


async def _emit(on_event: Callable[[FallbackEvent], Any] | None, event: FallbackEvent) -> None:
    if on_event is not None:
        result = on_event(event)
        if inspect.isawaitable(result):
            await result


def _no_steps_error(plan: Any) -> EngineError:
    skipped = getattr(plan, "skipped", [])
    return EngineError(
        _("No engine can run this task here."),
        cause="; ".join(reason for _e, _m, reason in skipped) or _("The plan has no steps."),
        fix=_("Allow downloads, add a cloud API key, or turn off 'on-device only' in Settings."),
        stage="generate",
    )


async def run_plan(
    plan: Any,
    attempt: Callable[[Any], Awaitable[T]],
    on_event: Callable[[FallbackEvent], Any] | None = None,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Outcome[T]:
    """Try ``plan.steps`` (or any iterable of steps) in order; see the module docstring."""
    steps: list[Any] = list(plan.steps if hasattr(plan, "steps") else plan)
    if not steps:
        raise _no_steps_error(plan)
    attempts: list[Attempt] = []
    failures: list[Attempt] = []
    last: LocalLoomError | None = None
    for step in steps:
        retried = False
        await _emit(on_event, FallbackEvent("start", step))
        while True:
            started = clock()
            try:
                value = await attempt(step)
            except LocalLoomError as exc:
                record = Attempt(step, exc.kind, exc.what, clock() - started, retried, exc)
                attempts.append(record)
                if isinstance(exc, GenerationCancelled):
                    exc.attempts = attempts  # the page lists what ran before the Cancel
                    await _emit(on_event, FallbackEvent("cancelled", step, exc.what))
                    raise
                delay = None if retried else _retry_delay(exc)
                if delay is None:
                    failures.append(record)
                    last = exc
                    await _emit(on_event, FallbackEvent("failed", step, exc.what))
                    break
                retried = True
                await _emit(on_event, FallbackEvent("retry", step, exc.what, delay))
                await sleep(delay)
                continue
            attempts.append(Attempt(step, "", "", clock() - started, retried))
            await _emit(on_event, FallbackEvent("served", step))
            return Outcome(value, step, attempts)
    if len(failures) == 1 and failures[0].error is not None:
        only = failures[0].error  # one tier: its own error says more than a summary would
        only.attempts = attempts
        raise only
    err = EngineError(
        _("Every tier failed."),
        cause="; ".join(f"{_label(a.step)}: {a.kind} - {a.message}" for a in failures),
        fix=_("Read each tier's reason above: allow downloads, free memory, or add a cloud key "
              "in Settings, then try again."),
        stage="route",  # the whole plan failed: not the last tier's stage ("download")
    )
    err.attempts = attempts
    raise err from last
