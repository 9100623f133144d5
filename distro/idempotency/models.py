"""Stored outcomes of requests sent with an Idempotency-Key."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from distro.clock import utcnow

RUNNING = "running"
DONE = "done"


class IdempotencyRecord(SQLModel, table=True):
    """One caller's key: the request it was first used for and, once finished, the response."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (sa.CheckConstraint("state IN ('running','done')", name="known_state"),)

    # Keys are scoped to the caller, so one user can never replay another's response.
    user_id: int = Field(primary_key=True, sa_type=sa.BigInteger)
    key: str = Field(primary_key=True, max_length=255)
    request_fingerprint: str = Field(max_length=64)
    state: str = Field(default=RUNNING, max_length=10)
    response_status: int | None = None
    response_body: str | None = Field(default=None, sa_type=sa.Text)
    response_location: str | None = Field(default=None, max_length=500)
    locked_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True), index=True)
