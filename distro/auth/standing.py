"""Admins deactivate and reactivate accounts: a deactivated account is signed out everywhere at once.

Access tokens cannot be recalled, so authentication reads the account on every request
(distro.auth.access): a deactivated account's tokens are refused on the next request. Deactivating
also revokes every refresh token, ends every page session, and cuts the account's access tokens (a
new token_version), so that reactivating it later brings none of them back: its holder signs in again.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.auth.models import RefreshToken, User, WebSession
from distro.clock import utcnow
from distro.errors import Forbidden, NotFound


def _locked_account(session: Session, user_id: int, admin_id: int) -> User:
    user = session.execute(sa.select(User).where(col(User.id) == user_id).with_for_update()).scalar_one_or_none()
    if user is None:
        raise NotFound(f"No account {user_id}.")
    if user_id == admin_id:
        raise Forbidden("An admin cannot deactivate or reactivate their own account.")
    return user


def end_every_sign_in(session: Session, user_id: int, now: dt.datetime) -> None:
    """Revoke the account's refresh tokens and end its page sessions (in the caller's transaction)."""
    session.execute(
        sa.update(RefreshToken)
        .where(col(RefreshToken.user_id) == user_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    session.execute(
        sa.update(WebSession)
        .where(col(WebSession.user_id) == user_id, col(WebSession.ended_at).is_(None))
        .values(ended_at=now)
    )


def deactivate(*, session: Session, user_id: int, reason: str, admin_id: int) -> User:
    """Deactivate an account and end every sign-in it has; commit. An inactive account is left as it is."""
    return _set_active(session, user_id, False, reason, admin_id)


def reactivate(*, session: Session, user_id: int, reason: str, admin_id: int) -> User:
    """Let a deactivated account sign in again (its old tokens stay refused); commit. An active one is left as it is."""
    return _set_active(session, user_id, True, reason, admin_id)


def _set_active(session: Session, user_id: int, active: bool, reason: str, admin_id: int) -> User:
    user = _locked_account(session, user_id, admin_id)
    if user.is_active == active:
        session.commit()
        return user
    user.is_active = active
    if not active:
        user.token_version += 1
        end_every_sign_in(session, user_id, utcnow())
    audit.record(
        session,
        actor_id=admin_id,
        action="user.reactivated" if active else "user.deactivated",
        subject_type="user",
        subject_id=user_id,
        before={"is_active": not active},
        after={"is_active": active, "reason": reason},
    )
    session.commit()
    return user
