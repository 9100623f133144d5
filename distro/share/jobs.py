"""Fold click counts from Redis into PostgreSQL (every minute, by rq cron)."""

from __future__ import annotations

from distro.db import session_scope
from distro.queue import redis_for, redis_url
from distro.share import services


def fold_clicks() -> int:
    """Fold every click counted since the last fold; return how many."""
    total = 0
    with session_scope() as session:
        while folded := services.fold_clicks(session=session, connection=redis_for(redis_url())):
            total += folded
    return total
