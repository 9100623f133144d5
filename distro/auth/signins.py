"""Sign-in attempts: which account a typed login's failures count against, and failed sign-ins in the audit log.

The API signs in by email and the pages by phone or email, so failures are counted per account, whichever
login named it: guessing by phone and by email draws on one budget. A login that names no account is
counted by itself, and locked alike, so a lock does not tell which logins have accounts.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlmodel import Session

from distro import audit
from distro.auth import web_sessions
from distro.errors import ValidationFailed
from distro.phones import mask_phone, normalise_phone

FAILED_SIGN_IN = "sign_in_failed"
"""The audit action of a refused sign-in."""
NO_ACCOUNT = "sign_in"
"""The audit subject of a refused sign-in whose login names no account (subject_id 0); one that names an
account is filed under that user."""
NOT_A_LOGIN = "(neither a phone nor an email)"
"""What the audit log shows for a login that is neither a phone nor an email: it may be a password typed into
the wrong box, so it is never kept."""


def shown_login(login: str) -> str:
    """The typed login as the audit log keeps it: a phone masked, an email as typed, anything else not at all."""
    phone = normalise_phone(login)
    if phone is not None:
        return mask_phone(phone)
    typed = login.strip()
    return typed.lower() if "@" in typed else NOT_A_LOGIN


def counter_key(session: Session, login: str, secret: str) -> str:
    """What a sign-in's failures count against: the account the login names, else the login itself (keyed)."""
    user = web_sessions._account_by_login(session, login, secret)
    if user is not None:
        return f"account:{user.id}"
    # Keyed with the secret: the counter's name in Redis shows no one's email or phone.
    canonical = normalise_phone(login) or login.strip().lower()
    return "login:" + hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()[:32]


def record_failure(session: Session, *, login: str, address: str, via: str, user_id: int | None) -> None:
    """Add a refused sign-in to the audit log (the login as shown_login shows it, the address, api or page); commit.

    The password is never recorded.
    """
    audit.record(
        session,
        actor_id=None,
        action=FAILED_SIGN_IN,
        subject_type="user" if user_id is not None else NO_ACCOUNT,
        subject_id=user_id if user_id is not None else 0,
        after={"login": shown_login(login), "address": address, "via": via},
    )
    session.commit()


def start_page_session(
    *, session: Session, login: str, password: str, secret: str, days: int, address: str
) -> web_sessions.Started:
    """Start a page session as web_sessions.start does; a refusal is recorded in the audit log, then raised."""
    try:
        return web_sessions.start(session=session, login=login, password=password, secret=secret, days=days)
    except ValidationFailed:
        user = web_sessions._account_by_login(session, login, secret)
        record_failure(session, login=login, address=address, via="page", user_id=user.id if user else None)
        raise
