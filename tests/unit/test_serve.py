"""buildtools.serve: the local server's MIME types and the isolation/caching headers."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from buildtools.serve import MIME_TYPES, SECURITY_HEADERS, serve_in_thread

FILES = {
    "index.html": (b"<!doctype html><title>LocalLoom</title>", "text/html; charset=utf-8"),
    "a.wasm": (b"\0asm\1\0\0\0", "application/wasm"),
    "b.js": (b"export const b = 1;\n", "text/javascript"),
    "c.mjs": (b"export const c = 1;\n", "text/javascript"),
    "d.gguf": (b"GGUF" + bytes(60), "application/octet-stream"),
    "e.json": (b'{"e": 1}', "application/json"),
}
EXPECTED_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    root: Path = tmp_path_factory.mktemp("dist")
    for name, (data, _) in FILES.items():
        (root / name).write_bytes(data)
    server = serve_in_thread(root)
    host, port = server.server_address[:2]
    assert host == "127.0.0.1" and port != 0
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


def get(url: str):
    return urllib.request.urlopen(url, timeout=10)


@pytest.mark.parametrize("name", list(FILES))
def test_each_file_is_served_with_its_bytes_and_content_type(base_url, name):
    data, mime = FILES[name]
    with get(f"{base_url}/{name}") as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == mime
        assert response.read() == data


@pytest.mark.parametrize("name", list(FILES))
def test_each_file_carries_isolation_and_no_cache_headers(base_url, name):
    with get(f"{base_url}/{name}") as response:
        for header, value in EXPECTED_HEADERS.items():
            assert response.headers[header] == value, header


def test_root_serves_index_html(base_url):
    with get(f"{base_url}/") as response:
        assert response.status == 200
        assert response.read() == FILES["index.html"][0]
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_missing_file_is_404_with_the_same_headers(base_url):
    with pytest.raises(urllib.error.HTTPError) as info:
        get(f"{base_url}/missing.js")
    assert info.value.code == 404
    for header, value in EXPECTED_HEADERS.items():
        assert info.value.headers[header] == value, header
    info.value.close()


def test_security_headers_and_mime_table_constants():
    assert {k: v for k, v in EXPECTED_HEADERS.items() if k != "Cache-Control"} == \
        SECURITY_HEADERS
    assert MIME_TYPES[".wasm"] == "application/wasm"
    assert MIME_TYPES[".mjs"] == MIME_TYPES[".js"] == "text/javascript"


def test_server_stops_on_shutdown(tmp_path):
    (tmp_path / "x.json").write_bytes(b"{}")
    server = serve_in_thread(tmp_path)
    url = f"http://127.0.0.1:{server.server_address[1]}/x.json"
    with get(url) as response:
        assert response.status == 200
    server.shutdown()
    server.server_close()
    with pytest.raises(urllib.error.URLError):
        get(url)


@pytest.fixture(scope="module")
def packed(tmp_path_factory):
    """A dist/ whose app.js has .br and .gz copies beside it, and a model that has none."""
    root: Path = tmp_path_factory.mktemp("packed")
    (root / "app.js").write_bytes(b"plain")
    (root / "app.js.br").write_bytes(b"brotli-bytes")
    (root / "app.js.gz").write_bytes(b"gzip-bytes!")
    (root / "m.gguf").write_bytes(b"GGUF" + bytes(60))
    server = serve_in_thread(root)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server
    finally:
        server.shutdown()
        server.server_close()


def sent_after(server, path: str, expected: int) -> int:
    """``server.sent[path]`` once it reaches ``expected`` (the server thread adds a body's
    bytes after it wrote them, which can be after the client read them), or after 5 s."""
    deadline = time.monotonic() + 5
    while server.sent[path] < expected and time.monotonic() < deadline:
        time.sleep(0.01)
    return server.sent[path]


def fetch(url: str, **headers: str):
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10)


@pytest.mark.parametrize(("accept", "encoding", "body"), [
    ("gzip, deflate, br, zstd", "br", b"brotli-bytes"),
    ("gzip", "gzip", b"gzip-bytes!"),
    ("br;q=0, gzip", "gzip", b"gzip-bytes!"),
    ("identity", None, b"plain"),
    ("", None, b"plain"),
])
def test_a_precompressed_copy_is_sent_when_the_request_accepts_it(packed, accept, encoding,
                                                                   body):
    """The .br (else .gz) copy goes out with Content-Encoding, the original's type and length
    of the copy; a client that accepts neither gets the file itself."""
    base, _ = packed
    with fetch(f"{base}/app.js", **{"Accept-Encoding": accept}) as response:
        assert response.headers.get("Content-Encoding") == encoding
        assert response.headers["Content-Type"] == "text/javascript"
        assert response.headers["Vary"] == "Accept-Encoding"
        assert response.headers["Content-Length"] == str(len(body))
        assert response.read() == body


def test_a_precompressed_copy_answers_if_modified_since_with_304(packed):
    """Revalidation (the service worker's install) costs a 304, not the bytes again."""
    base, _ = packed
    with fetch(f"{base}/app.js", **{"Accept-Encoding": "br"}) as response:
        stamp = response.headers["Last-Modified"]
    with pytest.raises(urllib.error.HTTPError) as info:
        fetch(f"{base}/app.js", **{"Accept-Encoding": "br", "If-Modified-Since": stamp})
    assert info.value.code == 304
    info.value.close()


def test_a_model_is_sent_as_is_and_bytes_sent_are_counted(packed):
    """A GGUF has no copies, so it goes out byte for byte; ``server.sent`` counts bodies."""
    base, server = packed
    before = server.sent["/m.gguf"]
    with fetch(f"{base}/m.gguf", **{"Accept-Encoding": "br, gzip"}) as response:
        assert response.headers.get("Content-Encoding") is None
        assert response.read() == b"GGUF" + bytes(60)
    assert sent_after(server, "/m.gguf", before + 64) - before == 64


def test_extra_pages_are_served_from_memory_with_the_same_headers(tmp_path):
    """``extra`` pages (the bench's bare Pyodide page) come with the isolation headers."""
    server = serve_in_thread(tmp_path, extra={"/__bench/x.html": b"<p>x</p>"})
    try:
        with get(f"http://127.0.0.1:{server.server_address[1]}/__bench/x.html") as response:
            assert response.read() == b"<p>x</p>"
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
            assert response.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
    finally:
        server.shutdown()
        server.server_close()


def test_bytes_sent_are_counted_per_path(tmp_path):
    """``server.sent`` adds up each response body by URL path (the bench's first-visit bytes)."""
    (tmp_path / "a.js").write_bytes(b"x" * 300)
    server = serve_in_thread(tmp_path)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        for _ in range(2):
            with get(f"{base}/a.js?v=1") as response:
                response.read()
        assert sent_after(server, "/a.js", 600) == 600
    finally:
        server.shutdown()
        server.server_close()


def test_a_copy_older_than_its_file_is_not_sent(tmp_path):
    """A file replaced after the build (its .br/.gz now stale) goes out as the new file."""
    import os

    (tmp_path / "sw.js").write_bytes(b"new build")
    (tmp_path / "sw.js.br").write_bytes(b"old build, brotli")
    (tmp_path / "sw.js.gz").write_bytes(b"old build, gzip")
    for name in ("sw.js.br", "sw.js.gz"):
        os.utime(tmp_path / name, (1_000_000, 1_000_000))
    server = serve_in_thread(tmp_path)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/sw.js"
        with fetch(url, **{"Accept-Encoding": "br, gzip"}) as response:
            assert response.headers.get("Content-Encoding") is None
            assert response.read() == b"new build"
    finally:
        server.shutdown()
        server.server_close()
