"""数据 (data): the shop's clicks, unique visitors, orders, GMV and conversion by channel, day and product, as
charts with their tables, over the last 7, 30 or 90 days; htmx swaps the charts when the period changes.

The figures are the API's GET /analytics/shops/{id} (distro.share.analytics.report); distro/owner/figures.py
turns them into the charts' options.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from distro.auth.access import public
from distro.db import get_replica_session, get_session
from distro.money import to_yuan
from distro.owner import figures, labels
from distro.owner.blueprint import bp
from distro.owner.compression import gzipped
from distro.owner.data_queries import shop_report
from distro.owner.page_args import chosen_shop, shop_in_address
from distro.pages import form_messages, parse_query
from distro.share.services import BUSINESS_TZ

TOP_PRODUCTS = 10
"""Products the chart shows (the best sellers by GMV); the table lists every one."""


PERIOD_REFUSED = _l("请选择近 7、30 或 90 天")


class PeriodArgs(Schema):
    """?days=7|30|90: the period the 数据 page shows (another is refused on the period's choice, 422)."""

    class Meta:
        unknown = EXCLUDE

    days = fields.Integer(
        load_default=figures.DEFAULT_PERIOD_DAYS,
        validate=validate.OneOf(figures.PERIOD_DAYS, error=PERIOD_REFUSED),
        error_messages={"invalid": PERIOD_REFUSED},
    )


PERIOD_ARGS = PeriodArgs()


def _totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    # Every order and click is on exactly one channel ("direct" for none), so the channels add up to the shop.
    return {name: sum(row[name] for row in rows) for name in ("clicks", "unique_clicks", "orders", "gmv_fen")}


def charts(found: dict[str, Any], start: dt.date, end: dt.date) -> dict[str, dict[str, Any]]:
    """The page's ECharts options: each day's clicks, visitors and orders; visitors and orders per channel; and
    the best-selling products' GMV in yuan."""
    days = figures.every_day(found["by_day"], start, end)
    channels = found["by_channel"]
    products = sorted(found["by_product"], key=lambda row: (-row["gmv_fen"], row["product"]))[:TOP_PRODUCTS]
    named = {"clicks": _l("点击"), "unique_clicks": _l("访客"), "orders": _l("订单")}
    return {
        "days": figures.line_chart(
            [day["day"] for day in days],
            [(str(named[name]), [day[name] for day in days]) for name in ("clicks", "unique_clicks", "orders")],
        ),
        "channels": figures.bar_chart(
            [str(labels.CHANNELS.get(row["channel"], row["channel"])) for row in channels],
            [(str(named[name]), [row[name] for row in channels]) for name in ("unique_clicks", "orders")],
            horizontal=True,
        ),
        "products": figures.bar_chart(
            [found["titles"].get(row["product"], str(row["product"])) for row in products],
            [(str(_l("成交额（元）")), [to_yuan(row["gmv_fen"]) for row in products])],
            horizontal=True,
        ),
    }


@bp.get("/my/data", endpoint="data")
@public  # to the API's check: the page session, not a bearer token, guards it
@login_required
@gzipped
def data_page() -> tuple[str, int]:
    """数据: the shop's analytics over the chosen period; only the report for htmx when the period changes. A period
    the page does not offer is refused on its choice (422), the default period shown."""
    session = get_session()
    shop, shops = chosen_shop(session, current_user.user_id, shop_in_address())
    try:
        days, errors = parse_query(PERIOD_ARGS)["days"], {}
    except ValidationError as refused:
        days, errors = figures.DEFAULT_PERIOD_DAYS, form_messages(refused)
    status = 422 if errors else 200
    if shop is None:
        return render_template("owner/data/index.html", shop=None, shops=shops), status
    start, end = figures.period(days, dt.datetime.now(BUSINESS_TZ).date())
    found = shop_report(get_replica_session(), shop.id, start, end)  # type: ignore[arg-type]
    template = "owner/data/_report.html" if request.headers.get("HX-Request") == "true" else "owner/data/index.html"
    return render_template(
        template,
        shop=shop,
        shops=shops,
        days=days,
        periods=figures.PERIOD_DAYS,
        errors=errors,
        start=start,
        end=end,
        report=found,
        totals=_totals(found["by_channel"]),
        charts=charts(found, start, end),
        colours=figures.COLOURS,
        names=labels,
    ), status
