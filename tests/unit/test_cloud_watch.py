"""cloud_watch.Watch: each await of a cloud call races Cancel and the idle timeout."""

from __future__ import annotations

import asyncio
import gc

import pytest

from localloom.engine import CancelToken
from localloom.engines.cloud_watch import Watch
from localloom.errors import GenerationCancelled, NetworkError


async def _read_that_fails_when_aborted() -> bytes:
    """Like a fetch reader: aborting makes the pending read fail with its own error."""
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        raise ConnectionAbortedError("The operation was aborted.") from None
    return b""


def _race(trigger: str) -> list[str]:
    async def scenario() -> list[str]:
        loop = asyncio.get_running_loop()
        unhandled: list[str] = []
        loop.set_exception_handler(lambda _loop, context: unhandled.append(context["message"]))
        cancel = CancelToken()
        watch = Watch(cancel, 0.1 if trigger == "timeout" else 5.0, "Groq")
        if trigger == "cancel":
            loop.call_later(0.05, cancel.cancel)
        expected = GenerationCancelled if trigger == "cancel" else NetworkError
        with pytest.raises(expected):
            await watch(_read_that_fails_when_aborted(), "the next chunk")
        assert watch.abort.cancelled
        await asyncio.sleep(0)
        gc.collect()
        return unhandled

    return asyncio.run(scenario())


@pytest.mark.parametrize("trigger", ["cancel", "timeout"])
def test_an_aborted_read_leaves_no_unretrieved_task_exception(trigger):
    """Cancel or a stall aborts the pending read; its abort error is expected and consumed,
    not reported later as 'Task exception was never retrieved' (a console error in Pyodide)."""
    assert _race(trigger) == []
