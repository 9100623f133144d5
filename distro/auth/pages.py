"""Sign-in pages: sign in with phone (or email) and password, sign out."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_user, logout_user
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from distro import throttle
from distro.auth import signins, web_sessions
from distro.auth.access import public
from distro.auth.schemas import SignInFormSchema
from distro.db import get_session
from distro.errors import ValidationFailed
from distro.pages import PageUser, field_messages, parse_form

bp = Blueprint("auth_pages", __name__, template_folder="templates")

TOO_MANY_TRIES = "尝试次数过多，请 {minutes} 分钟后再试"
SIGN_IN_FORM = SignInFormSchema()


def _safe_next(target: str) -> str:
    """Where to go after signing in: a path on distro itself, never another site."""
    parts = urlsplit(target)
    # A backslash is a slash to some browsers: /\\evil.example would leave distro.
    if target.startswith("/") and "\\" not in target and not target.startswith("//") and not parts.netloc:
        return target
    return url_for("owner.home")


@bp.get("/login")
@public
def login() -> str | Response:
    """The sign-in page (already signed in: straight on)."""
    next_page = _safe_next(request.args.get("next", ""))
    if current_user.is_authenticated:
        return redirect(next_page, 303)
    return render_template("auth/login.html", form={"next": next_page}, errors={})


@bp.post("/login")
@public
def sign_in() -> Response | tuple:
    """Check phone (or email) and password, start a page session and go on."""
    typed = {"login": request.form.get("login", ""), "next": request.form.get("next", "")}
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
        return render_template("auth/login.html", form=typed, errors=error.normalized_messages()), 422
    except ValidationFailed as refused:
        if not isinstance(refused, web_sessions.AccountStopped):
            throttle.count_failed_sign_in()
        return render_template("auth/login.html", form=typed, errors=field_messages(refused)), 422
    session.permanent = True
    login_user(PageUser(started.token, started.user))
    return redirect(_safe_next(form["next"]), 303)


@bp.errorhandler(RateLimitExceeded)
def too_many_tries(error: RateLimitExceeded) -> tuple:
    """The sign-in page again, saying in how many minutes to try again (429, with Retry-After)."""
    wait = throttle.retry_after()
    typed = {"login": request.form.get("login", ""), "next": request.form.get("next", "")}
    # Whole minutes to the window's end, rounded up: Retry-After may be a second past it, so as not to be early.
    errors = {"password": [TOO_MANY_TRIES.format(minutes=max(1, math.ceil((wait - 1) / 60)))]}
    return render_template("auth/login.html", form=typed, errors=errors), 429, {"Retry-After": str(wait)}


@bp.post("/logout")
@public
def sign_out() -> Response:
    """End this page session on the server and forget it here."""
    if current_user.is_authenticated:
        web_sessions.end(session=get_session(), token=current_user.token)
    logout_user()
    return redirect(url_for("auth_pages.login"), 303)
