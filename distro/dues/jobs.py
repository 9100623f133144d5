"""Periodic work on supplier dues (rq cron, Asia/Shanghai): the month's statements once it has ended (02:30 on the
1st), and suppliers suspended whose dues are overdue beyond SUPPLIER_DUES_SUSPEND_DAYS (04:15 daily)."""

from __future__ import annotations

from distro.clock import utcnow
from distro.db import session_scope
from distro.dues import overdue, statements
from distro.settings import current_settings
from distro.tiers.rules import previous_month


def issue_last_month() -> int:
    """Issue the statements of the calendar month that just ended; how many were issued (0 when they were)."""
    return issue_month(previous_month(utcnow()).strftime("%Y-%m"))


def issue_month(month: str) -> int:
    """Issue one ended month's statements (YYYY-MM) for every supplier; statements issued before stand."""
    with session_scope() as session:
        return statements.issue_month(session=session, month=month)


def suspend_overdue_suppliers() -> list[int]:
    """Suspend the suppliers whose statements are overdue beyond SUPPLIER_DUES_SUSPEND_DAYS; their ids."""
    limit = int(current_settings()["SUPPLIER_DUES_SUSPEND_DAYS"])
    with session_scope() as session:
        return overdue.suspend_overdue(session=session, limit_days=limit)
