"""数据 (analytics): clicks, unique visitors, orders, GMV and conversion of the supplier's products across every
shop, by day, channel and product, as charts with their tables, over the last 7, 30 or 90 days.

The figures are the API's GET /analytics/supplier (distro.share.analytics.report, scope "supplier"); the charts are
the owner app's (distro.owner.data.charts: server-written ECharts options in data-chart, drawn by
distro/static/owner/charts.js with the vendored ECharts), so both read the same numbers the same way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import render_template
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlmodel import Session, col

from distro.auth.models import Role
from distro.clock import BUSINESS_TZ
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp, menu_item
from distro.db import get_replica_session, get_session
from distro.errors import NotFound
from distro.owner import figures, labels
from distro.owner.data import charts
from distro.pages import parse_query, wants_fragment
from distro.share.analytics import report
from distro.suppliers.models import Product
from distro.suppliers.services import require_reading_supplier

menu_item(Role.SUPPLIER, "console.supplier_analytics", _l("数据"), order=60)


class PeriodArgs(Schema):
    """?days=7|30|90: the period the page shows, in days ending today (Asia/Shanghai)."""

    class Meta:
        unknown = EXCLUDE

    days = fields.Integer(load_default=figures.DEFAULT_PERIOD_DAYS, validate=validate.OneOf(figures.PERIOD_DAYS))


def supplier_report(session: Session, supplier_id: int, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The supplier's analytics from start to end (inclusive) as the API gives them, with `titles`: each product's
    title by id."""
    found = report(session, scope="supplier", scope_id=supplier_id, start=start, end=end)
    ids = [row["product"] for row in found["by_product"]]
    titles = dict(session.execute(sa.select(col(Product.id), col(Product.title)).where(col(Product.id).in_(ids))).all())
    return {**found, "titles": titles}


def _totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    # Every order and click is on exactly one channel ("direct" for none), so the channels add up to the whole.
    names = ("clicks", "unique_clicks", "orders", "gmv_fen", "net_gmv_fen")
    return {name: sum(row[name] for row in rows) for name in names}


@bp.get("/supplier/analytics", endpoint="supplier_analytics")
@console_page(Role.SUPPLIER)
def analytics() -> str:
    """数据: the supplier's figures over the chosen period; only the report for htmx when the period changes."""
    try:
        args = parse_query(PeriodArgs())
    except ValidationError as error:
        raise NotFound("No such page.") from error  # a period the page does not offer
    session = get_session()
    supplier = require_reading_supplier(session, current_user_id())
    start, end = figures.period(args["days"], dt.datetime.now(BUSINESS_TZ).date())
    found = supplier_report(get_replica_session(), supplier.id, start, end)  # type: ignore[arg-type]
    template = "console/supplier/analytics_report.html" if wants_fragment() else "console/supplier/analytics.html"
    return render_template(
        template,
        days=args["days"],
        periods=figures.PERIOD_DAYS,
        start=start,
        end=end,
        report=found,
        totals=_totals(found["by_channel"]),
        charts=charts(found, start, end),
        colours=figures.COLOURS,
        names=labels,
    )
