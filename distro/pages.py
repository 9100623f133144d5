"""What every server-rendered page shares: the signed-in session cookie, CSRF protection of forms, and the
security headers (a Content-Security-Policy the pages satisfy: their one style and one script carry a nonce).

The API authenticates by bearer token and keeps no cookie; only pages open Flask's signed session, where
Flask-Login keeps the page session's token and Flask-WTF its CSRF secret. Every form POST is checked
for the CSRF token; API and webhook blueprints are exempted by the composition root.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Blueprint, Flask, Request, Response, current_app, g, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin
from flask_wtf.csrf import CSRFError, CSRFProtect
from marshmallow import Schema, ValidationError, fields

from distro.api import refuse_unstorable_text
from distro.auth import web_sessions
from distro.db import get_session
from distro.errors import ValidationFailed

SESSION_COOKIE = "distro_session"
# Paths that never read the session: the API and webhooks (bearer tokens, signatures), health checks,
# images and share links (whose redirects are counted outside Flask, at speed).
SESSIONLESS_PREFIXES = ("/api/", "/webhooks/", "/healthz", "/readyz", "/images/", "/s/", "/static/")

_FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')

# Pictures may be the suppliers' own (on their image hosts, over https) besides distro's; everything else is
# distro's. A form posts only to distro (a real payment provider's cashier would be added here), and no page
# may be framed: a page that moves money inside another site's frame is a clickjacking target.
PAGE_POLICY = (
    "default-src 'self'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src 'self' {public} data: https:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)

csrf = CSRFProtect()
login_manager = LoginManager()


class PageUser(UserMixin):
    """The signed-in account as Flask-Login holds it; its id is the page session's token, not the account's."""

    def __init__(self, token: str, account: web_sessions.SignedIn) -> None:
        self.token = token
        self.account = account

    def get_id(self) -> str:
        return self.token

    @property
    def user_id(self) -> int:
        return self.account.user_id


class PageSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, opened only for pages (building its signer costs every API call)."""

    def open_session(self, app: Flask, request: Request):
        if request.path.startswith(SESSIONLESS_PREFIXES):
            return None  # Flask then hands the request a null session, which refuses writes
        return super().open_session(app, request)


@login_manager.user_loader
def _load_signed_in(token: str) -> PageUser | None:
    account = web_sessions.signed_in(get_session(), token)
    return PageUser(token, account) if account is not None else None


def _csrf_refused(error: CSRFError) -> tuple[str, int]:
    return render_template("form_expired.html"), 400


def csp_nonce() -> str:
    """This response's nonce, which the page's inline style and script carry and its policy names."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # The API's own HTML (its docs) keeps the headers its bundle needs; distro's pages get the policy.
    if response.mimetype == "text/html" and not request.path.startswith("/api/"):
        public = str(current_app.config["PUBLIC_BASE_URL"])
        response.headers["Content-Security-Policy"] = PAGE_POLICY.format(nonce=csp_nonce(), public=public)
        response.headers["X-Frame-Options"] = "DENY"  # for browsers older than frame-ancestors
        # An order page's address is its buyer's key: other sites learn at most distro's origin.
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    return response


def init_app(app: Flask) -> None:
    """Give pages their session cookie, the signed-in account, CSRF-checked forms and security headers."""
    days = int(app.config["PAGE_SESSION_DAYS"])
    app.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=str(app.config["PUBLIC_BASE_URL"]).startswith("https://"),
        PERMANENT_SESSION_LIFETIME=dt.timedelta(days=days),
        # A form stays valid as long as the page session: an owner's tab left open overnight still submits.
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.session_interface = PageSessions()
    login_manager.login_view = "auth_pages.login"
    login_manager.login_message = "请先登录"
    login_manager.init_app(app)
    csrf.init_app(app)
    app.register_error_handler(CSRFError, _csrf_refused)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(_security_headers)


class Checkbox(fields.Field):
    """A page form's checkbox: ticked (a browser sends "on", or the box's value) is True, left out is False.

    Not a Boolean: the API's booleans are JSON true or false only (distro/strict_fields.py), and a form never
    sends those.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(load_default=False, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value in ("on", "1", "true"):
            return True
        if value in ("", "0", "false"):
            return False
        raise ValidationError(str(_l("请勾选或不勾选")))


def parse_form(schema: Schema) -> dict:
    """The request's form loaded by schema; ValidationError (Chinese messages) on a field that breaks a rule.

    The CSRF token was checked before the view ran, so it is not one of the form's fields.
    """
    form = request.form.to_dict()
    form.pop("csrf_token", None)
    refuse_unstorable_text(form, "请勿输入特殊字符")
    return schema.load(form)


def field_messages(error: ValidationFailed) -> dict[str, list[str]]:
    """A refusal's messages by field, as a page shows them beside each field."""
    messages: dict[str, list[str]] = {}
    for field_error in error.errors:
        messages.setdefault(field_error.field, []).append(field_error.message)
    return messages


def parse_query(schema: Schema) -> dict:
    """The request's query string loaded by schema (a page's GET form: filters, sorting, paging), as parse_form
    loads a posted one."""
    args = request.args.to_dict()
    refuse_unstorable_text(args, "请勿输入特殊字符")
    return schema.load(args)


def query_or_defaults(schema: Schema) -> tuple[dict, dict[str, list[str]]]:
    """The request's query string loaded by schema (parse_query) and no messages; or, when a value is refused (a
    filter the page does not offer, text the database cannot hold), the schema's defaults and each refused field's
    messages, which the page shows beside the field and answers with a 422."""
    try:
        return parse_query(schema), {}
    except ValidationError as refused:
        return schema.load({}), form_messages(refused)


def form_messages(refused: ValidationError) -> dict[str, list[str]]:
    """A form's refusal by its schema as a page shows it: each field's messages as text, in the request's language
    (a schema's messages may be lazy translations, which marshmallow keeps as they are)."""
    messages: dict[str, list[str]] = {}
    for name, said in refused.normalized_messages().items():
        messages[str(name)] = [str(text) for text in (said if isinstance(said, list) else [said])]
    return messages


def page_messages(refused: ValidationFailed, words: Mapping[str, object]) -> dict[str, list[str]]:
    """A refusal's messages by field in the page's words: each broken rule's text from words, keyed "field.rule"
    or just "rule", else the service's own message. (A page's words are Chinese, the services' English.)"""
    messages: dict[str, list[str]] = {}
    for failure in refused.errors:
        said = words.get(f"{failure.field}.{failure.rule}", words.get(failure.rule, failure.message))
        messages.setdefault(failure.field, []).append(str(said))
    return messages


def wants_fragment() -> bool:
    """Whether htmx asked (the HX-Request header), so the page answers only the fragment that changed."""
    return request.headers.get("HX-Request") == "true"


def csrf_token_in(html: str) -> str | None:
    """The CSRF token of the first form on a page, if it has one: what a program posting a page's form
    (the tests, the chaos drill's buyers) reads, as a browser submits it."""
    found = _FORM_TOKEN.search(html)
    return found.group(1) if found else None


def exempt_from_csrf(blueprints: Iterable[Blueprint]) -> None:
    """Leave these blueprints' requests unchecked for CSRF: they authenticate by token or signature, not cookie."""
    for blueprint in blueprints:
        csrf.exempt(blueprint)
