"""The audit log: who did what to which record, with the values before and after."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, Session, SQLModel, col

# The tables its foreign keys name, loaded with it: a session cannot flush a row naming a table it never loaded.
import distro.auth.models  # noqa: F401
from distro.clock import utcnow


class AuditEntry(SQLModel, table=True):
    """One audited action (append-only by convention: nothing updates or deletes it)."""

    __tablename__ = "audit_log"
    # The console's search (distro/console/admin_audit_queries.py) reads newest first by (created_at, id), by
    # each filter's own index: a page costs the same at entry 1,000,000 as at entry 50.
    __table_args__ = (
        sa.Index("ix_audit_log_subject", "subject_type", "subject_id", "id"),
        sa.Index("ix_audit_log_created", "created_at", "id"),
        sa.Index("ix_audit_log_actor", "actor_id", "created_at", "id"),
        sa.Index("ix_audit_log_action", "action", "created_at", "id"),
        sa.Index("ix_audit_log_subject_type", "subject_type", "created_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    actor_id: int | None = Field(default=None, foreign_key="users.id", sa_type=sa.BigInteger)
    action: str = Field(max_length=60)
    subject_type: str = Field(max_length=40)
    subject_id: int = Field(sa_type=sa.BigInteger)
    before: dict[str, Any] | None = Field(default=None, sa_type=JSONB)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSONB)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Add an audit entry to the session's transaction (committed with the change it records)."""
    session.add(
        AuditEntry(
            actor_id=actor_id,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            before=before,
            after=after,
        )
    )


def history_query(subject_type: str, subject_id: int) -> sa.Select:
    """Audit entries of one record, newest first."""
    return (
        sa.select(AuditEntry)
        .where(col(AuditEntry.subject_type) == subject_type, col(AuditEntry.subject_id) == subject_id)
        .order_by(col(AuditEntry.id).desc())
    )
