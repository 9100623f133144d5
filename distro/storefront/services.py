"""Storefront use cases: the shop and product pages' data, placing an order, paying for it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.campaigns import services as campaigns
from distro.campaigns.rules import RunningOffer, sale_price
from distro.clock import utcnow
from distro.errors import Conflict, NotFound, ValidationFailed
from distro.outbound.services import emit_many
from distro.shops.models import Shop, ShopProduct
from distro.shops.services import active_shop, public_shop
from distro.storefront import events, lifecycle, stock
from distro.storefront.models import Checkout
from distro.storefront.rules import buyer_reference, new_access_token, new_order_ref
from distro.suppliers.models import Product, ProductSku
from distro.suppliers.services import skus_of
from distro.validation import FieldError


@dataclass(frozen=True)
class ProductPage:
    """What a product page shows: the shop, the product, its SKUs and the owner's reason."""

    shop: Shop
    product: Product
    reason: str
    skus: tuple[ProductSku, ...] = ()
    offer: RunningOffer | None = None
    """The campaign running on the product when the page was read, if any: its sale price and end."""

    @property
    def lowest_price_fen(self) -> int:
        """The price a buyer pays at least: the cheapest SKU's, or the product's when it has none."""
        return min((sku.price_fen for sku in self.skus), default=self.product.price_fen)

    @property
    def sale_lowest_price_fen(self) -> int:
        """The lowest price while the campaign runs (the normal one without a campaign)."""
        return sale_price(self.lowest_price_fen, self.offer)

    def price_of(self, price_fen: int) -> int:
        """A SKU's price as checkout charges it now: capped by the running campaign's sale price, if any."""
        return sale_price(price_fen, self.offer)

    @property
    def one_price(self) -> bool:
        """True when every SKU costs the same (the price is shown without 起)."""
        return len({sku.price_fen for sku in self.skus}) <= 1


class ProductOffSale(NotFound):
    """A product an open shop does not sell now (it left the pool, or the owner took it off the shelf): a buyer who
    follows an old share link is told so and led to the shop, rather than shown 找不到页面."""

    def __init__(self, shop: Shop, product_title: str) -> None:
        super().__init__("This product is not on sale in this shop.")
        self.shop = shop
        self.product_title = product_title


def shop_page(session: Session, slug: str) -> tuple[Shop, list[Any]]:
    """An open shop and the products a buyer can order from it."""
    return public_shop(session, slug)


def product_page(session: Session, slug: str, product_id: int) -> ProductPage:
    """A product as an open shop offers it; NotFound when the shop does not carry it or it left the pool."""
    row = session.execute(
        sa.select(Shop, Product, col(ShopProduct.reason))
        .join(ShopProduct, col(ShopProduct.shop_id) == Shop.id)
        .join(Product, col(Product.id) == ShopProduct.product_id)
        .where(
            col(Shop.slug) == slug,
            col(Shop.status) == "active",
            col(Product.id) == product_id,
            col(Product.in_pool).is_(True),
        )
    ).first()
    if row is None:
        shop = active_shop(session, slug)  # a suspended or closed shop says so rather than "not on sale"
        title = session.execute(sa.select(col(Product.title)).where(col(Product.id) == product_id)).scalar()
        if title is None:
            raise NotFound("No such product.")
        raise ProductOffSale(shop, title)
    skus = tuple(skus_of(session, [product_id])[product_id])
    offer = campaigns.offers_at(session, [product_id], utcnow()).get(product_id)
    return ProductPage(row.Shop, row.Product, row.reason, skus, offer)


def _priced(page: ProductPage, sku_name: str | None, quantity: int) -> tuple[str | None, int]:
    """The SKU the buyer chose and its unit price; refuses a missing, unknown or sold-out choice (in Chinese)."""
    if not page.skus:
        if page.product.stock < quantity:
            raise ValidationFailed(
                "库存不足", [FieldError("quantity", f"库存不足，仅剩 {page.product.stock} 件", "stock")]
            )
        return None, page.product.price_fen
    chosen = next((sku for sku in page.skus if sku.name == sku_name), None)
    if chosen is None:
        raise ValidationFailed("请选择规格", [FieldError("sku", "请选择规格", "required")])
    if chosen.stock < quantity:
        message = f"{chosen.name} 已售罄" if chosen.stock == 0 else f"{chosen.name} 库存不足，仅剩 {chosen.stock} 件"
        raise ValidationFailed(message, [FieldError("sku", message, "stock")])
    return chosen.name, chosen.price_fen


_LINK_OF_SHOP = sa.text("SELECT 1 FROM share_links WHERE code = :code AND shop_id = :shop_id")


def place_order(
    *,
    session: Session,
    slug: str,
    product_id: int,
    sku: str | None,
    quantity: int,
    name: str,
    phone: str,
    address: str,
    share_code: str | None,
    provider_name: str,
    secret: str,
    buyer_user_id: int | None = None,
) -> Checkout:
    """Create an order awaiting payment at today's price of the chosen SKU (a running campaign's sale price,
    kept on the order whenever it is paid); commit.

    The order belongs to the shop whose page took it. The buyer's share code is kept only when it is
    one of this shop's own links: a link of another shop did not bring this sale. buyer_user_id is
    the account signed in on the page, if any (how an owner's own purchase is recognised).
    """
    page = product_page(session, slug, product_id)
    assert page.shop.id is not None  # loaded from the database
    sku_name, unit_price = _priced(page, sku, quantity)
    unit_price = sale_price(unit_price, page.offer)
    on_sale = page.offer is not None and page.offer.sale_price_fen is not None
    if share_code and session.execute(_LINK_OF_SHOP, {"code": share_code, "shop_id": page.shop.id}).first() is None:
        share_code = None
    checkout = Checkout(
        order_ref=new_order_ref(),
        access_token=new_access_token(),
        shop_id=page.shop.id,
        product_id=product_id,
        sku=sku_name,
        quantity=quantity,
        unit_price_fen=unit_price,
        total_fen=unit_price * quantity,
        campaign_id=page.offer.campaign_id if on_sale and page.offer is not None else None,
        buyer_name=name,
        buyer_phone=phone,
        address=address,
        buyer_reference=buyer_reference(phone, secret),
        buyer_user_id=buyer_user_id,
        share_code=share_code,
        provider=provider_name,
    )
    session.add(checkout)
    session.commit()
    return checkout


def buyer_checkout(session: Session, access_token: str, *, lock: bool = False) -> Checkout:
    """The checkout a buyer's order link opens, or NotFound (the order reference alone opens nothing)."""
    query = sa.select(Checkout).where(col(Checkout.access_token) == access_token)
    checkout = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if checkout is None:
        raise NotFound("找不到这个订单。")
    return checkout


def confirm_payment(*, session: Session, access_token: str, provider: str) -> tuple[Checkout, bool]:
    """Record a checkout as paid by `provider`: take its stock and queue its order.paid notice; commit.

    One transaction holds the paid state, the stock taken, the notice to send (the outbox) and the
    suppliers' order.paid webhook, so a payment is never half-recorded. Paying again changes nothing;
    returns the checkout and True when this call paid it.
    """
    checkout = buyer_checkout(session, access_token, lock=True)
    if checkout.provider != provider:
        raise Conflict(f"This order is paid through {checkout.provider}.")
    if checkout.paid_at is not None:
        session.commit()
        return checkout, False
    why = lifecycle.refusal("pay", checkout.status)
    if why:
        raise Conflict(why)
    if not stock.take(session, checkout.product_id, checkout.sku, checkout.quantity):
        session.rollback()
        raise ValidationFailed("库存不足", [FieldError("quantity", "库存不足，无法支付", "stock")])
    now = utcnow()
    checkout.status, checkout.paid_at, checkout.stock_reserved = lifecycle.PAID, now, True
    checkout.notice_next_at = now
    supplier_id = session.execute(sa.select(col(Product.supplier_id)).where(col(Product.id) == checkout.product_id))
    emit_many(session, [("order.paid", shipping_order(checkout), supplier_id.scalar_one())])
    session.commit()
    return checkout, True


def shipping_order(checkout: Checkout) -> dict[str, Any]:
    """What a supplier needs to ship a paid order (its outbound order.paid webhook): in full, address included."""
    assert checkout.paid_at is not None
    return {
        "order_id": checkout.order_ref,
        "paid_at": checkout.paid_at.isoformat(),
        "product_id": checkout.product_id,
        "sku": checkout.sku,
        "quantity": checkout.quantity,
        "total_fen": checkout.total_fen,
        "buyer_name": checkout.buyer_name,
        "buyer_phone": checkout.buyer_phone,
        "address": checkout.address,
    }


def paid_event(session: Session, checkout: Checkout) -> dict[str, Any]:
    """The order.paid data a payment provider sends for a paid checkout: always naming the page's shop."""
    slug = session.get_one(Shop, checkout.shop_id).slug
    assert checkout.paid_at is not None
    return {
        "order_id": checkout.order_ref,
        "paid_at": checkout.paid_at.isoformat(),
        "buyer": {"reference": checkout.buyer_reference, "user_id": checkout.buyer_user_id},
        "share_code": checkout.share_code,
        "shop": slug,
        "total_paid_fen": checkout.total_fen,
        "lines": [
            {
                "line_id": events.LINE_ID,
                "product_id": checkout.product_id,
                "sku": checkout.sku,
                "quantity": checkout.quantity,
                "paid_fen": checkout.total_fen,
            }
        ],
    }


def orders_of_shop_query(shop_id: int) -> sa.Select:
    """A shop's checkouts, newest first."""
    return sa.select(Checkout).where(col(Checkout.shop_id) == shop_id).order_by(col(Checkout.id).desc())


def settings_secret(settings: Mapping) -> str:
    """The key that derives buyer references from phone numbers."""
    return str(settings["SECRET_KEY"])
