"""One storage view across engines: what each cache entry belongs to, grouped by model (pure).

Public names: ``Entry``, ``Row``, ``STORES``, ``DOWNLOADS``, ``model_of``, ``group``,
``quota_line``.

The browser side (``engines.model_store``) lists every stored file — LocalLoom's own caches,
wllama's OPFS cache, Transformers.js's ``transformers-cache``, WebLLM's ``webllm/*`` caches —
as ``Entry`` values; this module says which engine and model each belongs to and adds them
up per model::

    >>> url = "https://huggingface.co/onnx-community/m/resolve/main/onnx/model.onnx"
    >>> e = Entry("transformers-cache", url, 10)
    >>> model_of(e)
    ('transformers', 'onnx-community/m')
    >>> [(r.engine, r.model, r.size) for r in group([e, e])]
    [('transformers', 'onnx-community/m', 20)]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from localloom.i18n import _
from localloom.models.progress import format_bytes

__all__ = ["DOWNLOADS", "STORES", "Entry", "Row", "group", "model_of", "quota_line"]

#: Where each engine keeps files: (kind, name) -> engine. "cache" = Cache Storage.
STORES = {
    ("cache", "localloom-models"): "wllama",  # the embedded model, stored by web/sw.js
    ("opfs", "cache"): "wllama",  # wllama's own cache (loadModelFromUrl); LocalLoom skips it
    ("cache", "transformers-cache"): "transformers",
    ("cache", "webllm/model"): "webllm",
    ("cache", "webllm/config"): "webllm",
    ("cache", "webllm/wasm"): "webllm",
    ("idb", "webllm/model"): "webllm",
    ("idb", "webllm/config"): "webllm",
    ("idb", "webllm/wasm"): "webllm",
}
DOWNLOADS = "localloom-file "  # + URL: one cache per downloaded file (wllama's GGUFs)
PART_QUERY = "localloom-part"  # ?localloom-part=<start>: one stored part of a download
RECORD_QUERY = "localloom-file"  # ?localloom-file: the record of a whole, verified download


@dataclass(frozen=True)
class Entry:
    """One stored thing. ``key``: its URL (Cache Storage), name (OPFS) or database (IndexedDB);
    ``size``: bytes, -1 when the browser does not say; ``model``: the model id when the
    store records it; ``verified``: "yes", "no" or "" (not ours to verify)."""

    store: str
    key: str
    size: int
    kind: str = "cache"
    model: str = ""
    verified: str = ""
    last_used: float = 0.0  # ms since the epoch, 0 when unknown


@dataclass
class Row:
    """One model in one engine's storage, with everything stored for it."""

    engine: str
    model: str
    size: int = 0
    entries: list[Entry] = field(default_factory=list)
    state: str = "stored"  # stored, partial (a download to resume), unverified
    last_used: float = 0.0

    @property
    def size_text(self) -> str:
        return format_bytes(self.size) if self.size >= 0 else "size unknown"


def _hf_model(url: str) -> str | None:
    """``org/name`` of a Hugging Face-shaped URL (…/org/name/resolve/rev/path)."""
    parts = urlsplit(url).path.strip("/").split("/")
    if "resolve" in parts:
        i = parts.index("resolve")
        if i >= 2:
            return "/".join(parts[i - 2:i])
    return None


def _stem(name: str) -> str:
    name = name.rsplit("/", 1)[-1].partition("?")[0]
    for suffix in (".gguf", ".wasm", ".json", ".bin", ".onnx"):
        name = name.removesuffix(suffix)
    return name


def model_of(entry: Entry) -> tuple[str, str]:
    """``(engine, model)`` the entry belongs to."""
    engine = STORES.get((entry.kind, entry.store), entry.store)
    if entry.store.startswith(DOWNLOADS):
        engine = "wllama"
    if entry.model:
        return engine, entry.model
    if entry.kind == "idb":
        return engine, f"{entry.key} (IndexedDB)"
    if entry.kind == "opfs":  # wllama names files <hash>_<file name>
        return engine, _stem(entry.key.partition("_")[2] or entry.key)
    if entry.store == "webllm/wasm":
        return engine, _stem(entry.key)
    hf = _hf_model(entry.key)
    if hf:
        return engine, hf
    path = urlsplit(entry.key).path
    if entry.store == "localloom-models" or entry.store.startswith(DOWNLOADS):
        return engine, _stem(path)
    parts = path.strip("/").split("/")
    if "models" in parts[:-2]:  # a local model folder: …/models/<org>/<name>/<files>
        i = parts.index("models")
        return engine, "/".join(parts[i + 1:i + 3])
    return engine, "/".join(parts[-3:-1]) or _stem(path)


def _is_part(entry: Entry) -> bool:
    return PART_QUERY in parse_qs(urlsplit(entry.key).query, keep_blank_values=True)


def group(entries: list[Entry]) -> list[Row]:
    """Rows per (engine, model), biggest first. A LocalLoom download without its verified
    record is "partial" (resumable); a stored copy marked unverified is "unverified"."""
    rows: dict[tuple[str, str], Row] = {}
    for entry in entries:
        engine, model = model_of(entry)
        row = rows.setdefault((engine, model), Row(engine, model))
        row.entries.append(entry)
        row.size = -1 if row.size < 0 or entry.size < 0 else row.size + entry.size
        row.last_used = max(row.last_used, entry.last_used)
    for row in rows.values():
        ours = [e for e in row.entries if e.store.startswith(DOWNLOADS)]
        records = [e for e in ours if not _is_part(e)]
        if ours and not any(e.verified == "yes" for e in records):
            row.state = "partial"
        elif any(e.verified == "no" for e in row.entries):
            row.state = "unverified"
    return sorted(rows.values(), key=lambda r: (-r.size, r.engine, r.model))


def quota_line(rows: list[Row], usage: int, quota: int) -> str:
    """"Models: 351.5 MB. This site uses 380.2 MB of the 2.1 GB the browser allows (18%)."."""
    models = sum(r.size for r in rows if r.size > 0)
    line = _("Models: {size}.").format(size=format_bytes(models))
    if quota > 0:
        line += " " + _("This site uses {usage} of the {quota} the browser allows ({share}); "
                        "{free} free.").format(usage=format_bytes(usage),
                                               quota=format_bytes(quota),
                                               share=f"{usage / quota:.0%}",
                                               free=format_bytes(max(0, quota - usage)))
    return line
