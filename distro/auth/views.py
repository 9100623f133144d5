"""Auth API: tokens, sign-up, the caller's account and phone, and account administration."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import unquote_plus

from flask import Response, current_app, request

from distro import throttle
from distro.api import API_PREFIX, AdminReasonSchema, Blueprint, SelectPage
from distro.auth import clients, phones, services, standing
from distro.auth.access import current_principal, public, requires
from distro.auth.models import Role
from distro.auth.schemas import (
    CodeSentSchema,
    OAuthErrorSchema,
    PhoneSchema,
    PhoneVerifySchema,
    RevokeRequestSchema,
    SignUpSchema,
    TokenRequestSchema,
    TokenResponseSchema,
    UserCreateSchema,
    UserPublicSchema,
    UserRolesSchema,
)
from distro.auth.sms import sms_sender
from distro.db import get_session
from distro.errors import FieldError, Unauthorized, ValidationFailed

blp = Blueprint("auth", __name__, url_prefix=API_PREFIX, description="Sign-in, tokens and accounts")


FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _oauth_error(error: clients.OAuthError) -> Response:
    """A refused client-credentials request as RFC 6749 §5.2 words it (JSON, not a problem), never cached."""
    headers = dict(NO_STORE)
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="distro"'
    body = {"error": error.error, "error_description": error.description}
    return Response(json.dumps(body), status=error.status, mimetype="application/json", headers=headers)


def _client_credentials(client_id: str | None, secret: str | None, scope: str | None) -> Response:
    """The client-credentials grant (RFC 6749 §4.4): the client authenticated by HTTP Basic or by the body's
    client_id and client_secret (§2.3.1), never both."""
    basic = request.authorization
    try:
        if basic is not None and basic.type == "basic":
            if client_id is not None or secret is not None:
                raise clients.OAuthError("invalid_request", "Authenticate the client one way: HTTP Basic or the body.")
            client_id, secret = unquote_plus(basic.username or ""), unquote_plus(basic.password or "")
        if not client_id or not secret:
            raise clients.OAuthError("invalid_client", "Client authentication failed: no client id and secret.", 401)
        token = clients.grant(
            session=get_session(),
            client_id=client_id,
            secret=secret,
            scope=scope,
            settings=current_app.config,
            address=throttle.client_address(),
        )
    except clients.OAuthError as error:
        return _oauth_error(error)
    return Response(
        json.dumps(TokenResponseSchema().dump(token)), status=200, mimetype="application/json", headers=NO_STORE
    )


def _oauth_form(view: Callable[..., Any]) -> Callable[..., Any]:
    """Read a form-encoded token request, as RFC 6749 §4.4.2 sends one, ahead of the JSON body's parser. Only the
    client-credentials grant is taken so: the password and refresh grants stay JSON, where the sign-in limits read
    the login they count."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if request.mimetype != FORM_MEDIA_TYPE:
            return view(*args, **kwargs)
        form = request.form
        repeated = sorted(name for name in form if len(form.getlist(name)) > 1)
        if repeated:
            return _oauth_error(clients.OAuthError("invalid_request", f"Sent more than once: {', '.join(repeated)}."))
        grant_type = form.get("grant_type")
        if not grant_type:
            return _oauth_error(clients.OAuthError("invalid_request", "grant_type is required."))
        if grant_type != "client_credentials":
            return _oauth_error(
                clients.OAuthError(
                    "unsupported_grant_type",
                    "A form takes grant_type=client_credentials; send the password and refresh_token grants as JSON.",
                )
            )
        return _client_credentials(form.get("client_id"), form.get("client_secret"), form.get("scope"))

    return wrapper


@blp.route("/auth/token", methods=["POST"])
@public
@_oauth_form
@blp.arguments(TokenRequestSchema)
@blp.response(200, TokenResponseSchema)
@blp.doc(
    requestBody={
        "content": {FORM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/TokenRequest"}}},
    }
)
@blp.problem(
    400, "Malformed: a body that is not JSON (nor a form), or a Host header naming a host distro does not serve."
)
@blp.alt_response(
    400,
    schema=OAuthErrorSchema,
    content_type="application/json",
    description="client_credentials (or any form-encoded request): refused as RFC 6749 §5.2 says "
    "(invalid_request, unauthorized_client, unsupported_grant_type, invalid_scope).",
    headers={"Cache-Control": {"description": "no-store", "schema": {"type": "string"}}},
)
@blp.alt_response(
    401,
    schema=OAuthErrorSchema,
    content_type="application/json",
    description="client_credentials: invalid_client (an unknown, wrong or revoked client id and secret).",
    headers={"WWW-Authenticate": {"description": 'Basic realm="distro"', "schema": {"type": "string"}}},
)
@blp.problem(
    401,
    "Wrong email or password; or a refresh token that is invalid, expired, already used (which revokes "
    "its whole sign-in) or of a disabled account.",
)
@blp.problem(429, "Too many failed sign-ins for this account or from this address: sign-in is locked for a while.")
def token(data: dict):
    """Get an access token: grant_type=password with email and password, grant_type=refresh_token, or
    grant_type=client_credentials for an API client (RFC 6749 §4.4: HTTP Basic or client_id and client_secret,
    JSON or form-encoded; a short-lived access token and no refresh token)."""
    if data["grant_type"] == "client_credentials":
        return _client_credentials(data["client_id"], data["client_secret"], data["scope"])
    settings = current_app.config
    if data["grant_type"] == "password":
        missing = [name for name in ("email", "password") if not data.get(name)]
        if missing:
            raise ValidationFailed(
                "grant_type=password needs email and password.",
                [FieldError(name, "required with grant_type=password", "required") for name in missing],
            )
        try:
            return services.sign_in(
                session=get_session(),
                email=data["email"],
                password=data["password"],
                settings=settings,
                address=throttle.client_address(),
            )
        except services.AccountStopped:
            raise
        except Unauthorized:
            throttle.count_failed_sign_in()
            raise
    if not data.get("refresh_token"):
        raise ValidationFailed(
            "grant_type=refresh_token needs refresh_token.",
            [FieldError("refresh_token", "required with grant_type=refresh_token", "required")],
        )
    return services.refresh(session=get_session(), refresh_token=data["refresh_token"], settings=settings)


@blp.route("/auth/revoke", methods=["POST"])
@requires()
@blp.arguments(RevokeRequestSchema)
@blp.response(204)
@blp.problem(404, "No such refresh token for this account.")
def revoke(data: dict):
    """Sign out: revoke a refresh token and every token rotated from the same sign-in."""
    services.revoke(session=get_session(), refresh_token=data["refresh_token"], user_id=current_principal().user_id)


@blp.route("/auth/signup", methods=["POST"])
@public
@blp.arguments(SignUpSchema)
@blp.response(201, UserPublicSchema)
@blp.problem(409, "An account with this email already exists.")
@blp.problem(429, "Too many sign-ups from this address.")
def sign_up(data: dict):
    """Create an account as a shop owner and/or supplier."""
    roles = set(data.pop("roles"))
    return services.sign_up(session=get_session(), **data, roles=roles)


@blp.route("/me", methods=["GET"])
@requires()
@blp.response(200, UserPublicSchema)
def me():
    """The caller's own account."""
    return services.get_user(get_session(), current_principal().user_id)


@blp.route("/me/phone", methods=["POST"])
@requires()
@blp.arguments(PhoneSchema)
@blp.response(202, CodeSentSchema)
@blp.problem(409, "This phone is verified on another account.")
@blp.problem(429, "Beyond the phone's, the account's or this address's limits on codes.")
@blp.problem(503, "The SMS gateway did not take the text, or SMS is off; nothing was recorded.")
def send_phone_code(data: dict):
    """Text a 6-digit code to a phone, to verify it as the caller's (10 minutes, one a minute, ten a day)."""
    return phones.send_code(
        session=get_session(),
        user_id=current_principal().user_id,
        phone=data["phone"],
        secret=current_app.config["SECRET_KEY"],
        sender=sms_sender(current_app.config),
    )


@blp.route("/me/phone/verify", methods=["POST"])
@requires()
@blp.arguments(PhoneVerifySchema)
@blp.response(200, UserPublicSchema)
@blp.problem(409, "This phone is verified on another account.")
@blp.problem(422, "Invalid input, or a code that is wrong, expired, used up or never sent (errors names code).")
def verify_phone(data: dict):
    """Verify the caller's phone with the code it was sent; the account then shows it masked."""
    return phones.verify_phone(
        session=get_session(),
        user_id=current_principal().user_id,
        phone=data["phone"],
        code=data["code"],
        secret=current_app.config["SECRET_KEY"],
    )


@blp.route("/admin/users", methods=["GET"])
@requires(Role.ADMIN)
@blp.response(200, UserPublicSchema(many=True))
@blp.paginate(SelectPage)
def list_users():
    """Every account, newest first (admin)."""
    return services.list_users_query()


@blp.route("/admin/users", methods=["POST"])
@requires(Role.ADMIN)
@blp.arguments(UserCreateSchema)
@blp.response(201, UserPublicSchema)
@blp.problem(409, "An account with this email already exists.")
def create_user(data: dict):
    """Create an account with any roles, finance and admin included (admin)."""
    roles = set(data.pop("roles"))
    return services.create_user(session=get_session(), **data, roles=roles)


@blp.route("/admin/users/<int:user_id>/roles", methods=["PUT"])
@requires(Role.ADMIN)
@blp.arguments(UserRolesSchema)
@blp.response(200, UserPublicSchema)
def set_roles(data: dict, user_id: int):
    """Replace an account's roles (admin); the change holds from the account's next request."""
    return services.set_roles(
        session=get_session(),
        user_id=user_id,
        roles=set(data["roles"]),
        acting_user_id=current_principal().user_id,
        reason=data["reason"],
    )


@blp.route("/admin/users/<int:user_id>/deactivate", methods=["POST"])
@requires(Role.ADMIN)
@blp.arguments(AdminReasonSchema)
@blp.response(200, UserPublicSchema)
@blp.problem(403, "The caller lacks the admin role, or names their own account.")
def deactivate(data: dict, user_id: int):
    """Deactivate an account (admin): its tokens, refresh tokens and page sessions stop working on the next request."""
    return standing.deactivate(
        session=get_session(), user_id=user_id, reason=data["reason"], admin_id=current_principal().user_id
    )


@blp.route("/admin/users/<int:user_id>/reactivate", methods=["POST"])
@requires(Role.ADMIN)
@blp.arguments(AdminReasonSchema)
@blp.response(200, UserPublicSchema)
@blp.problem(403, "The caller lacks the admin role, or names their own account.")
def reactivate(data: dict, user_id: int):
    """Let a deactivated account sign in again (admin); the tokens it had before stay refused."""
    return standing.reactivate(
        session=get_session(), user_id=user_id, reason=data["reason"], admin_id=current_principal().user_id
    )
