"""Serve dist/ on 127.0.0.1 with the headers the app needs.

Public names: ``make_server``, ``serve_forever``, ``MIME_TYPES``, ``SECURITY_HEADERS``.

COOP/COEP make the page cross-origin isolated, which wllama's threaded wasm (shared memory)
requires; ``Cache-Control: no-cache`` lets the service worker see a new build at once (it
revalidates: an unchanged file costs a 304, not its bytes).

A file with a pre-compressed copy beside it (``x.br``, ``x.gz``: ``buildtools.compress``) is
sent as that copy with ``Content-Encoding`` when the request accepts it, ``Vary:
Accept-Encoding`` always, and the original's type and Last-Modified; a copy older than its
file (the file was replaced after the build) is ignored. ``sent`` counts the bytes
of every response body, as they went over the wire (``build.py bench`` reads it). The
Content-Security-Policy and Referrer-Policy are the build's (``dist/_headers``, written from
``localloom.csp``), so this server and a static host that reads ``_headers`` send the same.
"""

from __future__ import annotations

import contextlib
import email.utils
import functools
import http.server
import io
import os
import threading
from collections import Counter
from pathlib import Path
from typing import ClassVar

from .compress import variants

__all__ = ["MIME_TYPES", "SECURITY_HEADERS", "make_server", "serve_forever", "serve_in_thread",
           "site_headers"]

MIME_TYPES = {
    ".wasm": "application/wasm",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".css": "text/css",
    ".html": "text/html; charset=utf-8",
    ".py": "text/x-python; charset=utf-8",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".gguf": "application/octet-stream",
    ".svg": "image/svg+xml",
}

SECURITY_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def _accepted(header: str) -> set[str]:
    """Encodings an Accept-Encoding header accepts (q=0 refuses)."""
    accepted = set()
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name and params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            accepted.add(name.strip().lower())
    return accepted


def site_headers(directory: Path) -> dict[str, str]:
    """``SECURITY_HEADERS`` plus the ``/*`` block of ``directory/_headers`` (the build's CSP,
    Referrer-Policy), in the format static hosts read."""
    headers = dict(SECURITY_HEADERS)
    path = directory / "_headers"
    if path.exists():
        block = ""
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line[0].isspace():
                block = line.strip()
            elif block == "/*" and ":" in line:
                name, value = line.strip().split(":", 1)
                headers[name.strip()] = value.strip()
    return headers


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}
    quiet = False
    sent: Counter  # URL path -> body bytes sent (set per server by make_server)
    extra: ClassVar[dict[str, bytes]] = {}  # URL path -> a file served from memory
    headers_to_send: ClassVar[dict[str, str]] = SECURITY_HEADERS

    def end_headers(self) -> None:
        for name, value in self.headers_to_send.items():
            self.send_header(name, value)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Vary", "Accept-Encoding")
        super().end_headers()

    def send_head(self):
        if (page := self.extra.get(self.path.split("?", 1)[0])) is not None:
            self.send_response(http.HTTPStatus.OK)
            self.send_header("Content-Type", self.guess_type(self.path.split("?", 1)[0]))
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            return io.BytesIO(page)
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().send_head()  # the redirect to "dir/"
            path = path / "index.html"
        if path.is_file():
            accepted = _accepted(self.headers.get("Accept-Encoding", ""))
            mtime = path.stat().st_mtime
            for encoding, copy in variants(path).items():
                # a copy older than its file is stale (the file was replaced since): skip it
                if encoding in accepted and copy.is_file() and copy.stat().st_mtime >= mtime:
                    return self._send_copy(path, copy, encoding)
        return super().send_head()

    def _send_copy(self, original: Path, copy: Path, encoding: str):
        """Send ``copy`` (the pre-compressed ``original``) with Content-Encoding."""
        mtime = int(original.stat().st_mtime)
        since = self.headers.get("If-Modified-Since")
        if since and "If-None-Match" not in self.headers:
            with contextlib.suppress(TypeError, ValueError, IndexError, OverflowError):
                if email.utils.parsedate_to_datetime(since).timestamp() >= mtime:
                    self.send_response(http.HTTPStatus.NOT_MODIFIED)
                    self.end_headers()
                    return None
        handle = copy.open("rb")
        self.send_response(http.HTTPStatus.OK)
        self.send_header("Content-Type", self.guess_type(str(original)))
        self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(os.fstat(handle.fileno()).st_size))
        self.send_header("Last-Modified", self.date_time_string(mtime))
        self.end_headers()
        return handle

    def log_message(self, format: str, *args) -> None:
        if not self.quiet:
            super().log_message(format, *args)

    def copyfile(self, source, outputfile) -> None:
        start = source.tell()
        # The page may abort a download (Cancel, reload): not a server error.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().copyfile(source, outputfile)
        self.sent[self.path.split("?", 1)[0]] += source.tell() - start


def make_server(directory: Path, host: str = "127.0.0.1", port: int = 8000,
                quiet: bool = False, extra: dict[str, bytes] | None = None,
                ) -> http.server.ThreadingHTTPServer:
    """A server for ``directory``; ``extra`` maps URL paths to files held in memory."""
    handler = type("Handler", (_Handler,), {"quiet": quiet, "sent": Counter(),
                                            "extra": dict(extra or {}),
                                            "headers_to_send": site_headers(directory)})
    server = http.server.ThreadingHTTPServer(
        (host, port), functools.partial(handler, directory=str(directory)))
    server.daemon_threads = True
    server.sent = handler.sent  # type: ignore[attr-defined]
    return server


def serve_forever(directory: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    server = make_server(directory, host, port)
    print(f"LocalLoom is served at http://{host}:{server.server_port}/  (Ctrl+C stops)",
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def serve_in_thread(directory: Path, port: int = 0, extra: dict[str, bytes] | None = None,
                    ) -> http.server.ThreadingHTTPServer:
    """Start a quiet server on a free port in a daemon thread (tests and bench)."""
    server = make_server(directory, port=port, quiet=True, extra=extra)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
