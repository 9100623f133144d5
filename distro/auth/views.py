"""Auth API: tokens, sign-up, the caller's account and phone, and account administration."""

from __future__ import annotations

from flask import current_app

from distro import throttle
from distro.api import API_PREFIX, AdminReasonSchema, Blueprint, SelectPage
from distro.auth import phones, services, standing
from distro.auth.access import current_principal, public, requires
from distro.auth.models import Role
from distro.auth.schemas import (
    CodeSentSchema,
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


@blp.route("/auth/token", methods=["POST"])
@public
@blp.arguments(TokenRequestSchema)
@blp.response(200, TokenResponseSchema)
@blp.problem(
    401,
    "Wrong email or password; or a refresh token that is invalid, expired, already used (which revokes "
    "its whole sign-in) or of a disabled account.",
)
@blp.problem(429, "Too many failed sign-ins for this account or from this address: sign-in is locked for a while.")
def token(data: dict):
    """Get an access token: grant_type=password with email and password, or grant_type=refresh_token."""
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
