"""Sign-in pages: sign up with a phone (SMS code) and a password, sign in with phone (or email) and password, set a
new password by SMS code, sign out.

Asking for a code answers the code's status alone to htmx (the button sits beside the phone field), or the whole
form again without JavaScript.
"""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_user, logout_user
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from distro import throttle
from distro.auth import phone_accounts, signins, web_sessions
from distro.auth.access import public
from distro.auth.forms import CODE_FORM, PHONE_FORM, REFUSALS, SIGN_IN_FORM, SIGN_UP_FORM
from distro.auth.models import Role
from distro.auth.phones import CodeSent
from distro.auth.sms import sms_sender
from distro.console.access import CONSOLE_ROLES
from distro.db import get_session
from distro.errors import TooManyRequests, Unavailable, ValidationFailed
from distro.pages import PageUser, form_messages, page_messages, parse_form, wants_fragment

bp = Blueprint("auth_pages", __name__, template_folder="templates")

SMS_DOWN = _l("短信发送失败，请稍后再试")
CODE_PAGES = {"auth_pages.sign_up_code": "auth/signup.html", "auth_pages.reset_code": "auth/reset.html"}
"""Where each code button sits: the page that answers it without JavaScript."""


def _safe_next(target: str, roles: tuple[str, ...] = ()) -> str:
    """Where to go after signing in: a path on distro itself, never another site; else the account's own start
    (the console for an account that works there and owns no shop, the owner app otherwise)."""
    parts = urlsplit(target)
    # A backslash is a slash to some browsers: /\\evil.example would leave distro.
    if target.startswith("/") and "\\" not in target and not target.startswith("//") and not parts.netloc:
        return target
    if Role.SHOP_OWNER.value not in roles and any(role in CONSOLE_ROLES for role in roles):
        return url_for("console.home")
    return url_for("owner.home")


@bp.get("/login")
@public
def login() -> str | Response:
    """The sign-in page (already signed in: straight on)."""
    asked = request.args.get("next", "")
    if current_user.is_authenticated:
        return redirect(_safe_next(asked, current_user.account.roles), 303)
    return render_template(
        "auth/login.html", form={"next": _safe_next(asked) if asked else ""}, errors={}, reset=request.args.get("reset")
    )


@bp.post("/login")
@public
def sign_in() -> Response | tuple:
    """Check phone (or email) and password, start a page session and go on."""
    typed = _typed("login", "next")
    try:
        form = parse_form(SIGN_IN_FORM)
        started = signins.start_page_session(
            session=get_session(),
            login=form["login"],
            password=form["password"],
            secret=str(current_app.config["SECRET_KEY"]),
            days=int(current_app.config["PAGE_SESSION_DAYS"]),
            address=throttle.client_address(),
        )
    except ValidationError as error:
        return render_template("auth/login.html", form=typed, errors=form_messages(error)), 422
    except ValidationFailed as refused:
        if not isinstance(refused, web_sessions.AccountStopped):
            throttle.count_failed_sign_in()
        return render_template("auth/login.html", form=typed, errors=page_messages(refused, REFUSALS)), 422
    return _go_on_signed_in(started, form["next"])


def _go_on_signed_in(started: web_sessions.Started, next_page: str) -> Response:
    session.permanent = True
    login_user(PageUser(started.token, started.user))
    return redirect(_safe_next(next_page, started.user.roles), 303)


def _typed(*names: str) -> dict[str, str]:
    """What the visitor typed into these fields, to show it again (never a password)."""
    return {name: request.form.get(name, "") for name in names}


@bp.errorhandler(RateLimitExceeded)
def too_many_tries(error: RateLimitExceeded) -> tuple:
    """The page again, saying when to try again (429, with Retry-After): in how many minutes for a locked
    sign-in or password reset, in how many seconds for codes asked from this address."""
    wait = throttle.retry_after()
    if request.endpoint in CODE_PAGES:
        return _code_answer(request.endpoint, None, {"phone": [_too_many_codes(wait)]}, 429, wait)
    # Whole minutes to the window's end, rounded up: Retry-After may be a second past it, so as not to be early.
    message = _("尝试次数过多，请 %(minutes)s 分钟后再试", minutes=max(1, math.ceil((wait - 1) / 60)))
    if request.endpoint == "auth_pages.reset_password":
        page = render_template("auth/reset.html", form=_typed("phone"), errors={"code": [message]}, sent=None)
    else:
        page = render_template("auth/login.html", form=_typed("login", "next"), errors={"password": [message]})
    return page, 429, {"Retry-After": str(wait)}


@bp.post("/logout")
@public
def sign_out() -> Response:
    """End this page session on the server and forget it here."""
    if current_user.is_authenticated:
        web_sessions.end(session=get_session(), token=current_user.token)
    logout_user()
    return redirect(url_for("auth_pages.login"), 303)


@bp.get("/signup")
@public
def sign_up_page() -> str | Response:
    """Sign up as a shop owner with a phone, its SMS code and a password (already signed in: straight on)."""
    if current_user.is_authenticated:
        return redirect(url_for("owner.home"), 303)
    return render_template("auth/signup.html", form={"next": request.args.get("next", "")}, errors={}, sent=None)


@bp.post("/signup/code")
@public
def sign_up_code() -> tuple:
    """Text a sign-up code to the phone typed (one a minute, ten a day; codes from one address are limited too)."""
    return _send_code(phone_accounts.send_sign_up_code)


@bp.post("/signup")
@public
def sign_up() -> Response | tuple:
    """Open the account with the phone its code proves and the password, sign it in and go on to open a shop."""
    try:
        form = parse_form(SIGN_UP_FORM)
        started = phone_accounts.sign_up(
            session=get_session(),
            phone=form["phone"],
            code=form["code"],
            password=form["password"],
            display_name=form["display_name"],
            secret=str(current_app.config["SECRET_KEY"]),
            days=int(current_app.config["PAGE_SESSION_DAYS"]),
        )
    except (ValidationError, ValidationFailed) as refused:
        typed = _typed("phone", "code", "display_name", "next")
        return render_template("auth/signup.html", form=typed, errors=_messages(refused), sent=None), 422
    return _go_on_signed_in(started, form["next"] or url_for("owner.new_shop"))


@bp.get("/password/reset")
@public
def reset_page() -> str:
    """Set a new password with a code texted to the account's phone."""
    return render_template("auth/reset.html", form={}, errors={}, sent=None)


@bp.post("/password/reset/code")
@public
def reset_code() -> tuple:
    """Text a code to the phone if an account has it (the answer does not say whether one has)."""
    return _send_code(phone_accounts.send_reset_code)


@bp.post("/password/reset")
@public
def reset_password() -> Response | tuple:
    """Give the account the new password when the code is right, ending its other sign-ins, then sign in anew.

    A wrong code counts against the account and the address as a failed sign-in does (distro.throttle).
    """
    try:
        form = parse_form(CODE_FORM)
        phone_accounts.reset_password(
            session=get_session(),
            phone=form["phone"],
            code=form["code"],
            password=form["password"],
            secret=str(current_app.config["SECRET_KEY"]),
        )
    except (ValidationError, ValidationFailed) as refused:
        if isinstance(refused, ValidationFailed) and any(failure.field == "code" for failure in refused.errors):
            throttle.count_failed_sign_in()
        errors = _messages(refused)
        return render_template("auth/reset.html", form=_typed("phone", "code"), errors=errors, sent=None), 422
    return redirect(url_for("auth_pages.login", reset=1), 303)


def _messages(refused: ValidationError | ValidationFailed) -> dict:
    if isinstance(refused, ValidationError):
        return form_messages(refused)
    return page_messages(refused, REFUSALS)


def _send_code(send) -> tuple:
    """Ask send (a service texting a code) for a code to the phone typed, and answer its status."""
    status, wait, sent, errors = 202, None, None, {}
    try:
        form = parse_form(PHONE_FORM)
        sent = send(
            session=get_session(),
            phone=form["phone"],
            secret=str(current_app.config["SECRET_KEY"]),
            sender=sms_sender(current_app.config),
        )
    except (ValidationError, ValidationFailed) as refused:
        status, errors = 422, _messages(refused)
    except TooManyRequests as refused:
        status, wait, errors = 429, refused.retry_after, {"phone": [_too_many_codes(refused.retry_after)]}
    except Unavailable:
        status, errors = 503, {"phone": [str(SMS_DOWN)]}
    return _code_answer(str(request.endpoint), sent, errors, status, wait)


def _too_many_codes(seconds: int) -> str:
    return _("发送太频繁，请 %(seconds)s 秒后再试", seconds=seconds)


def _code_answer(endpoint: str, sent: CodeSent | None, errors: dict, status: int, wait: int | None) -> tuple:
    headers = {"Retry-After": str(wait)} if wait else {}
    reset = endpoint == "auth_pages.reset_code"
    if wants_fragment():
        return render_template("auth/_code_status.html", sent=sent, errors=errors, reset=reset), status, headers
    typed = _typed("phone", "display_name", "next")
    return render_template(CODE_PAGES[endpoint], form=typed, errors=errors, sent=sent), status, headers
