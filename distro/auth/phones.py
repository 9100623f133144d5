"""An account's phone: verified by a code sent by SMS, kept as a keyed reference and a masked form.

The reference is the one buyers' orders carry (distro.phones.phone_reference), so a shop owner buying
from their own shop is recognised: attribution compares it with the buyer's (distro/commission/attribution.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import math
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.auth.models import CodePurpose, PhoneCode, User
from distro.auth.services import get_user
from distro.auth.sms import SmsNotSent, SmsSender
from distro.clock import utcnow
from distro.db import wait_for_advisory_xact_lock
from distro.errors import Conflict, FieldError, TooManyRequests, Unavailable, ValidationFailed
from distro.phones import mask_phone, normalise_phone, phone_reference

log = logging.getLogger(__name__)

CODE_DIGITS = 6
"""Digits in a verification code."""
CODE_LIFETIME = dt.timedelta(minutes=10)
"""How long a code verifies after it was sent."""
MAX_CODE_ATTEMPTS = 5
"""Wrong tries a code takes before it stops verifying (10^6 codes: 5 guesses win one time in 200,000)."""
RESEND_INTERVAL = dt.timedelta(seconds=60)
"""At most one code per phone this often."""
SEND_WINDOW = dt.timedelta(days=1)
"""The rolling window MAX_SENDS_PER_DAY counts over."""
MAX_SENDS_PER_DAY = 10
"""Codes per phone, and per account, in SEND_WINDOW: a phone cannot be flooded, and an account cannot
run up the SMS bill across many phones."""


@dataclass(frozen=True)
class CodeSent:
    """What the caller learns when a code went out: where (masked), for how long, and when to ask again."""

    phone_masked: str
    expires_in: int
    resend_after: int


def send_code(
    *, session: Session, user_id: int, phone: str, secret: str, sender: SmsSender, now: dt.datetime | None = None
) -> CodeSent:
    """Send a new verification code by SMS to phone for this account and record it hashed; commit.

    Refuses a phone that is no mainland mobile (422), one verified on another account (409), and sending
    beyond the limits (429, with when to retry). A code the gateway did not take is not recorded (503).
    """
    number = normalised(phone)
    reference = phone_reference(number, secret)
    # Concurrent asks must not both pass the limits.
    lock_phone(session, reference, user_id)
    _refuse_phone_of_another_account(session, reference, user_id)
    return send_for(
        session,
        number=number,
        user_id=user_id,
        purpose=CodePurpose.VERIFY,
        secret=secret,
        sender=sender,
        now=now or utcnow(),
    )


def send_for(
    session: Session,
    *,
    number: str,
    user_id: int | None,
    purpose: CodePurpose,
    secret: str,
    sender: SmsSender,
    now: dt.datetime,
) -> CodeSent:
    """Send a code for purpose to a normalised number and record it hashed, within the limits; commit.

    The caller holds the locks (lock_phone: the account's, then the phone's) and has checked who may have the
    code. Beyond the limits a 429 (TooManyRequests); a code the gateway did not take is not recorded (503).
    """
    reference = phone_reference(number, secret)
    _refuse_beyond_limits(session, reference, user_id, now)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    session.add(
        PhoneCode(
            user_id=user_id,
            purpose=purpose,
            phone_reference=reference,
            code_hash=_code_hash(code, user_id, purpose, reference, secret),
            sent_at=now,
            expires_at=now + CODE_LIFETIME,
        )
    )
    session.flush()  # a database error costs no text message
    try:
        sender.send_code(number, code)
    except SmsNotSent as error:
        session.rollback()
        log.warning("%s code to %s not sent: %s", purpose, mask_phone(number), error)
        raise Unavailable("The text message could not be sent; nothing was recorded. Try again later.") from None
    session.commit()
    return code_sent(number)


def code_sent(number: str) -> CodeSent:
    """What the caller is told once a code went to number."""
    return CodeSent(mask_phone(number), int(CODE_LIFETIME.total_seconds()), int(RESEND_INTERVAL.total_seconds()))


def lock_phone(session: Session, reference: str, user_id: int | None = None) -> None:
    """Take the transaction's locks on a phone's codes: the account's first when there is one (always in this
    order, so two requests cannot wait on each other)."""
    if user_id is not None:
        wait_for_advisory_xact_lock(session, f"phone-codes:user:{user_id}")
    wait_for_advisory_xact_lock(session, f"phone-codes:{reference}")


def verify_phone(
    *, session: Session, user_id: int, phone: str, code: str, secret: str, now: dt.datetime | None = None
) -> User:
    """Give the account the phone whose latest code this is (reference, masked form, when); commit.

    A missing, expired, used-up or wrong code is a 422 on code that leaves the account as it was (a
    wrong one counts as a try); a phone verified on another account meanwhile is a 409.
    """
    now = now or utcnow()
    number = normalised(phone)
    reference = phone_reference(number, secret)
    lock_phone(session, reference)
    take_code(
        session, code=code, user_id=user_id, purpose=CodePurpose.VERIFY, reference=reference, secret=secret, now=now
    )
    user = _attach_phone(session, user_id, number, reference, now)
    session.commit()
    return user


def take_code(
    session: Session,
    *,
    code: str,
    user_id: int | None,
    purpose: CodePurpose,
    reference: str,
    secret: str,
    now: dt.datetime,
) -> None:
    """Mark used the latest code sent for this phone, account and purpose, when code is it (in the caller's
    transaction). Otherwise a ValidationFailed on code (rule not_sent, expired, attempts or mismatch); a wrong code
    counts as a try, committed even though the request fails."""
    # Only the latest code counts: asking for a new one retires the ones before it.
    latest = session.execute(
        sa.select(PhoneCode)
        .where(
            col(PhoneCode.user_id).is_(None) if user_id is None else col(PhoneCode.user_id) == user_id,
            col(PhoneCode.purpose) == purpose,
            col(PhoneCode.phone_reference) == reference,
        )
        .order_by(col(PhoneCode.sent_at).desc(), col(PhoneCode.id).desc())
        .limit(1)
    ).scalar_one_or_none()
    if latest is None or latest.used_at is not None:
        raise _code_refused("no code is waiting for this phone; ask for one", "not_sent")
    if latest.expires_at <= now:
        raise _code_refused("has expired; ask for a new one", "expired")
    if latest.attempts >= MAX_CODE_ATTEMPTS:
        raise _code_refused("was tried too many times; ask for a new one", "attempts")
    # Compared in constant time, as hashes bound to this account (or sign-up), purpose and phone.
    if not hmac.compare_digest(latest.code_hash, _code_hash(code.strip(), user_id, purpose, reference, secret)):
        latest.attempts += 1
        session.commit()  # the try counts even though the request fails
        left = MAX_CODE_ATTEMPTS - latest.attempts
        raise _code_refused(
            f"is not the code sent; {left} tries left" if left else "is wrong, and was the last try", "mismatch"
        )
    latest.used_at = now


def attach_verified_phone(*, session: Session, user_id: int, phone: str, secret: str) -> User:
    """Give the account phone as verified without a code, for data distro loads itself (the demo); commit."""
    number = normalised(phone)
    reference = phone_reference(number, secret)
    lock_phone(session, reference)
    user = _attach_phone(session, user_id, number, reference, utcnow())
    session.commit()
    return user


def normalised(phone: str) -> str:
    """The 11 digits of a mainland mobile number as typed; a ValidationFailed on phone otherwise."""
    number = normalise_phone(phone)
    if number is None:
        raise ValidationFailed(
            "The phone is not a mainland China mobile number.",
            [
                FieldError(
                    "phone",
                    "must be a mainland China mobile number: 11 digits starting 13 to 19, e.g. 13812345678",
                    "phone",
                )
            ],
        )
    return number


def _code_hash(code: str, user_id: int | None, purpose: CodePurpose, reference: str, secret: str) -> str:
    # Keyed: a million codes are quickly hashed, so a plain hash of the table would give them all away.
    whose = str(user_id) if purpose == CodePurpose.VERIFY else f"{purpose}:{user_id}"
    return hmac.new(secret.encode(), f"{whose}:{reference}:{code}".encode(), hashlib.sha256).hexdigest()


def _code_refused(message: str, rule: str) -> ValidationFailed:
    return ValidationFailed("The code does not verify this phone.", [FieldError("code", message, rule)])


def _refuse_phone_of_another_account(session: Session, reference: str, user_id: int) -> None:
    other = session.scalar(
        sa.select(col(User.id)).where(
            col(User.phone_reference) == reference, col(User.phone_verified_at).is_not(None), col(User.id) != user_id
        )
    )
    if other is not None:
        raise Conflict("This phone is verified on another account; one account per phone.")


def _refuse_beyond_limits(session: Session, reference: str, user_id: int | None, now: dt.datetime) -> None:
    since = now - SEND_WINDOW
    by_phone = _sent_since(session, col(PhoneCode.phone_reference) == reference, since)
    # Codes for signing up belong to no account: the phone's limits (and the address's) hold them.
    by_account = _sent_since(session, col(PhoneCode.user_id) == user_id, since) if user_id is not None else []
    waits = []
    if by_phone and now - by_phone[-1] < RESEND_INTERVAL:
        waits.append(("A code was just sent to this phone", by_phone[-1] + RESEND_INTERVAL))
    for sent, whose in ((by_phone, "this phone"), (by_account, "this account")):
        if len(sent) >= MAX_SENDS_PER_DAY:
            # Sending opens again when the oldest counted code leaves the window.
            waits.append(
                (f"{MAX_SENDS_PER_DAY} codes were sent to {whose} in 24 hours", sent[-MAX_SENDS_PER_DAY] + SEND_WINDOW)
            )
    if waits:
        reason, until = max(waits, key=lambda wait: wait[1])
        retry_after = max(1, math.ceil((until - now).total_seconds()))
        raise TooManyRequests(f"{reason}; ask again in {retry_after} seconds.", retry_after=retry_after)


def _sent_since(session: Session, condition: sa.ColumnElement[bool], since: dt.datetime) -> list[dt.datetime]:
    """When codes matching condition were sent after since, oldest first."""
    return list(
        session.execute(
            sa.select(col(PhoneCode.sent_at))
            .where(condition, col(PhoneCode.sent_at) > since)
            .order_by(col(PhoneCode.sent_at))
        ).scalars()
    )


def _attach_phone(session: Session, user_id: int, number: str, reference: str, now: dt.datetime) -> User:
    _refuse_phone_of_another_account(session, reference, user_id)
    user = get_user(session, user_id)
    user.phone_reference, user.phone_masked, user.phone_verified_at = reference, mask_phone(number), now
    return user
