"""Stock of distro's own orders: taken when an order is paid, given back once when it is undone.

A product with SKUs keeps its stock per SKU and, as the pool reads it, their sum on the product; both
move together. The product row is locked before its SKU row, the same order as a supplier's edit.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

_TAKE_PRODUCT = sa.text(
    "UPDATE products SET stock = stock - :quantity, updated_at = now() WHERE id = :product_id AND stock >= :quantity"
)
_TAKE_SKU = sa.text(
    "UPDATE product_skus SET stock = stock - :quantity "
    "WHERE product_id = :product_id AND name = :sku AND stock >= :quantity"
)
_RETURN_PRODUCT = sa.text("UPDATE products SET stock = stock + :quantity, updated_at = now() WHERE id = :product_id")
# A SKU the supplier has since removed or renamed takes nothing back; the product's stock still does.
_RETURN_SKU = sa.text(
    "UPDATE product_skus SET stock = stock + :quantity WHERE product_id = :product_id AND name = :sku"
)


def take(session: Session, product_id: int, sku: str | None, quantity: int) -> bool:
    """Take `quantity` from the product (and its SKU) in the caller's transaction; False when there is not enough."""
    params = {"product_id": product_id, "sku": sku, "quantity": quantity}
    if not _rowcount(session.execute(_TAKE_PRODUCT, params)):
        return False
    # On False the caller rolls back the product's part with the rest.
    return sku is None or bool(_rowcount(session.execute(_TAKE_SKU, params)))


def give_back(session: Session, product_id: int, sku: str | None, quantity: int) -> None:
    """Return `quantity` to the product (and its SKU) in the caller's transaction."""
    params = {"product_id": product_id, "sku": sku, "quantity": quantity}
    session.execute(_RETURN_PRODUCT, params)
    if sku is not None:
        session.execute(_RETURN_SKU, params)


def _rowcount(result: sa.Result) -> int:
    return int(result.rowcount or 0)  # type: ignore[attr-defined]  # an UPDATE's CursorResult
