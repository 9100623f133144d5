"""保证金 for finance: each supplier's required, held (the ledger's supplier:N:deposit) and short deposit, newest
supplier first, a page at a time; the balances read for the page's suppliers only."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from flask_babel import lazy_gettext as _l
from sqlmodel import col

from distro.auth.models import Role
from distro.console.access import console_page
from distro.console.blueprint import bp, menu_item
from distro.console.lists import PageArgs, newest_first
from distro.db import get_session
from distro.deposits import rules
from distro.ledger.chart import supplier_deposit_account
from distro.ledger.services import balances
from distro.pages import query_or_defaults
from distro.suppliers.models import Supplier

menu_item(Role.FINANCE, "console.finance_deposits", _l("保证金"), order=45)

_HOLDING = ("approved", "suspended", "removed")
"""Suppliers that were admitted: the ones a deposit is asked of (or held for)."""


@bp.get("/finance/deposits", endpoint="finance_deposits")
@console_page(Role.FINANCE)
def deposits() -> tuple[str, int]:
    """保证金: each admitted supplier's required, held and short deposit, a page at a time."""
    args, refused = query_or_defaults(PageArgs())
    session = get_session()
    query: sa.Select = sa.select(
        col(Supplier.id).label("id"),
        col(Supplier.company_name).label("company_name"),
        col(Supplier.status).label("status"),
        col(Supplier.deposit_required_fen).label("required_fen"),
    ).where(col(Supplier.status).in_(_HOLDING))
    page = newest_first(session, query, col(Supplier.id), after=args["after"])
    held = balances(session, [supplier_deposit_account(row["id"]) for row in page.rows])
    rows = []
    for row in page.rows:
        held_fen = held[supplier_deposit_account(row["id"])]
        rows.append(
            {
                **row,
                "held_fen": held_fen,
                "short_fen": rules.shortfall(held_fen, row["required_fen"]),
                "sells": rules.sells(row["status"], held_fen, row["required_fen"]),
            }
        )
    return render_template(
        "console/finance/deposits.html", page=page, rows=rows, refused=refused
    ), 422 if refused else 200
