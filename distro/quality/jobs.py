"""Supplier quality's periodic work: every supplier's measures over 30 and 90 days (rq cron, daily) and the monthly
review of the month just ended (rq cron, 03:00 on the 1st, Asia/Shanghai). Both take periods, not objects, and a
month's review is one job however often it is enqueued (`supplier_review_job_id`)."""

from __future__ import annotations

import datetime as dt

from distro.clock import utcnow
from distro.db import session_scope
from distro.quality import metrics, services
from distro.queue import enqueue_once, get_queue
from distro.settings import current_settings
from distro.tiers.rules import previous_month


def refresh_supplier_metrics() -> int | None:
    """Measure every supplier over the last 30 and 90 days; return how many rows were written (None: a run was on)."""
    hours = int(current_settings()["SUPPLIER_SHIP_WITHIN_HOURS"])
    with session_scope() as session:
        return metrics.refresh_metrics(session=session, ship_within_hours=hours)


def review_last_month() -> dict[str, int]:
    """Review the calendar month that just ended (a month already reviewed writes nothing new)."""
    return review_suppliers(previous_month(utcnow()).isoformat())


def review_suppliers(month: str) -> dict[str, int]:
    """Review one month, given as YYYY-MM-DD of any day in it, and carry out its strikes."""
    with session_scope() as session:
        return services.review_month(
            session=session, period=dt.date.fromisoformat(month).replace(day=1), settings=current_settings()
        )


def supplier_review_job_id(month: str) -> str:
    """The RQ job id of a month's review: the same month, the same job."""
    return f"supplier-review-{dt.date.fromisoformat(month):%Y-%m}"


def enqueue_review(month: str) -> str:
    """Enqueue a month's review by hand (once: a month already queued or running is that job); return its id."""
    job_id = supplier_review_job_id(month)
    enqueue_once(get_queue("periodic"), review_suppliers, month, job_id=job_id)
    return job_id
