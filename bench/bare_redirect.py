"""The baseline for the share redirect: a WSGI app that answers every request with a 302, nothing else."""

from __future__ import annotations

_HEADERS = [("Location", "/shop/bench"), ("Content-Length", "0")]


def app(environ, start_response):
    """Redirect to a fixed path."""
    start_response("302 Found", _HEADERS)
    return [b""]
