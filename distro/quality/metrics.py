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

SHIP_DEADLINE = "f.paid_at + make_interval(hours => coalesce(p.ship_within_hours, :ship_within_hours))"
"""When an order must have shipped: within the supplier's shipping promise in force when it was paid (p, the
`promised` spans joined to `facts`), else SUPPLIER_SHIP_WITHIN_HOURS after payment."""

# Every supplier's measures over each window i (paid in [:since_i, :until_i)), as known at :as_of. A supplier's part
# of an order is its lines of it: an order of two suppliers counts once for each. The lines are read once, sorted by
# supplier and order: the orders of a supplier come together, so one pass aggregates every window (FILTER) and the
# percentiles need no second sort. Refund kinds come from the approved after-sales requests of distro's own orders
# (checkouts.order_ref is the order's external id), looked up for refunded orders only; an outside order's
# order.refunded event carries no reason, so its refund is of no kind. Averages are whole seconds rounded down (bigint
# division: sum() of bigints is a numeric, which the insert would round); percentile_disc ignores the NULLs of orders
# not shipped (or delivered); greatest() would not, hence the CASEs.
_FACTS = """
facts AS (
    SELECT l.supplier_id, o.id AS order_id, o.paid_at,
           CASE WHEN o.shipped_at <= :as_of THEN o.shipped_at END AS shipped_at,
           CASE WHEN o.delivered_at <= :as_of THEN o.delivered_at END AS delivered_at,
           CASE WHEN o.cancelled_at <= :as_of THEN o.cancelled_at END AS cancelled_at,
           bool_or(l.refunded_fen > 0) AS refunded,
           {kind} AS refund_kind
    FROM order_lines l JOIN orders o ON o.id = l.order_id
    WHERE o.paid_at >= :first_since AND o.paid_at < :last_until
    GROUP BY l.supplier_id, o.id
    {order}
),
promised AS (
    -- Each shipping promise's span: from its row's effective_from to the supplier's next row's (distro/promises).
    SELECT supplier_id, ship_within_hours, effective_from,
           lead(effective_from) OVER (PARTITION BY supplier_id ORDER BY effective_from, id) AS until
    FROM supplier_promises
),
judged AS (
    SELECT f.supplier_id, f.paid_at, f.refunded, f.cancelled_at, f.refund_kind,
           f.shipped_at IS NOT NULL
               OR (f.cancelled_at IS NULL AND {deadline} <= :as_of) AS due,
           f.shipped_at <= {deadline} AS on_time,
           CASE WHEN f.shipped_at IS NOT NULL
               THEN greatest(0, floor(extract(epoch FROM f.shipped_at - f.paid_at)))::bigint END AS ship_seconds,
           CASE WHEN f.delivered_at IS NOT NULL
               THEN greatest(0, floor(extract(epoch FROM f.delivered_at - f.paid_at)))::bigint END AS delivery_seconds
    FROM facts f
    LEFT JOIN promised p ON p.supplier_id = f.supplier_id AND p.effective_from <= f.paid_at
        AND (p.until IS NULL OR f.paid_at < p.until)
)"""

_REFUND_KIND = """CASE WHEN bool_or(l.refunded_fen > 0) THEN (
               SELECT CASE WHEN bool_or(a.kind = 'return') THEN 'return' WHEN count(*) > 0 THEN 'refund' END
               FROM checkouts c JOIN after_sales_requests a ON a.checkout_id = c.id AND a.status = 'approved'
               WHERE c.order_ref = o.external_id
           ) END"""

_PER_WINDOW = (
    ("orders", "count(*) FILTER (WHERE {w})"),
    ("due", "count(*) FILTER (WHERE {w} AND due)"),
    ("on_time", "count(*) FILTER (WHERE {w} AND on_time)"),
    ("cancelled", "count(cancelled_at) FILTER (WHERE {w})"),
    ("refunded", "count(*) FILTER (WHERE {w} AND refunded)"),
    ("refunded_return", "count(*) FILTER (WHERE {w} AND refund_kind = 'return')"),
    ("refunded_refund_only", "count(*) FILTER (WHERE {w} AND refund_kind = 'refund')"),
    ("ship_avg_seconds", "sum(ship_seconds) FILTER (WHERE {w})::bigint / count(ship_seconds) FILTER (WHERE {w})"),
    ("ship_p90_seconds", "percentile_disc(0.9) WITHIN GROUP (ORDER BY ship_seconds) FILTER (WHERE {w})"),
    (
        "delivery_avg_seconds",
        "sum(delivery_seconds) FILTER (WHERE {w})::bigint / count(delivery_seconds) FILTER (WHERE {w})",
    ),
    ("delivery_p90_seconds", "percentile_disc(0.9) WITHIN GROUP (ORDER BY delivery_seconds) FILTER (WHERE {w})"),
)
COUNTS = tuple(name for name, _ in _PER_WINDOW)
"""What measures_sql gives per window and supplier, as supplier_metrics keeps it."""
JUDGED = COUNTS[:5]
"""What measures_sql gives without times and kinds: what a review judges (orders, due, on time, cancelled, refunded)."""


def measures_sql(windows: int, *, times: bool = True) -> str:
    """The SELECT of every supplier's measures over `windows` windows, one row (key, supplier_id, COUNTS…) per window
    in which the supplier had an order (parameters: measure_params). Without times, only JUDGED: no percentile needs
    the lines sorted by supplier, so both groupings may hash, and no refund's kind is looked up."""
    names = COUNTS if times else JUDGED
    columns = ",\n           ".join(
        f"{expression.format(w=f'in_{index}')} AS {name}_{index}"
        for index in range(windows)
        for name, expression in _PER_WINDOW
        if name in names
    )
    rows = ", ".join(
        "(" + ", ".join([f"CAST(:key_{index} AS int)", "s.supplier_id"] + [f"s.{name}_{index}" for name in names]) + ")"
        for index in range(windows)
    )
    facts = _FACTS.format(
        deadline=SHIP_DEADLINE,
        kind=_REFUND_KIND if times else "NULL::text",
        order="ORDER BY l.supplier_id, o.id" if times else "",
    )
    within = ", ".join(
        f"paid_at >= :since_{index} AND paid_at < :until_{index} AS in_{index}" for index in range(windows)
    )
    return f"""
    WITH {facts},
    per_supplier AS (
        SELECT supplier_id,
           {columns}
        FROM (SELECT judged.*, {within} FROM judged) judged
        GROUP BY supplier_id
    )
    SELECT v.* FROM per_supplier s
    CROSS JOIN LATERAL (VALUES {rows}) AS v(key, supplier_id, {", ".join(names)})
    WHERE v.orders > 0
    """  # noqa: S608  (this module's own text, never input)


WORK_MEM = sa.text("SET LOCAL work_mem = '128MB'")
"""For the jobs' transactions: their sorts and hashes over millions of lines spill less."""
PARALLEL = sa.text("SET LOCAL parallel_tuple_cost = 0.01")
"""For the metrics job's transaction: at the default (0.1) the planner keeps the join and the sort by supplier of 10M
lines in one process; two workers sharing them took the 1M-line benchmark from 7 s to 5 s."""


_REFRESH = sa.text(
    f"""
    WITH measured AS ({measures_sql(len(WINDOWS))})
    INSERT INTO supplier_metrics (supplier_id, window_days, as_of, {", ".join(COUNTS)})
    SELECT supplier_id, key, :as_of, {", ".join(COUNTS)} FROM measured
    """  # noqa: S608  (this module's own text, never input)
)


def measure_params(
    windows: Sequence[tuple[int, dt.datetime, dt.datetime]], *, as_of: dt.datetime, ship_within_hours: int
) -> dict:
    """measures_sql's parameters for windows of (key, since, until)."""
    return {
        **{f"key_{index}": key for index, (key, _, _) in enumerate(windows)},
        **{f"since_{index}": since for index, (_, since, _) in enumerate(windows)},
        **{f"until_{index}": until for index, (_, _, until) in enumerate(windows)},
        "first_since": min(since for _, since, _ in windows),
        "last_until": max(until for _, _, until in windows),
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
    session.execute(WORK_MEM)
    session.execute(PARALLEL)
    session.execute(sa.text("DELETE FROM supplier_metrics"))
    result = session.execute(_REFRESH, measure_params(windows, as_of=now, ship_within_hours=ship_within_hours))
    written = result.rowcount  # type: ignore[attr-defined]  # an INSERT gives a CursorResult
    session.commit()
    return written
