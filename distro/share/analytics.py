"""Share analytics (set-based SQL): clicks, orders, GMV and conversion by channel, day and product.

Days are calendar days in Asia/Shanghai. Orders count on the day they were paid; an order is on the
channel of the share link that brought it, or "direct" (named shop or buyer binding). Conversion is
orders per unique click, in basis points.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from distro.clock import BUSINESS_TZ_NAME

_CLICKS = """
    SELECT {key} AS key, sum(c.clicks) AS clicks, sum(c.unique_clicks) AS unique_clicks
    FROM share_click_counts c JOIN share_links l ON l.id = c.link_id
    WHERE {scope} AND c.day BETWEEN :start AND :end
    GROUP BY 1
"""
_ORDERS = """
    SELECT {key} AS key, count(DISTINCT o.id) AS orders, sum(ol.paid_fen) AS gmv_fen,
           sum(ol.paid_fen - ol.refunded_fen) AS net_gmv_fen
    FROM orders o
    JOIN order_lines ol ON ol.order_id = o.id
    LEFT JOIN share_links l ON l.code = o.share_code
    WHERE {scope} AND o.status <> 'cancelled'
      AND {paid_day} BETWEEN :start AND :end
    GROUP BY 1
"""
_PAID_DAY = f"(o.paid_at AT TIME ZONE '{BUSINESS_TZ_NAME}')::date"
DIMENSIONS = {
    "channel": ("l.channel", "coalesce(l.channel, 'direct')"),
    "day": ("c.day", _PAID_DAY),
    "product": ("l.product_id", "ol.product_id"),
}
SCOPES = {
    "shop": ("l.shop_id = :scope_id", "o.shop_id = :scope_id"),
    "supplier": (
        "l.product_id IN (SELECT id FROM products WHERE supplier_id = :scope_id)",
        "ol.supplier_id = :scope_id",
    ),
}


def breakdown(
    session: Session, *, scope: str, scope_id: int, dimension: str, start: dt.date, end: dt.date
) -> list[dict[str, Any]]:
    """Rows of clicks, unique clicks, orders, GMV (paid, net of refunds) and conversion per dimension value."""
    click_key, order_key = DIMENSIONS[dimension]
    click_scope, order_scope = SCOPES[scope]
    params = {"scope_id": scope_id, "start": start, "end": end}
    clicks = {
        row.key: row for row in session.execute(sa.text(_CLICKS.format(key=click_key, scope=click_scope)), params)
    }
    orders_sql = _ORDERS.format(key=order_key, scope=order_scope, paid_day=_PAID_DAY)
    orders = {row.key: row for row in session.execute(sa.text(orders_sql), params)}
    rows = []
    for key in sorted(set(clicks) | set(orders), key=lambda value: (value is None, str(value))):
        if key is None and dimension == "product":
            continue  # clicks on shop links have no product
        unique = int(clicks[key].unique_clicks) if key in clicks else 0
        count = int(orders[key].orders) if key in orders else 0
        rows.append(
            {
                dimension: key.isoformat() if isinstance(key, dt.date) else key,
                "clicks": int(clicks[key].clicks) if key in clicks else 0,
                "unique_clicks": unique,
                "orders": count,
                "gmv_fen": int(orders[key].gmv_fen) if key in orders else 0,
                "net_gmv_fen": int(orders[key].net_gmv_fen) if key in orders else 0,
                "conversion_bp": count * 10_000 // unique if unique else None,
            }
        )
    return rows


def report(session: Session, *, scope: str, scope_id: int, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The breakdowns by channel, by day and by product for one shop or one supplier's products."""
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        **{
            f"by_{dimension}": breakdown(
                session, scope=scope, scope_id=scope_id, dimension=dimension, start=start, end=end
            )
            for dimension in DIMENSIONS
        },
    }
