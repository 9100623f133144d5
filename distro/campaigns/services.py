"""Campaign use cases: schedule (admin), propose (supplier, own goods), approve, reject, cancel; what is in force."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit, clock
from distro.campaigns.models import Campaign, CampaignItem
from distro.campaigns.rules import (
    ACTIONS_NEEDING_REASON,
    Action,
    Offer,
    Phase,
    RunningOffer,
    Status,
    TransitionRefused,
    Window,
    next_status,
    offer_failures,
    overlapping,
    phase,
    time_failures,
)
from distro.errors import Conflict, NotFound, ValidationFailed
from distro.suppliers.models import Product
from distro.suppliers.rules import RateBoost, RateBounds, boost_in_force
from distro.suppliers.services import require_approved_supplier, require_reading_supplier
from distro.validation import FieldError

# Campaigns that hold their products' time: a product is in one of these at a time.
_HOLDING = (Status.PROPOSED.value, Status.SCHEDULED.value)


def schedule(
    *, session: Session, user_id: int, copy: dict[str, Any], offers: Sequence[Offer], bounds: RateBounds
) -> Campaign:
    """An admin schedules a campaign on any products of the pool; commit. copy: title, text, picture_urls,
    starts_at, ends_at."""
    return _create(session, user_id, copy, offers, bounds, supplier_id=None)


def propose(
    *, session: Session, user_id: int, copy: dict[str, Any], offers: Sequence[Offer], bounds: RateBounds
) -> Campaign:
    """A supplier proposes a campaign on its own products, for an admin to approve; commit. Another supplier's
    product is NotFound (its existence is not revealed)."""
    supplier = require_approved_supplier(session, user_id)
    return _create(session, user_id, copy, offers, bounds, supplier_id=supplier.id)


def _create(
    session: Session,
    user_id: int,
    copy: dict[str, Any],
    offers: Sequence[Offer],
    bounds: RateBounds,
    *,
    supplier_id: int | None,
) -> Campaign:
    starts_at, ends_at = copy["starts_at"], copy["ends_at"]
    failures = time_failures(starts_at, ends_at, clock.utcnow())
    product_ids = sorted({offer.product_id for offer in offers})
    # Locked in id order: two campaigns taking the same product at once see each other (the overlap check below).
    products = {
        product.id: product
        for product in session.execute(
            sa.select(Product).where(col(Product.id).in_(product_ids)).order_by(col(Product.id)).with_for_update()
        ).scalars()
    }
    for product_id in product_ids:
        product = products.get(product_id)
        if product is None or (supplier_id is not None and product.supplier_id != supplier_id):
            raise NotFound(f"No product {product_id}" + (" of this supplier." if supplier_id else "."))
    failures += offer_failures(offers, {pid: p.price_fen for pid, p in products.items() if pid is not None}, bounds)
    if not failures:
        failures += _overlaps(session, product_ids, starts_at, ends_at)
    if failures:
        session.rollback()
        raise ValidationFailed("The campaign cannot be saved.", failures)
    campaign = Campaign(
        title=copy["title"],
        text=copy["text"],
        picture_urls=list(copy.get("picture_urls") or []),
        starts_at=starts_at,
        ends_at=ends_at,
        status=(Status.PROPOSED if supplier_id is not None else Status.SCHEDULED).value,
        supplier_id=supplier_id,
        created_by=user_id,
    )
    session.add(campaign)
    session.flush()
    assert campaign.id is not None
    session.add_all(
        CampaignItem(
            campaign_id=campaign.id,
            product_id=offer.product_id,
            sale_price_fen=offer.sale_price_fen,
            rate_bp=offer.rate_bp,
        )
        for offer in offers
    )
    audit.record(
        session,
        actor_id=user_id,
        action=f"campaign.{campaign.status}",
        subject_type="campaign",
        subject_id=campaign.id,
        after={"title": campaign.title, "starts_at": starts_at.isoformat(), "products": product_ids},
    )
    session.commit()
    return campaign


def _overlaps(session: Session, product_ids: Collection[int], starts_at: dt.datetime, ends_at: dt.datetime) -> list:
    """A field error for each product already in a proposed or scheduled campaign sharing some of this time."""
    rows = session.execute(
        sa.select(col(CampaignItem.product_id), col(Campaign.id), col(Campaign.starts_at), col(Campaign.ends_at))
        .join(Campaign, col(Campaign.id) == CampaignItem.campaign_id)
        .where(
            col(CampaignItem.product_id).in_(list(product_ids)),
            col(Campaign.status).in_(_HOLDING),
            col(Campaign.ends_at) > starts_at,
            col(Campaign.starts_at) < ends_at,
        )
    ).all()
    failures = []
    for product_id in sorted({row[0] for row in rows}):
        windows = [Window(c, s, e) for p, c, s, e in rows if p == product_id]
        for window in overlapping(windows, starts_at, ends_at):
            failures.append(
                FieldError(
                    "items",
                    f"product {product_id} is already in campaign {window.campaign_id} at that time",
                    "overlap",
                )
            )
    return failures


def decide(*, session: Session, user_id: int, campaign_id: int, action: Action, reason: str | None) -> Campaign:
    """An admin approves or rejects a proposal, or cancels a campaign (with a reason the supplier sees); commit."""
    campaign = session.execute(
        sa.select(Campaign).where(col(Campaign.id) == campaign_id).with_for_update()
    ).scalar_one_or_none()
    if campaign is None:
        raise NotFound(f"No campaign {campaign_id}.")
    if action in ACTIONS_NEEDING_REASON and not (reason or "").strip():
        raise ValidationFailed("Say why.", [FieldError("reason", "a reason is required", "required")])
    now = clock.utcnow()
    before = campaign.status
    try:
        campaign.status = next_status(phase(campaign.status, campaign.starts_at, campaign.ends_at, now), action).value
    except TransitionRefused as refused:
        raise Conflict(str(refused)) from None
    campaign.decided_by, campaign.decided_at = user_id, now
    campaign.reason = reason.strip() if reason and action in ACTIONS_NEEDING_REASON else None
    assert campaign.id is not None
    audit.record(
        session,
        actor_id=user_id,
        action=f"campaign.{action.value}",
        subject_type="campaign",
        subject_id=campaign.id,
        before={"status": before},
        after={"status": campaign.status, "reason": campaign.reason},
    )
    session.commit()
    return campaign


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    """Any campaign (for admins), or NotFound."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"No campaign {campaign_id}.")
    return campaign


def get_own_campaign(session: Session, user_id: int, campaign_id: int) -> Campaign:
    """A campaign the caller's supplier proposed; NotFound for any other."""
    supplier = require_reading_supplier(session, user_id)
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.supplier_id != supplier.id:
        raise NotFound(f"No campaign {campaign_id} of this supplier.")
    return campaign


def campaigns_query(status: str | None = None) -> sa.Select:
    """Every campaign (the admin's list), newest first; status: only proposed, scheduled, rejected or cancelled."""
    query = sa.select(Campaign).order_by(col(Campaign.id).desc())
    return query if status is None else query.where(col(Campaign.status) == status)


def own_campaigns_query(session: Session, user_id: int) -> sa.Select:
    """The campaigns the caller's supplier proposed, newest first."""
    supplier = require_reading_supplier(session, user_id)
    return sa.select(Campaign).where(col(Campaign.supplier_id) == supplier.id).order_by(col(Campaign.id).desc())


def live_query(now: dt.datetime) -> sa.Select:
    """The scheduled campaigns running at `now` or still to come, soonest first (the API's list)."""
    return (
        sa.select(Campaign)
        .where(col(Campaign.status) == Status.SCHEDULED.value, col(Campaign.ends_at) > now)
        .order_by(col(Campaign.starts_at), col(Campaign.id))
    )


def campaign_phase(campaign: Campaign, now: dt.datetime | None = None) -> Phase:
    """Where the campaign stands now (or at `now`)."""
    return phase(campaign.status, campaign.starts_at, campaign.ends_at, now or clock.utcnow())


def items_of(session: Session, campaign_ids: Collection[int]) -> dict[int, list[tuple[CampaignItem, Product]]]:
    """Each campaign's products with what it offers on each, in one statement."""
    items: dict[int, list[tuple[CampaignItem, Product]]] = {campaign_id: [] for campaign_id in campaign_ids}
    rows = session.execute(
        sa.select(CampaignItem, Product)
        .join(Product, col(Product.id) == CampaignItem.product_id)
        .where(col(CampaignItem.campaign_id).in_(list(campaign_ids)))
        .order_by(col(CampaignItem.id))
    )
    for item, product in rows.all():
        items[item.campaign_id].append((item, product))
    return items


def _in_force_query(product_ids: Collection[int]) -> sa.Select:
    return (
        sa.select(
            col(CampaignItem.product_id),
            col(Campaign.id),
            col(Campaign.title),
            col(Campaign.starts_at),
            col(Campaign.ends_at),
            col(CampaignItem.sale_price_fen),
            col(CampaignItem.rate_bp),
            col(Campaign.text),
        )
        .join(Campaign, col(Campaign.id) == CampaignItem.campaign_id)
        .where(col(CampaignItem.product_id).in_(list(product_ids)), col(Campaign.status) == Status.SCHEDULED.value)
    )


def offers_at(session: Session, product_ids: Collection[int], at: dt.datetime) -> dict[int, RunningOffer]:
    """The campaign offer in force at `at` on each product that has one (read by time: nothing to flip)."""
    if not product_ids:
        return {}
    rows = session.execute(
        _in_force_query(product_ids).where(col(Campaign.starts_at) <= at, col(Campaign.ends_at) > at)
    ).all()
    return {row[0]: RunningOffer(*row[1:]) for row in rows}


def rate_boosts(
    session: Session, product_ids: Collection[int], since: dt.datetime, until: dt.datetime
) -> dict[int, list[RateBoost]]:
    """The boosted rates of campaigns that ran some time from `since` to `until`, by product (for accrual, which
    picks the one in force when each order was paid: distro.suppliers.rules.rate_in_force)."""
    if not product_ids:
        return {}
    rows = session.execute(
        _in_force_query(product_ids).where(
            col(Campaign.starts_at) <= until, col(Campaign.ends_at) > since, col(CampaignItem.rate_bp).is_not(None)
        )
    ).all()
    boosts: dict[int, list[RateBoost]] = {}
    for product_id, campaign_id, title, starts_at, ends_at, _price, rate_bp, _text in rows:
        boosts.setdefault(product_id, []).append(RateBoost(starts_at, ends_at, rate_bp, campaign_id, title))
    return boosts


def boosting_campaigns(
    session: Session, sales: Collection[tuple[int, dt.datetime, int]]
) -> dict[tuple[int, dt.datetime], str]:
    """The title of the campaign whose boosted rate a sale earned, by (product, paid at), for sales given as (product,
    paid at, rate its commission line snapshotted): the campaign in force then, when the line's rate is its rate."""
    if not sales:
        return {}
    paid_ats = [paid_at for _, paid_at, _ in sales]
    boosts = rate_boosts(session, {product_id for product_id, _, _ in sales}, min(paid_ats), max(paid_ats))
    found = {}
    for product_id, paid_at, rate_bp in sales:
        boost = boost_in_force(boosts.get(product_id, ()), paid_at)
        if boost is not None and boost.rate_bp == rate_bp:
            found[product_id, paid_at] = boost.campaign_title
    return found


def running_items(
    session: Session, now: dt.datetime, *, limit: int = 100
) -> list[tuple[Campaign, CampaignItem, Product]]:
    """The products of the campaigns running at `now` that are in the pool, the soonest-ending campaign first."""
    rows = session.execute(
        sa.select(Campaign, CampaignItem, Product)
        .join(CampaignItem, col(CampaignItem.campaign_id) == Campaign.id)
        .join(Product, col(Product.id) == CampaignItem.product_id)
        .where(
            col(Campaign.status) == Status.SCHEDULED.value,
            col(Campaign.starts_at) <= now,
            col(Campaign.ends_at) > now,
            col(Product.in_pool).is_(True),
        )
        .order_by(col(Campaign.ends_at), col(Campaign.id), col(CampaignItem.id))
        .limit(limit)
    )
    return [tuple(row) for row in rows.all()]


def running_offer_columns(product_id: Any, now: dt.datetime) -> tuple[Any, Any]:
    """The title and sale price of the campaign running at `now` on the product whose id column is given (NULL when
    none), as two columns a statement can select: a poster is drawn from one statement."""

    def running(column: Any) -> Any:
        return (
            sa.select(column)
            .select_from(CampaignItem)
            .join(Campaign, col(Campaign.id) == CampaignItem.campaign_id)
            .where(
                col(CampaignItem.product_id) == product_id,
                col(Campaign.status) == Status.SCHEDULED.value,
                col(Campaign.starts_at) <= now,
                col(Campaign.ends_at) > now,
            )
            .limit(1)
            .scalar_subquery()
        )

    return running(col(Campaign.title)).label("campaign_title"), running(col(CampaignItem.sale_price_fen)).label(
        "campaign_price_fen"
    )
