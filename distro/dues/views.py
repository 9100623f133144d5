"""Dues API: the statements (对账单) finance sent a supplier, read by the supplier, each with what it still owes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import col

from distro.api import API_PREFIX, Blueprint, Listing, SelectPage
from distro.auth.access import current_user_id, requires
from distro.auth.models import Role
from distro.clock import BUSINESS_TZ
from distro.db import get_session
from distro.dues import statements
from distro.dues.models import SupplierStatement
from distro.dues.schemas import SupplierStatementSchema
from distro.suppliers.services import require_reading_supplier

blp = Blueprint("dues", __name__, url_prefix=API_PREFIX, description="A supplier's statements (对账单)")


def _described(shown: statements.Shown) -> dict[str, Any]:
    return {**shown.statement, "outstanding_fen": shown.outstanding_fen, "days_overdue": shown.days_overdue}


@blp.route("/supplier/statements", methods=["GET"])
@requires(Role.SUPPLIER)
@blp.response(200, SupplierStatementSchema(many=True))
@blp.paginate(SelectPage)
def list_statements():
    """The statements finance sent the caller, newest month first, each with what it still owes and days overdue."""
    supplier = require_reading_supplier(get_session(), current_user_id())
    query = statements.statements_query(supplier_id=supplier.id, status="sent").order_by(
        col(SupplierStatement.month).desc()
    )
    today = dt.datetime.now(BUSINESS_TZ).date()
    return Listing(query, transform=lambda rows: [_described(statements.shown(row, today)) for row in rows])


@blp.route("/supplier/statements/<int:statement_id>", methods=["GET"])
@requires(Role.SUPPLIER)
@blp.response(200, SupplierStatementSchema)
def get_statement(statement_id: int):
    """One statement finance sent the caller; another supplier's, or one not sent yet, is a 404."""
    session = get_session()
    supplier = require_reading_supplier(session, current_user_id())
    assert supplier.id is not None
    return _described(statements.sent_statement(session, statement_id, supplier_id=supplier.id))
