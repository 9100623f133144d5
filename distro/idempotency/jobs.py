"""Periodic housekeeping of Idempotency-Key records."""

from __future__ import annotations

from distro.db import session_scope
from distro.idempotency import services
from distro.settings import current_settings


def purge_expired_idempotency_keys() -> int:
    """Delete Idempotency-Key records past their TTL; return how many."""
    ttl = int(current_settings()["IDEMPOTENCY_TTL_SECONDS"])
    with session_scope() as session:
        return services.purge_expired(session=session, ttl_seconds=ttl)
