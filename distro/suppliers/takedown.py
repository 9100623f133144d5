"""Admins take down one product, and restore it, effective at once.

A product taken down leaves the pool and every shop's pages at once (it is no longer `in_pool`),
whatever its supplier's standing and its listing; its supplier can still edit it, but only an admin
brings it back. The shops carrying it keep it in their lists (shown taken down, with the reason), so
it returns to them on restoring. There is no owner inbox: the owners are told through the
`product.taken_down` event (naming every shop carrying it) that the supplier's and admins'
integrations receive, and through their shop's product list.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.clock import utcnow
from distro.errors import Forbidden, NotFound
from distro.outbound.services import emit_many
from distro.shops.models import ShopProduct
from distro.suppliers.models import Product, Supplier


def _locked_product(session: Session, product_id: int, admin_id: int) -> Product:
    product = session.execute(
        sa.select(Product).where(col(Product.id) == product_id).with_for_update()
    ).scalar_one_or_none()
    if product is None:
        raise NotFound(f"No product {product_id}.")
    if session.scalar(sa.select(col(Supplier.user_id)).where(col(Supplier.id) == product.supplier_id)) == admin_id:
        raise Forbidden("An admin cannot take down or restore a product of their own supplier account.")
    return product


def _announce(session: Session, product: Product, event_type: str, reason: str, admin_id: int) -> None:
    """Audit the change and tell the supplier's and admins' integrations, naming every shop that carries it."""
    assert product.id is not None  # loaded from the database
    shop_ids = list(
        session.execute(
            sa.select(col(ShopProduct.shop_id))
            .where(col(ShopProduct.product_id) == product.id)
            .order_by(col(ShopProduct.shop_id))
        ).scalars()
    )
    audit.record(
        session,
        actor_id=admin_id,
        action=event_type,
        subject_type="product",
        subject_id=product.id,
        before={"taken_down": event_type == "product.restored"},
        after={"taken_down": event_type == "product.taken_down", "reason": reason, "shop_ids": shop_ids},
    )
    data = {
        "product_id": product.id,
        "supplier_id": product.supplier_id,
        "title": product.title,
        "reason": reason,
        "shop_ids": shop_ids,
    }
    emit_many(session, [(event_type, data, product.supplier_id)])


def take_down(*, session: Session, product_id: int, reason: str, admin_id: int) -> Product:
    """Take a product out of the pool and every shop at once, audited with the reason; commit.

    Taking it down again changes nothing (the first reason stands).
    """
    product = _locked_product(session, product_id, admin_id)
    if product.taken_down_at is None:
        product.taken_down_at, product.takedown_reason = utcnow(), reason
        _announce(session, product, "product.taken_down", reason, admin_id)
    session.commit()
    session.refresh(product)
    return product


def restore(*, session: Session, product_id: int, reason: str, admin_id: int) -> Product:
    """Bring a taken-down product back where it was (in the pool and its shops, if listed and in stock); commit.

    Restoring a product that is not taken down changes nothing.
    """
    product = _locked_product(session, product_id, admin_id)
    if product.taken_down_at is not None:
        product.taken_down_at, product.takedown_reason = None, None
        _announce(session, product, "product.restored", reason, admin_id)
    session.commit()
    session.refresh(product)
    return product
