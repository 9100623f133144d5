"""对账单 (the supplier's statements): each statement finance sent it, newest month first, with what it still owes
and by when, one statement's figures and the remittances entered against it, and its files (CSV, XLSX). A supplier
sees only its own: another's statement is a 404. A suspension for overdue dues is said at the top."""

from __future__ import annotations

import datetime as dt

from flask import Response, current_app, render_template
from flask_babel import lazy_gettext as _l

from distro.auth.models import Role
from distro.clock import BUSINESS_TZ
from distro.console import statement_files as files
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp, menu_item
from distro.console.finance_dues import statement_download
from distro.console.lists import PageArgs, newest_first
from distro.db import get_session
from distro.dues import overdue, statements
from distro.dues.models import SupplierStatement
from distro.errors import NotFound
from distro.ledger.chart import supplier_account
from distro.ledger.services import balance
from distro.pages import query_or_defaults
from distro.suppliers.services import require_reading_supplier

menu_item(Role.SUPPLIER, "console.supplier_statements", _l("对账单"), order=55, pages=("console.supplier_statement",))


@bp.get("/supplier/statements")
@console_page(Role.SUPPLIER)
def supplier_statements() -> tuple[str, int]:
    """对账单: the statements finance sent the supplier, newest first, each with what it still owes and by when."""
    args, refused = query_or_defaults(PageArgs())
    session = get_session()
    supplier = require_reading_supplier(session, current_user_id())
    query = statements.statements_query(supplier_id=supplier.id, status="sent")
    page = newest_first(session, query, SupplierStatement.id, after=args["after"])
    today = dt.datetime.now(BUSINESS_TZ).date()
    return render_template(
        "console/supplier/statements.html",
        page=page,
        rows=[statements.shown(row, today) for row in page.rows],
        supplier=supplier,
        suspended_for_dues=overdue.is_suspended_for_dues(supplier),
        balance_fen=balance(session, supplier_account(supplier.id)),  # type: ignore[arg-type]
        suspend_days=int(current_app.config["SUPPLIER_DUES_SUSPEND_DAYS"]),
        refused=refused,
    ), 422 if refused else 200


def _own(statement_id: int) -> statements.Shown:
    session = get_session()
    supplier = require_reading_supplier(session, current_user_id())
    return statements.sent_statement(session, statement_id, supplier_id=supplier.id)  # type: ignore[arg-type]


@bp.get("/supplier/statements/<int:statement_id>")
@console_page(Role.SUPPLIER)
def supplier_statement(statement_id: int) -> str:
    """One statement of the supplier's: its figures in the order they add up, and its downloads."""
    shown = _own(statement_id)
    return render_template("console/supplier/statement.html", shown=shown, rows=files.figure_rows(shown))


@bp.get("/supplier/statements/<int:statement_id>.<string:kind>")
@console_page(Role.SUPPLIER)
def supplier_statement_file(statement_id: int, kind: str) -> Response:
    """One of the supplier's statements to download, as CSV or XLSX."""
    if kind not in files.FILES:
        raise NotFound(f"No statement file {statement_id}.{kind}.")
    return statement_download(_own(statement_id), kind)
