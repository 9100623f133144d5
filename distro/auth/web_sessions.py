"""Sign-in on distro's pages: start a session with phone (or email) and password, find who it is, end it.

The pages' session is a cookie of its own, not the API's bearer token: a random token whose SHA-256 is a
row of web_sessions. The row, not the cookie, decides whether the session still holds, so signing out
ends it on the server and deactivating an account ends every one of its sessions at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.auth.models import User, WebSession
from distro.auth.passwords import upgraded_hash, verify_password
from distro.clock import utcnow
from distro.errors import FieldError, ValidationFailed
from distro.phones import normalise_phone, phone_reference

WRONG_SIGN_IN = "手机号或密码不正确"
ACCOUNT_STOPPED = "账号已停用，如有疑问请联系平台客服"


class AccountStopped(ValidationFailed):
    """The right password for a deactivated account: said only to whoever typed it, so a stranger learns nothing
    about which accounts exist, and not a guess, so it does not count against the sign-in limits."""


@dataclass(frozen=True)
class SignedIn:
    """Who a page session belongs to, as the pages need it."""

    user_id: int
    display_name: str
    roles: tuple[str, ...]
    phone_masked: str | None


@dataclass(frozen=True)
class Started:
    """A new page session: the token for the cookie and who signed in."""

    token: str
    user: SignedIn


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _account_by_login(session: Session, login: str, secret: str) -> User | None:
    """The account a typed login names: a verified phone when it is a mobile number, else an email."""
    phone = normalise_phone(login)
    condition: sa.ColumnElement[bool]
    if phone is not None:
        condition = (col(User.phone_reference) == phone_reference(phone, secret)) & col(User.phone_verified_at).is_not(
            None
        )
    else:
        condition = sa.func.lower(User.email) == login.strip().lower()
    return session.execute(sa.select(User).where(condition)).scalar_one_or_none()


def _signed_in(user: User) -> SignedIn:
    assert user.id is not None  # loaded from the database
    return SignedIn(user.id, user.display_name, tuple(user.roles), user.phone_masked)


def start(*, session: Session, login: str, password: str, secret: str, days: int) -> Started:
    """Check phone (or email) and password and start a page session of `days`; commit.

    The same refusal for an unknown login, a wrong password and a deactivated account, so the page
    does not tell which phones have accounts.
    """
    user = _account_by_login(session, login, secret)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise ValidationFailed(WRONG_SIGN_IN, [FieldError("password", WRONG_SIGN_IN, "sign_in")])
    if not user.is_active:
        raise AccountStopped(ACCOUNT_STOPPED, [FieldError("password", ACCOUNT_STOPPED, "deactivated")])
    user.password_hash = upgraded_hash(user.password_hash, password) or user.password_hash
    started = open_for(session, user, days)
    session.commit()
    return started


def open_for(session: Session, user: User, days: int) -> Started:
    """A new page session of `days` for an account whose holder has just proved who they are (in the caller's
    transaction: the caller commits)."""
    account = _signed_in(user)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        WebSession(
            token_hash=_token_hash(token),
            user_id=account.user_id,
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
    )
    return Started(token, account)


def signed_in(session: Session, token: str) -> SignedIn | None:
    """Who holds this page session, or None when it ended, expired or its account was deactivated."""
    user = session.execute(
        sa.select(User)
        .join(WebSession, col(WebSession.user_id) == col(User.id))
        .where(
            col(WebSession.token_hash) == _token_hash(token),
            col(WebSession.ended_at).is_(None),
            col(WebSession.expires_at) > utcnow(),
            col(User.is_active),
        )
    ).scalar_one_or_none()
    return _signed_in(user) if user is not None else None


def end(*, session: Session, token: str) -> None:
    """End one page session (signing out); ending it again changes nothing; commit."""
    session.execute(
        sa.update(WebSession)
        .where(col(WebSession.token_hash) == _token_hash(token), col(WebSession.ended_at).is_(None))
        .values(ended_at=utcnow())
    )
    session.commit()
