"""localloom.models.modelfile: the build's model facts and the cheap checks on received bytes."""

from __future__ import annotations

import doctest
import json
import re
from pathlib import Path

import pytest

import localloom.models.modelfile as modelfile
from localloom.errors import ModelDownloadError
from localloom.models.modelfile import (
    GGUF_MAGIC,
    REPLACED_HEADER,
    SHA_MISMATCH,
    SIZE_HEADER,
    SOURCE_HEADER,
    VERDICT_QUERY,
    VERIFIED_HEADER,
    ModelFile,
    build_model,
    check,
    checksum_problem,
    embedded_model,
    parse_models,
)

ROOT = Path(__file__).resolve().parents[2]
SHA = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
MODEL = ModelFile("models/gemma-3-270m-q4_k_m.gguf", 253_113_024, SHA)
GGUF_HEAD = GGUF_MAGIC + b"\x03\x00\x00\x00" + bytes(56)
PORTAL = b"<!doctype html><title>Sign in</title><p>Wi-Fi!</p>\r\n"  # 52 bytes


def _json(models: list[dict], embedded: str) -> str:
    return json.dumps({"models": models, "embedded": embedded})


def test_docstring_examples_run():
    """The module docstring's example is true."""
    assert doctest.testmod(modelfile).failed == 0


def test_parse_models_reads_every_entry_and_the_embedded_url():
    """built.json gives each model's url, size and lower-case sha256, keyed by url."""
    other = {"url": "models/b.gguf", "size": 10, "sha256": "AB" * 32}
    models, embedded = parse_models(_json(
        [{"url": MODEL.url, "size": MODEL.size, "sha256": SHA}, other], MODEL.url))
    assert embedded == MODEL.url
    assert models[MODEL.url] == MODEL
    assert models["models/b.gguf"] == ModelFile("models/b.gguf", 10, "ab" * 32)


def test_parse_models_refuses_an_embedded_url_it_does_not_list():
    """A built.json naming an unlisted embedded model is a build bug, said plainly."""
    with pytest.raises(ValueError, match="not listed"):
        parse_models(_json([], MODEL.url))


def test_model_name_is_the_file_name():
    """``name`` is what messages call the file."""
    assert MODEL.name == "gemma-3-270m-q4_k_m.gguf"


class _Files:
    """Stands in for ``importlib.resources.files`` with a folder holding built.json."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def files(self, package: str) -> Path:
        assert package == "localloom.models"
        return self.folder


def test_embedded_and_build_model_read_the_package_data(tmp_path, monkeypatch):
    """The page's facts come from the built.json the build packs into the wheel."""
    (tmp_path / "built.json").write_text(_json(
        [{"url": MODEL.url, "size": MODEL.size, "sha256": SHA}], MODEL.url))
    monkeypatch.setattr(modelfile, "resources", _Files(tmp_path))
    assert embedded_model() == MODEL
    assert build_model("./models/gemma-3-270m-q4_k_m.gguf") == MODEL
    assert build_model(MODEL.url) == MODEL
    assert build_model("./models/other.gguf") is None


def test_without_package_data_the_error_says_to_build(tmp_path, monkeypatch):
    """Run from a source tree without a build: a clear error, and no facts for any URL."""
    monkeypatch.setattr(modelfile, "resources", _Files(tmp_path))
    with pytest.raises(RuntimeError, match=r"build\.py build"):
        embedded_model()
    assert build_model(MODEL.url) is None


def test_the_whole_model_passes():
    """Exact size and the GGUF magic: nothing to say, whatever the content type."""
    assert check(MODEL, MODEL.size, GGUF_HEAD) is None
    assert check(MODEL, MODEL.size, GGUF_HEAD, "text/html") is None


def test_a_captive_portal_page_is_called_a_web_page_with_its_size():
    """The issue's 52-byte HTML page served with status 200."""
    problem = check(MODEL, len(PORTAL), PORTAL[:64], "text/html; charset=utf-8")
    assert problem.kind == "html"
    assert problem.what == ("The server sent a web page (52 bytes, text/html) instead of the "
                            "model gemma-3-270m-q4_k_m.gguf.")
    assert "captive portal" in problem.cause
    assert "sign in" in problem.fix and "Load the model now" in problem.fix


@pytest.mark.parametrize("head", [b"<html>", b"\xef\xbb\xbf\n  <!DOCTYPE html>", b"<?xml ?>"])
def test_markup_is_a_web_page_even_without_a_content_type(head):
    """A host may send HTML as application/octet-stream (or with no type at all)."""
    assert check(MODEL, 1234, head, "application/octet-stream").kind == "html"
    assert check(MODEL, 1234, head).kind == "html"


def test_a_plain_text_reply_is_called_text():
    """A JSON or plain error body is not a web page, but it is not the model either."""
    problem = check(MODEL, 30, b'{"error": "quota exceeded"}', "application/json")
    assert problem.kind == "text"
    assert "text reply (30 bytes, application/json)" in problem.what
    assert problem.fix == check(MODEL, 52, PORTAL).fix


def test_a_cut_gguf_is_incomplete_with_both_counts():
    """Half the file, chunked (no Content-Length): "incomplete", received of expected."""
    problem = check(MODEL, MODEL.size // 2, GGUF_HEAD)
    assert problem.kind == "short"
    assert problem.what == ("The download of gemma-3-270m-q4_k_m.gguf is incomplete: "
                            "126,556,512 of 253,113,024 bytes (253.1 MB).")
    assert "connection" in problem.fix.lower()


def test_a_longer_gguf_is_another_file():
    """More bytes than the build's file: another model or version on the server."""
    problem = check(MODEL, MODEL.size + 2528, GGUF_HEAD)
    assert problem.kind == "long"
    assert "253,115,552 bytes, not 253,113,024 bytes" in problem.what
    assert "Reload the page" in problem.fix


def test_right_size_without_the_magic_is_not_a_gguf():
    """Binary bytes of the right size that do not start with GGUF."""
    problem = check(MODEL, MODEL.size, b"\x00\x01\x02\x03" + bytes(60))
    assert problem.kind == "not-gguf"
    assert "00 01 02 03, not 47 47 55 46" in problem.what


def test_an_empty_body_is_incomplete():
    """Zero bytes (a server that closes at once) is an incomplete download."""
    assert check(MODEL, 0, b"").kind == "short"


def test_problem_error_is_a_retryable_download_error_with_cause_and_fix():
    """What the page shows: a ModelDownloadError at the download stage naming the engine."""
    error = check(MODEL, 52, PORTAL).error(engine="wllama")
    assert isinstance(error, ModelDownloadError)
    assert error.retryable and error.stage == "download" and error.engine == "wllama"
    assert error.problem == "html"
    assert "storage" not in error.cause


def test_problem_error_from_storage_says_the_copy_was_deleted():
    """Bad bytes that came from Cache Storage: the cause says the stored copy is gone."""
    error = check(MODEL, 52, PORTAL).error(cached=True)
    assert "this browser's storage" in error.cause and "deleted" in error.cause


def test_checksum_problem_names_sha256_and_the_fix():
    """Right size and magic, another sha256 (found by the service worker)."""
    problem = checksum_problem(MODEL)
    assert problem.kind == "sha256"
    assert "sha256" in problem.what and MODEL.name in problem.what
    assert "Load the model now" in problem.fix


def test_the_service_worker_uses_the_same_names():
    """web/sw.js and this module must agree on the headers, query and verdict they share."""
    sw = (ROOT / "web" / "sw.js").read_text()
    names = (VERIFIED_HEADER, SIZE_HEADER, SOURCE_HEADER, REPLACED_HEADER, VERDICT_QUERY,
             SHA_MISMATCH)
    for header in names:
        assert re.search(rf"'{re.escape(header)}'", sw), header
    assert "'localloom-models'" in sw
