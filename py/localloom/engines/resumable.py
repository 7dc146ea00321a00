"""Download a model file with consent-sized progress, cancel and resume (HTTP Range).

Public names: ``fetch_file`` (async), ``AGAIN``; browser only.

    blob = await fetch_file(FileSpec(url, size, sha256), model_id="smollm2-135m",
                            on_progress=lambda got, total: ..., on_stage=lambda s, note: ...,
                            cancel=token)

One ``Range: bytes=<next>-`` request per attempt; the body is cut into parts
(``models.resume``) and each whole part is stored at once (``engines.model_store``), so a
dropped connection, a Cancel or a reload loses at most the part in flight, and the next try
asks the server only for the rest. The bytes reach the engine only after the whole file
passed its checks: the size the catalog allows, the GGUF magic, and the sha256 (the
catalog's when known; else the one computed now is recorded and later checks use it). A file
that fails them is deleted, parts and all; a web page served in its place is refused at its
first bytes, before anything is stored.
``on_stage(kind, note)`` hears where the bytes come from ("cache" or "network") and the load
stages of ``models.loadstate`` it passes through (fetching metadata, downloading, verifying,
the file's name as the note).
"""

from __future__ import annotations

import contextlib
import time
from contextlib import aclosing

from localloom.browser.ffi import abort_signal, js_object, stream_chunks
from localloom.browser.runtime import js_error_parts
from localloom.engine import CancelToken
from localloom.engines import model_store as store
from localloom.errors import GenerationCancelled, ModelDownloadError, StorageQuotaError
from localloom.models.catalog import FileSpec
from localloom.models.loadstate import DOWNLOADING, METADATA, VERIFYING
from localloom.models.modelfile import GGUF_MAGIC, ModelFile, check
from localloom.models.progress import format_bytes
from localloom.models.resume import PART_BYTES, cuts, judge_answer, resume_point

__all__ = ["AGAIN", "fetch_file"]

AGAIN = 'Press "Download" in Models on this device to continue where it stopped.'
HEAD_BYTES = 64


def _quota_error(label: str, need: int, usage: int, quota: int,
                 refused: bool = False) -> StorageQuotaError:
    free = max(0, quota - usage)
    if refused and (not quota or free >= need):  # the estimate promised room it did not give
        what = (f"This browser refused to store more of {label} ({format_bytes(need)} still "
                "to go): its storage for this site is full. Nothing of it was kept.")
    else:
        what = (f"{label} needs {format_bytes(need)} more browser storage; this browser lets "
                f"this site keep {format_bytes(quota)} and {format_bytes(free)} of it is free.")
    return StorageQuotaError(
        what, cause="The browser grants this site too little storage (private windows grant "
                    "little), or other downloads fill it.",
        fix="Delete models you do not use in Models on this device, leave private browsing, "
            "or pick a smaller model.", stage="download", engine="wllama")


def _failed(cancel: CancelToken, what: str, cause: str, fix: str = AGAIN) -> Exception:
    if cancel.cancelled:
        return GenerationCancelled("The model download was cancelled; the parts already "
                                   "downloaded are kept.", stage="download")
    return ModelDownloadError(what, cause=cause, fix=fix, stage="download", engine="wllama")


async def _stored_copy(file: FileSpec, model_id: str):
    """The verified, whole stored copy of ``file`` as one Blob, or None (a damaged one is
    deleted)."""
    import js

    rec = await store.record(file.url)
    if rec is None:
        return None, ""
    size, part_bytes = int(rec.get("size", 0)), int(rec.get("part_bytes", PART_BYTES))
    blobs = await store.part_blobs(file.url, size, part_bytes)
    blob = js.Blob.new(js.Array.of(*blobs)) if blobs else None
    why = ""
    if blob is None or int(blob.size) != size:
        why = "parts of it are missing"
    elif not file.accepts(size):
        why = f"its size {size:,} is not this model's"
    elif file.sha256 and rec.get("sha256") != file.sha256:
        why = "its checksum is not this model's"
    elif bytes((await blob.slice(0, 4).arrayBuffer()).to_bytes()) != GGUF_MAGIC:
        why = "it is not a GGUF file"
    if why:
        await store.delete_file(file.url)
        return None, why
    return blob, ""


async def fetch_file(file: FileSpec, *, model_id: str, on_progress=None, on_stage=None,
                     cancel: CancelToken | None = None, part_bytes: int = PART_BYTES,
                     min_interval: float = 0.1):
    """The checked bytes of ``file`` as a Blob: from storage, or downloaded (resumed)."""
    cancel = cancel or CancelToken()
    label = file.name
    blob, why = await _stored_copy(file, model_id)
    if blob is not None:
        if on_stage:
            on_stage("cache", "")
        if on_progress:
            on_progress(int(blob.size), int(blob.size))
        return blob
    if on_stage:
        on_stage("network", f"A stored copy of {label} was deleted ({why}); it is downloaded "
                            "again." if why else "")
    for _ in range(2):  # a second round only when the file changed under stored parts
        result = await _attempt(file, model_id, label, on_progress, cancel, part_bytes,
                                min_interval, on_stage or _quiet)
        if result is not None:
            return result
    raise _failed(cancel, f"The server keeps changing {label} while it downloads.",
                  "The file on the server is being replaced.", "Try again later.")


def _quiet(stage: str, note: str) -> None:
    """No one listens to the stages."""


async def _attempt(file, model_id, label, on_progress, cancel, part_bytes, min_interval,
                   on_stage):
    import js

    parts = await store.stored_parts(file.url)
    known_total = parts[0].total if parts else (file.size if file.exact else 0)
    nxt, drop = resume_point(parts, total=known_total, etag="", part_bytes=part_bytes)
    await store.delete_parts(file.url, drop)
    kept = [p for p in parts if p.start < nxt]
    usage, quota = await store.estimate()
    need = file.size_range()[1] - nxt
    if quota and quota - usage < need:
        raise _quota_error(label, need, usage, quota)
    if cancel.cancelled:
        raise _failed(cancel, "", "")
    on_stage(METADATA, label)
    try:
        response = await js.fetch(file.url, js_object({
            "headers": {"Range": f"bytes={nxt}-"}, "cache": "no-store",
            "signal": abort_signal(cancel)}))
    except Exception as exc:
        name, message, _ = js_error_parts(exc)
        raise _failed(cancel, f"Could not download {label}: {name}: {message}",
                      "The network is down, the server did not answer, or it does not allow "
                      "this page to download from it (CORS).") from exc
    headers = response.headers
    etag = str(headers.get("etag") or "")
    answer = judge_answer(int(response.status), nxt, range_header=headers.get("content-range"),
                          length_header=headers.get("content-length"), etag=etag,
                          stored_etag=kept[0].etag if kept else "",
                          stored_total=known_total if kept else None)
    if answer.kind == "error":
        with_status = f"Could not download {label}: the server answered {answer.why}."
        if response.status in (401, 403, 404):
            raise _failed(cancel, with_status,
                          "The file is not at this address: a wrong repository or file name, "
                          "or a model that was removed or needs a login.",
                          "Check the address, or pick another model in Models on this "
                          "device. Nothing was stored.")
        raise _failed(cancel, with_status, "The server failed or refused the download.")
    if answer.kind in ("restart", "whole"):
        await store.delete_file(file.url)
        nxt = 0
        if answer.kind == "restart":
            await _cancel_body(response)
            return None
    total = answer.total or (file.size if file.exact else 0)
    ctype = str(headers.get("content-type") or "")
    if total and not file.accepts(total):
        head = await _first_bytes(response)
        problem = check(ModelFile(label, file.size, file.sha256), total, head, ctype)
        raise _failed(cancel, problem.what if problem else
                      f"The server's {label} has {total:,} bytes; this model's file has "
                      f"{file.size:,}.", problem.cause if problem else
                      "The server has another file under this name.",
                      "Pick another model or address. Nothing was stored.")
    on_stage(DOWNLOADING, label)
    return await _receive(file, model_id, label, response, nxt, total, etag, ctype,
                          on_progress, cancel, part_bytes, min_interval, on_stage)


async def _cancel_body(response) -> None:
    with contextlib.suppress(Exception):
        await response.body.cancel()


async def _first_bytes(response) -> bytes:
    try:
        async with aclosing(stream_chunks(response.body)) as chunks:
            async for chunk in chunks:
                return bytes(chunk.subarray(0, HEAD_BYTES).to_py())
    except Exception:
        pass
    return b""


async def _receive(file, model_id, label, response, start, total, etag, ctype, on_progress,
                   cancel, part_bytes, min_interval, on_stage):
    import js

    position, part_start = start, start
    pending = js.Array.new()
    head = b""
    last = 0.0
    try:
        async with aclosing(stream_chunks(response.body)) as chunks:
            async for chunk in chunks:
                n = int(chunk.byteLength)
                if start == 0 and len(head) < HEAD_BYTES:
                    head += bytes(chunk.subarray(0, HEAD_BYTES - len(head)).to_py())
                    if len(head) >= 4 and head[:4] != GGUF_MAGIC:
                        problem = check(ModelFile(label, file.size, file.sha256), total or n,
                                        head, ctype)
                        raise _failed(cancel, problem.what, problem.cause,
                                      "Pick another model or address. Nothing was stored.")
                for offset, size, ends in cuts(position, n, part_bytes=part_bytes):
                    piece = chunk if size == n else chunk.subarray(offset, offset + size)
                    pending.push(piece)
                    position += size
                    if ends or position == total:
                        await _store_part(file, part_start, pending, total, etag, model_id,
                                          label)
                        pending, part_start = js.Array.new(), position
                now = time.monotonic()
                if on_progress is not None and now - last >= min_interval:
                    last = now
                    on_progress(position, total)
    except (ModelDownloadError, StorageQuotaError, GenerationCancelled):
        raise
    except Exception as exc:
        _, message, _ = js_error_parts(exc)
        raise _failed(cancel, f"The download of {label} broke off after "
                      f"{format_bytes(position)}: {message}",
                      f"The connection dropped; {format_bytes(part_start)} of it is kept "
                      "in this browser.") from exc
    if cancel.cancelled:
        raise _failed(cancel, "", "")
    if not total:  # a whole-file answer without a length: the stream's end is the end
        total = position
        if not file.accepts(total):
            await store.delete_file(file.url)
            raise _failed(cancel, f"The file received for {label} has {total:,} bytes, not "
                          f"{file.size:,}.", "The server has another file under this name.",
                          "Pick another model or address. Nothing was stored.")
        await _store_part(file, part_start, pending, total, etag, model_id, label)
    if position < total:
        raise _failed(cancel, f"The download of {label} is incomplete: {position:,} of "
                      f"{total:,} bytes.", f"The connection ended early; "
                      f"{format_bytes(part_start)} of it is kept in this browser.")
    if on_progress is not None:
        on_progress(total, total)
    on_stage(VERIFYING, label)
    return await _verify(file, model_id, label, total, etag, part_bytes)


async def _store_part(file, start, pending, total, etag, model_id, label) -> None:
    try:
        await store.put_part(file.url, start, pending, total, etag, model_id)
    except Exception as exc:
        name, message, _ = js_error_parts(exc)
        if name == "QuotaExceededError":  # free the space the parts took: nothing is kept
            await store.delete_file(file.url)
            usage, quota = await store.estimate()
            raise _quota_error(label, total - start, usage, quota, refused=True) from exc
        raise ModelDownloadError(f"{label} could not be stored in this browser: {name}: "
                                 f"{message}", stage="download", engine="wllama") from exc


async def _verify(file, model_id, label, total, etag, part_bytes):
    """The whole file passed size, magic and sha256: record it and hand it out."""
    import js

    blobs = await store.part_blobs(file.url, total, part_bytes)
    blob = js.Blob.new(js.Array.of(*blobs)) if blobs else None
    if blob is None or int(blob.size) != total:
        await store.delete_file(file.url)
        raise ModelDownloadError(f"Parts of {label} went missing from this browser's storage "
                                 "while it downloaded.", fix="Press Download again.",
                                 stage="download", engine="wllama")
    sha = await store.sha256_of(blobs)
    if file.sha256 and sha != file.sha256:
        await store.delete_file(file.url)
        raise ModelDownloadError(
            f"The download of {label} is not the file the catalog lists: its sha256 "
            "checksum differs.", cause="The server has another version of the model under "
            "this name, or the file was corrupted on the way.",
            fix="Press Download to fetch it again; nothing of it was kept.",
            stage="download", engine="wllama")
    await store.write_record(file.url, size=total, sha256=sha, etag=etag, model_id=model_id,
                             part_bytes=part_bytes, checked=bool(file.sha256))
    return blob
