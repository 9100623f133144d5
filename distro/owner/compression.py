"""The owner app's figure pages sent gzipped: a phone in WeChat on a slow network, and a page budget of 200 KB that
the charts' ECharts (169 KB) and htmx (17 KB) leave 18 KB of; their HTML, Chinese text and numbers, shrinks to a
third.

Only pages that put nothing a stranger could choose next to a secret (each page has the session's CSRF token) are
compressed: a page that echoed a chosen text would let its compressed length tell whether that text matches the
secret (BREACH). These pages echo only numbers their address parsing checked (a shop, a period, a cursor), and their
session cookie is SameSite=Lax, so another site cannot have a signed-in browser fetch them at will anyway.
"""

from __future__ import annotations

import functools
import gzip
from collections.abc import Callable
from typing import ParamSpec

from flask import make_response, request
from werkzeug.wrappers import Response

P = ParamSpec("P")
SMALLEST = 1_000
"""Bytes below which compressing saves less than it costs."""


def gzipped(view: Callable[P, object]) -> Callable[P, Response]:
    """The view's answer gzipped for a browser that takes it (Vary: Accept-Encoding either way)."""

    @functools.wraps(view)
    def compressed(*args: P.args, **kwargs: P.kwargs) -> Response:
        response = make_response(view(*args, **kwargs))
        response.vary.add("Accept-Encoding")
        if (
            "gzip" in request.accept_encodings
            and response.status_code == 200
            and not response.direct_passthrough
            and "Content-Encoding" not in response.headers
            and len(body := response.get_data()) >= SMALLEST
        ):
            response.set_data(gzip.compress(body, compresslevel=6))
            response.headers["Content-Encoding"] = "gzip"
        return response

    return compressed
