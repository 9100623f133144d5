"""Reads the owner app needs that no service had as one call: which of the owner's shops a page works on, a page
of the pool with what each product earns the owner, and the shop's picks. Each is built from the services the
API uses (distro.shops.services: the pool's query, the owner's tier, the commission calculator)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.shops.models import Shop, ShopProduct
from distro.shops.services import (
    OPEN_STATUSES,
    PoolFilter,
    get_own_shop,
    own_shops_query,
    owner_tier,
    pool_query,
    shop_items_query,
    with_earnings,
)
from distro.suppliers.models import Supplier
from distro.tiers.rules import Tier, TierTable


def working_shop(session: Session, owner_id: int, shop_id: int | None = None) -> Shop | None:
    """The owner's shop a page works on: the one named (NotFound when it is not theirs), else their first shop
    still open (active, waiting for approval or suspended), else None (no shop yet)."""
    if shop_id is not None:
        return get_own_shop(session, owner_id, shop_id)
    return session.execute(
        own_shops_query(owner_id).where(col(Shop.status).in_(OPEN_STATUSES)).limit(1)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class PoolPage:
    """One page of the pool as an owner browses it."""

    items: list[dict[str, Any]]
    """Each product as the API's /pool gives it (with you_earn_fen at the tier), plus supplier_name and picked."""
    has_more: bool
    tier: Tier
    picked_count: int
    """How many products the shop carries (of its cap)."""


def pool_page(
    session: Session,
    *,
    owner_id: int,
    shop: Shop | None,
    pool_filter: PoolFilter,
    tiers: TierTable,
    page: int,
    page_size: int,
) -> PoolPage:
    """A page of the pool filtered and sorted as the API's /pool does, each product with what the owner earns on
    one sale at the tier of the shop (the calculator that accrues), its supplier's name and whether the shop has
    picked it."""
    products = list(
        session.execute(pool_query(pool_filter).offset((page - 1) * page_size).limit(page_size + 1)).scalars()
    )
    shown = products[:page_size]
    tier = owner_tier(session, owner_id, shop.id if shop else None, tiers)
    ids = [product.id for product in shown]
    names = dict(
        session.execute(
            sa.select(col(Supplier.id), col(Supplier.company_name)).where(
                col(Supplier.id).in_({product.supplier_id for product in shown})
            )
        ).all()
    )
    picked: set[int] = set()
    picked_count = 0
    if shop is not None:
        picked = set(
            session.execute(
                sa.select(col(ShopProduct.product_id)).where(
                    col(ShopProduct.shop_id) == shop.id, col(ShopProduct.product_id).in_(ids)
                )
            ).scalars()
        )
        picked_count = _carried(session, shop)
    items = [
        {**item, "supplier_name": names.get(item["supplier_id"], ""), "picked": item["id"] in picked}
        for item in with_earnings(shown, tier)
    ]
    return PoolPage(items, len(products) > page_size, tier, picked_count)


def _carried(session: Session, shop: Shop) -> int:
    return (
        session.scalar(sa.select(sa.func.count()).select_from(ShopProduct).where(col(ShopProduct.shop_id) == shop.id))
        or 0
    )


@dataclass(frozen=True)
class Picks:
    """The shop's products in the owner's order, with what each earns at the shop's tier."""

    items: list[dict[str, Any]]
    """Each product (in_pool false when it left the pool, with the takedown reason), you_earn_fen, reason."""
    tier: Tier


def shop_picks(session: Session, *, owner_id: int, shop: Shop, tiers: TierTable) -> Picks:
    """Every product the shop carries, in the owner's order, with the owner's reason and earnings."""
    assert shop.id is not None  # loaded from the database
    rows = session.execute(shop_items_query(shop.id, visible_only=False)).all()
    tier = owner_tier(session, owner_id, shop.id, tiers)
    earning = with_earnings([row.Product for row in rows], tier)
    return Picks([{**item, "reason": row.reason} for item, row in zip(earning, rows, strict=True)], tier)
