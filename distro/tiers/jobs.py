"""The monthly tier evaluation (rq cron, 02:00 on the 1st, Asia/Shanghai)."""

from __future__ import annotations

import datetime as dt

from distro.clock import utcnow
from distro.db import session_scope
from distro.settings import current_settings
from distro.tiers import services
from distro.tiers.rules import previous_month


def evaluate_last_month() -> dict:
    """Evaluate the calendar month that just ended (a no-op when it already was)."""
    return evaluate_month(previous_month(utcnow()).isoformat())


def evaluate_month(month: str) -> dict:
    """Evaluate one month, given as YYYY-MM-DD of any day in it."""
    settings = current_settings()
    with session_scope() as session:
        return services.evaluate_month(
            session=session,
            month=dt.date.fromisoformat(month),
            table=services.current_rules(session, settings["TIERS"]),
            count_self_purchases=settings["SELF_PURCHASE_POLICY"] != "flag",
        )
