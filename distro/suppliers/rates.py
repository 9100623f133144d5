"""A product's commission rate: setting it (effective for orders paid from now on), its history, the changes an
accrual picks the rate in force from, what a rate costs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.clock import utcnow
from distro.commission.calculator import line_commission
from distro.errors import ValidationFailed
from distro.suppliers.models import CommissionRate
from distro.suppliers.rules import RateBounds, RateChange, rate_failures
from distro.suppliers.services import get_own_product
from distro.tiers.rules import TierTable
from distro.validation import FieldError


def set_commission_rate(
    *, session: Session, user_id: int, product_id: int, rate_bp: int, bounds: RateBounds
) -> CommissionRate:
    """Record a new commission rate for the caller's product, effective now for orders paid from now on; commit.

    The product row is locked so that concurrent changes line up, each recording the rate it replaced.
    """
    product = get_own_product(session, user_id, product_id, lock=True)
    failures = rate_failures(rate_bp, bounds)
    if failures:
        raise ValidationFailed("The commission rate is out of bounds.", failures)
    change = CommissionRate(
        product_id=product_id, rate_bp=rate_bp, previous_rate_bp=product.commission_rate_bp, set_by=user_id
    )
    session.add(change)
    audit.record(
        session,
        actor_id=user_id,
        action="product.commission_rate",
        subject_type="product",
        subject_id=product_id,
        before={"rate_bp": product.commission_rate_bp},
        after={"rate_bp": rate_bp},
    )
    product.commission_rate_bp = rate_bp
    product.updated_at = utcnow()
    session.commit()
    return change


def rate_history_query(session: Session, user_id: int, product_id: int) -> sa.Select:
    """The caller's product's rate changes, newest first."""
    get_own_product(session, user_id, product_id)
    return (
        sa.select(CommissionRate)
        .where(col(CommissionRate.product_id) == product_id)
        .order_by(col(CommissionRate.effective_from).desc(), col(CommissionRate.id).desc())
    )


# A product's changes that can be in force for an order paid between :since and :until: the last one effective at
# :since (the index on product and time finds it) and every later one up to :until. Which of them is in force
# for an order is distro.suppliers.rules.rate_in_force's to say.
_RATE_CHANGES = sa.text(
    """
    SELECT r.product_id, r.effective_from, r.id, r.rate_bp
    FROM unnest(CAST(:product_ids AS bigint[])) AS p(id)
    CROSS JOIN LATERAL (
        SELECT coalesce(max(effective_from), '-infinity') AS start FROM commission_rates
        WHERE product_id = p.id AND effective_from <= :since
    ) s
    JOIN commission_rates r ON r.product_id = p.id AND r.effective_from >= s.start AND r.effective_from <= :until
    """
)


def rate_changes(
    session: Session, product_ids: Iterable[int], since: dt.datetime, until: dt.datetime
) -> dict[int, list[RateChange]]:
    """The products' rate changes that can be in force for orders paid from `since` to `until`; one statement.

    Products with none are left out. Pick the rate of an order with rules.rate_in_force.
    """
    result = session.execute(_RATE_CHANGES, {"product_ids": sorted(set(product_ids)), "since": since, "until": until})
    changes: dict[int, list[RateChange]] = {}
    for product_id, effective_from, change_id, rate_bp in result:
        changes.setdefault(product_id, []).append(RateChange(effective_from, change_id, rate_bp))
    return changes


def preview_rate(
    *,
    session: Session,
    user_id: int,
    rate_bp: int,
    price_fen: int | None,
    product_id: int | None,
    bounds: RateBounds,
    tiers: TierTable,
) -> dict[str, Any]:
    """What a rate costs the supplier per sale, at price_fen or at the caller's product's price, and
    how it splits at each tier. Saves nothing."""
    if product_id is not None:
        price_fen = get_own_product(session, user_id, product_id).price_fen
    failures = rate_failures(rate_bp, bounds)
    if price_fen is None:
        failures.append(FieldError("price_fen", "give price_fen or product_id", "required"))
    if failures:
        raise ValidationFailed("The rate cannot be previewed.", failures)
    assert price_fen is not None  # for the type checker: a missing price failed above
    by_tier = []
    for tier in tiers.tiers:
        split = line_commission(price_fen, rate_bp, tier.share_bp)
        by_tier.append(
            {"tier": tier.code, "tier_name": tier.name, "owner_fen": split.owner, "platform_fen": split.platform}
        )
    pool = line_commission(price_fen, rate_bp, tiers.entry.share_bp).pool
    return {
        "price_fen": price_fen,
        "rate_bp": rate_bp,
        "cost_per_sale_fen": pool,
        "supplier_receives_fen": price_fen - pool,
        "by_tier": by_tier,
    }
