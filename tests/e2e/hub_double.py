"""A Hugging Face-shaped file server on 127.0.0.1 for the download tests.

``/<org>/<repo>/resolve/<revision>/<file>`` answers like the hub's file storage: Range
(206 + Content-Range), ETag, CORS with the headers exposed, 404 "Entry not found". The tests
send ``https://huggingface.co/...`` (the catalog's real URLs) here with a Playwright route that
answers 302 — as the hub itself redirects downloads to its storage — so the app's real
download code runs at loopback speed (``route.fulfill`` streams about 1 MB/s, measured), and a
connection can really drop mid-body.

Faults, set per file name: ``drop_at`` (close the connection after that byte of the file),
``rate`` (bytes per second), ``missing`` (404). ``log`` holds what each request asked for and
got: ``{"file", "range", "start", "sent", "status", "dropped"}``.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["HubDouble"]

CORS = {"Access-Control-Allow-Origin": "*",
        "Access-Control-Expose-Headers": "Content-Range, ETag, Accept-Ranges, Content-Length"}


class HubDouble:
    def __init__(self, files: dict[str, Path]) -> None:
        self.files = dict(files)
        self.drop_at: dict[str, int] = {}
        self.rate: dict[str, float] = {}
        self.missing: set[str] = set()
        self.log: list[dict] = []
        self.hung_up: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_OPTIONS(self) -> None:
                self.send_response(204)
                for k, v in CORS.items():
                    self.send_header(k, v)
                self.send_header("Access-Control-Allow-Headers", "Range")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self) -> None:
                outer.serve(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.origin = f"http://127.0.0.1:{self.server.server_port}"

    def url(self, repo: str, file: str, revision: str = "main") -> str:
        return f"{self.origin}/{repo}/resolve/{revision}/{file}"

    def redirect(self, route) -> None:
        """A Playwright route handler: the hub's 302 from huggingface.co to its storage."""
        parts = urlsplit(route.request.url)
        route.fulfill(status=302, headers={"Location": f"{self.origin}{parts.path}", **CORS})

    def requests_for(self, file: str) -> list[dict]:
        return [e for e in self.log if e["file"] == file]

    def serve(self, handler) -> None:
        name = unquote(urlsplit(handler.path).path.rsplit("/", 1)[-1])
        entry = {"file": name, "range": handler.headers.get("Range"), "start": 0, "sent": 0,
                 "status": 404, "dropped": False}
        self.log.append(entry)
        path = self.files.get(name)
        if path is None or name in self.missing:
            body = b"Entry not found"
            handler.send_response(404)
            for k, v in {**CORS, "Content-Type": "text/plain",
                         "Content-Length": str(len(body)), "X-Error-Code": "EntryNotFound"
                         }.items():
                handler.send_header(k, v)
            handler.end_headers()
            handler.wfile.write(body)
            return
        size = path.stat().st_size
        start = 0
        rng = handler.headers.get("Range") or ""
        if rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0] or 0)
        entry["start"] = start
        if start >= size:
            entry["status"] = 416
            handler.send_response(416)
            handler.send_header("Content-Range", f"bytes */{size}")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        status = 206 if rng else 200
        entry["status"] = status
        handler.send_response(status)
        headers = {**CORS, "Content-Type": "application/octet-stream", "Accept-Ranges": "bytes",
                   "ETag": f'"{name}-{size}"', "Content-Length": str(size - start),
                   "Connection": "close"}
        if rng:
            headers["Content-Range"] = f"bytes {start}-{size - 1}/{size}"
        for k, v in headers.items():
            handler.send_header(k, v)
        handler.end_headers()
        handler.close_connection = True
        drop = self.drop_at.get(name)
        rate = self.rate.get(name)
        block = 1 << 16 if rate else 1 << 20
        began = time.monotonic()
        try:
            with path.open("rb") as f:
                f.seek(start)
                position = start
                while position < size:
                    n = min(block, size - position)
                    if drop is not None and position < drop <= position + n:
                        n = drop - position
                    data = f.read(n)
                    handler.wfile.write(data)
                    position += len(data)
                    entry["sent"] += len(data)
                    if drop is not None and position >= drop:
                        entry["dropped"] = True
                        handler.wfile.flush()
                        handler.connection.shutdown(2)  # a dropped connection, mid-body
                        return
                    if rate:
                        ahead = entry["sent"] / rate - (time.monotonic() - began)
                        if ahead > 0:
                            time.sleep(ahead)
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.hung_up.append(entry)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
