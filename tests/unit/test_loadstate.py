"""models.loadstate: the load state machine's order, timings, failure record and journal."""

from __future__ import annotations

import pytest

from localloom.errors import ModelDownloadError
from localloom.models.loadstate import (
    CHECKING,
    DOWNLOADING,
    FAILED,
    INITIALISING,
    METADATA,
    READY,
    STAGES,
    VERIFYING,
    Journal,
    LoadLog,
    webllm_stage,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_stage_names_are_the_issues_and_in_order():
    """The panel shows exactly these names, in this order."""
    assert STAGES == ("checking", "fetching metadata", "downloading", "verifying",
                      "compiling / initialising", "ready")


def test_a_download_walks_every_stage_with_its_time():
    """Each step records when it began and how long it lasted, in the clock's seconds."""
    clock = Clock()
    log = LoadLog("wllama", "m", clock=clock)
    assert log.stage == CHECKING
    for stage, dt in ((METADATA, 0.5), (DOWNLOADING, 1.0), (VERIFYING, 3.0),
                      (INITIALISING, 0.25)):
        clock.now += dt
        log.enter(stage)
    clock.now += 2.0
    log.finish("CPU, 1 thread")
    assert log.stage == READY and log.done
    assert log.timings() == [(CHECKING, 0.5), (METADATA, 1.0), (DOWNLOADING, 3.0),
                             (VERIFYING, 0.25), (INITIALISING, 2.0), (READY, 0.0)]
    assert log.seconds == pytest.approx(6.75)
    assert log.as_dict()["steps"][-1] == {"stage": READY, "seconds": 0.0,
                                          "note": "CPU, 1 thread"}


def test_a_stored_copy_skips_the_file_stages_and_a_split_model_repeats_them():
    """checking → initialising is allowed; the file stages repeat per file; nothing goes back
    to checking, and nothing follows ready."""
    log = LoadLog("wllama", "m", clock=Clock())
    log.enter(INITIALISING)
    with pytest.raises(ValueError, match="back"):
        log.enter(DOWNLOADING)
    split = LoadLog("wllama", "s", clock=Clock())
    for _ in range(2):
        split.enter(METADATA)
        split.enter(DOWNLOADING)
        split.enter(VERIFYING)
    assert [s.stage for s in split.steps].count(DOWNLOADING) == 2
    with pytest.raises(ValueError, match="checking"):
        split.enter(CHECKING)
    split.enter(INITIALISING)
    split.finish()
    with pytest.raises(ValueError, match="ready"):
        split.enter(INITIALISING)
    with pytest.raises(ValueError):
        split.enter("loading")


def test_a_failure_keeps_the_stage_and_the_errors_cause_and_fix():
    """fail() records where the load stopped and the LocalLoom error's what/cause/fix."""
    clock = Clock()
    log = LoadLog("wllama", "m", clock=clock)
    log.enter(METADATA, "x.gguf")
    clock.now += 1.5
    log.fail(ModelDownloadError("Could not download x.gguf: HTTP 404.", cause="It is gone.",
                                fix="Pick another model in Models on this device."))
    data = log.as_dict()
    assert log.stage == FAILED and data["failed_at"] == METADATA and data["state"] == FAILED
    assert data["error"]["kind"] == "ModelDownloadError"
    assert data["error"]["cause"] == "It is gone." and "Models on this device" in \
        data["error"]["fix"]
    assert data["steps"][-1] == {"stage": METADATA, "seconds": 1.5, "note": "x.gguf"}
    log.fail(RuntimeError("later"))  # the first failure stands
    assert log.error["kind"] == "ModelDownloadError"


def test_the_journal_keeps_recent_loads_and_tells_listeners_of_every_change():
    """Listeners hear each begin, stage and end; only the newest ``keep`` logs stay."""
    journal = Journal(keep=2, clock=Clock())
    heard: list[str] = []
    journal.listen(lambda log: heard.append(f"{log.model_id}:{log.stage}"))
    first = journal.begin("wllama", "a")
    first.enter(INITIALISING)
    first.finish()
    journal.begin("webllm", "b")
    journal.begin("wllama", "c")
    assert heard == ["a:checking", f"a:{INITIALISING}", "a:ready", "b:checking", "c:checking"]
    assert [log.model_id for log in journal.logs] == ["b", "c"]


@pytest.mark.parametrize(("text", "stage"), [
    ("Start to fetch params", DOWNLOADING),
    ("Fetching param cache[3/24]: 100MB fetched. 20% completed, 5 secs elapsed.", DOWNLOADING),
    ("Loading model from cache[3/24]: 100MB loaded. 20% completed", INITIALISING),
    ("Loading GPU shader modules[12/50]: 24% completed", INITIALISING),
    ("Finish loading on WebGPU - swiftshader", READY),
    ("", None),
])
def test_webllm_progress_texts_map_to_stages(text, stage):
    """web-llm's initProgressCallback texts name the stage the load is in."""
    assert webllm_stage(text) == stage
