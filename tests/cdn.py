"""A supplier's CDN stand-in: a real HTTP server on a loopback address that records what it was asked."""

from __future__ import annotations

import io
import ssl
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import trustme
from PIL import Image


def encoded(image: Image.Image, format: str) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format)
    return out.getvalue()


PHOTO = encoded(Image.new("RGB", (120, 90), (30, 140, 90)), "PNG")
WEBP_PHOTO = encoded(Image.new("RGB", (120, 90), (200, 60, 30)), "WEBP")


def certified(ca: trustme.CA, name: str) -> ssl.SSLContext:
    """A server's TLS context with a certificate for name from ca."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)
    return context


def trusting(ca: trustme.CA) -> ssl.SSLContext:
    """A client's TLS context that trusts ca too."""
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


class CDNServer(ThreadingHTTPServer):
    """Records each request's path in hits and its Host header in hosts; /redirect.png and
    /slow-redirect.png go to redirect_to."""

    daemon_threads = True

    def __init__(self, address: str) -> None:
        super().__init__((address, 0), _Handler)
        self.hits: list[str] = []
        self.hosts: list[str | None] = []
        self.redirect_to = ""
        self.scheme = "http"

    def handle_error(self, request, client_address):
        # A client that stops listening mid-answer, as a deadline makes it, is expected: no traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def url(self, path: str) -> str:
        host, port = self.server_address[:2]
        return f"{self.scheme}://{host}:{port}{path}"


class _Handler(BaseHTTPRequestHandler):
    """Answers by path: /photo.png, /photo.webp, /page.png (HTML), /huge.png, /trickle.png, /slow-headers.png,
    /to-ftp.png, /redirect.png, /slow-redirect.png; anything else is a 404. A POST, its body read, is answered as
    a GET of its path (a webhook receiver's stand-in)."""

    server: CDNServer

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.do_GET()

    def do_GET(self):
        self.server.hits.append(self.path)
        self.server.hosts.append(self.headers.get("Host"))
        if self.path == "/photo.png":
            self._send(200, "image/png", PHOTO)
        elif self.path == "/photo.webp":
            self._send(200, "image/webp", WEBP_PHOTO)
        elif self.path == "/page.png":
            self._send(200, "text/html; charset=utf-8", b"<html>login</html>")
        elif self.path == "/huge.png":
            self._send(200, "image/png", PHOTO + b"\0" * 10_000)
        elif self.path == "/trickle.png":
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            for byte in PHOTO[:200]:  # a byte at a time, slower than any image could be waited for
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.05)
        elif self.path == "/slow-headers.png":
            self._send(200, "image/png", PHOTO, slow_headers=80)  # 8 s of headers, past any test's deadline
        elif self.path == "/to-ftp.png":
            self._redirect("ftp://127.0.0.1/photo.png")
        elif self.path == "/redirect.png":
            self._redirect(self.server.redirect_to)
        elif self.path == "/slow-redirect.png":
            self._redirect(self.server.redirect_to, slow_headers=5)  # half a second
        else:
            self._send(404, "text/plain", b"not found")

    def _start(self, status: int, slow_headers: int) -> None:
        """Sends the status line, then slow_headers headers 0.1 s apart: no single read waits long, the whole
        answer does."""
        self.send_response(status)
        for n in range(slow_headers):
            self.flush_headers()
            time.sleep(0.1)
            self.send_header("X-Wait", str(n))

    def _redirect(self, location: str, slow_headers: int = 0) -> None:
        self._start(302, slow_headers)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: int, content_type: str, body: bytes, slow_headers: int = 0) -> None:
        self._start(status, slow_headers)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def running_cdn(address: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> Iterator[CDNServer]:
    """A CDNServer on address and a free port, serving until the block ends; over TLS when given a context."""
    server = CDNServer(address)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        server.scheme = "https"
    # A short poll interval: shutdown() waits for the next poll, and every test ends with one.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
