"""One load state machine for every engine: the stages a model load goes through, with their
timings, and where and why it failed. The names below are the ones the Diagnostics panel shows
(translated there; here, in tests and in the debug report they are English identifiers).

Public names: ``STAGES``, ``CHECKING``, ``METADATA``, ``DOWNLOADING``, ``VERIFYING``,
``INITIALISING``, ``READY``, ``FAILED``, ``LoadLog``, ``Step``, ``Journal``, ``JOURNAL``,
``webllm_stage``.

    log = JOURNAL.begin("wllama", "smollm2-135m-instruct-q4_1")   # enters "checking"
    log.enter(METADATA, "SmolLM2-135M-Instruct.Q4_1.gguf")
    log.enter(DOWNLOADING)
    log.enter(VERIFYING)
    log.enter(INITIALISING, "CPU, 1 thread")
    log.finish()                                                 # "ready"
    log.fail(error)      # instead: "failed" at the current stage, with the error's cause

A load may skip stages (a stored copy goes from checking to initialising) and a split model
repeats the file stages for each file, but nothing moves back to checking and nothing follows
``ready`` or ``failed``. Engines begin a log in the ``JOURNAL``; the panel listens to it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from localloom.i18n import N_

__all__ = ["CHECKING", "DOWNLOADING", "FAILED", "INITIALISING", "JOURNAL", "METADATA", "READY",
           "STAGES", "VERIFYING", "Journal", "LoadLog", "Step", "webllm_stage"]

CHECKING = N_("checking")  # preflight and a look for a stored copy
METADATA = N_("fetching metadata")  # the request is out; headers, sizes, configs come back
DOWNLOADING = N_("downloading")  # the bytes arrive
VERIFYING = N_("verifying")  # size, magic and sha256 before anything is stored or loaded
INITIALISING = N_("compiling / initialising")  # wasm/shaders compile, weights go to the engine
READY = N_("ready")
FAILED = N_("failed")
STAGES = (CHECKING, METADATA, DOWNLOADING, VERIFYING, INITIALISING, READY)
_FILE_STAGES = (METADATA, DOWNLOADING, VERIFYING)  # repeat once per file of a split model


@dataclass
class Step:
    """One stage a load was in: when it began (seconds after the load began), how long it took
    (None while it lasts), and a note (a file name, the backend)."""

    stage: str
    start: float
    seconds: float | None = None
    note: str = ""


@dataclass
class LoadLog:
    """The stages of one load of one model by one engine."""

    engine: str
    model_id: str
    clock: Callable[[], float] = time.monotonic
    steps: list[Step] = field(default_factory=list)
    failed_stage: str = ""
    error: dict = field(default_factory=dict)  # kind, what, cause, fix, detail
    listeners: list[Callable[[LoadLog], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._t0 = self.clock()
        self.steps.append(Step(CHECKING, 0.0))

    @property
    def stage(self) -> str:
        """Where the load is now: a stage of ``STAGES``, or ``FAILED``."""
        return FAILED if self.failed_stage else self.steps[-1].stage

    @property
    def done(self) -> bool:
        return self.stage in (READY, FAILED)

    @property
    def seconds(self) -> float:
        """Time from the start to now, or to the end of a finished load."""
        last = self.steps[-1]
        if self.done:
            return last.start + (last.seconds or 0.0)
        return self.clock() - self._t0

    def enter(self, stage: str, note: str = "") -> None:
        """Move to ``stage``; a stage that is already current only updates its note."""
        if stage not in STAGES or (stage == CHECKING and self.steps[-1].stage != CHECKING):
            raise ValueError(f"a load cannot enter {stage!r} from {self.stage!r}")
        if self.done:
            raise ValueError(f"the load is {self.stage}; it cannot enter {stage!r}")
        current = self.steps[-1].stage
        if STAGES.index(stage) < STAGES.index(current) and not (
                stage in _FILE_STAGES and current in _FILE_STAGES):
            raise ValueError(f"a load cannot go back from {current!r} to {stage!r}")
        if stage == current:
            self.steps[-1].note = note or self.steps[-1].note
        else:
            self._close()
            self.steps.append(Step(stage, self.clock() - self._t0, note=note,
                                   seconds=0.0 if stage == READY else None))
        self._tell()

    def finish(self, note: str = "") -> None:
        """The model is ready."""
        self.enter(READY, note)

    def fail(self, error: object) -> None:
        """The load stopped at the current stage; ``error`` (a LocalLoomError, or any
        exception) says why."""
        if self.done:
            return
        self.failed_stage = self.steps[-1].stage
        self._close()
        self.error = {
            "kind": getattr(error, "kind", type(error).__name__),
            "what": str(getattr(error, "what", error)),
            "cause": getattr(error, "cause", None) or "",
            "fix": getattr(error, "fix", None) or "",
            "detail": getattr(error, "detail", None) or "",
        }
        self._tell()

    def timings(self) -> list[tuple[str, float]]:
        """(stage, seconds) per step, in order; the current step counts up to now."""
        now = self.clock() - self._t0
        return [(s.stage, s.seconds if s.seconds is not None else now - s.start)
                for s in self.steps]

    def as_dict(self) -> dict:
        """The log as plain data (for the debug report)."""
        return {
            "engine": self.engine, "model": self.model_id, "state": self.stage,
            "failed_at": self.failed_stage, "seconds": round(self.seconds, 3),
            "steps": [{"stage": s.stage, "seconds": round(t, 3), "note": s.note}
                      for s, (_, t) in zip(self.steps, self.timings(), strict=True)],
            "error": dict(self.error),
        }

    def _close(self) -> None:
        last = self.steps[-1]
        if last.seconds is None:
            last.seconds = self.clock() - self._t0 - last.start

    def _tell(self) -> None:
        for listener in list(self.listeners):
            listener(self)


class Journal:
    """The recent loads of this page (newest last), and who listens to them."""

    def __init__(self, keep: int = 20, clock: Callable[[], float] = time.monotonic) -> None:
        self.keep = keep
        self.clock = clock
        self.logs: list[LoadLog] = []
        self.listeners: list[Callable[[LoadLog], None]] = []

    def begin(self, engine: str, model_id: str) -> LoadLog:
        log = LoadLog(engine, model_id, clock=self.clock, listeners=self.listeners)
        self.logs = [*self.logs, log][-self.keep:]
        log._tell()
        return log

    def listen(self, listener: Callable[[LoadLog], None]) -> None:
        self.listeners.append(listener)


JOURNAL = Journal()


def webllm_stage(text: str) -> str | None:
    """The stage one of web-llm's progress texts reports, or None when it says none:
    "Fetching param cache[3/24]…" downloads, "Loading model from cache…" and "Loading GPU
    shader modules…" initialise, "Finish loading on WebGPU…" is ready."""
    low = text.lower()
    if low.startswith("finish loading"):
        return READY
    if "fetch" in low:
        return DOWNLOADING
    if low.startswith("loading") or "shader" in low or "compil" in low:
        return INITIALISING
    return None
