"""A loopback HTTP server standing in for phapdien.moj.gov.vn: it serves a Pháp điển ZIP built from ../shared with
an ETag (answering 304 to If-None-Match), or a broken download on demand."""
from __future__ import annotations

import hashlib
import io
import socket
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PATH = "/TraCuuPhapDien/Files/BoPhapDienDienTu.zip"
JSON_DATA = 'var jdChuDe = [{"Value":"8","Text":"Chủ đề số 8: Dân số, Gia đình, Trẻ em và Bình đẳng giới"}];\n'


def demuc_pages(folder: Path) -> dict[str, bytes]:
    """The đề mục pages of a folder by their name in the ZIP (demuc/<uuid>.html)."""
    return {f"demuc/{p.name}": p.read_bytes() for p in sorted(folder.glob("*.html"))}


def build_zip(pages: dict[str, bytes], json_data: str = JSON_DATA) -> bytes:
    """The official ZIP's layout: demuc/<uuid>.html and jsonData.js."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in pages.items():
            archive.writestr(name, data)
        archive.writestr("jsonData.js", json_data)
    return buffer.getvalue()


class _Handler(BaseHTTPRequestHandler):
    """GET PATH: the server's `body` as its `mode` says."""

    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        """Serve, refuse or break the download."""
        site = self.server.site
        site.requests.append(dict(self.headers))
        mode, body = site.mode, site.body
        if self.path != PATH or mode == "404":
            self.send_error(404, "Not Found")
            return
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        if site.etags and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html" if mode == "html" else "application/x-zip-compressed")
        if site.etags:
            self.send_header("ETag", etag)
        if mode != "no-length":
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body[:len(body) // 2] if mode == "truncated" else body)
        self.wfile.flush()
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    """The HTTP server, knowing its site."""

    daemon_threads = True
    site: "PhapdienSite"


class PhapdienSite:
    """The server on 127.0.0.1 (a free port) in a thread; set `body`, `mode` ("ok", "404", "html", "truncated",
    "no-length") and `etags` between requests; `requests` holds each request's headers."""

    def __init__(self, body: bytes = b"") -> None:
        """Not listening until start()."""
        self.body = body
        self.mode = "ok"
        self.etags = True
        self.requests: list[dict[str, str]] = []
        self._server: _Server | None = None

    @property
    def url(self) -> str:
        """The ZIP's address."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}{PATH}"

    def start(self) -> "PhapdienSite":
        """Listen and serve in a daemon thread."""
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.site = self
        threading.Thread(target=self._server.serve_forever, name="phapdien-site", daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def closed_port_url() -> str:
    """An address on loopback where nothing listens: what "no network" looks like to requests."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{PATH}"
