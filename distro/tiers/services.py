"""Tiers: the rules in force, the monthly evaluation (set-based), and an owner's standing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.clock import utcnow
from distro.db import wait_for_advisory_xact_lock
from distro.errors import FieldError, ValidationFailed
from distro.outbound.services import emit_many
from distro.shops.models import Shop
from distro.tiers.models import ShopTierChange, TierRuleSet
from distro.tiers.rules import (
    BUSINESS_TZ,
    TierTable,
    build_tier_table,
    month_bounds,
    month_start,
    tier_table_violations,
)


def current_rules(session: Session, defaults: Sequence[Mapping]) -> TierTable:
    """The tier table in force: the newest set by an admin, else the configured defaults."""
    latest = session.execute(sa.select(col(TierRuleSet.tiers)).order_by(col(TierRuleSet.id).desc()).limit(1)).scalar()
    return build_tier_table(latest if latest is not None else defaults)


def set_rules(
    *, session: Session, tiers: list[dict[str, Any]], admin_id: int, defaults: Sequence[Mapping]
) -> TierTable:
    """Replace the tier table (a new version; the old ones stay), audited; commit."""
    errors = tier_table_violations(tiers)
    if errors:
        raise ValidationFailed("The tier table breaks a rule.", errors)
    before = current_rules(session, defaults)
    session.add(TierRuleSet(tiers=tiers, created_by=admin_id))
    session.flush()
    audit.record(
        session,
        actor_id=admin_id,
        action="tiers.rules_changed",
        subject_type="tier_rules",
        subject_id=0,
        before={"tiers": [vars(tier) for tier in before.tiers]},
        after={"tiers": tiers},
    )
    session.commit()
    return build_tier_table(tiers)


# Distinct buyers are counted under the "C" collation: the database's collation is deterministic, so equal
# means byte-equal under either and the count is the same, but "C" compares bytes, which the sort that
# count(DISTINCT) needs does faster than strcoll: the aggregate over 10M orders took 10.8 s, not 13.8.
_METRICS = """
    SELECT o.shop_id, sum(o.total_paid_fen - o.total_refunded_fen) AS net_gmv, count(*) AS orders,
           count(DISTINCT o.buyer_reference COLLATE "C") AS buyers
    FROM orders o
    WHERE o.shop_id IS NOT NULL AND o.paid_at >= :start AND o.paid_at < :end AND o.status <> 'cancelled'
      AND (:count_self_purchases OR NOT o.self_purchase)
"""


def choice_sql(source: str) -> str:
    """SQL: each row of source (shop_id, old_tier, net_gmv, orders, buyers) with its new tier, as
    rules.tier_for decides it, from evaluation_params' arrays of the tier table."""
    # An expression per row, with no lookup: a subquery over the tiers costs a plan node's start and end per
    # shop (3 s of the evaluation at a million shops). Thresholds never decrease from one tier to the next
    # (rules.tier_table_violations), so the tiers a figure reaches are the table's first ones, as many as
    # width_bucket counts; those all three figures reach are the first `least` of them, the highest of
    # which is the one met. array_position is NULL for a tier the table no longer has: the entry tier.
    return f"""
    SELECT c.shop_id, c.old_tier,
           (CAST(:codes AS varchar[]))[1 + greatest(
               least(width_bucket(CAST(c.net_gmv AS bigint), CAST(:min_gmv AS bigint[])),
                     width_bucket(CAST(c.orders AS bigint), CAST(:min_orders AS bigint[])),
                     width_bucket(CAST(c.buyers AS bigint), CAST(:min_buyers AS bigint[]))) - 1,
               coalesce(array_position(CAST(:codes AS varchar[]), CAST(c.old_tier AS varchar)) - 1, 0) - 1,
               0)] AS new_tier,
           c.net_gmv, c.orders, c.buyers
    FROM {source} c
    """  # noqa: S608  (source is this module's own text or a test's, never input)


# Read only: every shop not yet evaluated for the month, its metrics and its new tier, into a temporary
# table. Deciding before writing keeps the anti-join on shop_tier_history out of the statement that
# inserts into it: planned as a nested loop over a sequential scan (the table looks empty, or index
# scans are off), that join rescans the growing table once per shop, quadratic in the number of shops.
_DECIDE = sa.text(
    f"""
    CREATE TEMPORARY TABLE tier_decisions ON COMMIT DROP AS
    WITH metrics AS ({_METRICS} GROUP BY o.shop_id
    ), candidates AS (
        SELECT s.id AS shop_id, s.tier_code AS old_tier,
               coalesce(m.net_gmv, 0) AS net_gmv, coalesce(m.orders, 0) AS orders, coalesce(m.buyers, 0) AS buyers
        FROM shops s
        LEFT JOIN metrics m ON m.shop_id = s.id
        WHERE s.created_at < :end
          AND NOT EXISTS (SELECT 1 FROM shop_tier_history h WHERE h.shop_id = s.id AND h.month = :month)
    ) {choice_sql("candidates")}
    """  # noqa: S608  (this module's own text)
)
# The month's orders lie in paid_at order, not shop order, so reading them through ix_orders_shop_id
# fetches a random heap page per order (36 s at 10M orders), while the planner, assuming the table is
# cached, prefers it to a sequential scan and a sort (8 s). Only the deciding statement goes without.
_INDEX_SCANS_OFF = sa.text("SET LOCAL enable_indexscan = off")
_INDEX_SCANS_BACK = sa.text("RESET enable_indexscan")
# The writes below are planned on the decisions' real row count, not a guess about a fresh table.
_ANALYZE_DECISIONS = sa.text("ANALYZE tier_decisions")
_RECORD = sa.text(
    """
    WITH written AS (
        INSERT INTO shop_tier_history (shop_id, month, old_tier, new_tier, net_gmv_fen, orders, buyers,
                                       effective_from)
        SELECT d.shop_id, :month, d.old_tier, d.new_tier, d.net_gmv, d.orders, d.buyers, :effective_from
        -- A plain insert, not ON CONFLICT DO NOTHING (a speculative insertion per row): under the month's
        -- lock no other evaluation writes, and the decisions left out every shop evaluated already.
        FROM tier_decisions d
    ), moved AS (
        -- From the decisions, not written: the planner knows nothing of rows a statement writes, and a
        -- join back onto them can become a nested loop, quadratic in the number of shops. Only the shops
        -- whose tier changes are written.
        UPDATE shops s SET tier_code = d.new_tier FROM tier_decisions d
        WHERE s.id = d.shop_id AND d.new_tier <> d.old_tier
    )
    -- Under the month's lock the shops decided are exactly the shops written, so the transitions are
    -- counted from the decisions rather than from a million rows returned by the insert.
    SELECT old_tier, new_tier, count(*) AS shops FROM tier_decisions GROUP BY old_tier, new_tier
    """
)
# The evaluation's statements in order; the last returns the transitions.
EVALUATION_STEPS = (_INDEX_SCANS_OFF, _DECIDE, _INDEX_SCANS_BACK, _ANALYZE_DECISIONS, _RECORD)
# ON COMMIT DROP is not enough: under a caller's savepoint, commit only releases it and the table stays.
_DROP_DECISIONS = sa.text("DROP TABLE tier_decisions")


def evaluation_params(
    table: TierTable, month: dt.date, effective_from: dt.datetime, count_self_purchases: bool
) -> dict[str, Any]:
    """The parameters of the evaluation's statements for a month (its first day) and a tier table."""
    start, end = month_bounds(month)
    return {
        "codes": [tier.code for tier in table.tiers],
        "min_gmv": [tier.min_net_gmv_fen for tier in table.tiers],
        "min_orders": [tier.min_orders for tier in table.tiers],
        "min_buyers": [tier.min_buyers for tier in table.tiers],
        "start": start,
        "end": end,
        "month": month,
        "effective_from": effective_from,
        "count_self_purchases": count_self_purchases,
    }


def evaluate_month(
    *,
    session: Session,
    month: dt.date,
    table: TierTable,
    count_self_purchases: bool,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Move every shop to its tier for a calendar month (Asia/Shanghai), once; commit (or roll back: dry run).

    A read-only statement computes every shop's net GMV (paid − refunded, counted in the month the
    order was paid), orders and distinct buyers over attributed orders and picks the highest tier whose
    thresholds all hold but falls at most one tier (rules.tier_for, in SQL: choice_sql); a second records
    one history row per (shop, month) and moves the shops. A shop already evaluated for the month is
    skipped, so a re-run, or a second scheduler firing at the same time (they take turns on a lock),
    changes nothing. New tiers apply to orders paid from now on.
    """
    month = month_start(month)
    effective_from = now or utcnow()
    if month_bounds(month)[1] > effective_from:
        raise ValidationFailed("That month has not ended.", [FieldError("month", "must be over", "range")])
    wait_for_advisory_xact_lock(session, f"tiers:{month}")
    params = evaluation_params(table, month, effective_from, count_self_purchases)
    for step in EVALUATION_STEPS:
        result = session.execute(step, params)
    rows = result.all()
    session.execute(_DROP_DECISIONS)
    transitions = [{"from": row.old_tier, "to": row.new_tier, "shops": int(row.shops)} for row in rows]
    summary = {
        "month": month.isoformat(),
        "dry_run": dry_run,
        "shops_evaluated": sum(t["shops"] for t in transitions),
        "transitions": transitions,
    }
    if dry_run:
        session.rollback()
        return summary
    _announce_changes(session, month)
    session.commit()
    return summary


def _announce_changes(session: Session, month: dt.date) -> None:
    wanted = session.scalar(
        sa.text(
            "SELECT EXISTS (SELECT 1 FROM webhook_subscriptions WHERE active AND 'tier.changed' = ANY(event_types))"
        )
    )
    if not wanted:
        return
    changes = session.execute(
        sa.select(ShopTierChange).where(
            col(ShopTierChange.month) == month, col(ShopTierChange.old_tier) != ShopTierChange.new_tier
        )
    ).scalars()
    emit_many(
        session,
        [
            (
                "tier.changed",
                {
                    "shop_id": change.shop_id,
                    "month": month.isoformat(),
                    "from": change.old_tier,
                    "to": change.new_tier,
                    "effective_from": change.effective_from.isoformat(),
                },
                None,
            )
            for change in changes
        ],
    )


def tier_in_force_query() -> sa.TextClause:
    """SQL: for (shop id, paid at) pairs, the tier in force then (NULL: never evaluated, the entry tier)."""
    return sa.text(
        """
        SELECT x.shop_id, x.paid_at, h.new_tier
        FROM unnest(CAST(:shop_ids AS bigint[]), CAST(:paid_ats AS timestamptz[])) AS x(shop_id, paid_at)
        LEFT JOIN LATERAL (
            SELECT new_tier FROM shop_tier_history
            WHERE shop_id = x.shop_id AND effective_from <= x.paid_at
            ORDER BY effective_from DESC LIMIT 1
        ) h ON true
        """
    )


def standing(
    session: Session, shop: Shop, table: TierTable, count_self_purchases: bool, now: dt.datetime | None = None
) -> dict[str, Any]:
    """A shop's tier, this month's metrics so far against the next tier's thresholds, and its history."""
    now = now or utcnow()
    month = month_start(now.astimezone(ZoneInfo(BUSINESS_TZ)).date())
    start, end = month_bounds(month)
    metrics = session.execute(
        sa.text(_METRICS + " AND o.shop_id = :shop_id GROUP BY o.shop_id"),
        {"start": start, "end": end, "count_self_purchases": count_self_purchases, "shop_id": shop.id},
    ).first()
    so_far = {
        "net_gmv_fen": int(metrics.net_gmv) if metrics else 0,
        "orders": int(metrics.orders) if metrics else 0,
        "buyers": int(metrics.buyers) if metrics else 0,
    }
    codes = [tier.code for tier in table.tiers]
    current = table.get(shop.tier_code)
    next_tier = table.tiers[codes.index(current.code) + 1] if codes.index(current.code) + 1 < len(codes) else None
    history = (
        session.execute(
            sa.select(ShopTierChange)
            .where(col(ShopTierChange.shop_id) == shop.id)
            .order_by(col(ShopTierChange.month).desc())
        )
        .scalars()
        .all()
    )
    return {
        "tier": current.code,
        "tier_name": current.name,
        "tier_name_en": current.name_en,
        "share_bp": current.share_bp,
        "month": month.isoformat(),
        "so_far": so_far,
        "next_tier": None
        if next_tier is None
        else {
            "tier": next_tier.code,
            "tier_name": next_tier.name,
            "share_bp": next_tier.share_bp,
            "needs": {
                "net_gmv_fen": next_tier.min_net_gmv_fen,
                "orders": next_tier.min_orders,
                "buyers": next_tier.min_buyers,
            },
            "remaining": {
                "net_gmv_fen": max(0, next_tier.min_net_gmv_fen - so_far["net_gmv_fen"]),
                "orders": max(0, next_tier.min_orders - so_far["orders"]),
                "buyers": max(0, next_tier.min_buyers - so_far["buyers"]),
            },
        },
        "history": [
            {
                "month": h.month.isoformat(),
                "from": h.old_tier,
                "to": h.new_tier,
                "net_gmv_fen": h.net_gmv_fen,
                "orders": h.orders,
                "buyers": h.buyers,
                "effective_from": h.effective_from.isoformat(),
            }
            for h in history
        ],
    }
