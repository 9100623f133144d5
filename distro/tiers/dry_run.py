"""What a month's tier evaluation would do, read only: how many shops would go from each tier to each, and the
first of the shops that would move.

The monthly evaluation's own dry run (services.evaluate_month(dry_run=True)) writes every shop's history row and
tier under the month's lock and rolls back, holding those shops' rows meanwhile; an admin's look before running it
writes nothing. It picks each shop's tier by the same SQL (services.choice_sql, the twin of rules.tier_for) over the
same metrics and the same shops (those open before the month ended and not evaluated for it yet).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.clock import utcnow
from distro.errors import FieldError, ValidationFailed
from distro.shops.models import Shop
from distro.tiers.rules import TierTable, month_bounds, month_start
from distro.tiers.services import (
    _INDEX_SCANS_BACK,
    _INDEX_SCANS_OFF,
    _METRICS,
    choice_sql,
    evaluation_params,
)

MOVERS_SHOWN = 50
"""Shops that would move, listed by id; the counts cover every shop."""

_WOULD = sa.text(
    f"""
    WITH metrics AS ({_METRICS} GROUP BY o.shop_id
    ), candidates AS (
        SELECT s.id AS shop_id, s.tier_code AS old_tier,
               coalesce(m.net_gmv, 0) AS net_gmv, coalesce(m.orders, 0) AS orders, coalesce(m.buyers, 0) AS buyers
        FROM shops s
        LEFT JOIN metrics m ON m.shop_id = s.id
        WHERE s.created_at < :end
          AND NOT EXISTS (SELECT 1 FROM shop_tier_history h WHERE h.shop_id = s.id AND h.month = :month)
    ), decisions AS MATERIALIZED ({choice_sql("candidates")})
    SELECT old_tier, new_tier, count(*) AS shops, NULL::bigint AS shop_id,
           NULL::numeric AS net_gmv, NULL::bigint AS orders, NULL::bigint AS buyers
    FROM decisions GROUP BY old_tier, new_tier
    UNION ALL
    (SELECT old_tier, new_tier, NULL, shop_id, net_gmv, orders, buyers
     FROM decisions WHERE new_tier <> old_tier ORDER BY shop_id LIMIT :shown)
    """  # noqa: S608  (this module's and services' own text)
)


@dataclass(frozen=True)
class Mover:
    """A shop that would change tier, with the month's figures that move it."""

    shop_id: int
    display_name: str
    old_tier: str
    new_tier: str
    net_gmv_fen: int
    orders: int
    buyers: int


@dataclass(frozen=True)
class DryRun:
    """A month's evaluation as it would go now: (from, to, shops) for every pair, the first movers by shop id."""

    month: dt.date
    transitions: list[tuple[str, str, int]]
    movers: list[Mover]

    @property
    def shops_evaluated(self) -> int:
        """Shops the run would evaluate (those already evaluated for the month are left out)."""
        return sum(shops for _, _, shops in self.transitions)

    @property
    def shops_moving(self) -> int:
        """Shops whose tier would change."""
        return sum(shops for old, new, shops in self.transitions if old != new)


def would_evaluate(
    session: Session, *, month: dt.date, table: TierTable, count_self_purchases: bool, now: dt.datetime | None = None
) -> DryRun:
    """The evaluation of month (any day of it) as services.evaluate_month would make it now; nothing is written.

    Refused as that is for a month not over yet.
    """
    month = month_start(month)
    now = now or utcnow()
    if month_bounds(month)[1] > now:
        raise ValidationFailed("That month has not ended.", [FieldError("month", "must be over", "range")])
    params = evaluation_params(table, month, now, count_self_purchases) | {"shown": MOVERS_SHOWN}
    session.execute(_INDEX_SCANS_OFF)  # as the evaluation decides: see services._INDEX_SCANS_OFF
    rows = session.execute(_WOULD, params).all()
    session.execute(_INDEX_SCANS_BACK)
    transitions = sorted(
        ((row.old_tier, row.new_tier, int(row.shops)) for row in rows if row.shop_id is None),
        key=lambda item: (item[0], item[1]),
    )
    moving = [row for row in rows if row.shop_id is not None]
    names = dict(
        session.execute(
            sa.select(col(Shop.id), col(Shop.display_name)).where(col(Shop.id).in_([row.shop_id for row in moving]))
        ).all()
    )
    movers = [
        Mover(
            row.shop_id,
            names.get(row.shop_id, ""),
            row.old_tier,
            row.new_tier,
            int(row.net_gmv),
            row.orders,
            row.buyers,
        )
        for row in moving
    ]
    return DryRun(month, transitions, movers)
