"""One cloud call's clock: each await races the user's Cancel and the idle timeout.

Public names: ``Watch``, ``END``, ``next_chunk``, ``close_chunks``.

``CloudEngine`` makes one ``Watch`` per HTTP call; ``await watch(awaitable, N_("the next
chunk"))`` returns the result, or raises ``GenerationCancelled`` (Cancel) or ``NetworkError``
(nothing for ``timeout`` seconds). ``watch.abort`` is the token given to the transport: it
fires on Cancel, on timeout and when the call ends, so the fetch is always released.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from localloom.engine import CancelToken
from localloom.errors import GenerationCancelled, LocalLoomError, NetworkError
from localloom.i18n import N_, _
from localloom.wire import json_guard

__all__ = ["END", "Watch", "close_chunks", "next_chunk"]

ERROR_BODY_LIMIT = 65536
END = object()  # what ``next_chunk`` returns at the end of a body


async def close_chunks(chunks: Any) -> None:
    if chunks is not None and hasattr(chunks, "aclose"):
        with contextlib.suppress(Exception):
            await asyncio.wait_for(chunks.aclose(), 1.0)


class Watch:
    """Races each await of one call against the user's Cancel and the idle ``timeout``."""

    def __init__(self, cancel: CancelToken, timeout: float, name: str) -> None:
        self.cancel, self.timeout, self.name = cancel, timeout, name
        self.abort = CancelToken()
        self.waiter = asyncio.get_running_loop().create_future()
        cancel.on_cancel(self.abort.cancel)
        cancel.on_cancel(lambda: _settle(self.waiter))

    async def __call__(self, awaitable: Awaitable[Any], waiting_for: str) -> Any:
        """``waiting_for`` is a noun phrase marked ``N_`` (translated if the wait times out)."""
        task = asyncio.ensure_future(awaitable)
        done, _pending = await asyncio.wait({task, self.waiter}, timeout=self.timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if task not in done:
            self.abort.cancel()
            task.cancel()
            with contextlib.suppress(BaseException):
                await asyncio.wait({task}, timeout=1.0)
                if task.done() and not task.cancelled():
                    task.exception()  # the aborted read's error is expected: mark it seen
            if self.cancel.cancelled:
                raise GenerationCancelled(_("Generation was cancelled."), stage="stream")
            raise NetworkError(
                _("{name} sent nothing for {seconds} s while LocalLoom waited for {what}.").format(
                    name=self.name, seconds=f"{self.timeout:g}", what=_(waiting_for)),
                cause=_("The provider or the network stalled, or a large model is still "
                        "loading."),
                fix=_("Retry, or let LocalLoom use the next provider."),
                engine="openai", stage="stream")
        try:
            return task.result()
        except Exception as exc:
            if self.cancel.cancelled:
                raise GenerationCancelled(_("Generation was cancelled."),
                                          stage="stream") from exc
            if isinstance(exc, LocalLoomError):
                raise
            raise NetworkError(
                _("The connection to {name} failed: {error}").format(name=self.name, error=exc),
                cause=_("The network dropped, or the server closed the connection."),
                engine="openai", stage="stream") from exc

    async def read_all(self, chunks: AsyncIterator[bytes | str], limit: int = 0) -> str:
        """A whole body. With no ``limit`` (error bodies) the first 64 KiB are kept; a body
        longer than ``limit`` bytes raises ``EngineError``."""
        iterator, parts, size = chunks.__aiter__(), [], 0
        while size < (limit or ERROR_BODY_LIMIT):
            chunk = await self(next_chunk(iterator), N_("the body"))
            if chunk is END:
                break
            data = chunk.encode() if isinstance(chunk, str) else bytes(chunk)
            parts.append(data)
            size += len(data)
        if limit and size >= limit:
            raise json_guard.too_big(self.name, N_("a body"), json_guard.larger_than(limit),
                                     stage="request")
        return b"".join(parts).decode("utf-8", errors="replace")


async def next_chunk(iterator: AsyncIterator[Any]) -> Any:
    try:
        return await iterator.__anext__()
    except StopAsyncIteration:
        return END


def _settle(future: asyncio.Future) -> None:
    with contextlib.suppress(RuntimeError):  # the loop may be gone after the call ended
        if not future.done():
            future.set_result(None)
