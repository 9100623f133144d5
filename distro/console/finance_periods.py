"""月度报表 (the monthly period view): a calendar month's figures from the ledger, the report the API's
/settlement/periods/<month> gives, with whether it ties out, and its CSV and XLSX downloads."""

from __future__ import annotations

import datetime as dt

from flask import Response, render_template, request
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from distro.auth.models import Role
from distro.clock import BUSINESS_TZ
from distro.console import finance_period_files as files
from distro.console import finance_periods_queries as queries
from distro.console.access import console_page
from distro.console.blueprint import bp, menu_item
from distro.db import get_session
from distro.errors import NotFound
from distro.settlement import periods
from distro.settlement.schemas import MonthSchema

menu_item(Role.FINANCE, "console.finance_periods", _l("月度报表"), order=50, pages=("console.finance_period_file",))

BAD_MONTH = _l("请输入月份，格式为 YYYY-MM，例如 2026-11")
FILES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _this_month() -> str:
    return dt.datetime.now(BUSINESS_TZ).strftime("%Y-%m")


def _month(text: str) -> str | None:
    """The month typed, if it is one (the API's MonthSchema), else None."""
    try:
        return str(MonthSchema().load({"month": text})["month"])
    except ValidationError:
        return None


@bp.get("/finance/periods")
@console_page(Role.FINANCE)
def finance_periods() -> tuple[str, int]:
    """月度报表: the month chosen (this month in Asia/Shanghai by default) from the ledger, and its downloads."""
    typed = request.args.get("month", "").strip() or _this_month()
    month = _month(typed)
    if month is None:
        return render_template(
            "console/finance/period.html", report=None, typed=typed, errors={"month": [str(BAD_MONTH)]}
        ), 422
    report = queries.report(get_session(), month)
    first = periods.month_of(month)
    before = (first - dt.timedelta(days=1)).strftime("%Y-%m")
    after = (first + dt.timedelta(days=31)).strftime("%Y-%m")
    return render_template(
        "console/finance/period.html", report=report, typed=typed, errors={}, before=before, after=after
    ), 200


@bp.get("/finance/periods/<string:month>.<string:kind>")
@console_page(Role.FINANCE)
def finance_period_file(month: str, kind: str) -> Response:
    """The month's report to download, as CSV or XLSX (404 for what is not a month or not one of those)."""
    if kind not in FILES or _month(month) is None:
        raise NotFound(f"No report {month}.{kind}.")
    report = queries.report(get_session(), month)
    body = files.period_csv(report) if kind == "csv" else files.period_xlsx(report)
    return Response(
        body,
        content_type=FILES[kind],
        headers={
            "Content-Disposition": f'attachment; filename="distro-period-{month}.{kind}"',
        },
    )
