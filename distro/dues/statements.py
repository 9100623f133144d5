"""Supplier statements (对账单): issued for every supplier of a month at once, set-based, from the month's ledger
figures (distro/settlement/queries.py period, the 月度报表's own) and the supplier payable accounts' balances at the
month's end; sent by finance, which sets the day they fall due; read with what is still outstanding on each.

What a statement still asks for is its closing balance less what the supplier remitted after the month (rules.
outstanding), so the newest statement's outstanding is the account's balance whenever nothing else moved it since.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.clock import BUSINESS_TZ, utcnow
from distro.dues import rules
from distro.dues.models import SupplierStatement
from distro.errors import Conflict, NotFound
from distro.settlement import periods
from distro.settlement import queries as settlement
from distro.suppliers.models import Supplier
from distro.tiers.rules import month_bounds

SUBJECT = "supplier_statement"
"""The audit log's subject type for statements."""

# Every supplier payable account's balance at an instant (debit positive: what the supplier owes).
_CLOSING = sa.text(
    """
    SELECT split_part(a.code, ':', 2)::bigint AS supplier_id, sum(e.amount) AS closing
    FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id JOIN ledger_postings p ON p.id = e.posting_id
    WHERE a.code LIKE 'supplier:%\\:payable' AND p.created_at < :end
    GROUP BY 1
    """
)
_COLUMNS = (
    "supplier_id",
    "opening_fen",
    "accrued_fen",
    "reversed_fen",
    "clawed_back_fen",
    "remitted_fen",
    "adjusted_fen",
    "closing_fen",
)
# One statement per supplier that exists, unless the month has one already (its figures cannot have changed).
_ISSUE = sa.text(
    f"""
    INSERT INTO supplier_statements (month, starts_at, ends_at, status, computed_at, {", ".join(_COLUMNS)})
    SELECT :month, :starts_at, :ends_at, 'issued', :now, u.*
    FROM unnest({", ".join(f"CAST(:{name} AS bigint[])" for name in _COLUMNS)}) AS u({", ".join(_COLUMNS)})
    JOIN suppliers s ON s.id = u.supplier_id
    ORDER BY u.supplier_id
    ON CONFLICT ON CONSTRAINT supplier_statements_one_a_month DO NOTHING
    """  # noqa: S608  (the column names are this module's own, no input)
)
# What each statement still asks for: remittances posted on its supplier's account after its month.
REMITTED_SINCE = """
    SELECT CAST(coalesce(-sum(e.amount), 0) AS bigint) FROM ledger_accounts a
     JOIN ledger_entries e ON e.account_id = a.id JOIN ledger_postings p ON p.id = e.posting_id
     WHERE a.code = 'supplier:' || supplier_statements.supplier_id || ':payable' AND p.kind = 'supplier_remittance'
      AND p.created_at >= supplier_statements.ends_at
"""


class MonthNotOver(Conflict):
    """A statement is of a month that has ended: its figures are final then."""

    slug = "month-not-over"


def issue_month(*, session: Session, month: str, now: dt.datetime | None = None) -> int:
    """Issue the statement of a month (YYYY-MM, Asia/Shanghai) that has ended for every supplier whose payable account
    moved in it or owes (or is owed) at its end; return how many were issued now. Statements issued before stand.

    Commits. MonthNotOver when the month has not ended.
    """
    now = now or utcnow()
    first = periods.month_of(month)
    start, end = month_bounds(first)
    if end > now:
        raise MonthNotOver(f"{month} has not ended yet; its statements are issued once it has.")
    report = settlement.period(session, month)
    moved = {row["supplier_id"]: row for row in report["owed_by_supplier"]}
    closing = {int(row.supplier_id): int(row.closing) for row in session.execute(_CLOSING, {"end": end})}
    values: dict[str, list[int]] = {name: [] for name in _COLUMNS}
    for supplier_id in sorted(set(moved) | {key for key, fen in closing.items() if fen}):
        row = moved.get(supplier_id, {})
        figures = rules.figures(
            closing=closing.get(supplier_id, 0),
            change=row.get("owed_fen", 0),
            accrued=row.get("accrued_fen", 0),
            reversed_=row.get("reversed_fen", 0),
            clawed_back=row.get("clawed_back_fen", 0),
            remitted=row.get("remitted_fen", 0),
        )
        values["supplier_id"].append(supplier_id)
        for name in _COLUMNS[1:]:
            values[name].append(getattr(figures, name.removesuffix("_fen")))
    issued = session.execute(_ISSUE, {"month": first, "starts_at": start, "ends_at": end, "now": now, **values})
    session.commit()
    return int(issued.rowcount)  # type: ignore[attr-defined]  # a CursorResult


def statements_query(
    *, month: dt.date | None = None, supplier_id: int | None = None, status: str | None = None
) -> sa.Select:
    """Statements with their supplier's company_name and what it remitted after each month (remitted_since_fen, for
    rules.outstanding: see shown), unordered (a list pages them by id); optionally of one month, supplier or status."""
    query: sa.Select = sa.select(
        SupplierStatement.__table__,  # type: ignore[attr-defined]  # SQLModel declares no __table__
        col(Supplier.company_name),
        sa.literal_column(f"({REMITTED_SINCE})").label("remitted_since_fen"),
    ).join(Supplier, col(Supplier.id) == SupplierStatement.supplier_id)
    if month is not None:
        query = query.where(col(SupplierStatement.month) == month)
    if supplier_id is not None:
        query = query.where(col(SupplierStatement.supplier_id) == supplier_id)
    if status is not None:
        query = query.where(col(SupplierStatement.status) == status)
    return query


@dataclass(frozen=True)
class Shown:
    """A statement as pages show it: its row, what it still asks for, and how many days that is overdue."""

    statement: dict[str, Any]
    outstanding_fen: int
    days_overdue: int


def shown(row: Any, today: dt.date | None = None) -> Shown:
    """A row of statements_query with its outstanding and days overdue (rules.outstanding, rules.days_overdue)."""
    today = today or dt.datetime.now(BUSINESS_TZ).date()
    owed = rules.outstanding(int(row["closing_fen"]), int(row["remitted_since_fen"]))
    return Shown(dict(row), owed, rules.days_overdue(row["due_on"], today, owed))


def get_statement(session: Session, statement_id: int, *, supplier_id: int | None = None) -> Shown:
    """One statement (of that supplier, when given: another's is NotFound), as shown."""
    query = statements_query(supplier_id=supplier_id).where(col(SupplierStatement.id) == statement_id)
    row = session.execute(query).mappings().first()
    if row is None:
        raise NotFound(f"No statement {statement_id}.")
    return shown(row)


def send(*, session: Session, statement_id: int, sender: int, due_days: int, now: dt.datetime | None = None) -> bool:
    """Send an issued statement to its supplier: it is due due_days (SUPPLIER_DUES_DAYS) after today; commit.
    Sending it again changes nothing (its first due day stands); True when sent now."""
    now = now or utcnow()
    statement = session.execute(
        sa.select(SupplierStatement).where(col(SupplierStatement.id) == statement_id).with_for_update()
    ).scalar_one_or_none()
    if statement is None:
        raise NotFound(f"No statement {statement_id}.")
    if statement.status == "sent":
        session.commit()
        return False
    statement.status, statement.sent_at, statement.sent_by = "sent", now, sender
    statement.due_on = rules.due_on(now, due_days)
    audit.record(
        session,
        actor_id=sender,
        action="supplier_statement.sent",
        subject_type=SUBJECT,
        subject_id=statement_id,
        after={"supplier_id": statement.supplier_id, "due_on": statement.due_on.isoformat()},
    )
    session.commit()
    return True


_SEND_MONTH = sa.text(
    """
    UPDATE supplier_statements SET status = 'sent', sent_at = :now, sent_by = :sender, due_on = :due_on
    WHERE month = :month AND status = 'issued'
    """
)


def send_month(*, session: Session, month: dt.date, sender: int, due_days: int, now: dt.datetime | None = None) -> int:
    """Send every statement of a month not sent yet, in one statement, due due_days after today; how many were sent.
    One audit entry records it (subject: the month as YYYYMM). Commits."""
    now = now or utcnow()
    due = rules.due_on(now, due_days)
    sent = session.execute(_SEND_MONTH, {"now": now, "sender": sender, "due_on": due, "month": month})
    count = int(sent.rowcount)  # type: ignore[attr-defined]  # a CursorResult
    if count:
        audit.record(
            session,
            actor_id=sender,
            action="supplier_statement.sent_month",
            subject_type="supplier_statement_month",
            subject_id=month.year * 100 + month.month,
            after={"statements": count, "due_on": due.isoformat()},
        )
    session.commit()
    return count
