"""Product images for posters, behind an interface: suppliers keep them on their own CDNs, third parties
distro may not reach (this machine has no internet at all).

Two sources, chosen by PRODUCT_IMAGE_SOURCE:

* ``local``: only images distro holds itself, in VAR_DIR/images and served at /images/<name> (the demo
  products' pictures). The embedded default.
* ``http``: the same local images, and any other http(s) URL on a public address (distro.egress), fetched with
  a short timeout and a size cap, verified with Pillow and cached on disk under VAR_DIR/image-cache, keyed by URL.

Either way an image that cannot be had raises ImageUnavailable; the poster then draws its placeholder.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from cachetools import LRUCache
from PIL import Image, UnidentifiedImageError

from distro.egress import DEFAULT_PORTS, Egress, Refused
from distro.settings import ConfigurationError
from distro.share.poster import IMAGE_FORMATS
from distro.urls import own_image_name

log = logging.getLogger(__name__)

# WebP: many Chinese CDNs answer in it, and Pillow decodes it (tests check the build can).
CONTENT_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}
# 25 megapixels is past any product photo and far below a decompression bomb's size.
MAX_PIXELS = 25_000_000
_CHUNK = 64 * 1024

# Digests of local images this process has verified. A poster answered from its cache still reads its
# picture (the picture is part of the poster's key); decoding it again each time cost more than the rest
# of the request. A replaced picture has a new digest, so it is verified anew.
_verified_local: LRUCache[bytes, bool] = LRUCache(maxsize=4096)


class ImageUnavailable(Exception):
    """The image could not be had: unreachable, too slow, too large, not an image, or not ours to serve."""


class ImageRefused(ImageUnavailable):
    """The image's URL leads somewhere distro will not send a request to (see distro.egress)."""


class ImageSource(Protocol):
    """Gives the bytes of a product image by its URL."""

    def fetch(self, url: str) -> bytes:
        """The image's bytes, a verified PNG, JPEG or WebP; ImageUnavailable otherwise."""
        ...


def verified_image(data: bytes) -> bytes:
    """data when it is a whole PNG, JPEG or WebP of a sane size (decoded by Pillow); ImageUnavailable otherwise."""
    try:
        with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ImageUnavailable(f"image of {image.width}×{image.height} pixels is too large")
            image.verify()  # checksums and structure ...
        with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as image:
            image.load()  # ... and a full decode, which is what catches a truncated JPEG
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageUnavailable(f"not a readable {', '.join(IMAGE_FORMATS)} image: {exc}") from exc
    return data


def write_atomically(path: Path, data: bytes) -> None:
    """Write data to path (making its directory) so that readers, and concurrent writers of the same
    content, never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    partial.write_bytes(data)
    partial.replace(path)  # readers never see half a file


@dataclass(frozen=True)
class LocalImageSource:
    """Images distro holds itself, read from directory: URLs as stored (/images/<name>) or under base_url +
    /images/; nothing else."""

    base_url: str
    directory: Path

    def serves(self, url: str) -> bool:
        """Whether url names one of distro's own images."""
        return own_image_name(url, self.base_url) is not None

    def fetch(self, url: str) -> bytes:
        """The image's bytes from directory."""
        name = own_image_name(url, self.base_url)
        if name is None:
            raise ImageUnavailable(f"{url} is not one of distro's own images")
        path = self.directory / name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ImageUnavailable(f"{url}: {exc}") from exc
        digest = hashlib.sha256(data).digest()
        if digest not in _verified_local:
            verified_image(data)
            _verified_local[digest] = True
        return data


@dataclass(frozen=True)
class HttpImageSource:
    """Fetches images over http(s) and caches them on disk by URL; distro's own images are read locally.

    Requests go through egress, which refuses any address that is not public, on every redirect too, and
    bounds the whole download, headers and body, by timeout_seconds in all (not per read, so a server
    trickling bytes cannot hold a request). A download gets at most max_bytes, and only an image content
    type. A cached copy is used for cache_seconds, then fetched again; when that fetch fails the stale copy
    still serves, unless it was refused.
    """

    cache_dir: Path
    local: LocalImageSource
    egress: Egress = field(default_factory=Egress)
    timeout_seconds: float = 3
    max_bytes: int = 5 * 1024 * 1024
    cache_seconds: float = 86400

    def fetch(self, url: str) -> bytes:
        """The image's bytes, from the disk cache when fresh."""
        if self.local.serves(url):
            return self.local.fetch(url)
        if urlsplit(url).scheme not in DEFAULT_PORTS:
            raise ImageUnavailable(f"{url} is not an http(s) URL")
        path = self.cache_dir / f"{hashlib.sha256(url.encode()).hexdigest()}.img"
        try:
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            age = None
        if age is not None and age < self.cache_seconds:
            return path.read_bytes()
        try:
            data = verified_image(self._download(url))
        except ImageUnavailable as exc:
            # A refusal is no passing outage: a name that now leads inside the network stops serving at once.
            if age is None or isinstance(exc, ImageRefused):
                raise
            log.warning("image %s could not be refreshed, its cached copy serves: %s", url, exc)
            return path.read_bytes()
        write_atomically(path, data)
        return data

    def _download(self, url: str) -> bytes:
        try:
            with self.egress.get(
                url, headers={"Accept": ", ".join(CONTENT_TYPES)}, timeout=self.timeout_seconds
            ) as response:
                if response.status != 200:
                    raise ImageUnavailable(f"{url} answered {response.status} {response.reason}")
                content_type = response.headers.get_content_type()
                if content_type not in CONTENT_TYPES:
                    raise ImageUnavailable(f"{url} is {content_type}, not {', '.join(CONTENT_TYPES)}")
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > self.max_bytes:
                    raise ImageUnavailable(f"{url} is {declared} bytes, more than {self.max_bytes}")
                chunks: list[bytes] = []
                size = 0
                while chunk := response.read1(_CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise ImageUnavailable(f"{url} is more than {self.max_bytes} bytes")
                    chunks.append(chunk)
        except Refused as exc:
            raise ImageRefused(f"{url}: refused: {exc}") from exc
        except (http.client.HTTPException, OSError) as exc:  # refused, reset, timed out, a garbled answer
            raise ImageUnavailable(f"{url}: {exc}") from exc
        return b"".join(chunks)


def local_image_dir(settings: Mapping) -> Path:
    """Where distro keeps the images it serves itself at /images/<name>."""
    return Path(settings["VAR_DIR"]) / "images"


def image_source(settings: Mapping) -> ImageSource:
    """The source named by PRODUCT_IMAGE_SOURCE."""
    local = LocalImageSource(str(settings["PUBLIC_BASE_URL"]), local_image_dir(settings))
    name = settings["PRODUCT_IMAGE_SOURCE"]
    if name == "local":
        return local
    if name == "http":
        return HttpImageSource(
            cache_dir=Path(settings["VAR_DIR"]) / "image-cache",
            local=local,
            timeout_seconds=float(settings["PRODUCT_IMAGE_TIMEOUT_SECONDS"]),
            max_bytes=int(settings["PRODUCT_IMAGE_MAX_BYTES"]),
            cache_seconds=float(settings["PRODUCT_IMAGE_CACHE_SECONDS"]),
        )
    raise ConfigurationError(f"DISTRO_PRODUCT_IMAGE_SOURCE={name!r} is not available; use 'local' or 'http'.")
