"""Periodic work of the selection center: the ranked lists recomputed (rq cron, hourly)."""

from __future__ import annotations

from distro.db import session_scope
from distro.selection import ranking


def refresh_rankings() -> int | None:
    """Recompute every ranked list under a new run; return its id (None: another run was computing)."""
    with session_scope() as session:
        return ranking.refresh_rankings(session=session)
