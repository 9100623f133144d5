"""The month's report as the monthly period page shows it: the API's own query (distro/settlement/queries.py
period, over distro/settlement/periods.py period_report) and the names of the suppliers it lists."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.settlement import queries as settlement
from distro.suppliers.models import Supplier


def report(session: Session, month: str) -> dict[str, Any]:
    """The month's figures (YYYY-MM, checked by the caller) with supplier_names by id."""
    figures = settlement.period(session, month)
    ids = [row["supplier_id"] for row in figures["owed_by_supplier"]]
    names = dict(
        session.execute(sa.select(col(Supplier.id), col(Supplier.company_name)).where(col(Supplier.id).in_(ids))).all()
    )
    return {**figures, "supplier_names": names}
