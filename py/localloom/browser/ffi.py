"""The JS-interop idioms every adapter needs, written once (browser only; imports ``js`` lazily).

Public names: ``js_object``, ``abort_signal``, ``stream_chunks``, ``cancel_quietly``,
``import_module``.

    init = js_object({"method": "POST", "signal": abort_signal(cancel)})
    async with aclosing(stream_chunks(response.body)) as chunks:  # closed on early exit
        async for chunk in chunks:                 # JS Uint8Array / string chunks
            ...
    wllama = await import_module("./vendor/wllama-0123abcd4567/index.js")

``browser.runtime`` holds the pure readers of JS values (``js_get``, ``is_nullish``,
``js_error_parts``) that work on any object; this module is the part that needs Pyodide.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from localloom.engine import CancelToken

__all__ = ["abort_signal", "cancel_quietly", "import_module", "js_object", "stream_chunks"]


def js_object(value: Any) -> Any:
    """A Python dict (nested lists and dicts too) as a plain JS object, not a JS ``Map``."""
    import js
    from pyodide.ffi import to_js

    return to_js(value, dict_converter=js.Object.fromEntries)


def abort_signal(cancel: CancelToken) -> Any:
    """An ``AbortSignal`` that fires when ``cancel`` does (at once if it already has)."""
    import js

    controller = js.AbortController.new()
    cancel.on_cancel(lambda: controller.abort())
    return controller.signal


def cancel_quietly(reader: Any) -> None:
    """Cancel a stream reader without leaving an unhandled rejection behind."""
    try:
        pending = reader.cancel()
    except Exception:
        return
    with contextlib.suppress(Exception):
        if hasattr(pending, "add_done_callback"):  # Pyodide hands back a PyodideFuture
            pending.add_done_callback(lambda f: f.cancelled() or f.exception())
        else:
            pending.catch(lambda _error: None)


async def stream_chunks(stream: Any, read: Callable[[Any], Awaitable[Any]] | None = None,
                        cancel: Callable[[Any], None] = cancel_quietly) -> AsyncIterator[Any]:
    """The chunks of a JS ``ReadableStream``, as JS values; a JS error in a read propagates.

    ``read(reader)`` and ``cancel(reader)`` replace ``reader.read()`` and ``cancel_quietly``
    (Chrome's built-in AI wants both settled in JS). When the consumer stops early or an error
    escapes, the reader is cancelled, which also cancels the request or generation behind it.
    """
    reader = stream.getReader()
    finished = False
    try:
        while True:
            result = await (read(reader) if read is not None else reader.read())
            if result.done:
                finished = True
                return
            yield result.value
    finally:
        if not finished:
            cancel(reader)


async def import_module(url: str) -> Any:
    """``import(url)`` of an ES module, ``url`` resolved against the page."""
    import js
    from pyodide.code import run_js

    absolute = str(js.URL.new(url, js.document.baseURI).href)
    return await run_js(f"import({json.dumps(absolute)})")
