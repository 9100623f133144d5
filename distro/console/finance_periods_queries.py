"""The month's report as the monthly period page shows it: the API's own query (distro/settlement/queries.py
period, over distro/settlement/periods.py period_report) and the names of the suppliers it lists."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from distro.settlement import queries as settlement
from distro.suppliers.admin_queries import company_names


def report(session: Session, month: str) -> dict[str, Any]:
    """The month's figures (YYYY-MM, checked by the caller) with supplier_names by id."""
    figures = settlement.period(session, month)
    names = company_names(session, (row["supplier_id"] for row in figures["owed_by_supplier"]))
    return {**figures, "supplier_names": names}
