"""What the build knows about each shipped model file, and the cheap checks on its bytes.

Public names: ``ModelFile``, ``Problem``, ``check``, ``checksum_problem``, ``embedded_model``,
``build_model``, ``parse_models``, ``engine_urls``, ``GGUF_MAGIC``, ``MODELS_JSON``, and the
names shared with web/sw.js: ``VERIFIED_HEADER``, ``SIZE_HEADER``, ``SOURCE_HEADER``,
``REPLACED_HEADER``, ``VERDICT_QUERY``, ``SHA_MISMATCH``.

The build (``buildtools/dist.py``) is the one source of each model's URL, size and sha256: it
writes them into ``dist/precache.json`` (read by the service worker) and into this package as
``built.json`` (read here). The service worker checks the full sha256 once, when it stores a
download, and marks the stored copy with ``VERIFIED_HEADER``; every load then checks only the
cheap facts — exact size and the GGUF magic — before the bytes reach the engine::

    >>> model = ModelFile("models/m.gguf", size=8, sha256="ab" * 32)
    >>> check(model, 8, b"GGUF\\x03\\0\\0\\0") is None
    True
    >>> check(model, 52, b"<!doctype html><p>Sign in to the Wi-Fi</p>").kind
    'html'
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from localloom.errors import ModelDownloadError
from localloom.models.progress import format_bytes

__all__ = [
    "GGUF_MAGIC",
    "MODELS_JSON",
    "REPLACED_HEADER",
    "SHA_MISMATCH",
    "SIZE_HEADER",
    "SOURCE_HEADER",
    "VERDICT_QUERY",
    "VERIFIED_HEADER",
    "ModelFile",
    "Problem",
    "build_model",
    "check",
    "checksum_problem",
    "embedded_model",
    "engine_urls",
    "parse_models",
]

GGUF_MAGIC = b"GGUF"
MODELS_JSON = "built.json"  # package data written by the build: the models this build ships
# Shared with web/sw.js (keep the names in step).
VERIFIED_HEADER = "X-LocalLoom-Verified"  # sha256 the service worker checked before storing
SIZE_HEADER = "X-LocalLoom-Size"  # byte count of the stored copy
SOURCE_HEADER = "X-LocalLoom-Source"  # "cache" or "network", set by the service worker
REPLACED_HEADER = "X-LocalLoom-Replaced"  # why the worker deleted a stored copy first
VERDICT_QUERY = "localloom-verdict"  # model URL + ?this: why the worker refused a download
SHA_MISMATCH = "sha256 mismatch"  # the worker's verdict for right size and magic, wrong hash

_NOT_THE_FILE = ("A Wi-Fi sign-in page (captive portal), a proxy, or a web host that answers a "
                 "missing file with its home page.")
_AGAIN = 'press "Load the model now" or Generate again. Nothing was stored in this browser.'
_FIXES = {
    "html": "If this network needs a sign-in (hotel, airport or café Wi-Fi), open any web page "
            "and sign in; if you host LocalLoom, make sure the server sends the model file. "
            "Then " + _AGAIN,
    "short": "Check the connection, then " + _AGAIN,
    "mismatch": "Reload the page to get the app version that matches the server's model (or "
                "put the right file on the server), then " + _AGAIN,
}


@dataclass(frozen=True)
class ModelFile:
    url: str  # relative to the site root, e.g. "models/gemma-3-270m-q4_k_m.gguf"
    size: int
    sha256: str

    @property
    def name(self) -> str:
        return self.url.rsplit("/", 1)[-1]


def parse_models(text: str) -> tuple[dict[str, ModelFile], str]:
    """``(models by url, url of the embedded model)`` from the build's ``built.json``."""
    data = json.loads(text)
    models = {m["url"]: ModelFile(m["url"], int(m["size"]), str(m["sha256"]).lower())
              for m in data["models"]}
    embedded = data["embedded"]
    if embedded not in models:
        raise ValueError(f"built.json: the embedded model {embedded!r} is not listed")
    return models, embedded


def _build_models() -> tuple[dict[str, ModelFile], str]:
    try:
        text = resources.files(__package__).joinpath(MODELS_JSON).read_text()
    except FileNotFoundError as exc:
        raise RuntimeError(f"localloom/models/{MODELS_JSON} is missing: it is written by the "
                           "build; run `python build.py build`.") from exc
    return parse_models(text)


def embedded_model() -> ModelFile:
    """The model that ships with the app, as this build wrote it into the package."""
    models, embedded = _build_models()
    return models[embedded]


def engine_urls(name: str) -> dict[str, str]:
    """This build's URLs of an engine's files (``{"module": …, "wasm": …}``), relative to the
    page; {} when the build did not say. Their folder is named by their content, so a new
    engine version is a new URL that no cache can answer with the old bytes."""
    try:
        text = resources.files(__package__).joinpath(MODELS_JSON).read_text()
    except FileNotFoundError:
        return {}
    return {k: f"./{v}" for k, v in json.loads(text).get("engines", {}).get(name, {}).items()}


def build_model(url: str) -> ModelFile | None:
    """The build's facts for the model at ``url`` (``./models/x.gguf``); None if unlisted."""
    try:
        models, _ = _build_models()
    except RuntimeError:
        return None
    return models.get(url.removeprefix("./"))


@dataclass(frozen=True)
class Problem:
    """Why received bytes are not the model.

    ``kind``: html, text (a web page or other text reply), short, long, not-gguf, sha256.
    """

    kind: str
    what: str
    cause: str

    @property
    def fix(self) -> str:
        return _FIXES.get("html" if self.kind == "text" else self.kind, _FIXES["mismatch"])

    def error(self, *, engine: str = "", cached: bool = False) -> ModelDownloadError:
        """The error the user sees; ``cached``: the bytes came from this browser's storage."""
        cause = self.cause
        if cached:
            cause += (" This copy came from this browser's storage, which was damaged or "
                      "altered; it was deleted.")
        error = ModelDownloadError(self.what, cause=cause, fix=self.fix, stage="download",
                                   engine=engine)
        error.problem = self.kind
        return error


def checksum_problem(model: ModelFile) -> Problem:
    """The service worker found the right size and magic but another sha256."""
    return Problem(
        "sha256", f"The download of {model.name} is not the file this app was built with: "
        "its sha256 checksum differs.",
        "The server has another version of the model under the same name, or the file was "
        "corrupted on the way.")


def _looks_like(head: bytes, prefix: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:64].lower().startswith(prefix)


def _looks_like_text(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:64]
    return bool(start) and all(32 <= b < 127 or b in b"\t\r\n" for b in start)


def check(model: ModelFile, size: int, head: bytes, content_type: str = "") -> Problem | None:
    """None when ``size`` bytes starting with ``head`` can be the model; else the problem."""
    if size == model.size and head[:4] == GGUF_MAGIC:
        return None
    got, want = f"{size:,} bytes", f"{model.size:,} bytes ({format_bytes(model.size)})"
    kind = f", {content_type.split(';')[0].strip()}" if content_type else ""
    if "html" in content_type.lower() or (head[:4] != GGUF_MAGIC and _looks_like(head, b"<")):
        return Problem(
            "html", f"The server sent a web page ({got}{kind}) instead of the model "
            f"{model.name}.", _NOT_THE_FILE)
    if head[:4] != GGUF_MAGIC and _looks_like_text(head):
        return Problem(
            "text", f"The server sent a text reply ({got}{kind}) instead of the model "
            f"{model.name}.", _NOT_THE_FILE)
    if size < model.size:
        return Problem(
            "short", f"The download of {model.name} is incomplete: {size:,} of {want}.",
            "The connection ended before the whole file arrived.")
    if size > model.size:
        return Problem(
            "long", f"The file received for {model.name} has {got}, not {want}.",
            "The server has a different file (another model or version) than this app "
            "expects.")
    return Problem(
        "not-gguf", f"The file received for {model.name} is not a GGUF model (it starts "
        f"with {head[:4].hex(' ')}, not {GGUF_MAGIC.hex(' ')}).",
        "The server sent another kind of file under the model's name.")
