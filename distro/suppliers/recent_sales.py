"""Recent sales: units each product sold over the last days, recounted set-based for "sort by recent sales"."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session

from distro.clock import utcnow
from distro.db import advisory_xact_lock

RECENT_SALES_LOCK = "products:recent_sales"


# Units sold per product over the window: lines of paid orders, less cancelled orders. Order lines
# record refunds as money, not units, so a refund takes away the units it paid back in full: a line of
# 3 units refunded a third sold 2, one refunded a fifth (a price adjustment) still sold 3. A free line
# (paid 0 fen) cannot have been refunded and counts whole. Only rows whose figure moves are written.
_REFRESH_RECENT_SALES = sa.text(
    """
    UPDATE products SET recent_sales = counted.units
    FROM (
        SELECT p.id, coalesce(sold.units, 0) AS units
        FROM products p
        LEFT JOIN (
            SELECT l.product_id,
                   sum(CASE WHEN l.paid_fen = 0 THEN l.quantity
                            ELSE (l.quantity * (l.paid_fen - l.refunded_fen) + l.paid_fen - 1) / l.paid_fen
                       END) AS units
            FROM order_lines l JOIN orders o ON o.id = l.order_id
            WHERE o.paid_at > :since AND o.paid_at <= :now AND o.cancelled_at IS NULL
            GROUP BY l.product_id
        ) sold ON sold.product_id = p.id
    ) counted
    WHERE products.id = counted.id AND products.recent_sales <> counted.units
    """
)


def refresh_recent_sales(*, session: Session, days: int, now: dt.datetime | None = None) -> int | None:
    """Set every product's recent_sales to the units sold in the last `days` days (one UPDATE); commit.

    Returns how many products changed, or None when another run holds the refresh (it writes the same figures).
    """
    if not advisory_xact_lock(session, RECENT_SALES_LOCK):
        session.rollback()
        return None
    now = now or utcnow()
    result = session.execute(_REFRESH_RECENT_SALES, {"since": now - dt.timedelta(days=days), "now": now})
    changed = result.rowcount  # type: ignore[attr-defined]  # Result in the stubs; an UPDATE gives a CursorResult
    session.commit()
    return changed
