"""Download a model file into a JS Blob with byte progress, cancel and precise errors.

Public name: ``fetch_blob`` (async, browser only).

    blob = await fetch_blob("./models/x.gguf", on_progress=lambda got, total: ...,
                            cancel=token, engine="wllama", model_id="gemma-3-270m")

The bytes stay in JS (a list of Uint8Array chunks turned into one Blob); Python only counts
them, so a 250 MB model costs no copy into the Python heap. Through the service worker, a
model fetched once is served from Cache Storage afterwards, offline included.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..errors import GenerationCancelled, ModelDownloadError
from ..runtime import js_error_parts
from .base import CancelToken

__all__ = ["fetch_blob"]

ProgressCallback = Callable[[int, int], None]


async def fetch_blob(
    url: str,
    *,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    engine: str = "",
    model_id: str = "",
    expected_size: int = 0,
    min_interval: float = 0.1,
):
    import js
    from pyodide.ffi import to_js

    cancel = cancel or CancelToken()
    controller = js.AbortController.new()
    cancel.on_cancel(lambda: controller.abort())
    label = model_id or url.rsplit("/", 1)[-1]

    def failed(what: str, cause: str | None = None) -> Exception:
        if cancel.cancelled:
            return GenerationCancelled("The model download was cancelled.", stage="download")
        return ModelDownloadError(what, cause=cause, stage="download", engine=engine)

    try:
        response = await js.fetch(url, to_js({"signal": controller.signal},
                                             dict_converter=js.Object.fromEntries))
    except Exception as exc:
        name, message, _ = js_error_parts(exc)
        raise failed(f"Could not download {label}: {name}: {message}",
                     "The network is down, or this is a first visit made offline.") from exc
    if not response.ok:
        raise failed(f"Could not download {label}: the server answered HTTP {response.status}.",
                     "The model file is missing from the server or the URL is wrong.")
    length = response.headers.get("content-length")
    total = int(length) if length else expected_size
    reader = response.body.getReader()
    parts = js.Array.new()
    loaded = 0
    last = 0.0
    try:
        while True:
            chunk = await reader.read()
            if chunk.done:
                break
            parts.push(chunk.value)
            loaded += int(chunk.value.byteLength)
            now = time.monotonic()
            if on_progress is not None and now - last >= min_interval:
                last = now
                on_progress(loaded, total)
    except Exception as exc:
        name, message, _ = js_error_parts(exc)
        raise failed(f"The download of {label} broke off after {loaded:,} bytes: {message}",
                     "The connection dropped; nothing partial is kept.") from exc
    if total and loaded != total:
        raise failed(f"The download of {label} is incomplete: {loaded:,} of {total:,} bytes.",
                     "The connection dropped; nothing partial is kept.")
    if on_progress is not None:
        on_progress(loaded, total or loaded)
    return js.Blob.new(parts)
