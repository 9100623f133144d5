"""distro's own static files (the pages' stylesheet, the vendored htmx and ECharts), served by distro itself.

No page loads anything from another origin (WeChat in China, no CDN), so the files are in distro/static, and
third-party ones under static/vendor with their licences (static/vendor/README.md). A page links a file by
asset_url(), which puts a digest of its content in the URL: such a request may be cached for a year, since a
changed file gets a new URL. Text files are sent gzipped to a browser that takes it, compressed once per
process.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Flask, Response, request, url_for
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.access import public

STATIC_ROOT = Path(__file__).parent / "static"
YEAR = 365 * 24 * 3600
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
DIGEST_LENGTH = 12
"""Hex digits of the content's SHA-256 in an asset's URL."""

bp = Blueprint("assets", __name__)


@dataclass(frozen=True)
class Asset:
    """A static file as it is sent: its bytes, gzipped when that pays, its digest and type."""

    body: bytes
    gzipped: bytes | None
    digest: str
    mimetype: str


@lru_cache(maxsize=128)
def _load(path: Path, modified_ns: int) -> Asset:
    # Keyed by modification time too, so an edited file (in development) is read again.
    body = path.read_bytes()
    mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    packed = gzip.compress(body, compresslevel=9, mtime=0) if mimetype.startswith(COMPRESSIBLE) else None
    digest = hashlib.sha256(body).hexdigest()[:DIGEST_LENGTH]
    return Asset(body, packed if packed is not None and len(packed) < len(body) else None, digest, mimetype)


def load_asset(name: str) -> Asset:
    """The static file at name (a path under distro/static); werkzeug's NotFound when there is none."""
    joined = safe_join(str(STATIC_ROOT), name)
    path = Path(joined) if joined else None
    if path is None or not path.is_file():
        raise NotFound()
    return _load(path, path.stat().st_mtime_ns)


def asset_url(name: str) -> str:
    """The URL of a static file, its content's digest in it (so it may be cached for good)."""
    return url_for("assets.static", filename=name, v=load_asset(name).digest)


@bp.get("/static/<path:filename>")
@public
def static(filename: str) -> BaseResponse:
    """A static file: cached for a year when its URL names its current digest, revalidated otherwise."""
    asset = load_asset(filename)
    packed = asset.gzipped is not None and "gzip" in request.accept_encodings
    response = Response(asset.gzipped if packed else asset.body, mimetype=asset.mimetype)
    if packed:
        response.headers["Content-Encoding"] = "gzip"
    if asset.gzipped is not None:
        response.vary.add("Accept-Encoding")
    response.set_etag(asset.digest + ("-gz" if packed else ""))
    if request.args.get("v") == asset.digest:
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    """Serve distro/static and give templates asset_url()."""
    app.register_blueprint(bp)
    app.jinja_env.globals["asset_url"] = asset_url
