"""正在热卖: the products of the campaigns running now, each with its sale price and what an owner earns on one sale
at the rate in force (the campaign's boosted one, else the product's) and the owner's tier; the calculator that
accrues commission says how much."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.campaigns import services
from distro.campaigns.rules import RunningOffer, sale_price
from distro.commission.calculator import line_commission
from distro.shops.models import Shop, ShopProduct
from distro.suppliers.models import Product
from distro.tiers.rules import Tier


@dataclass(frozen=True)
class HotItem:
    """One product on sale now, as an owner sees it."""

    product: Product
    offer: RunningOffer
    price_fen: int
    rate_bp: int
    you_earn_fen: int
    carried: bool
    """Whether the owner's shop carries it already (it can be shared at once) or must pick it first."""


def hot_items(session: Session, *, shop: Shop | None, tier: Tier, now: dt.datetime) -> list[HotItem]:
    """The running campaigns' products in the pool, the soonest-ending first, priced and earning at `now`."""
    rows = services.running_items(session, now)
    carried: set[int] = set()
    if shop is not None and rows:
        carried = set(
            session.execute(
                sa.select(col(ShopProduct.product_id)).where(
                    col(ShopProduct.shop_id) == shop.id,
                    col(ShopProduct.product_id).in_([product.id for _, _, product in rows]),
                )
            ).scalars()
        )
    items = []
    for campaign, item, product in rows:
        assert campaign.id is not None and product.id is not None
        offer = RunningOffer(
            campaign.id,
            campaign.title,
            campaign.starts_at,
            campaign.ends_at,
            item.sale_price_fen,
            item.rate_bp,
            campaign.text,
        )
        price = sale_price(product.price_fen, offer)
        rate = product.commission_rate_bp if item.rate_bp is None else item.rate_bp
        earn = line_commission(price, rate, tier.share_bp).owner
        items.append(HotItem(product, offer, price, rate, earn, product.id in carried))
    return items
