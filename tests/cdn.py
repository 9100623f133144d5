"""A supplier's CDN stand-in: a real HTTP server on a loopback address that records what it was asked."""

from __future__ import annotations

import io
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image


def encoded(image: Image.Image, format: str) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format)
    return out.getvalue()


PHOTO = encoded(Image.new("RGB", (120, 90), (30, 140, 90)), "PNG")
WEBP_PHOTO = encoded(Image.new("RGB", (120, 90), (200, 60, 30)), "WEBP")


class CDNServer(ThreadingHTTPServer):
    """Records each request's path in hits and its Host header in hosts; /redirect.png and
    /slow-redirect.png go to redirect_to."""

    daemon_threads = True

    def __init__(self, address: str) -> None:
        super().__init__((address, 0), _Handler)
        self.hits: list[str] = []
        self.hosts: list[str | None] = []
        self.redirect_to = ""

    def url(self, path: str, scheme: str = "http") -> str:
        host, port = self.server_address[:2]
        return f"{scheme}://{host}:{port}{path}"


class _Handler(BaseHTTPRequestHandler):
    """Answers by path: /photo.png, /photo.webp, /page.png (HTML), /huge.png, /trickle.png, /to-ftp.png,
    /redirect.png, /slow-redirect.png; anything else is a 404."""

    server: CDNServer

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
        elif self.path == "/to-ftp.png":
            self._redirect("ftp://127.0.0.1/photo.png")
        elif self.path == "/redirect.png":
            self._redirect(self.server.redirect_to)
        elif self.path == "/slow-redirect.png":
            # Half a second in all, a header every 0.1 s: no single read waits long, the whole answer does.
            self.send_response(302)
            for n in range(5):
                self.flush_headers()
                time.sleep(0.1)
                self.send_header("X-Wait", str(n))
            self._redirect_headers(self.server.redirect_to)
        else:
            self._send(404, "text/plain", b"not found")

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self._redirect_headers(location)

    def _redirect_headers(self, location: str) -> None:
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
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
    # A short poll interval: shutdown() waits for the next poll, and every test ends with one.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
