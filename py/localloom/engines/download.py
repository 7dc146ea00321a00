"""Download a model file into a JS Blob with byte progress, cancel, checks and precise errors.

Public names: ``fetch_blob`` (async), ``stored_copy`` (async), ``stored_blob`` (async),
``forget`` (async), ``replaced_note``, ``MODEL_CACHE``; browser only.

    blob = await fetch_blob("./models/x.gguf", model=ModelFile(...),
                            on_progress=lambda got, total: ..., on_stage=lambda s, note: ...,
                            cancel=token, engine="wllama", model_id="gemma-3-270m")

The bytes stay in JS (a list of Uint8Array chunks turned into one Blob); Python only counts
them and keeps the first few, so a 250 MB model costs no copy into the Python heap. Through the
service worker (web/sw.js) a model is stored in Cache Storage once its sha256 is checked, and
served from there afterwards, offline included; it deletes a stored copy that fails its cheap
checks and downloads the model again. Every load checks the cheap facts (exact size, GGUF
magic) before the bytes reach an engine and refuses bad bytes with what, cause and fix.
``on_stage(kind, note)`` hears where the bytes come from ("cache" or "network") and the load
stages of ``models.loadstate`` it passes through (fetching metadata, downloading, verifying,
the file's name as the note).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import aclosing

from localloom.browser.ffi import abort_signal, js_object, stream_chunks
from localloom.browser.runtime import is_nullish, js_error_parts
from localloom.engine import CancelToken
from localloom.errors import GenerationCancelled, ModelDownloadError
from localloom.i18n import _
from localloom.models.loadstate import DOWNLOADING, METADATA, VERIFYING
from localloom.models.modelfile import (
    GGUF_MAGIC,
    REPLACED_HEADER,
    SHA_MISMATCH,
    SOURCE_HEADER,
    VERDICT_QUERY,
    VERIFIED_HEADER,
    ModelFile,
    check,
    checksum_problem,
)

__all__ = ["MODEL_CACHE", "fetch_blob", "forget", "replaced_note", "stored_blob", "stored_copy"]

MODEL_CACHE = "localloom-models"  # the service worker's Cache Storage name for models
HEAD_BYTES = 64  # kept from the start of a download to tell a GGUF from a web page
AGAIN = 'Press "Load the model now" or Generate to try again; nothing partial is kept.'
ProgressCallback = Callable[[int, int], None]
StageCallback = Callable[[str, str], None]  # ("cache" | "network", note for the user)


def _absolute(url: str) -> str:
    import js

    return str(js.URL.new(url, js.document.baseURI).href)


async def forget(url: str) -> bool:
    """Delete the stored copy of ``url`` from Cache Storage; True if there was one."""
    import js

    try:
        cache = await js.caches.open(MODEL_CACHE)
        return bool(await cache.delete(_absolute(url)))
    except Exception:  # no Cache Storage (private mode, insecure origin)
        return False


async def _head(blob, n: int = 4) -> bytes:
    return bytes((await blob.slice(0, n).arrayBuffer()).to_py())


async def _verdict(url: str) -> str:
    """Why the service worker refused the last download of ``url`` ("" if it did not).

    The worker errors the page's stream when the sha256 differs, but the error's message does
    not reach the page (Chromium reports "network error"), so the page asks.
    """
    import js

    try:
        return str((await (await js.fetch(f"{url}?{VERDICT_QUERY}")).json()).why or "")
    except Exception:
        return ""


async def stored_copy(url: str, model: ModelFile) -> tuple[bool, str]:
    """``(stored, why_deleted)``: is a verified, whole copy of ``model`` in Cache Storage?

    A copy the service worker did not mark as verified (an earlier build's, an altered one)
    or whose real size or magic is wrong is deleted; ``why_deleted`` then says why.
    """
    blob, why = await _stored(url, model)
    return blob is not None, why


async def stored_blob(url: str, model: ModelFile):
    """``(blob, why_deleted)``: the verified stored copy of ``model`` as Cache Storage's own
    disk-backed Blob, or None (then ``why_deleted`` says why a copy was deleted, if one was).

    Checked as ``stored_copy`` checks it; an engine reads it from there (no copy in the page).
    """
    return await _stored(url, model)


def replaced_note(why: str) -> str:
    """What the page says when a stored copy was deleted before a new download."""
    return _("A copy stored in this browser was deleted ({why}); the model is downloaded "
             "again.").format(why=why)


async def _stored(url: str, model: ModelFile):
    """``(blob or None, why_deleted)`` for ``stored_copy`` and ``stored_blob``."""
    import js

    try:
        cache = await js.caches.open(MODEL_CACHE)
        hit = await cache.match(_absolute(url))
    except Exception:
        return None, ""
    if is_nullish(hit):
        return None, ""
    why, blob = "", None
    if hit.headers.get(VERIFIED_HEADER) != model.sha256:
        why = "it was never verified"
    else:
        blob = await hit.blob()
        if int(blob.size) != model.size:
            why = f"it has {int(blob.size):,} bytes, not {model.size:,}"
        elif await _head(blob) != GGUF_MAGIC:
            why = "it is not a GGUF file"
    if why:
        await forget(url)
        return None, why
    return blob, ""


async def fetch_blob(
    url: str,
    *,
    model: ModelFile | None = None,
    on_progress: ProgressCallback | None = None,
    on_stage: StageCallback | None = None,
    cancel: CancelToken | None = None,
    engine: str = "",
    model_id: str = "",
    expected_size: int = 0,
    min_interval: float = 0.1,
):
    """The checked bytes of ``url`` as a Blob; see the module docstring."""
    cancel = cancel or CancelToken()
    label = model_id or url.rsplit("/", 1)[-1]
    blob, size, head, source, ctype = await _download(
        url, model, on_progress, on_stage, cancel, engine, label,
        expected_size or (model.size if model else 0), min_interval)
    problem = check(model, size, head, ctype) if model is not None else None
    if problem is None:
        return blob
    await forget(url)  # the service worker stores no bad download; this catches the rest
    raise problem.error(engine=engine, cached=source == "cache")


async def _download(url, model, on_progress, on_stage, cancel, engine, label, expected,
                    min_interval):
    """One fetch: ``(blob, size, head, source, content type)``; network errors raise."""
    import js

    # Aborting cancels the body stream, and so the service worker's download (web/sw.js).
    signal = abort_signal(cancel)

    def failed(what: str, cause: str | None = None, fix: str = AGAIN) -> Exception:
        if cancel.cancelled:
            return GenerationCancelled("The model download was cancelled.", stage="download")
        return ModelDownloadError(what, cause=cause, fix=fix, stage="download", engine=engine)

    if cancel.cancelled:
        raise failed("")
    stage = on_stage or (lambda kind, note: None)
    stage(METADATA, label)
    try:
        response = await js.fetch(url, js_object({"signal": signal, "cache": "no-store"}))
    except Exception as exc:
        name, message, _ = js_error_parts(exc)
        raise failed(f"Could not download {label}: {name}: {message}",
                     "The network is down, or this is a first visit made offline.") from exc
    if not response.ok:
        raise failed(f"Could not download {label}: the server answered HTTP {response.status}.",
                     "The model file is missing from the server, the URL is wrong, or the "
                     "server failed.",
                     f"If you host LocalLoom, make sure the server has {url.removeprefix('./')}; "
                     f"then {AGAIN[0].lower()}{AGAIN[1:]}")
    headers = response.headers
    source = str(headers.get(SOURCE_HEADER) or "")  # "" when no service worker answered
    replaced = headers.get(REPLACED_HEADER)
    if on_stage is not None:
        on_stage(source or "network", replaced_note(str(replaced)) if replaced else "")
    if source != "cache":
        stage(DOWNLOADING, label)
    length = headers.get("content-length")
    total = int(length) if length else expected
    parts = js.Array.new()
    head = b""
    loaded = 0
    last = 0.0
    try:
        async with aclosing(stream_chunks(response.body)) as chunks:
            async for chunk in chunks:
                parts.push(chunk)
                if len(head) < HEAD_BYTES:
                    head += bytes(chunk.subarray(0, HEAD_BYTES - len(head)).to_py())
                loaded += int(chunk.byteLength)
                now = time.monotonic()
                if on_progress is not None and now - last >= min_interval:
                    last = now
                    on_progress(loaded, total)
    except Exception as exc:
        name, message, _ = js_error_parts(exc)
        if model is not None and source == "network" and await _verdict(url) == SHA_MISMATCH:
            raise checksum_problem(model).error(engine=engine) from exc
        raise failed(f"The download of {label} broke off after {loaded:,} bytes: {message}",
                     "The connection dropped; nothing partial is kept.") from exc
    if cancel.cancelled:
        raise failed("")
    if model is None and total and loaded != total:
        raise failed(f"The download of {label} is incomplete: {loaded:,} of {total:,} bytes.",
                     "The connection dropped; nothing partial is kept.")
    if on_progress is not None:
        on_progress(loaded, total or loaded)
    stage(VERIFYING, label)
    blob = js.Blob.new(parts)
    return blob, loaded, head, source, str(headers.get("content-type") or "")
