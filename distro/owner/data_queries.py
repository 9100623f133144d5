"""What the 数据 page reads (read-only): the shop's share analytics for a period, as the API's
GET /analytics/shops/{id} gives them (distro.share.analytics.report), and the titles of the products in it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.share.analytics import report
from distro.suppliers.models import Product


def shop_report(session: Session, shop_id: int, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Clicks, unique visitors, orders, GMV and conversion of the shop by channel, day and product, from start to
    end (inclusive, Asia/Shanghai days), with `titles`: each product's title by id."""
    figures = report(session, scope="shop", scope_id=shop_id, start=start, end=end)
    ids = [row["product"] for row in figures["by_product"]]
    titles = dict(session.execute(sa.select(col(Product.id), col(Product.title)).where(col(Product.id).in_(ids))).all())
    return {**figures, "titles": titles}
