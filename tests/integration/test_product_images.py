"""The http image source against a real HTTP server on this machine (a supplier's CDN stand-in)."""

import io
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from distro.share.images import HttpImageSource, ImageUnavailable, LocalImageSource

PNG = io.BytesIO()
Image.new("RGB", (120, 90), (30, 140, 90)).save(PNG, format="PNG")
PHOTO = PNG.getvalue()


class CDN(BaseHTTPRequestHandler):
    """Answers by path: /photo.png, /page.png (HTML), /huge.png, /trickle.png, /to-ftp.png, /missing.png."""

    hits: list[str] = []  # noqa: RUF012 - shared on purpose: the test reads what the server saw

    def do_GET(self):
        type(self).hits.append(self.path)
        if self.path == "/photo.png":
            self._send(200, "image/png", PHOTO)
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
            self.send_response(302)
            self.send_header("Location", "ftp://127.0.0.1/photo.png")
            self.end_headers()
        else:
            self._send(404, "text/plain", b"not found")

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def cdn() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), CDN)
    server.daemon_threads = True
    CDN.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def url(server: ThreadingHTTPServer, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def source(tmp_path: Path, **overrides) -> HttpImageSource:
    values = {"timeout_seconds": 2.0, "max_bytes": len(PHOTO) + 1_000, "cache_seconds": 3600.0, **overrides}
    return HttpImageSource(tmp_path / "cache", LocalImageSource("http://distro.test", tmp_path / "images"), **values)


def test_an_image_is_fetched_once_and_then_served_from_the_disk_cache(cdn, tmp_path):
    images = source(tmp_path)
    assert images.fetch(url(cdn, "/photo.png")) == PHOTO
    assert images.fetch(url(cdn, "/photo.png")) == PHOTO
    assert CDN.hits == ["/photo.png"]
    assert [path.read_bytes() for path in (tmp_path / "cache").iterdir()] == [PHOTO]


def test_a_stale_copy_is_fetched_again_and_still_serves_when_the_cdn_is_gone(cdn, tmp_path):
    images = source(tmp_path, cache_seconds=0)
    photo = url(cdn, "/photo.png")
    assert images.fetch(photo) == PHOTO
    assert images.fetch(photo) == PHOTO
    assert CDN.hits == ["/photo.png", "/photo.png"]
    cdn.shutdown()
    cdn.server_close()
    assert images.fetch(photo) == PHOTO


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/page.png", "text/html"),
        ("/huge.png", "bytes"),
        ("/trickle.png", "took more than"),
        ("/to-ftp.png", "non-http"),
        ("/missing.png", "404"),
    ],
    ids=["not-an-image-type", "over-the-size-cap", "too-slow", "redirect-off-http", "not-found"],
)
def test_what_is_not_a_small_image_served_in_time_is_unavailable_and_not_cached(cdn, tmp_path, path, reason):
    images = source(tmp_path, timeout_seconds=0.5)
    with pytest.raises(ImageUnavailable, match=reason):
        images.fetch(url(cdn, path))
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").iterdir())


def test_an_unreachable_cdn_is_unavailable(tmp_path):
    with pytest.raises(ImageUnavailable):
        source(tmp_path).fetch("http://127.0.0.1:9/photo.png")


def test_distros_own_images_are_read_from_disk_without_a_request(cdn, tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "demo-01.png").write_bytes(PHOTO)
    assert source(tmp_path).fetch("http://distro.test/images/demo-01.png") == PHOTO
    assert CDN.hits == []
