"""Storefront use cases: the shop and product pages' data, placing an order, the demo payment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.db import utcnow
from distro.errors import Conflict, NotFound
from distro.shops.models import Shop, ShopProduct
from distro.shops.services import public_shop
from distro.storefront.models import Checkout
from distro.storefront.rules import buyer_reference, new_order_ref
from distro.suppliers.models import Product


@dataclass(frozen=True)
class ProductPage:
    """What a product page shows: the shop, the product and the owner's reason."""

    shop: Shop
    product: Product
    reason: str


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
        raise NotFound("This product is not on sale in this shop.")
    return ProductPage(row.Shop, row.Product, row.reason)


def place_order(
    *,
    session: Session,
    slug: str,
    product_id: int,
    quantity: int,
    name: str,
    phone: str,
    address: str,
    share_code: str | None,
    provider_name: str,
    secret: str,
) -> Checkout:
    """Create an order awaiting payment at today's price, attributed to the buyer's share code; commit."""
    page = product_page(session, slug, product_id)
    assert page.shop.id is not None  # loaded from the database
    checkout = Checkout(
        order_ref=new_order_ref(),
        shop_id=page.shop.id,
        product_id=product_id,
        quantity=quantity,
        unit_price_fen=page.product.price_fen,
        total_fen=page.product.price_fen * quantity,
        buyer_name=name,
        buyer_phone=phone,
        address=address,
        buyer_reference=buyer_reference(phone, secret),
        share_code=share_code,
        provider=provider_name,
    )
    session.add(checkout)
    session.commit()
    return checkout


def get_checkout(session: Session, order_ref: str) -> Checkout:
    """A checkout by its order reference, or NotFound."""
    checkout = session.execute(sa.select(Checkout).where(col(Checkout.order_ref) == order_ref)).scalar_one_or_none()
    if checkout is None:
        raise NotFound(f"No order {order_ref}.")
    return checkout


def confirm_demo_payment(*, session: Session, order_ref: str) -> tuple[Checkout, bool]:
    """Mark a demo checkout paid (again: no change); commit; True when this call paid it."""
    checkout = session.execute(
        sa.select(Checkout).where(col(Checkout.order_ref) == order_ref).with_for_update()
    ).scalar_one_or_none()
    if checkout is None:
        raise NotFound(f"No order {order_ref}.")
    if checkout.provider != "demo":
        raise Conflict("Only demo orders are paid here.")
    if checkout.status == "paid":
        session.commit()
        return checkout, False
    checkout.status, checkout.paid_at = "paid", utcnow()
    session.commit()
    return checkout, True


def paid_event(session: Session, checkout: Checkout) -> dict[str, Any]:
    """The order.paid data a payment provider sends for a paid checkout."""
    slug = session.get_one(Shop, checkout.shop_id).slug
    assert checkout.paid_at is not None
    return {
        "order_id": checkout.order_ref,
        "paid_at": checkout.paid_at.isoformat(),
        "buyer": {"reference": checkout.buyer_reference},
        "share_code": checkout.share_code,
        "shop": None if checkout.share_code else slug,
        "total_paid_fen": checkout.total_fen,
        "lines": [
            {
                "line_id": "1",
                "product_id": checkout.product_id,
                "sku": None,
                "quantity": checkout.quantity,
                "paid_fen": checkout.total_fen,
            }
        ],
    }


def orders_of_shop_query(shop_id: int) -> sa.Select:
    """A shop's checkouts, newest first."""
    return sa.select(Checkout).where(col(Checkout.shop_id) == shop_id).order_by(col(Checkout.id).desc())


def shipments_query(supplier_id: int) -> sa.Select:
    """Paid checkouts of a supplier's products, newest first: what it must ship, with the full address."""
    return (
        sa.select(Checkout, col(Product.title))
        .join(Product, col(Product.id) == Checkout.product_id)
        .where(col(Product.supplier_id) == supplier_id, col(Checkout.status) == "paid")
        .order_by(col(Checkout.paid_at).desc())
    )


def settings_secret(settings: Mapping) -> str:
    """The key that derives buyer references from phone numbers."""
    return str(settings["SECRET_KEY"])
