"""Accounts by phone, as owners keep them on the app: sign up with a phone (proved by an SMS code) and a password,
and set a new password with a code sent to the account's phone when the old one is forgotten.

Codes go through the SMS interface with the same limits as verifying a phone (distro.auth.phones), and are bound
to their purpose: a sign-up code opens no account's reset and the other way round. Asking for a reset code says
the same whether or not the phone has an account, so the page does not tell which phones do; signing up has to
say a phone is taken, and is throttled per address like every sign-up (distro.throttle).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.auth import phones, web_sessions
from distro.auth.models import CodePurpose, Role, User
from distro.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from distro.auth.sms import SmsSender
from distro.auth.standing import end_every_sign_in
from distro.clock import utcnow
from distro.errors import FieldError, ValidationFailed
from distro.phones import mask_phone, phone_reference

DISPLAY_NAME_MAX = 60


def _account_with_phone(session: Session, reference: str) -> User | None:
    return session.execute(
        sa.select(User).where(col(User.phone_reference) == reference, col(User.phone_verified_at).is_not(None))
    ).scalar_one_or_none()


def _refuse_taken(session: Session, reference: str) -> None:
    if _account_with_phone(session, reference) is not None:
        raise ValidationFailed(
            "An account already has this phone.", [FieldError("phone", "has an account already; sign in", "taken")]
        )


def _refuse_weak(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            "The password is too short.",
            [FieldError("password", f"must be at least {MIN_PASSWORD_LENGTH} characters", "length")],
        )


def send_sign_up_code(
    *, session: Session, phone: str, secret: str, sender: SmsSender, now: dt.datetime | None = None
) -> phones.CodeSent:
    """Text a code for signing up to a phone no account has; commit. A phone with an account is a 422 on phone
    (rule taken); beyond the phone's limits a 429; a gateway that did not take it a 503."""
    number = phones.normalised(phone)
    reference = phone_reference(number, secret)
    phones.lock_phone(session, reference)
    _refuse_taken(session, reference)
    return phones.send_for(
        session,
        number=number,
        user_id=None,
        purpose=CodePurpose.SIGN_UP,
        secret=secret,
        sender=sender,
        now=now or utcnow(),
    )


def sign_up(
    *,
    session: Session,
    phone: str,
    code: str,
    password: str,
    display_name: str,
    secret: str,
    days: int,
    now: dt.datetime | None = None,
) -> web_sessions.Started:
    """Open a shop owner's account with the phone whose sign-up code this is, verified, and the password, and
    start its page session of `days`; commit.

    A short password or a taken phone is refused before the code is tried; a wrong code is a 422 on code
    (counted as a try, as phones.take_code does).
    """
    now = now or utcnow()
    number = phones.normalised(phone)
    reference = phone_reference(number, secret)
    name = " ".join(display_name.split())
    if not 1 <= len(name) <= DISPLAY_NAME_MAX:
        raise ValidationFailed(
            "The name is missing or too long.",
            [FieldError("display_name", f"must be 1 to {DISPLAY_NAME_MAX} characters", "length")],
        )
    _refuse_weak(password)
    phones.lock_phone(session, reference)
    _refuse_taken(session, reference)
    phones.take_code(
        session, code=code, user_id=None, purpose=CodePurpose.SIGN_UP, reference=reference, secret=secret, now=now
    )
    user = User(
        email=None,
        display_name=name,
        password_hash=hash_password(password),
        roles=[Role.SHOP_OWNER.value],
        phone_reference=reference,
        phone_masked=mask_phone(number),
        phone_verified_at=now,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        action="user.signed_up",
        subject_type="user",
        subject_id=user.id,  # type: ignore[arg-type]
        after={"phone": user.phone_masked, "roles": user.roles, "via": "page"},
    )
    started = web_sessions.open_for(session, user, days)
    session.commit()
    return started


def send_reset_code(
    *, session: Session, phone: str, secret: str, sender: SmsSender, now: dt.datetime | None = None
) -> phones.CodeSent:
    """Text a code for a new password to the phone when an active account has it verified; commit. The answer is
    the same when none has (no code goes out), so it does not tell whether the phone has an account."""
    number = phones.normalised(phone)
    reference = phone_reference(number, secret)
    account = _account_with_phone(session, reference)
    if account is None or not account.is_active:
        return phones.code_sent(number)
    phones.lock_phone(session, reference, account.id)
    return phones.send_for(
        session,
        number=number,
        user_id=account.id,
        purpose=CodePurpose.RESET,
        secret=secret,
        sender=sender,
        now=now or utcnow(),
    )


def reset_password(
    *, session: Session, phone: str, code: str, password: str, secret: str, now: dt.datetime | None = None
) -> None:
    """Give the account holding the phone the new password when the code is its latest reset code; commit.

    Every sign-in the account had ends (page sessions, refresh tokens and access tokens), since whoever knew the
    old password may be among them. A phone without an account is refused as a wrong code is (a 422 on code), so
    the page does not tell which phones have accounts.
    """
    now = now or utcnow()
    number = phones.normalised(phone)
    reference = phone_reference(number, secret)
    _refuse_weak(password)
    account = _account_with_phone(session, reference)
    if account is None or not account.is_active:
        raise ValidationFailed(
            "The code does not verify this phone.",
            [FieldError("code", "no code is waiting for this phone; ask for one", "not_sent")],
        )
    assert account.id is not None  # loaded from the database
    phones.lock_phone(session, reference, account.id)
    phones.take_code(
        session, code=code, user_id=account.id, purpose=CodePurpose.RESET, reference=reference, secret=secret, now=now
    )
    account.password_hash = hash_password(password)
    account.token_version += 1
    end_every_sign_in(session, account.id, now)
    audit.record(
        session,
        actor_id=account.id,
        action="user.password_reset",
        subject_type="user",
        subject_id=account.id,
        after={"phone": account.phone_masked, "via": "sms_code"},
    )
    session.commit()
