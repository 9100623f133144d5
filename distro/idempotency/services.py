"""Claim, finish, release and purge Idempotency-Key records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col

from distro.clock import utcnow
from distro.errors import Conflict, FieldError, ValidationFailed
from distro.idempotency.models import DONE, RUNNING, IdempotencyRecord


@dataclass(frozen=True)
class StoredResponse:
    """A finished request's response, to be replayed."""

    status: int
    body: str
    location: str | None


def claim(*, session: Session, user_id: int, key: str, fingerprint: str, lock_seconds: int) -> StoredResponse | None:
    """Claim key for this request, or return the stored response of the request that already used it.

    Raises ValidationFailed when the key was used for a different request, and Conflict while the
    first request is still running. A claim left "running" longer than lock_seconds is taken to
    have crashed and may be taken over. Commits the claim before returning.
    """
    now = utcnow()
    inserted = session.execute(
        insert(IdempotencyRecord)
        .values(user_id=user_id, key=key, request_fingerprint=fingerprint, state=RUNNING, locked_at=now, created_at=now)
        .on_conflict_do_nothing()
        .returning(col(IdempotencyRecord.key))
    ).first()
    if inserted:
        session.commit()
        return None
    record = session.execute(
        sa.select(IdempotencyRecord)
        .where(col(IdempotencyRecord.user_id) == user_id, col(IdempotencyRecord.key) == key)
        .with_for_update()
    ).scalar_one()
    if record.request_fingerprint != fingerprint:
        session.rollback()
        raise ValidationFailed(
            "This Idempotency-Key was already used for a different request.",
            [FieldError("Idempotency-Key", "already used with a different method, path or body", "reused")],
        )
    if record.state == DONE:
        stored = StoredResponse(record.response_status or 200, record.response_body or "", record.response_location)
        session.rollback()
        return stored
    if record.locked_at > now - dt.timedelta(seconds=lock_seconds):
        session.rollback()
        raise Conflict("A request with this Idempotency-Key is still being processed; retry later.")
    record.locked_at = now
    session.commit()
    return None


def finish(*, session: Session, user_id: int, key: str, status: int, body: str, location: str | None) -> None:
    """Store the response of a finished request so that retries replay it."""
    session.execute(
        sa.update(IdempotencyRecord)
        .where(col(IdempotencyRecord.user_id) == user_id, col(IdempotencyRecord.key) == key)
        .values(state=DONE, response_status=status, response_body=body, response_location=location)
    )
    session.commit()


def release(*, session: Session, user_id: int, key: str) -> None:
    """Forget the claim of a request that failed (and so changed nothing), so a retry runs it again."""
    session.execute(
        sa.delete(IdempotencyRecord).where(
            col(IdempotencyRecord.user_id) == user_id,
            col(IdempotencyRecord.key) == key,
            col(IdempotencyRecord.state) == RUNNING,
        )
    )
    session.commit()


def purge_expired(*, session: Session, ttl_seconds: int, now: dt.datetime | None = None) -> int:
    """Delete records older than ttl_seconds; return how many were deleted."""
    cutoff = (now or utcnow()) - dt.timedelta(seconds=ttl_seconds)
    result = session.execute(sa.delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < cutoff))
    session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
