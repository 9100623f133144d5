"""Throttling: Flask-Limiter, with its counters in Redis, applying distro's limits (config/defaults.toml, THROTTLE_*).

- Failed sign-ins (API password grant, the pages' /login) count against the account the login names and against
  the client's address. Each limit of a setting is a step: its window starts at the first failure in it and,
  once full, locks sign-in until it ends, so the locks grow (by default 15 minutes, then the rest of the hour,
  of 6 hours, of the day). Only failures count; a request refused by a lock is no failure, and a success
  changes no counter: the failures of a day stay bounded whatever the account's owner does.
- Resetting a password with an SMS code counts as signing in: a wrong code is a failure of the account the phone
  names, and a locked account takes no reset either.
- Sign-ups count per address (the API's and the pages'), SMS codes sent per address, and API calls per bearer
  token's account (its subject, so a new token does not make a new budget).
- Webhooks and health checks are never throttled; share redirects are answered before Flask (distro/share/redirect.py).

Addresses are REMOTE_ADDR: distro has no trusted-proxy setting, so behind a proxy every client has the proxy's
address and the per-address limits count them together.

Redis away never refuses a request for that reason: the limiter logs one warning and counts in this process's
memory until Redis answers again (Flask-Limiter's in-memory fallback); an error past that is logged and let through.
"""

from __future__ import annotations

import math
import time

import redis
from flask import Blueprint, Flask, Response, current_app, g, request
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded
from limits import parse_many

from distro.api import API_PREFIX
from distro.auth import signins
from distro.auth.access import token_subject
from distro.db import get_session
from distro.errors import TooManyRequests, domain_error_response
from distro.queue import redis_for
from distro.settings import ConfigurationError

EXTENSION = "distro.throttle"

SETTINGS = (
    "THROTTLE_SIGN_IN_PER_ACCOUNT",
    "THROTTLE_SIGN_IN_PER_ADDRESS",
    "THROTTLE_SIGN_UP_PER_ADDRESS",
    "THROTTLE_PHONE_CODES_PER_ADDRESS",
    "THROTTLE_API_PER_TOKEN",
)
"""The settings holding limits, each in Flask-Limiter's notation ("5 per 15 minutes; 20 per day")."""

SIGN_IN_API = "auth.token"
SIGN_IN_PAGE = "auth_pages.sign_in"
RESET_PAGE = "auth_pages.reset_password"
SIGN_UPS = frozenset({"auth.sign_up", "auth_pages.sign_up"})
PHONE_CODES = frozenset({"auth.send_phone_code", "auth_pages.sign_up_code", "auth_pages.reset_code"})


def client_address() -> str:
    """The client's address: REMOTE_ADDR, which is X-Forwarded-For's as TRUSTED_PROXY_HOPS trusts it (distro.app)."""
    return request.remote_addr or "unknown"


def count_failed_sign_in() -> None:
    """Count this request's sign-in as failed, against its account and its address."""
    g.distro_sign_in_failed = True


def retry_after() -> int:
    """Seconds until every limit this request broke has room again: never early, at most 1.5 s late."""
    limiter: Limiter = current_app.extensions[EXTENSION]
    waits = []
    for limit in limiter.current_limits:
        if limit.breached:
            try:
                # Redis gives the window's TTL rounded to the second: half a second more is never early.
                waits.append(limit.window.reset_time + 0.5 - time.time())
            except redis.exceptions.RedisError:
                # Redis went away since the limit was checked: the whole window is the longest wait.
                waits.append(limit.limit.get_expiry())
    return max(1, math.ceil(max(waits, default=1)))


def init_app(app: Flask, *, auth_api: Blueprint, auth_pages: Blueprint, exempt: tuple[Blueprint, ...]) -> Limiter:
    """Throttle app as the THROTTLE_* settings say: sign-in, sign-up and SMS codes on the auth blueprints, every API
    call with a token; the exempt blueprints are never throttled.

    Refuses a setting that is not a limit (ConfigurationError).
    """
    for name in SETTINGS:
        try:
            parse_many(str(app.config[name]))
        except ValueError as error:
            raise ConfigurationError(
                f"DISTRO_{name}={app.config[name]!r} is not a limit such as '5 per 15 minutes; 20 per day': {error}"
            ) from None
    limiter = Limiter(
        client_address,
        app=app,
        storage_uri="redis://",
        # The process's own Redis client: one pool per process, whatever the URL's form (a unix socket).
        storage_options={"connection_pool": redis_for(app.config["REDIS_URL"]).connection_pool},  # type: ignore[dict-item]
        # A window starts at its first hit, so a lock lasts at most the window, counted from the first failure.
        strategy="fixed-window",
        application_limits=[
            ApplicationLimit(
                _setting("THROTTLE_API_PER_TOKEN"),
                key_function=_api_caller,
                exempt_when=lambda: not request.path.startswith(API_PREFIX + "/") or not _api_caller(),
                error_message="Too many API requests for this account",
            )
        ],
        # Every limit a request breaks is checked, so Retry-After is the longest of their waits.
        fail_on_first_breach=False,
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    # Limits of the auth blueprints only, so that no other request spends time on them.
    for blueprint in (auth_api, auth_pages):
        _limit_sign_in(limiter, blueprint)
    for blueprint in (auth_api, auth_pages):
        limiter.shared_limit(
            _setting("THROTTLE_SIGN_UP_PER_ADDRESS"),
            "sign-up",
            methods=["POST"],
            # Every try counts, refused ones too: a sign-up refused for a taken email or phone tells that it is taken.
            exempt_when=lambda: request.endpoint not in SIGN_UPS,
            error_message="Too many sign-ups from this address",
        )(blueprint)
        limiter.shared_limit(
            _setting("THROTTLE_PHONE_CODES_PER_ADDRESS"),
            "phone-codes",
            methods=["POST"],
            exempt_when=lambda: request.endpoint not in PHONE_CODES,
            # Codes asked for and taken (202): what costs a text message. Beyond a phone's own limits, asking is
            # limited per token on the API; a reset code the page answers alike whether or not it went out.
            deduct_when=lambda response: response.status_code == 202,
            error_message="Too many verification codes sent from this address",
        )(blueprint)
    for blueprint in exempt:
        limiter.exempt(blueprint)
    app.extensions[EXTENSION] = limiter
    app.register_error_handler(RateLimitExceeded, _refused)
    return limiter


def _setting(name: str):
    # Read at each request, from the app answering it.
    return lambda: str(current_app.config[name])


def _limit_sign_in(limiter: Limiter, blueprint: Blueprint) -> None:
    """Count failed sign-ins of blueprint against their account and their address (shared scopes: the API's and
    the pages' sign-ins draw on the same budgets)."""
    for setting, scope, key_func, whose in (
        ("THROTTLE_SIGN_IN_PER_ACCOUNT", "sign-in-account", _sign_in_account, "for this account"),
        ("THROTTLE_SIGN_IN_PER_ADDRESS", "sign-in-address", client_address, "from this address"),
    ):
        limiter.shared_limit(
            _setting(setting),
            scope,
            key_func=key_func,
            methods=["POST"],
            exempt_when=lambda: _typed_login() is None,
            deduct_when=_sign_in_failed,
            error_message=f"Too many failed sign-ins {whose}",
        )(blueprint)


def _typed_login() -> str | None:
    """The login a sign-in attempt typed, or None when the request is none: a password grant's email on the API,
    the form's login on the pages, and the phone of a password reset (a wrong code counts as a wrong password)."""
    if request.endpoint == SIGN_IN_API:
        body = request.get_json(silent=True)
        if isinstance(body, dict) and body.get("grant_type") == "password":
            email = body.get("email")
            return email if isinstance(email, str) and email.strip() else None
        return None
    if request.endpoint == SIGN_IN_PAGE:
        return request.form.get("login", "").strip() or None
    if request.endpoint == RESET_PAGE:
        return request.form.get("phone", "").strip() or None
    return None


def _sign_in_account() -> str:
    login = _typed_login()
    assert login is not None  # the limit is exempt otherwise
    return signins.counter_key(get_session(), login, str(current_app.config["SECRET_KEY"]))


def _sign_in_failed(response: Response) -> bool:
    return bool(g.get("distro_sign_in_failed", False))


def _api_caller() -> str:
    """The account the request's bearer token proves, as a counter's key ("" without a valid token)."""
    user_id = token_subject()
    return f"user:{user_id}" if user_id is not None else ""


def _refused(error: RateLimitExceeded) -> Response:
    """problem+json for a broken limit, saying when to ask again (retry_after and Retry-After), as /me/phone does."""
    wait = retry_after()
    return domain_error_response(
        TooManyRequests(f"{error.description}; try again in {wait} seconds.", retry_after=wait)
    )
