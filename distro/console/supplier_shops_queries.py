"""分销店铺's list: the shops carrying a supplier's goods, or stopped by it, with what each sold over the last
SALES_DAYS days.

Set-based: one grouped query pages the shops (keyset by shop id, from the supplier's products through the index of
shop_products by product, and its stops in force), and one more sums the sales of that page's shops only, never of
every shop. Sales are order lines of the supplier's products attributed to the shop, cancelled orders left out, as
in the analytics (distro.share.analytics) and the products' recent sales.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.clock import utcnow
from distro.console.lists import PAGE_SIZE, Page, newest_first
from distro.shops.models import Shop, ShopProduct, SupplierShopStop
from distro.suppliers.models import Product

SALES_DAYS = 30
"""The window of what each shop sold."""

# Sales of the supplier's products in the page's shops over the window: orders and lines attributed to each shop,
# as paid, cancelled orders left out. Units follow the products' recent sales (a line refunded in full sold nothing,
# one refunded in part sold its units); the commission is what those lines' commission pools hold now.
_SALES = sa.text(
    """
    SELECT o.shop_id, count(DISTINCT o.id) AS orders,
           sum(CASE WHEN l.paid_fen = 0 THEN l.quantity
                    ELSE (l.quantity * (l.paid_fen - l.refunded_fen) + l.paid_fen - 1) / l.paid_fen END) AS units,
           sum(l.paid_fen - l.refunded_fen) AS net_gmv_fen, coalesce(sum(c.pool_fen), 0) AS commission_fen
    FROM order_lines l JOIN orders o ON o.id = l.order_id
    LEFT JOIN commission_lines c ON c.order_line_id = l.id
    WHERE l.supplier_id = :supplier_id AND o.shop_id = ANY(:shop_ids)
      AND o.paid_at >= :since AND o.status <> 'cancelled'
    GROUP BY o.shop_id
    """
)


def carrying_shops(
    session: Session, supplier_id: int, *, after: int | None, size: int = PAGE_SIZE, now: dt.datetime | None = None
) -> Page:
    """A page of the shops carrying the supplier's products, or stopped by it, newest first: each a dict of the
    shop's id, name, status, how many of the supplier's products it carries, its stop in force (or None), and its
    orders, units, net sales and commission (fen) of the supplier's goods over the last SALES_DAYS days."""
    since = (now or utcnow()) - dt.timedelta(days=SALES_DAYS)
    carried: sa.Select = (
        sa.select(col(ShopProduct.shop_id).label("shop_id"), sa.literal(1).label("n"))
        .join(Product, col(Product.id) == ShopProduct.product_id)
        .where(col(Product.supplier_id) == supplier_id)
    )
    stopped: sa.Select = sa.select(col(SupplierShopStop.shop_id).label("shop_id"), sa.literal(0).label("n")).where(
        col(SupplierShopStop.supplier_id) == supplier_id, col(SupplierShopStop.resumed_at).is_(None)
    )
    both = sa.union_all(carried, stopped).subquery()
    query = sa.select(both.c.shop_id.label("id"), sa.func.sum(both.c.n).label("products")).group_by(both.c.shop_id)
    page = newest_first(session, query, both.c.shop_id, after=after, size=size)
    ids = [row["id"] for row in page.rows]
    shops = {shop.id: shop for shop in session.execute(sa.select(Shop).where(col(Shop.id).in_(ids))).scalars()}
    stops = {
        stop.shop_id: stop
        for stop in session.execute(
            sa.select(SupplierShopStop).where(
                col(SupplierShopStop.supplier_id) == supplier_id,
                col(SupplierShopStop.shop_id).in_(ids),
                col(SupplierShopStop.resumed_at).is_(None),
            )
        ).scalars()
    }
    sales = {
        row.shop_id: row
        for row in session.execute(_SALES, {"supplier_id": supplier_id, "shop_ids": ids, "since": since})
    }
    rows: list[dict[str, Any]] = []
    for row in page.rows:
        shop, sold = shops[row["id"]], sales.get(row["id"])
        rows.append(
            {
                "id": shop.id,
                "name": shop.display_name,
                "status": shop.status,
                "products": int(row["products"]),
                "stop": stops.get(shop.id),
                "orders": int(sold.orders) if sold else 0,
                "units": int(sold.units) if sold else 0,
                "net_gmv_fen": int(sold.net_gmv_fen) if sold else 0,
                "commission_fen": int(sold.commission_fen) if sold else 0,
            }
        )
    return Page(rows, page.next_after)
