"""A product's commission rate: setting it (effective for orders paid from now on), its history, what it costs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.clock import utcnow
from distro.commission.calculator import line_commission
from distro.errors import ValidationFailed
from distro.suppliers.models import CommissionRate
from distro.suppliers.rules import RateBounds, rate_failures
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


def rate_in_force(session: Session, product_id: int, at: dt.datetime) -> int | None:
    """The product's commission rate for an order paid at `at` (None before its first rate)."""
    return session.execute(
        sa.select(col(CommissionRate.rate_bp))
        .where(col(CommissionRate.product_id) == product_id, col(CommissionRate.effective_from) <= at)
        .order_by(col(CommissionRate.effective_from).desc(), col(CommissionRate.id).desc())
        .limit(1)
    ).scalar()


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
