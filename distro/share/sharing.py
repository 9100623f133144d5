"""An owner sharing: the link to hand out for the shop or a product on a channel, and the share kit of a link (what
the API's /share-links/{id}/kit answers and the owner app's 推广 page shows)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import clock
from distro.campaigns import services as campaigns
from distro.campaigns.rules import campaign_title, sale_price
from distro.share import services
from distro.share.kit import Shareable, share_kit
from distro.share.models import ShareLink
from distro.shops.models import Shop
from distro.shops.services import get_own_shop, own_shops_query, shop_items_query
from distro.suppliers.models import Product

SHOP_DESCRIPTION = "店主精选好物，供应商直发"
"""What a link to the whole shop says under its title."""


def link_to_share(*, session: Session, owner_id: int, shop_id: int, product_id: int | None, channel: str) -> ShareLink:
    """The newest link the caller already made for this shop, product (None: the whole shop) and channel, else a
    new one; NotFound for another's shop, ValidationFailed for a product the shop does not carry.

    Reusing it keeps one link per thing and channel however often the owner comes back to share it, so its clicks
    and orders add up on one link instead of scattering over many.
    """
    get_own_shop(session, owner_id, shop_id)
    services.require_shop_product(session, shop_id, product_id)
    made = session.execute(
        sa.select(ShareLink)
        .where(
            col(ShareLink.shop_id) == shop_id,
            col(ShareLink.product_id).is_not_distinct_from(product_id),
            col(ShareLink.channel) == channel,
        )
        .order_by(col(ShareLink.id).desc())
        .limit(1)
    ).scalar_one_or_none()
    if made is not None:
        return made
    return services.create_link(
        session=session, owner_id=owner_id, shop_id=shop_id, channel=channel, product_id=product_id
    )


def shareable(session: Session, link: ShareLink, *, base_url: str) -> Shareable:
    """What a link shows when shared: a product's title, the owner's reason, price and picture; for the whole shop
    its name and SHOP_DESCRIPTION (and, with no picture, its QR code stands in: share_kit)."""
    content = services.link_content(session, link)
    product = content.product if link.product_id else None
    # While a campaign runs on the product, what is shared carries its title, copy and sale price.
    offer = (
        campaigns.offers_at(session, [product.id], clock.utcnow()).get(product.id) if product and product.id else None
    )
    description = content.reason if product else SHOP_DESCRIPTION
    if offer is not None:
        description = "\n".join(text for text in (offer.text, description) if text)
    return Shareable(
        shop_name=content.shop.display_name,
        title=campaign_title(product.title, offer.title if offer else None) if product else content.shop.display_name,
        description=description,
        price_fen=sale_price(product.price_fen, offer) if product else None,
        image_url=(product.image_urls[0] if product and product.image_urls else None),
        base_url=base_url,
        code=link.code,
    )


@dataclass(frozen=True)
class LinkKit:
    """One of the owner's links, what it shows and its share kit."""

    link: ShareLink
    shown: Shareable
    kit: dict
    heading: str
    """What the owner's page names: the product (in the pool or not), else the shop."""

    @property
    def off_sale(self) -> bool:
        """Whether the link's product is out of the pool now (its buyers see 已下架 until it is back)."""
        return self.link.product_id is not None and self.shown.price_fen is None


def own_kit(*, session: Session, owner_id: int, link_id: int, base_url: str) -> LinkKit:
    """The share kit of one of the caller's links (NotFound for anyone else's): distro.share.kit.share_kit."""
    link = services.get_own_link(session, owner_id, link_id)
    shown = shareable(session, link, base_url=base_url)
    # Out of the pool, the product is not what the link shows buyers, but it is still what the owner shared.
    product = session.get(Product, link.product_id) if link.product_id is not None and shown.price_fen is None else None
    return LinkKit(link, shown, share_kit(shown), product.title if product else shown.title)


@dataclass(frozen=True)
class Choices:
    """What an owner may share: their shops, the one chosen, and a page of its products in the pool (in the owner's
    order: rows of Product, reason, position), with whether more follow."""

    shops: list[Shop]
    shop: Shop | None
    products: list[Any]
    more: bool


def choices(*, session: Session, owner_id: int, shop_id: int | None, page: int, per_page: int) -> Choices:
    """The caller's shops and one page of the chosen one's products (shop_id None: the first shop; NotFound for a
    shop of anyone else)."""
    shops = list(session.execute(own_shops_query(owner_id)).scalars())
    if shop_id is None and not shops:
        return Choices(shops, None, [], more=False)
    shop = get_own_shop(session, owner_id, shop_id if shop_id is not None else shops[0].id)
    rows = session.execute(
        shop_items_query(shop.id, visible_only=True)  # type: ignore[arg-type]
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    ).all()
    return Choices(shops, shop, list(rows[:per_page]), more=len(rows) > per_page)
