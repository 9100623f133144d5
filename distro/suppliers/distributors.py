"""A supplier stops a shop from carrying its goods (停止合作, with a reason), or resumes.

Stopping takes the shop's picks of the supplier's products out of the shop (kept on the stop, so resuming puts them
back) and refuses new picks of them while it holds (distro.shops.services.add_product); the owner is told in the
owner app's 消息, read from the stop (distro/owner/messages.py). A supplier stops a shop only for its own goods, and
only a shop that carries them: any other shop is one it does not know (NotFound).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.clock import utcnow
from distro.errors import NotFound, ValidationFailed
from distro.shops.models import Shop, ShopProduct, SupplierShopStop
from distro.suppliers.models import Product
from distro.suppliers.services import require_approved_supplier
from distro.validation import FieldError

REASON_LENGTH = (2, 200)
"""How long a reason for stopping may be, in characters."""


def _locked_shop(session: Session, shop_id: int) -> Shop:
    # The shop row, as picking locks it: a pick and a stop of one shop wait for each other.
    shop = session.execute(sa.select(Shop).where(col(Shop.id) == shop_id).with_for_update()).scalar_one_or_none()
    if shop is None:
        raise NotFound(f"No shop {shop_id} carries this supplier's goods.")
    return shop


def _stop_in_force(session: Session, supplier_id: int, shop_id: int) -> SupplierShopStop | None:
    return session.execute(
        sa.select(SupplierShopStop).where(
            col(SupplierShopStop.supplier_id) == supplier_id,
            col(SupplierShopStop.shop_id) == shop_id,
            col(SupplierShopStop.resumed_at).is_(None),
        )
    ).scalar_one_or_none()


def stop_shop(*, session: Session, user_id: int, shop_id: int, reason: str) -> SupplierShopStop:
    """Stop a shop carrying the caller's (an approved supplier's) goods, with a reason; commit.

    The shop's picks of its products leave the shop at once. A shop already stopped stays as it is (the first reason
    stands); a shop that carries none of its goods is NotFound.
    """
    supplier_id = require_approved_supplier(session, user_id).id
    assert supplier_id is not None  # loaded from the database
    reason = reason.strip()
    if not REASON_LENGTH[0] <= len(reason) <= REASON_LENGTH[1]:
        raise ValidationFailed(
            "A reason is required.",
            [FieldError("reason", f"must be {REASON_LENGTH[0]} to {REASON_LENGTH[1]} characters", "length")],
        )
    _locked_shop(session, shop_id)
    stop = _stop_in_force(session, supplier_id, shop_id)
    if stop is not None:
        session.commit()
        return stop
    removed = session.execute(
        sa.delete(ShopProduct)
        .where(
            col(ShopProduct.shop_id) == shop_id,
            col(ShopProduct.product_id).in_(
                sa.select(col(Product.id)).where(col(Product.supplier_id) == supplier_id).scalar_subquery()
            ),
        )
        .returning(col(ShopProduct.product_id), col(ShopProduct.position), col(ShopProduct.reason))
    ).all()
    if not removed:
        raise NotFound(f"No shop {shop_id} carries this supplier's goods.")
    picks = [{"product_id": p, "position": position, "reason": why} for p, position, why in sorted(removed, key=_pos)]
    stop = SupplierShopStop(
        supplier_id=supplier_id, shop_id=shop_id, reason=reason, removed_picks=picks, stopped_by=user_id
    )
    session.add(stop)
    session.flush()
    assert stop.id is not None  # flushed
    audit.record(
        session,
        actor_id=user_id,
        action="supplier.shop_stopped",
        subject_type="shop",
        subject_id=shop_id,
        after={"supplier_id": supplier_id, "reason": reason, "products": [pick["product_id"] for pick in picks]},
    )
    session.commit()
    return stop


def _pos(row: Any) -> int:
    return int(row[1])


def resume_shop(*, session: Session, user_id: int, shop_id: int, max_products: int) -> SupplierShopStop:
    """Let a shop the caller stopped carry its goods again; commit. The picks the stop took out come back at the end
    of the shop, in their old order, as far as the shop has room (max_products) and has not picked them again.
    NotFound when the caller has no stop in force on this shop."""
    supplier_id = require_approved_supplier(session, user_id).id
    assert supplier_id is not None  # loaded from the database
    _locked_shop(session, shop_id)
    stop = _stop_in_force(session, supplier_id, shop_id)
    if stop is None:
        raise NotFound(f"This supplier has not stopped shop {shop_id}.")
    count, last = session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.max(ShopProduct.position), 0)).where(
            col(ShopProduct.shop_id) == shop_id
        )
    ).one()
    there = set(session.scalars(sa.select(col(ShopProduct.product_id)).where(col(ShopProduct.shop_id) == shop_id)))
    back = [pick for pick in stop.removed_picks if pick["product_id"] not in there][: max(0, max_products - count)]
    for offset, pick in enumerate(back, start=1):
        session.add(
            ShopProduct(shop_id=shop_id, product_id=pick["product_id"], position=last + offset, reason=pick["reason"])
        )
    stop.resumed_at, stop.resumed_by = utcnow(), user_id
    audit.record(
        session,
        actor_id=user_id,
        action="supplier.shop_resumed",
        subject_type="shop",
        subject_id=shop_id,
        after={"supplier_id": supplier_id, "products": [pick["product_id"] for pick in back]},
    )
    session.commit()
    return stop
