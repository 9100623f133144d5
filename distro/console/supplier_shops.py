"""分销店铺 (shops carrying the supplier's goods): each shop that carries any of its products, how many of them it
carries, and what they sold there (orders, units and GMV net of refunds, all time), newest shop first.

Set-based: one grouped query pages the shops (keyset by shop id, from the supplier's products through the index of
shop_products by product), and one more sums the sales of that page's shops only, never of every shop. Sales are
order lines of the supplier's products attributed to the shop, cancelled orders left out, as in the analytics
(distro.share.analytics) and the products' recent sales.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import render_template
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlmodel import Session, col

from distro.auth.models import Role
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp, menu_item
from distro.console.lists import PAGE_SIZE, Page, PageArgs, newest_first
from distro.db import get_session
from distro.errors import NotFound
from distro.pages import parse_query
from distro.shops.models import Shop, ShopProduct
from distro.suppliers.models import Product
from distro.suppliers.services import require_reading_supplier

menu_item(Role.SUPPLIER, "console.supplier_shops", _l("分销店铺"), order=50)

SHOP_STATUS = {
    "pending_approval": _l("待审核"),
    "active": _l("营业中"),
    "suspended": _l("已暂停"),
    "closed": _l("已关闭"),
}
"""A shop's status (distro.shops.models.Shop.status) in the page's words."""

# Sales of the supplier's products in the page's shops: orders and lines attributed to each shop, as paid.
# Units follow the products' recent sales: a line refunded in full sold nothing, one refunded in part sold its units.
_SALES = sa.text(
    """
    SELECT o.shop_id, count(DISTINCT o.id) AS orders,
           sum(CASE WHEN l.paid_fen = 0 THEN l.quantity
                    ELSE (l.quantity * (l.paid_fen - l.refunded_fen) + l.paid_fen - 1) / l.paid_fen END) AS units,
           sum(l.paid_fen - l.refunded_fen) AS net_gmv_fen
    FROM order_lines l JOIN orders o ON o.id = l.order_id
    WHERE l.supplier_id = :supplier_id AND o.shop_id = ANY(:shop_ids)
      AND o.paid_at IS NOT NULL AND o.status <> 'cancelled'
    GROUP BY o.shop_id
    """
)


def carrying_shops(session: Session, supplier_id: int, *, after: int | None, size: int = PAGE_SIZE) -> Page:
    """A page of the shops carrying the supplier's products, newest first: each a dict of the shop's id, name,
    status, how many of the supplier's products it carries, and their orders, units and net GMV (fen) there."""
    carried: sa.Select = (
        sa.select(col(ShopProduct.shop_id).label("id"), sa.func.count().label("products"))
        .join(Product, col(Product.id) == ShopProduct.product_id)
        .where(col(Product.supplier_id) == supplier_id)
        .group_by(col(ShopProduct.shop_id))
    )
    page = newest_first(session, carried, col(ShopProduct.shop_id), after=after, size=size)
    ids = [row["id"] for row in page.rows]
    shops = {
        shop.id: shop
        for shop in session.execute(sa.select(Shop).where(col(Shop.id).in_(ids))).scalars()  # the page's shops only
    }
    sales = {row.shop_id: row for row in session.execute(_SALES, {"supplier_id": supplier_id, "shop_ids": ids})}
    rows: list[dict[str, Any]] = []
    for row in page.rows:
        shop, sold = shops[row["id"]], sales.get(row["id"])
        rows.append(
            {
                "id": shop.id,
                "name": shop.display_name,
                "status": shop.status,
                "products": int(row["products"]),
                "orders": int(sold.orders) if sold else 0,
                "units": int(sold.units) if sold else 0,
                "net_gmv_fen": int(sold.net_gmv_fen) if sold else 0,
            }
        )
    return Page(rows, page.next_after)


@bp.get("/supplier/shops", endpoint="supplier_shops")
@console_page(Role.SUPPLIER)
def shops() -> str:
    """分销店铺: the shops carrying the supplier's products with their sales, a page at a time."""
    try:
        args = parse_query(PageArgs())
    except ValidationError as error:
        raise NotFound("No such page.") from error  # not an address the page makes
    session = get_session()
    supplier = require_reading_supplier(session, current_user_id())
    page = carrying_shops(session, supplier.id, after=args["after"])  # type: ignore[arg-type]
    return render_template("console/supplier/shops.html", page=page, statuses=SHOP_STATUS)
