"""Arranging a shop's picks one step at a time, as an owner does on a phone (the API sends the whole order)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.errors import NotFound
from distro.shops.models import ShopProduct
from distro.shops.rules import moved
from distro.shops.services import get_own_shop, reorder_products


def move_product(*, session: Session, owner_id: int, shop_id: int, product_id: int, step: int) -> None:
    """Move a product of the caller's shop step places up (negative) or down, stopping at either end; commit.

    The shop row is locked while the order is read, so two moves at once apply one after the other.
    """
    get_own_shop(session, owner_id, shop_id, lock=True)
    order = list(
        session.execute(
            sa.select(col(ShopProduct.product_id))
            .where(col(ShopProduct.shop_id) == shop_id)
            .order_by(col(ShopProduct.position), col(ShopProduct.product_id))
        ).scalars()
    )
    if product_id not in order:
        raise NotFound(f"Product {product_id} is not in shop {shop_id}.")
    reorder_products(session=session, owner_id=owner_id, shop_id=shop_id, product_ids=moved(order, product_id, step))
