"""供货商对账 (supplier dues, for finance): a month's statements of every supplier, issuing them once the month has
ended, one statement with its remittances, sending it to the supplier (it falls due SUPPLIER_DUES_DAYS later), its
files, and the overdue ones (逾期) with their days. Every rule is distro/dues's; the page shows and calls it."""

from __future__ import annotations

import datetime as dt

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlmodel import col
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.models import Role
from distro.clock import BUSINESS_TZ
from distro.console import statement_files as files
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp, menu_item
from distro.console.lists import AN_ID, newest_first
from distro.db import get_session
from distro.dues import overdue, remittances, statements
from distro.dues.models import SupplierRemittance, SupplierStatement
from distro.errors import NotFound
from distro.ledger.chart import supplier_account
from distro.ledger.services import balance
from distro.pages import parse_query, query_or_defaults
from distro.settlement.schemas import MonthSchema
from distro.tiers.rules import previous_month

menu_item(
    Role.FINANCE,
    "console.finance_statements",
    _l("供货商对账"),
    order=55,
    pages=("console.finance_statement", "console.finance_overdue"),
)

BAD_MONTH = _l("请输入月份，格式为 YYYY-MM，例如 2026-11")
NOT_OVER = _l("这个月还没有结束，月末之后才能生成对账单。")
STATUSES = {"issued": _l("待发送"), "sent": _l("已发送")}
"""A statement's status (distro.dues.models.STATEMENT_STATUSES) in the page's words."""


class ListArgs(Schema):
    """?month=YYYY-MM&status=&after=: a month's statements, by status, a page at a time."""

    class Meta:
        unknown = EXCLUDE

    month = fields.String(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(list(STATUSES)))
    after = fields.Integer(load_default=None, validate=AN_ID)


def _month(text: str) -> str | None:
    """The month typed, if it is one (the API's MonthSchema, as 月度报表 reads it), else None."""
    try:
        return str(MonthSchema().load({"month": text})["month"])
    except ValidationError:
        return None


def _last_month() -> str:
    return previous_month(dt.datetime.now(BUSINESS_TZ)).strftime("%Y-%m")


def _list(
    month_typed: str,
    status: str | None,
    after: int | None,
    message: str | None = None,
    code: int = 200,
    refused: dict[str, list[str]] | None = None,
):
    month = _month(month_typed)
    if month is None:
        return render_template(
            "console/finance/statements.html",
            page=None,
            typed=month_typed,
            status=status,
            statuses=STATUSES,
            errors={"month": [str(BAD_MONTH)]},
            message=message,
        ), 422
    first = dt.date.fromisoformat(f"{month}-01")
    session = get_session()
    page = newest_first(
        session, statements.statements_query(month=first, status=status), SupplierStatement.id, after=after
    )
    rows = [statements.shown(row) for row in page.rows]
    return render_template(
        "console/finance/statements.html",
        page=page,
        rows=rows,
        typed=month,
        status=status,
        statuses=STATUSES,
        errors=refused or {},
        message=message,
    ), 422 if refused else code


@bp.get("/finance/statements")
@console_page(Role.FINANCE)
def finance_statements() -> tuple[str, int]:
    """供货商对账: a month's statements (last month by default), newest first, with what each still asks for."""
    args, refused = query_or_defaults(ListArgs())
    return _list((args["month"] or "").strip() or _last_month(), args["status"], args["after"], refused=refused)


@bp.post("/finance/statements/issue")
@console_page(Role.FINANCE)
def finance_issue_statements() -> BaseResponse | tuple[str, int]:
    """生成对账单: issue the month's statements for every supplier (statements.issue_month, the job's own)."""
    typed = request.form.get("month", "").strip()
    month = _month(typed)
    if month is None:
        return _list(typed, None, None)
    try:
        statements.issue_month(session=get_session(), month=month)
    except statements.MonthNotOver:
        get_session().rollback()
        return _list(month, None, None, message=str(NOT_OVER), code=409)
    return redirect(url_for("console.finance_statements", month=month), 303)


@bp.post("/finance/statements/send-all")
@console_page(Role.FINANCE)
def finance_send_month() -> BaseResponse | tuple[str, int]:
    """全部发送: every statement of the month not sent yet, sent at once (statements.send_month)."""
    month = _month(request.form.get("month", "").strip())
    if month is None:
        return _list(request.form.get("month", ""), None, None)
    statements.send_month(
        session=get_session(),
        month=dt.date.fromisoformat(f"{month}-01"),
        sender=current_user_id(),
        due_days=int(current_app.config["SUPPLIER_DUES_DAYS"]),
    )
    return redirect(url_for("console.finance_statements", month=month), 303)


@bp.get("/finance/statements/month/<string:month>.<string:kind>")
@console_page(Role.FINANCE)
def finance_month_file(month: str, kind: str) -> Response:
    """The month's statements, a row per supplier, as CSV or XLSX (404 for what is not a month or not one of those)."""
    if kind not in files.FILES or _month(month) is None:
        raise NotFound(f"No statements file {month}.{kind}.")
    query = statements.statements_query(month=dt.date.fromisoformat(f"{month}-01")).order_by(
        col(SupplierStatement.supplier_id)
    )
    today = dt.datetime.now(BUSINESS_TZ).date()
    rows = files.month_rows((statements.shown(row, today) for row in get_session().execute(query).mappings()), STATUSES)
    body = files.month_csv(rows) if kind == "csv" else files.month_xlsx(rows)
    return Response(
        body,
        content_type=files.FILES[kind],
        headers={
            "Content-Disposition": f'attachment; filename="distro-statements-{month}.{kind}"',
        },
    )


def statement_page(statement_id: int, *, errors: dict | None = None, form: dict | None = None, code: int = 200):
    """One statement with its supplier's account balance now and the remittances recorded against it."""
    session = get_session()
    shown = statements.get_statement(session, statement_id)
    supplier_id = shown.statement["supplier_id"]
    recorded = newest_first(
        session,
        remittances.remittances_query().where(col(SupplierRemittance.statement_id) == statement_id),
        SupplierRemittance.id,
        after=None,
    )
    return render_template(
        "console/finance/statement.html",
        shown=shown,
        rows=files.figure_rows(shown),
        statuses=STATUSES,
        balance_fen=balance(session, supplier_account(supplier_id)),
        account=supplier_account(supplier_id),
        remittances=recorded.rows,
        remittance_statuses=REMITTANCE_STATUSES,
        errors=errors or {},
        form=form or {"remitted_on": dt.datetime.now(BUSINESS_TZ).date().isoformat()},
        due_days=int(current_app.config["SUPPLIER_DUES_DAYS"]),
        mine=current_user_id(),
    ), code


REMITTANCE_STATUSES = {"proposed": _l("待复核"), "approved": _l("已入账"), "rejected": _l("已驳回")}
"""A remittance's status (distro.dues.models.REMITTANCE_STATUSES) in the page's words."""


@bp.get("/finance/statements/<int:statement_id>")
@console_page(Role.FINANCE)
def finance_statement(statement_id: int) -> tuple[str, int]:
    """A statement: its figures, what it still asks for, sending it, and its remittances."""
    return statement_page(statement_id)


@bp.post("/finance/statements/<int:statement_id>/send")
@console_page(Role.FINANCE)
def finance_send_statement(statement_id: int) -> BaseResponse:
    """发送给供货商: statements.send; it falls due SUPPLIER_DUES_DAYS days later (sending again changes nothing)."""
    statements.send(
        session=get_session(),
        statement_id=statement_id,
        sender=current_user_id(),
        due_days=int(current_app.config["SUPPLIER_DUES_DAYS"]),
    )
    return redirect(url_for("console.finance_statement", statement_id=statement_id), 303)


@bp.get("/finance/statements/<int:statement_id>.<string:kind>")
@console_page(Role.FINANCE)
def finance_statement_file(statement_id: int, kind: str) -> Response:
    """The statement to download, as CSV or XLSX."""
    if kind not in files.FILES:
        raise NotFound(f"No statement file {statement_id}.{kind}.")
    return statement_download(statements.get_statement(get_session(), statement_id), kind)


def statement_download(shown: statements.Shown, kind: str) -> Response:
    """A statement's file of kind (csv or xlsx) as an attachment."""
    body = files.statement_csv(shown) if kind == "csv" else files.statement_xlsx(shown)
    return Response(
        body,
        content_type=files.FILES[kind],
        headers={
            "Content-Disposition": f'attachment; filename="{files.filename(shown, kind)}"',
        },
    )


class OverdueArgs(Schema):
    """?after=: the overdue list a page at a time."""

    class Meta:
        unknown = EXCLUDE

    after = fields.Integer(load_default=None, validate=AN_ID)


@bp.get("/finance/statements/overdue")
@console_page(Role.FINANCE)
def finance_overdue() -> str:
    """逾期: sent statements past their due day with money outstanding, with how many days."""
    try:
        after = parse_query(OverdueArgs())["after"]
    except ValidationError as error:
        raise NotFound("No such page.") from error
    today = dt.datetime.now(BUSINESS_TZ).date()
    session = get_session()
    page = newest_first(session, overdue.overdue_query(today), SupplierStatement.id, after=after)
    return render_template(
        "console/finance/overdue.html",
        page=page,
        rows=[statements.shown(row, today) for row in page.rows],
        suspend_days=int(current_app.config["SUPPLIER_DUES_SUSPEND_DAYS"]),
    )
