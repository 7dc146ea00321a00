"""Serve dist/ on 127.0.0.1 with the headers the app needs.

Public names: ``make_server``, ``serve_forever``, ``MIME_TYPES``, ``SECURITY_HEADERS``.

COOP/COEP make the page cross-origin isolated, which wllama's threaded wasm (shared memory)
requires; ``Cache-Control: no-cache`` lets the service worker see a new build at once. The
Content-Security-Policy and Referrer-Policy are the build's (``dist/_headers``, written from
``localloom.csp``), so this server and a static host that reads ``_headers`` send the same.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from pathlib import Path
from typing import ClassVar

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
    headers_to_send: ClassVar[dict[str, str]] = SECURITY_HEADERS

    def end_headers(self) -> None:
        for name, value in self.headers_to_send.items():
            self.send_header(name, value)
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:
        if not self.quiet:
            super().log_message(format, *args)

    def copyfile(self, source, outputfile) -> None:
        # The page may abort a download (Cancel, reload): not a server error.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().copyfile(source, outputfile)


def make_server(directory: Path, host: str = "127.0.0.1", port: int = 8000,
                quiet: bool = False) -> http.server.ThreadingHTTPServer:
    handler = type("Handler", (_Handler,), {"quiet": quiet,
                                            "headers_to_send": site_headers(directory)})
    server = http.server.ThreadingHTTPServer(
        (host, port), functools.partial(handler, directory=str(directory)))
    server.daemon_threads = True
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


def serve_in_thread(directory: Path, port: int = 0) -> http.server.ThreadingHTTPServer:
    """Start a quiet server on a free port in a daemon thread (tests and bench)."""
    server = make_server(directory, port=port, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
