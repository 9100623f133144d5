"""Test data builders."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlmodel import Session

from distro.auth import services as auth_services
from distro.auth.models import Role, User
from distro.auth.tokens import TokenSettings, issue_access_token

PASSWORD = "correct-horse-battery"
_sequence = itertools.count(1)


def make_user(session: Session, *roles: Role, email: str | None = None) -> User:
    """Create and commit an account holding roles (shop owner when none given)."""
    number = next(_sequence)
    return auth_services.create_user(
        session=session,
        email=email or f"user{number}@example.cn",
        password=PASSWORD,
        display_name=f"用户{number}",
        roles=set(roles) or {Role.SHOP_OWNER},
    )


def bearer(app, user: User, now: dt.datetime | None = None) -> dict[str, str]:
    """Authorization header with a fresh access token for user."""
    settings = TokenSettings.from_settings(app.config)
    token = issue_access_token(user.id, user.roles, settings, now or dt.datetime.now(dt.UTC))  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {token}"}
