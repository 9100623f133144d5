"""The request's Host header: refused unless it names a host distro serves, and never made into a URL.

A Host header is whatever the client sent. Werkzeug builds its own redirects (a path with a doubled slash,
a rule's missing trailing slash) absolute from it, so `GET /s//x` with `Host: evil.example` was sent to
http://evil.example/s/x, an open redirect and a way to poison a cache. distro's redirects are relative, or
absolute on PUBLIC_BASE_URL, and a request naming any other host than those the settings list is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import NoReturn

from flask import Flask, Request
from werkzeug.routing import RequestRedirect

from distro.errors import problem_response
from distro.urls import host_is_trusted, without_host

# Probes name the address they reach a process at (an orchestrator's pod address), not distro's public host.
# They build no URL and say nothing about any host, so they are answered whatever the Host.
PROBE_PATHS = frozenset({"/healthz", "/readyz"})

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class DistroFlask(Flask):
    """Flask whose own routing redirects are relative: no Location carries the Host header back."""

    def raise_routing_exception(self, request: Request) -> NoReturn:
        """Raise the request's routing error, a redirect made relative first."""
        redirect = request.routing_exception
        if isinstance(redirect, RequestRedirect):
            redirect.new_url = without_host(redirect.new_url)
        super().raise_routing_exception(request)


class TrustedHosts:
    """WSGI middleware in front of everything else (the share redirects too): a request whose Host header names
    none of the trusted hosts gets a 400 problem+json."""

    def __init__(self, next_app: WSGIApp, trusted: Collection[str]) -> None:
        self.next_app = next_app
        self.trusted = trusted

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if host_is_trusted(environ.get("HTTP_HOST", ""), self.trusted) or environ.get("PATH_INFO") in PROBE_PATHS:
            return self.next_app(environ, start_response)
        refused = problem_response(
            400,
            "Bad request",
            "The Host header names a host this server does not answer for (DISTRO_PUBLIC_BASE_URL's host, or one "
            "of DISTRO_TRUSTED_HOSTS).",
            slug="untrusted-host",
        )
        return refused(environ, start_response)
