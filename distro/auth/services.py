"""Sign-up, sign-in, refresh-token rotation and account administration."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.auth import signins
from distro.auth.models import RefreshToken, Role, User
from distro.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, upgraded_hash, verify_password
from distro.auth.tokens import TokenSettings, issue_access_token
from distro.clock import utcnow
from distro.errors import Conflict, FieldError, NotFound, Unauthorized, ValidationFailed

# Roles anyone may give themselves at sign-up; finance and admin are granted by an admin.
SELF_SERVICE_ROLES = frozenset({Role.SHOP_OWNER, Role.SUPPLIER})


@dataclass(frozen=True)
class TokenPair:
    """What a successful sign-in or refresh returns."""

    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105


def _hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_user_by_email(session: Session, email: str) -> User | None:
    """The account with this email, compared case-insensitively."""
    return session.execute(sa.select(User).where(sa.func.lower(User.email) == email.lower())).scalar_one_or_none()


def create_user(*, session: Session, email: str, password: str, display_name: str, roles: set[Role]) -> User:
    """Create an account with the given roles and commit; refuse a short password or a taken email."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            "The password is too short.",
            [FieldError("password", f"must be at least {MIN_PASSWORD_LENGTH} characters", "length")],
        )
    if not roles:
        raise ValidationFailed("An account needs a role.", [FieldError("roles", "must not be empty", "required")])
    if find_user_by_email(session, email) is not None:
        raise Conflict("An account with this email already exists.")
    user = User(
        email=email.strip(),
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        roles=sorted(role.value for role in roles),
    )
    session.add(user)
    session.commit()
    return user


def sign_up(*, session: Session, email: str, password: str, display_name: str, roles: set[Role]) -> User:
    """Self-service sign-up as a shop owner and/or supplier."""
    refused = roles - SELF_SERVICE_ROLES
    if refused:
        raise ValidationFailed(
            "These roles cannot be chosen at sign-up.",
            [FieldError("roles", f"{', '.join(sorted(refused))} is granted by an admin", "one_of")],
        )
    return create_user(session=session, email=email, password=password, display_name=display_name, roles=roles)


def _issue_pair(session: Session, user: User, settings: dict[str, Any], family: str, now: dt.datetime) -> TokenPair:
    token_settings = TokenSettings.from_settings(settings)
    refresh = secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            token_hash=_hash_refresh_token(refresh),
            user_id=user.id,  # type: ignore[arg-type]
            family=family,
            expires_at=now + dt.timedelta(seconds=int(settings["REFRESH_TOKEN_SECONDS"])),
        )
    )
    access = issue_access_token(user.id, user.roles, token_settings, now, user.token_version)  # type: ignore[arg-type]
    return TokenPair(access, refresh, token_settings.lifetime_seconds)


class AccountStopped(Unauthorized):
    """The right password for a deactivated account: said only to whoever typed it, so a stranger learns nothing
    about which accounts exist, and not a guess, so it does not count against the sign-in limits."""


def sign_in(*, session: Session, email: str, password: str, settings: dict[str, Any], address: str) -> TokenPair:
    """Exchange email and password for an access token and a new refresh token family; commit.

    A refusal is recorded in the audit log with the email and the client's address (signins.record_failure).
    """
    user = find_user_by_email(session, email)
    known = verify_password(user.password_hash if user else None, password)
    if user is None or not known or not user.is_active:
        signins.record_failure(
            session, login=email, address=address, via="api", user_id=user.id if user is not None else None
        )
        if known:
            raise AccountStopped("The account is deactivated.")
        raise Unauthorized("Wrong email or password.")
    user.password_hash = upgraded_hash(user.password_hash, password) or user.password_hash
    pair = _issue_pair(session, user, settings, str(uuid.uuid4()), utcnow())
    session.commit()
    return pair


def refresh(*, session: Session, refresh_token: str, settings: dict[str, Any]) -> TokenPair:
    """Rotate a refresh token: mark it used and issue a new pair in the same family; commit.

    Presenting a token that was already used means it leaked: the whole family is revoked.
    """
    now = utcnow()
    token = session.execute(
        sa.select(RefreshToken)
        .where(col(RefreshToken.token_hash) == _hash_refresh_token(refresh_token))
        .with_for_update()
    ).scalar_one_or_none()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise Unauthorized("The refresh token is invalid or expired; sign in again.")
    if token.used_at is not None:
        session.execute(
            sa.update(RefreshToken)
            .where(col(RefreshToken.family) == token.family, col(RefreshToken.revoked_at).is_(None))
            .values(revoked_at=now)
        )
        session.commit()
        raise Unauthorized("The refresh token was already used; every session from that sign-in is revoked.")
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("The account is disabled.")
    token.used_at = now
    pair = _issue_pair(session, user, settings, token.family, now)
    session.commit()
    return pair


def revoke(*, session: Session, refresh_token: str, user_id: int) -> None:
    """Sign out: revoke the refresh token's family if it belongs to user_id; commit."""
    token = session.get(RefreshToken, _hash_refresh_token(refresh_token))
    if token is None or token.user_id != user_id:
        raise NotFound("No such refresh token for this account.")
    session.execute(
        sa.update(RefreshToken)
        .where(col(RefreshToken.family) == token.family, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    session.commit()


def get_user(session: Session, user_id: int) -> User:
    """The account with this id, or NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"No account {user_id}.")
    return user


def list_users_query() -> sa.Select:
    """All accounts, newest first (for paging)."""
    return sa.select(User).order_by(col(User.id).desc())


def set_roles(
    *, session: Session, user_id: int, roles: set[Role], acting_user_id: int, reason: str | None = None
) -> User:
    """Replace an account's roles, audited, and commit; an admin cannot remove its own admin role.

    The change holds from the account's next request: authentication reads the roles from the account,
    not from the token (distro.auth.access). Setting the roles it already has changes nothing.
    """
    user = get_user(session, user_id)
    if not roles:
        raise ValidationFailed("An account needs a role.", [FieldError("roles", "must not be empty", "required")])
    if user_id == acting_user_id and Role.ADMIN not in roles:
        raise ValidationFailed(
            "You cannot remove your own admin role.", [FieldError("roles", "must keep admin", "self_demotion")]
        )
    before, after = list(user.roles), sorted(role.value for role in roles)
    if after != sorted(before):
        user.roles = after
        audit.record(
            session,
            actor_id=acting_user_id,
            action="user.roles",
            subject_type="user",
            subject_id=user_id,
            before={"roles": before},
            after={"roles": after, "reason": reason},
        )
    session.commit()
    return user
