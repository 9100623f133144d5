"""GET /s/<code>: the share redirect, answered in front of Flask's dispatch.

It is the URL every forwarded card, poster and link is clicked through, so it is the hottest one
distro has, and Flask's request, context and response machinery would be most of its cost. So it
is WSGI middleware (app.wsgi_app wrapped, as Flask documents): a code it can resolve gets its 302
here; anything else (another path or method, a code that leads nowhere) goes on to Flask, which
shows its 404 page.

Codes resolve from this process's memory, then Redis, then PostgreSQL (distro.share.resolver), so a link
followed in the last day still redirects while PostgreSQL is down; a code no cache knows then gets Flask's
503 page instead of a redirect.

Bots and link previews are not counted; each visitor counts once an hour as a unique click, known by the
visitor cookie or, without one, by a keyed hash of address and browser (distro.share.codes.identify_visitor);
the click goes to the process's click buffer, never the database, so the redirect still happens when
Redis is down. A person's click leaves a signed referral cookie that binds their next purchase to
the shop for SHARE_BINDING_DAYS (the last click wins).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from flask import Flask
from sqlmodel import Session
from werkzeug.http import dump_cookie, parse_cookie

from distro.outages import POSTGRES_DOWN
from distro.share import services
from distro.share.clicks import ClickBuffer
from distro.share.codes import identify_visitor, is_bot, sign_referral
from distro.share.resolver import LinkResolver
from distro.share.targets import LinkTarget

VISITOR_COOKIE = "distro_vid"
VISITOR_COOKIE_SECONDS = 365 * 86400
REFERRAL_COOKIE = "distro_ref"
UNRESOLVED = "distro.share.unresolved"
"""The environ key under which a code's lookup error goes on to Flask, whose page for /s/<code> raises it."""

PREFIX = "/s/"
# Every follow must reach distro to be counted, so no cache along the way may answer it.
_FIXED_HEADERS = [("Cache-Control", "private, no-store"), ("Content-Length", "0")]

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class ShareRedirects:
    """Middleware answering GET and HEAD /s/<code> for codes that resolve; the rest goes to next_app."""

    def __init__(self, app: Flask, next_app: WSGIApp) -> None:
        self.next_app = next_app
        self.open_session: Callable[[], Session] = lambda: app.extensions["distro.session_factory"]()
        self.clicks: ClickBuffer = app.extensions["distro.clicks"]
        self.targets: LinkResolver = app.extensions["distro.share_targets"]
        self.secret = str(app.config["SECRET_KEY"])
        self.visitor_secret = self.secret.encode()
        self.binding_seconds = int(app.config["SHARE_BINDING_DAYS"]) * 86400

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        method: str = environ.get("REQUEST_METHOD", "")
        if not path.startswith(PREFIX) or method not in ("GET", "HEAD"):
            return self.next_app(environ, start_response)
        code = path[len(PREFIX) :]
        try:
            target = self._resolve(code)
        except POSTGRES_DOWN as error:  # no cache knows the code: Flask answers with its 503 page
            environ[UNRESOLVED] = error
            return self.next_app(environ, start_response)
        if target is None:
            return self.next_app(environ, start_response)
        headers = [("Location", target.path), *_FIXED_HEADERS]
        user_agent = environ.get("HTTP_USER_AGENT")
        if not is_bot(method, user_agent):
            visitor = identify_visitor(
                parse_cookie(environ).get(VISITOR_COOKIE), environ.get("REMOTE_ADDR"), user_agent, self.visitor_secret
            )
            headers.append(("Set-Cookie", _cookie(VISITOR_COOKIE, visitor.cookie, VISITOR_COOKIE_SECONDS)))
            referral = sign_referral(code, self.secret)
            headers.append(("Set-Cookie", _cookie(REFERRAL_COOKIE, referral, self.binding_seconds)))
            self.clicks.add(services.Click(target.link_id, visitor.key, dt.datetime.now(dt.UTC), visitor.also))
        start_response("302 Found", headers)
        return [b""]

    def _resolve(self, code: str) -> LinkTarget | None:
        opened: list[Session] = []

        def open_session() -> Session:
            opened.append(self.open_session())
            return opened[-1]

        try:
            return self.targets.resolve(code, open_session=open_session)
        finally:
            for session in opened:
                session.close()


def _cookie(name: str, value: str, seconds: int) -> str:
    # Max-Age alone, no Expires: the browsers shares open in (WeChat's, Weibo's, mobile Safari and
    # Chrome) all honour it, and formatting an Expires date was most of a cookie's cost.
    return dump_cookie(name, value, max_age=seconds, httponly=True, samesite="Lax", sync_expires=False)
