"""Signed-in HTTP for the page benchmarks: a page session's cookie got as a browser gets it, an API bearer token,
and GETs timed one after another over one keep-alive connection to the production web server."""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.parse
from typing import Any

from tests.factories import PASSWORD


def request(connection: http.client.HTTPConnection, method: str, path: str, **options) -> tuple[int, Any, bytes]:
    """The status, headers (names in any case) and body of one request."""
    connection.request(method, path, **options)
    response = connection.getresponse()
    return response.status, response.msg, response.read()


def page_cookie(port: int, email: str) -> str:
    """The page session's cookie of the owner signed in on /login as a browser does (its form and CSRF token)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    _, headers, body = request(connection, "GET", "/login")
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(rb'name="csrf_token" value="([^"]+)"', body).group(1).decode()  # type: ignore[union-attr]
    form = urllib.parse.urlencode({"login": email, "password": PASSWORD, "csrf_token": token})
    status, headers, body = request(
        connection,
        "POST",
        "/login",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    connection.close()
    if status != 303:
        raise RuntimeError(f"page sign-in failed: {status} {body[:200]!r}")
    return headers["Set-Cookie"].split(";", 1)[0]


def bearer(port: int, email: str) -> str:
    """The Authorization header of the account signed in by the API's password grant."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"grant_type": "password", "email": email, "password": PASSWORD})
    status, _, answer = request(
        connection, "POST", "/api/v1/auth/token", body=body, headers={"Content-Type": "application/json"}
    )
    connection.close()
    if status != 200:
        raise RuntimeError(f"token failed: {status} {answer[:200]!r}")
    return f"Bearer {json.loads(answer)['access_token']}"


def timed(port: int, paths: tuple[str, ...], headers: dict[str, str], rounds: int, expect: bytes) -> list[float]:
    """Milliseconds per round of GETs of paths (one after the other) over one keep-alive connection, each sent
    after the last answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for path in paths:
            status, _, body = request(connection, "GET", path, headers=headers)
            if status != 200 or expect not in body:
                raise RuntimeError(f"{path}: {status} {body[:300]!r}")
        samples.append((time.perf_counter() - start) * 1000)
    connection.close()
    return samples
