"""The selection center's use cases: the newest ranked lists and the collections as owners read them (each product
with what the owner earns, as the pool computes it), admins curating collections, and the share links a printed
selection sheet points to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.errors import Conflict, FieldError, NotFound, ValidationFailed
from distro.selection.models import Collection, CollectionProduct, Ranking, RankingRun
from distro.share.models import ShareLink
from distro.share.services import create_link
from distro.shops.services import get_own_shop, with_earnings
from distro.suppliers.models import Product
from distro.tiers.rules import Tier

NUMBERS = ("units_7d", "units_prev_7d", "units_30d", "buyers", "repeat_buyers", "clicks", "orders")
"""The numbers behind a product's rank, kept on every rank row."""
SHEET_CHANNEL = "qr"
"""The channel of the links a printed selection sheet carries: scanned from paper."""


def current_run_id(session: Session) -> int | None:
    """The newest ranking run (its rows were written with it), or None before the first."""
    return session.scalar(sa.select(sa.func.max(col(RankingRun.id))))


def ranking_query(run_id: int | None, name: str, category: str) -> sa.Select:
    """A list of a run (category '' overall): (Product, Ranking) rows best first, products still in the pool."""
    return (
        sa.select(Product, Ranking)
        .join(Ranking, col(Ranking.product_id) == Product.id)
        .where(
            col(Ranking.run_id) == run_id,
            col(Ranking.list) == name,
            col(Ranking.category) == category,
            col(Product.in_pool).is_(True),
        )
        .order_by(col(Ranking.rank))
    )


def ranked_items(rows: Sequence[Any], tier: Tier) -> list[dict[str, Any]]:
    """Rows of ranking_query as pool items (you_earn_fen at the tier), each with its rank and its numbers."""
    earning = with_earnings([row["Product"] for row in rows], tier)
    return [
        {**item, "rank": row["Ranking"].rank, **{name: getattr(row["Ranking"], name) for name in NUMBERS}}
        for item, row in zip(earning, rows, strict=True)
    ]


def collections_query() -> sa.Select:
    """Every collection in the admins' order."""
    return sa.select(Collection).order_by(col(Collection.position), col(Collection.id))


def get_collection(session: Session, collection_id: int) -> Collection:
    """A collection, or NotFound."""
    found = session.get(Collection, collection_id)
    if found is None:
        raise NotFound("This collection does not exist.")
    return found


def collection_products_query(collection_id: int, *, pool_only: bool = True) -> sa.Select:
    """A collection's products in the admins' order (only those in the pool, unless asked otherwise)."""
    query = (
        sa.select(Product)
        .join(CollectionProduct, col(CollectionProduct.product_id) == Product.id)
        .where(col(CollectionProduct.collection_id) == collection_id)
        .order_by(col(CollectionProduct.position), col(Product.id))
    )
    return query.where(col(Product.in_pool).is_(True)) if pool_only else query


def _name_taken(session: Session, name: str, but: int | None = None) -> None:
    query = sa.select(col(Collection.id)).where(col(Collection.name) == name)
    if but is not None:
        query = query.where(col(Collection.id) != but)
    if session.scalar(query) is not None:
        raise ValidationFailed("Another collection has this name.", [FieldError("name", "is taken", "unique")])


def create_collection(*, session: Session, admin_id: int, name: str, description: str, position: int) -> Collection:
    """A new collection (its name unique), audited; commit."""
    _name_taken(session, name)
    collection = Collection(name=name, description=description, position=position, created_by=admin_id)
    session.add(collection)
    session.flush()
    assert collection.id is not None
    audit.record(
        session,
        actor_id=admin_id,
        action="selection.collection_created",
        subject_type="collection",
        subject_id=collection.id,
        before=None,
        after={"name": name, "description": description, "position": position},
    )
    session.commit()
    return collection


def update_collection(
    *, session: Session, admin_id: int, collection_id: int, name: str, description: str, position: int
) -> Collection:
    """Rename a collection, change its description or place, audited; commit."""
    collection = get_collection(session, collection_id)
    _name_taken(session, name, but=collection_id)
    before = {"name": collection.name, "description": collection.description, "position": collection.position}
    collection.name, collection.description, collection.position = name, description, position
    audit.record(
        session,
        actor_id=admin_id,
        action="selection.collection_changed",
        subject_type="collection",
        subject_id=collection_id,
        before=before,
        after={"name": name, "description": description, "position": position},
    )
    session.commit()
    return collection


def delete_collection(*, session: Session, admin_id: int, collection_id: int) -> None:
    """Delete a collection (its products stay in the pool), audited; commit."""
    collection = get_collection(session, collection_id)
    audit.record(
        session,
        actor_id=admin_id,
        action="selection.collection_deleted",
        subject_type="collection",
        subject_id=collection_id,
        before={"name": collection.name},
        after=None,
    )
    session.execute(sa.delete(CollectionProduct).where(col(CollectionProduct.collection_id) == collection_id))
    session.delete(collection)
    session.commit()


def add_to_collection(*, session: Session, admin_id: int, collection_id: int, product_id: int) -> None:
    """Put a product last in a collection (ValidationFailed for no such product, Conflict when it is in); commit."""
    get_collection(session, collection_id)
    if session.get(Product, product_id) is None:
        raise ValidationFailed("No such product.", [FieldError("product_id", "names no product", "exists")])
    if session.get(CollectionProduct, (collection_id, product_id)) is not None:
        raise Conflict("The product is already in this collection.")
    last = session.scalar(
        sa.select(sa.func.max(col(CollectionProduct.position))).where(
            col(CollectionProduct.collection_id) == collection_id
        )
    )
    session.add(CollectionProduct(collection_id=collection_id, product_id=product_id, position=(last or 0) + 1))
    audit.record(
        session,
        actor_id=admin_id,
        action="selection.collection_product_added",
        subject_type="collection",
        subject_id=collection_id,
        before=None,
        after={"product_id": product_id},
    )
    session.commit()


def remove_from_collection(*, session: Session, admin_id: int, collection_id: int, product_id: int) -> None:
    """Take a product out of a collection (NotFound when it is not in it), audited; commit."""
    row = session.get(CollectionProduct, (collection_id, product_id))
    if row is None:
        raise NotFound("The product is not in this collection.")
    session.delete(row)
    audit.record(
        session,
        actor_id=admin_id,
        action="selection.collection_product_removed",
        subject_type="collection",
        subject_id=collection_id,
        before={"product_id": product_id},
        after=None,
    )
    session.commit()


def move_in_collection(*, session: Session, collection_id: int, product_id: int, step: int) -> None:
    """Swap a product with its neighbour above (step −1) or below (+1); at an end, nothing moves; commit."""
    rows = list(
        session.execute(
            sa.select(CollectionProduct)
            .where(col(CollectionProduct.collection_id) == collection_id)
            .order_by(col(CollectionProduct.position), col(CollectionProduct.product_id))
            .with_for_update()
        ).scalars()
    )
    at = next((i for i, row in enumerate(rows) if row.product_id == product_id), None)
    if at is None:
        raise NotFound("The product is not in this collection.")
    other = at + step
    if 0 <= other < len(rows):
        rows[at], rows[other] = rows[other], rows[at]
        for position, row in enumerate(rows, start=1):
            row.position = position
    session.commit()


def sheet_links(*, session: Session, owner_id: int, shop_id: int, product_ids: Sequence[int]) -> dict[int, str]:
    """The code of the shop's QR link for each product (reused when the owner made one, else created); the products
    must be in the shop (ValidationFailed otherwise, as for any share link)."""
    get_own_shop(session, owner_id, shop_id)
    existing = dict(
        session.execute(
            sa.select(col(ShareLink.product_id), sa.func.min(col(ShareLink.code)))
            .where(
                col(ShareLink.shop_id) == shop_id,
                col(ShareLink.channel) == SHEET_CHANNEL,
                col(ShareLink.product_id).in_(product_ids),
            )
            .group_by(col(ShareLink.product_id))
        ).all()
    )
    for product_id in product_ids:
        if product_id not in existing:
            link = create_link(
                session=session, owner_id=owner_id, shop_id=shop_id, channel=SHEET_CHANNEL, product_id=product_id
            )
            existing[product_id] = link.code
    return {product_id: existing[product_id] for product_id in product_ids}


def supplier_ranks(session: Session, supplier_id: int, product_id: int | None = None) -> list[dict[str, Any]]:
    """Where the supplier's products rank in the newest run (one of them, when product_id is given: NotFound unless
    it is the supplier's): each place with the product's id and title, the list, category, rank and numbers."""
    if product_id is not None:
        product = session.get(Product, product_id)
        if product is None or product.supplier_id != supplier_id:
            raise NotFound("No such product of this supplier.")
    query = (
        sa.select(col(Product.id), col(Product.title), Ranking)
        .join(Ranking, col(Ranking.product_id) == Product.id)
        .where(col(Ranking.run_id) == current_run_id(session), col(Product.supplier_id) == supplier_id)
        .order_by(col(Product.id).desc(), col(Ranking.list), col(Ranking.category))
    )
    if product_id is not None:
        query = query.where(col(Product.id) == product_id)
    return [
        {
            "product_id": row.id,
            "title": row.title,
            "list": row.Ranking.list,
            "category": row.Ranking.category,
            "rank": row.Ranking.rank,
            **{name: getattr(row.Ranking, name) for name in NUMBERS},
        }
        for row in session.execute(query)
    ]
