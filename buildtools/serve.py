"""Serve dist/ on 127.0.0.1 with the headers the app needs.

Public names: ``make_server``, ``serve_forever``, ``MIME_TYPES``, ``SECURITY_HEADERS``.

COOP/COEP make the page cross-origin isolated, which wllama's threaded wasm (shared memory)
requires; ``Cache-Control: no-cache`` lets the service worker see a new build at once.
``sent`` counts the bytes of every response body, as they went over the wire (``build.py
bench`` reads it).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import threading
from collections import Counter
from pathlib import Path
from typing import ClassVar

__all__ = ["MIME_TYPES", "SECURITY_HEADERS", "make_server", "serve_forever", "serve_in_thread"]

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


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}
    quiet = False
    sent: Counter  # URL path -> body bytes sent (set per server by make_server)
    extra: ClassVar[dict[str, bytes]] = {}  # URL path -> an HTML page served from memory

    def end_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def send_head(self):
        if (page := self.extra.get(self.path.split("?", 1)[0])) is not None:
            self.send_response(http.HTTPStatus.OK)
            self.send_header("Content-Type", MIME_TYPES[".html"])
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            return io.BytesIO(page)
        return super().send_head()

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
    """A server for ``directory``; ``extra`` maps URL paths to HTML pages held in memory."""
    handler = type("Handler", (_Handler,), {"quiet": quiet, "sent": Counter(),
                                            "extra": dict(extra or {})})
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
