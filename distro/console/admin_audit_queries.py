"""The audit log search the 审计日志 page runs: by actor, object, action and time range, newest first, a page at a
time (keyset on created_at and id, each filter with its own index: see distro/audit.py and migration 0022)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.audit import AuditEntry
from distro.auth.models import User
from distro.auth.services import find_user_by_email
from distro.clock import BUSINESS_TZ
from distro.console.lists import PAGE_SIZE
from distro.errors import NotFound


@dataclass(frozen=True)
class AuditSearch:
    """What to look for; None matches anything. Days are Shanghai calendar days, both ends included."""

    actor_id: int | None = None
    action: str | None = None
    subject_type: str | None = None
    subject_id: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None


@dataclass(frozen=True)
class AuditPage:
    """A page of entries (each with its actor's name and email) and the entry to continue after."""

    rows: Sequence[sa.RowMapping]
    next_after: int | None


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=BUSINESS_TZ)


def search_query(search: AuditSearch) -> sa.Select:
    """The entries matching search, newest first (no paging)."""
    query = sa.select(
        col(AuditEntry.id),
        col(AuditEntry.created_at),
        col(AuditEntry.actor_id),
        col(User.display_name).label("actor_name"),
        col(User.email).label("actor_email"),
        col(AuditEntry.action),
        col(AuditEntry.subject_type),
        col(AuditEntry.subject_id),
        col(AuditEntry.before),
        col(AuditEntry.after),
    ).outerjoin(User, col(User.id) == AuditEntry.actor_id)
    if search.actor_id is not None:
        query = query.where(col(AuditEntry.actor_id) == search.actor_id)
    if search.action is not None:
        query = query.where(col(AuditEntry.action) == search.action)
    if search.subject_type is not None:
        query = query.where(col(AuditEntry.subject_type) == search.subject_type)
    if search.subject_id is not None:
        query = query.where(col(AuditEntry.subject_id) == search.subject_id)
    if search.since is not None:
        query = query.where(col(AuditEntry.created_at) >= _day_start(search.since))
    if search.until is not None:
        query = query.where(col(AuditEntry.created_at) < _day_start(search.until + dt.timedelta(days=1)))
    return query.order_by(col(AuditEntry.created_at).desc(), col(AuditEntry.id).desc())


def search_page(session: Session, search: AuditSearch, *, after: int | None, size: int = PAGE_SIZE) -> AuditPage:
    """The page of matching entries after entry `after` (None: the newest); NotFound for an unknown entry."""
    query = search_query(search)
    if after is not None:
        mark = session.get(AuditEntry, after)
        if mark is None:
            raise NotFound(f"No audit entry {after}.")
        query = query.where(
            sa.tuple_(col(AuditEntry.created_at), col(AuditEntry.id)) < sa.tuple_(mark.created_at, after)
        )
    rows = list(session.execute(query.limit(size + 1)).mappings())
    shown = rows[:size]
    return AuditPage(shown, shown[-1]["id"] if len(rows) > size else None)


def actor_id_of(session: Session, said: str) -> int | None:
    """The account an admin typed as the actor: its id, or its email (any case); None when no account matches."""
    if said.isdigit():
        return int(said) if int(said) < 2**63 and session.get(User, int(said)) is not None else None
    user = find_user_by_email(session, said)
    return None if user is None else user.id
