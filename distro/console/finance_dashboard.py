"""财务概览 (the finance dashboard): what is pending, payable, held, clawed back, in flight and owed by suppliers,
each read from the ledger's balances and linked into the ledger explorer."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from distro.auth.models import Role
from distro.console import finance_dashboard_queries as queries
from distro.console.access import console_page
from distro.console.blueprint import bp, menu_item
from distro.db import get_session

menu_item(Role.FINANCE, "console.finance_dashboard", _l("概览"), order=10)


@bp.get("/finance")
@console_page(Role.FINANCE)
def finance_dashboard() -> str:
    """概览: the ledger's standing at a glance, with what each figure means."""
    return render_template("console/finance/dashboard.html", standing=queries.standing(get_session()))
