"""The ranking job: every list of the selection center recomputed set-based, under a new run that replaces the
last one in one transaction (readers see the old lists or the new ones, never a mix).

One statement reads the window's order lines once into each product's numbers (a temporary table); one
INSERT … SELECT per list ranks them per category and overall by the rules of distro/selection/rules.py.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session

from distro.clock import BUSINESS_TZ, utcnow
from distro.db import advisory_xact_lock
from distro.selection.rules import (
    LIST_SIZE,
    LISTS,
    MIN_CONVERSION_CLICKS,
    MIN_REPURCHASE_BUYERS,
    MIN_RISING_UNITS,
    NEW_DAYS,
    WEEK_DAYS,
    WINDOW_DAYS,
    click_days,
)

RANKING_LOCK = "selection:rankings"
# The window's lines are joined to their orders and sorted by product and buyer: with PostgreSQL's default 4 MB
# per sort or hash, 10M lines spill to disk in 32 batches. The run is one statement an hour, so it may take more.
RANKING_WORK_MEM = sa.text("SET LOCAL work_mem = '256MB'")

# Each product in the pool with its numbers (rules.numbers): the window's order lines grouped per product and buyer
# in one pass (a repeat buyer's first and last order with units differ; the buyer compared byte-wise, as equality
# needs no locale), then per product; and the unique clicks of its links' days.
_NUMBERS = sa.text(
    """
    CREATE TEMPORARY TABLE selection_numbers ON COMMIT DROP AS
    WITH by_buyer AS (
        SELECT l.product_id, o.buyer_reference COLLATE "C" AS buyer,
               coalesce(sum(u.units) FILTER (WHERE o.paid_at > :week), 0) AS units_7d,
               coalesce(sum(u.units) FILTER (WHERE o.paid_at <= :week AND o.paid_at > :fortnight), 0)
                   AS units_prev_7d,
               sum(u.units) AS units_30d,
               -- Two or more orders with units of it: its first and last such order differ.
               min(o.id) FILTER (WHERE u.units > 0) AS first_order,
               max(o.id) FILTER (WHERE u.units > 0) AS last_order,
               count(DISTINCT o.id) FILTER (WHERE u.units > 0 AND sl.id IS NOT NULL) AS linked
        FROM order_lines l
        JOIN orders o ON o.id = l.order_id
        LEFT JOIN share_links sl ON sl.code = o.share_code AND sl.product_id = l.product_id
        CROSS JOIN LATERAL (
            SELECT CASE WHEN l.paid_fen = 0 THEN l.quantity
                        ELSE (l.quantity * (l.paid_fen - l.refunded_fen) + l.paid_fen - 1) / l.paid_fen END AS units
        ) u
        WHERE o.paid_at > :since AND o.paid_at <= :now AND o.cancelled_at IS NULL
        GROUP BY l.product_id, o.buyer_reference COLLATE "C"
    ), per_product AS (
        SELECT product_id, sum(units_7d) AS units_7d, sum(units_prev_7d) AS units_prev_7d,
               sum(units_30d) AS units_30d,
               count(*) FILTER (WHERE buyer IS NOT NULL AND first_order IS NOT NULL) AS buyers,
               count(*) FILTER (WHERE buyer IS NOT NULL AND first_order <> last_order) AS repeat_buyers,
               sum(linked) AS orders
        FROM by_buyer GROUP BY product_id
    ), clicked AS (
        SELECT sl.product_id, sum(c.unique_clicks) AS clicks
        FROM share_click_counts c JOIN share_links sl ON sl.id = c.link_id
        WHERE sl.product_id IS NOT NULL AND c.day >= :first_day AND c.day <= :last_day
        GROUP BY sl.product_id
    )
    SELECT p.id, p.category, p.created_at AS listed_at,
           coalesce(s.units_7d, 0) AS units_7d, coalesce(s.units_prev_7d, 0) AS units_prev_7d,
           coalesce(s.units_30d, 0) AS units_30d, coalesce(s.buyers, 0) AS buyers,
           coalesce(s.repeat_buyers, 0) AS repeat_buyers, coalesce(k.clicks, 0) AS clicks,
           coalesce(s.orders, 0) AS orders
    FROM products p
    LEFT JOIN per_product s ON s.product_id = p.id
    LEFT JOIN clicked k ON k.product_id = p.id
    WHERE p.in_pool
    """
)

# Each list: who may enter (rules.qualifies) and its order (rules.sort_key), in SQL over selection_numbers.
_LIST_SQL = {
    "hot7": ("units_7d > 0", "units_7d DESC, id"),
    "hot30": ("units_30d > 0", "units_30d DESC, id"),
    "rising": (
        f"units_7d >= {MIN_RISING_UNITS} AND units_7d > units_prev_7d",
        "units_7d - units_prev_7d DESC, units_7d DESC, id",
    ),
    "repurchase": (
        f"buyers >= {MIN_REPURCHASE_BUYERS} AND repeat_buyers > 0",
        "repeat_buyers * 10000 / buyers DESC, buyers DESC, id",
    ),
    "conversion": (
        f"clicks >= {MIN_CONVERSION_CLICKS} AND orders > 0",
        "orders * 10000 / clicks DESC, clicks DESC, id",
    ),
    "new": ("listed_at > :new_since AND listed_at <= :now", "listed_at DESC, id"),
}
assert set(_LIST_SQL) == set(LISTS)
_COLUMNS = "units_7d, units_prev_7d, units_30d, buyers, repeat_buyers, clicks, orders, listed_at"


def _insert_list(name: str) -> sa.TextClause:
    where, order = _LIST_SQL[name]
    return sa.text(
        f"""
        INSERT INTO rankings (run_id, list, category, rank, product_id, {_COLUMNS})
        SELECT :run_id, '{name}', cat, place, id, {_COLUMNS}
        FROM (
            SELECT n.*, c.cat, row_number() OVER (PARTITION BY c.cat ORDER BY {order}) AS place
            FROM selection_numbers n CROSS JOIN LATERAL (VALUES (n.category), ('')) AS c(cat)
            WHERE {where}
        ) ranked
        WHERE place <= :size
        """  # noqa: S608  (this module's own text)
    )


_INSERTS = {name: _insert_list(name) for name in LISTS}
_NEW_RUN = sa.text("INSERT INTO ranking_runs (as_of, computed_at) VALUES (:now, :computed_at) RETURNING id")
_PREVIOUS_RUN = sa.text("SELECT max(id) FROM ranking_runs WHERE id < :run_id")
# The run before stays, so a page that read its id a moment ago still finds its rows; older ones go.
_FORGET_ROWS = sa.text("DELETE FROM rankings WHERE run_id < :keep_from")
_FORGET_RUNS = sa.text("DELETE FROM ranking_runs WHERE id < :keep_from")
_ANALYZE = sa.text("ANALYZE selection_numbers")
# ON COMMIT DROP is not enough: under a caller's savepoint, commit only releases it and the table stays.
_DROP = sa.text("DROP TABLE selection_numbers")


def window_params(now: dt.datetime) -> dict:
    """The bounds every statement of a run reads, for a run at `now`."""
    first_day, last_day = click_days(now, BUSINESS_TZ)
    return {
        "now": now,
        "week": now - dt.timedelta(days=WEEK_DAYS),
        "fortnight": now - dt.timedelta(days=2 * WEEK_DAYS),
        "since": now - dt.timedelta(days=WINDOW_DAYS),
        "new_since": now - dt.timedelta(days=NEW_DAYS),
        "first_day": first_day,
        "last_day": last_day,
        "size": LIST_SIZE,
    }


def refresh_rankings(*, session: Session, now: dt.datetime | None = None) -> int | None:
    """Recompute every list under a new run and retire all but the previous one; commit. Returns the run's id, or
    None when another run is computing (it writes the same lists)."""
    if not advisory_xact_lock(session, RANKING_LOCK):
        session.rollback()
        return None
    now = now or utcnow()
    params = window_params(now)
    session.execute(RANKING_WORK_MEM)
    run_id = session.execute(_NEW_RUN, {"now": now, "computed_at": utcnow()}).scalar_one()
    session.execute(_NUMBERS, params)
    session.execute(_ANALYZE)
    for name in LISTS:
        session.execute(_INSERTS[name], {**params, "run_id": run_id})
    session.execute(_DROP)
    previous = session.execute(_PREVIOUS_RUN, {"run_id": run_id}).scalar()
    keep_from = previous if previous is not None else run_id
    session.execute(_FORGET_ROWS, {"keep_from": keep_from})
    session.execute(_FORGET_RUNS, {"keep_from": keep_from})
    session.commit()
    return int(run_id)
