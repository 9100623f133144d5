"""The daily job that keeps every partitioned table's next months' partitions made."""

from __future__ import annotations

from distro.clock import BUSINESS_TZ, utcnow
from distro.db import session_scope
from distro.partitions import maintenance, rules


def create_coming_partitions() -> list[str]:
    """Create this month's and the next MONTHS_AHEAD months' partitions of every partitioned table; return them."""
    months = rules.months_to_have(utcnow().astimezone(BUSINESS_TZ).date())
    created: list[str] = []
    with session_scope() as session:
        connection = session.connection()
        for spec in maintenance.PARTITIONED:
            created += maintenance.ensure_partitions(connection, spec, months)
        session.commit()
    return created
