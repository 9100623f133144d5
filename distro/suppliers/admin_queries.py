"""What the admin console reads about suppliers: one supplier, a searchable list, and what a decision would touch."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.errors import NotFound
from distro.shops.models import ShopProduct
from distro.suppliers.models import Product, Supplier
from distro.suppliers.services import suppliers_query


def get_supplier(session: Session, supplier_id: int) -> Supplier:
    """The supplier with this id, or NotFound."""
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound(f"No supplier {supplier_id}.")
    return supplier


def search_query(status: str | None, text: str | None) -> sa.Select:
    """Suppliers of a status (the API's list), whose company name holds text or whose id is text; unordered."""
    query = suppliers_query(status).order_by(None)
    if text:
        matches = col(Supplier.company_name).icontains(text, autoescape=True)
        # Digits that fit a bigint may also be the supplier's id.
        as_id = text.isascii() and text.isdigit() and len(text) <= 18
        query = query.where(sa.or_(matches, col(Supplier.id) == int(text)) if as_id else matches)
    return query


@dataclass(frozen=True)
class DecisionEffect:
    """What suspending, reinstating or removing a supplier touches: its products (and those in the pool now), and
    the shops that carry any of them."""

    products: int
    in_pool: int
    shops: int


def decision_effect(session: Session, supplier_id: int) -> DecisionEffect:
    """Counted in two set-based statements (by the products' supplier index and the shop products' product index),
    whatever the supplier's size."""
    products, in_pool = session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(col(Product.in_pool).is_(True))).where(
            col(Product.supplier_id) == supplier_id
        )
    ).one()
    shops = session.scalar(
        sa.select(sa.func.count(sa.distinct(col(ShopProduct.shop_id))))
        .join(Product, col(Product.id) == col(ShopProduct.product_id))
        .where(col(Product.supplier_id) == supplier_id)
    )
    return DecisionEffect(int(products), int(in_pool), int(shops or 0))


def company_names(session: Session, supplier_ids: Iterable[int]) -> dict[int, str]:
    """Each of these suppliers' company names by id: what finance and admins read in place of an id."""
    wanted = sorted(set(supplier_ids))
    query = sa.select(col(Supplier.id), col(Supplier.company_name)).where(col(Supplier.id).in_(wanted))
    return {supplier_id: name for supplier_id, name in session.execute(query)} if wanted else {}
