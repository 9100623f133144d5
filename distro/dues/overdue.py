"""Overdue dues (逾期): sent statements past their due day with money still outstanding, with how many days, and
the suppliers whose dues are overdue beyond SUPPLIER_DUES_SUSPEND_DAYS suspended by rule (rules.suspends), all at
once through the admins' own suspension (distro.suppliers.services.decide)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.clock import BUSINESS_TZ
from distro.dues import rules
from distro.dues.models import SupplierStatement
from distro.dues.statements import REMITTED_SINCE, statements_query
from distro.money import to_yuan
from distro.suppliers.models import Supplier
from distro.suppliers.rules import SupplierAction, SupplierStatus
from distro.suppliers.services import decide

SUSPENSION_REASON = "对账单 {month} 逾期 {days} 天未结清，未结清金额 ¥{owed}"
"""The reason a suspension by rule gives (stored on the supplier, shown to it and to the admins)."""


def overdue_query(today: dt.date) -> sa.Select:
    """Sent statements past their due day that still ask for money (rules.days_overdue > 0), as statements_query's
    rows, unordered: the list pages them by id."""
    return statements_query(status="sent").where(
        col(SupplierStatement.due_on) < today,
        col(SupplierStatement.closing_fen) > sa.literal_column(f"({REMITTED_SINCE})"),
    )


# In a text() statement ":payable" would read as a parameter: escaped, it is the account code's text.
_REMITTED = REMITTED_SINCE.replace("':payable'", "'\\:payable'")
# Per approved supplier, its statement longest overdue beyond the limit and still asking for money: the SQL twin of
# rules.suspends (today - due_on > limit), which the job checks again row by row.
_TO_SUSPEND = sa.text(
    f"""
    SELECT DISTINCT ON (supplier_statements.supplier_id) supplier_statements.supplier_id, supplier_statements.month,
           supplier_statements.due_on, supplier_statements.closing_fen, ({_REMITTED}) AS remitted_since_fen
    FROM supplier_statements JOIN suppliers s ON s.id = supplier_statements.supplier_id
    WHERE supplier_statements.status = 'sent' AND supplier_statements.due_on < CAST(:today AS date) - :limit
      AND s.status = 'approved' AND supplier_statements.closing_fen > ({_REMITTED})
    ORDER BY supplier_statements.supplier_id, supplier_statements.due_on
    """  # noqa: S608  (REMITTED_SINCE is this package's own text, no input)
)


def suspend_overdue(*, session: Session, limit_days: int, today: dt.date | None = None) -> list[int]:
    """Suspend every approved supplier with a statement overdue more than limit_days (0 or less: none), giving the
    statement, days and amount as the reason; return their ids. Each suspension commits as an admin's does."""
    today = today or dt.datetime.now(BUSINESS_TZ).date()
    if limit_days <= 0:
        return []
    suspended = []
    for row in session.execute(_TO_SUSPEND, {"today": today, "limit": limit_days}).all():
        owed = rules.outstanding(int(row.closing_fen), int(row.remitted_since_fen))
        days = rules.days_overdue(row.due_on, today, owed)
        if not rules.suspends(days, limit_days):
            continue
        reason = SUSPENSION_REASON.format(month=row.month.strftime("%Y-%m"), days=days, owed=to_yuan(owed))
        decide(
            session=session, supplier_id=row.supplier_id, action=SupplierAction.SUSPEND, reason=reason, admin_id=None
        )
        suspended.append(int(row.supplier_id))
    return suspended


def is_suspended_for_dues(supplier: Supplier) -> bool:
    """Whether the supplier's suspension is this rule's (its reason is SUSPENSION_REASON's)."""
    prefix = SUSPENSION_REASON.partition("{")[0]
    return supplier.status == SupplierStatus.SUSPENDED.value and (supplier.status_reason or "").startswith(prefix)
