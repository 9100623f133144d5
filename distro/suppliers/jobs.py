"""Periodic work on products: the recent-sales figure the pool sorts by (rq cron, hourly)."""

from __future__ import annotations

from distro.db import session_scope
from distro.settings import current_settings
from distro.suppliers import recent_sales


def refresh_recent_sales() -> int | None:
    """Recount every product's units sold over the last RECENT_SALES_DAYS days; return how many changed."""
    days = int(current_settings()["RECENT_SALES_DAYS"])
    with session_scope() as session:
        return recent_sales.refresh_recent_sales(session=session, days=days)
