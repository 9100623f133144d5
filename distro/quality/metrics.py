"""Suppliers' measures, set-based: one SQL statement measures every supplier over any windows of orders paid
(distro/quality/rules.py:measure is the same rule in Python), and the daily job keeps the rolling 30 and 90 days of
each in supplier_metrics."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session

from distro.clock import utcnow
from distro.db import advisory_xact_lock
from distro.quality.rules import WINDOWS

METRICS_LOCK = "quality:supplier_metrics"

SHIP_DEADLINE = "f.paid_at + make_interval(hours => :ship_within_hours)"
"""When an order must have shipped: SUPPLIER_SHIP_WITHIN_HOURS after payment (the one place a supplier's own
delivery promise would take its place)."""

# Every supplier's measures over each window (key, since, until) of orders paid, as known at :as_of. A supplier's
# part of an order is its lines of it: an order of two suppliers counts once for each. Refund kinds come from the
# after-sales requests of distro's own orders (checkouts.order_ref is the order's external id); an outside order's
# order.refunded event carries no reason, so its refund is of no kind. Averages are whole seconds rounded down
# (bigint division: sum() of bigints is a numeric, which the insert would round);
# percentile_disc ignores the NULLs of orders not shipped (or delivered); greatest() would not, hence the CASEs.
MEASURES = f"""
WITH windows AS (
    SELECT * FROM unnest(CAST(:keys AS int[]), CAST(:sinces AS timestamptz[]), CAST(:untils AS timestamptz[]))
        AS w(key, since, until)
),
facts AS (
    SELECT l.supplier_id, o.id AS order_id, o.external_id, o.paid_at,
           CASE WHEN o.shipped_at <= :as_of THEN o.shipped_at END AS shipped_at,
           CASE WHEN o.delivered_at <= :as_of THEN o.delivered_at END AS delivered_at,
           CASE WHEN o.cancelled_at <= :as_of THEN o.cancelled_at END AS cancelled_at,
           bool_or(l.refunded_fen > 0) AS refunded
    FROM order_lines l JOIN orders o ON o.id = l.order_id
    WHERE o.paid_at >= (SELECT min(since) FROM windows) AND o.paid_at < (SELECT max(until) FROM windows)
    GROUP BY l.supplier_id, o.id
),
judged AS (
    SELECT w.key, f.supplier_id, f.refunded, f.cancelled_at,
           f.shipped_at IS NOT NULL
               OR (f.cancelled_at IS NULL AND {SHIP_DEADLINE} <= :as_of) AS due,
           f.shipped_at <= {SHIP_DEADLINE} AS on_time,
           CASE WHEN f.shipped_at IS NOT NULL
               THEN greatest(0, floor(extract(epoch FROM f.shipped_at - f.paid_at)))::bigint END AS ship_seconds,
           CASE WHEN f.delivered_at IS NOT NULL
               THEN greatest(0, floor(extract(epoch FROM f.delivered_at - f.paid_at)))::bigint END AS delivery_seconds,
           CASE WHEN f.refunded THEN (
               SELECT CASE WHEN bool_or(a.kind = 'return') THEN 'return' WHEN count(*) > 0 THEN 'refund' END
               FROM checkouts c JOIN after_sales_requests a ON a.checkout_id = c.id AND a.status = 'approved'
               WHERE c.order_ref = f.external_id
           ) END AS refund_kind
    FROM facts f JOIN windows w ON f.paid_at >= w.since AND f.paid_at < w.until
)
SELECT key, supplier_id,
       count(*) AS orders,
       count(*) FILTER (WHERE due) AS due,
       count(*) FILTER (WHERE on_time) AS on_time,
       count(cancelled_at) AS cancelled,
       count(*) FILTER (WHERE refunded) AS refunded,
       count(*) FILTER (WHERE refund_kind = 'return') AS refunded_return,
       count(*) FILTER (WHERE refund_kind = 'refund') AS refunded_refund_only,
       sum(ship_seconds)::bigint / count(ship_seconds) AS ship_avg_seconds,
       percentile_disc(0.9) WITHIN GROUP (ORDER BY ship_seconds) AS ship_p90_seconds,
       sum(delivery_seconds)::bigint / count(delivery_seconds) AS delivery_avg_seconds,
       percentile_disc(0.9) WITHIN GROUP (ORDER BY delivery_seconds) AS delivery_p90_seconds
FROM judged
GROUP BY key, supplier_id
"""  # noqa: S608  (SHIP_DEADLINE is this module's own text, never input)

COUNTS = (
    "orders",
    "due",
    "on_time",
    "cancelled",
    "refunded",
    "refunded_return",
    "refunded_refund_only",
    "ship_avg_seconds",
    "ship_p90_seconds",
    "delivery_avg_seconds",
    "delivery_p90_seconds",
)
"""What MEASURES gives per window and supplier, as supplier_metrics keeps it."""

_REFRESH = sa.text(
    f"""
    WITH measured AS ({MEASURES})
    INSERT INTO supplier_metrics (supplier_id, window_days, as_of, {", ".join(COUNTS)})
    SELECT supplier_id, key, :as_of, {", ".join(COUNTS)} FROM measured
    """  # noqa: S608  (this module's own text, never input)
)


def measure_params(
    windows: Sequence[tuple[int, dt.datetime, dt.datetime]], *, as_of: dt.datetime, ship_within_hours: int
) -> dict:
    """MEASURES' parameters for windows of (key, since, until)."""
    return {
        "keys": [key for key, _, _ in windows],
        "sinces": [since for _, since, _ in windows],
        "untils": [until for _, _, until in windows],
        "as_of": as_of,
        "ship_within_hours": ship_within_hours,
    }


def refresh_metrics(*, session: Session, ship_within_hours: int, now: dt.datetime | None = None) -> int | None:
    """Measure every supplier over the last 30 and 90 days, replacing the figures before (one pass over the 90
    days' lines); commit. Returns how many rows were written, or None when another run holds the refresh."""
    if not advisory_xact_lock(session, METRICS_LOCK):
        session.rollback()
        return None
    now = now or utcnow()
    windows = [(days, now - dt.timedelta(days=days), now) for days in WINDOWS]
    session.execute(sa.text("DELETE FROM supplier_metrics"))
    result = session.execute(_REFRESH, measure_params(windows, as_of=now, ship_within_hours=ship_within_hours))
    written = result.rowcount  # type: ignore[attr-defined]  # an INSERT gives a CursorResult
    session.commit()
    return written
