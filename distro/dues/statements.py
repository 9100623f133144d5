"""Supplier statements (对账单): issued for every supplier of a month at once, in one statement, from the supplier
payable accounts' entries (each one's balance at the month's end, and the month's change by the figure its posting's
kind counts in, as the 月度报表 counts it: distro/settlement/periods.py); sent by finance, which sets the day they fall
due; read with what is still outstanding on each.

What a statement still asks for is its closing balance less what the supplier remitted after the month (rules.
outstanding), so the newest statement's outstanding is the account's balance whenever nothing else moved it since.
"""

from __future__ import annotations

import datetime as dt
import json
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
from distro.suppliers.models import Supplier
from distro.tiers.rules import month_bounds

SUBJECT = "supplier_statement"
"""The audit log's subject type for statements."""

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
STATEMENT_FIGURES = """
    s.closing - s.change AS opening_fen, s.accrued AS accrued_fen, s.reversed AS reversed_fen,
    s.clawed_back AS clawed_back_fen, s.remitted AS remitted_fen,
    s.change - s.accrued + s.reversed + s.clawed_back + s.remitted AS adjusted_fen, s.closing AS closing_fen
"""
"""rules.figures in SQL, over a source `s` of each account's closing balance, its month's change and its sums by
figure (tests/integration/test_supplier_statement_sql.py holds the two to the same figures)."""
# Each supplier payable account at the month's end: its balance, and of the entries of postings made in the month
# their net change (debit positive: more owed) and their sums by the figure their posting's kind counts in
# (settlement.periods: the 月度报表's own words; a posting by finance, an adjustment or a reversal, counts in
# none and shows as adjusted). One statement per supplier that exists and whose account moved in the month or
# owes (or is owed) at its end, unless the month has one already (its figures cannot have changed).
_ISSUE = sa.text(
    f"""
    WITH moves AS (
        SELECT split_part(a.code, ':', 2)::bigint AS supplier_id, e.amount, p.created_at >= :starts_at AS in_month,
               CASE WHEN p.kind IN ('adjustment', 'adjustment_reversal') OR p.reverses_posting_id IS NOT NULL THEN NULL
                    ELSE CAST(:figures AS jsonb) ->> p.kind END AS figure
        FROM ledger_accounts a
        JOIN ledger_entries e ON e.account_id = a.id JOIN ledger_postings p ON p.id = e.posting_id
        WHERE a.code LIKE 'supplier:%\\:payable' AND p.created_at < :ends_at
    ), s AS (
        SELECT supplier_id, sum(amount) AS closing, bool_or(in_month) AS moved,
               coalesce(sum(amount) FILTER (WHERE in_month), 0) AS change,
               coalesce(sum(amount) FILTER (WHERE in_month AND figure = 'accrued'), 0) AS accrued,
               coalesce(-sum(amount) FILTER (WHERE in_month AND figure = 'reversed'), 0) AS reversed,
               coalesce(-sum(amount) FILTER (WHERE in_month AND figure = 'clawed_back'), 0) AS clawed_back,
               coalesce(-sum(amount) FILTER (WHERE in_month AND figure = 'remitted'), 0) AS remitted
        FROM moves GROUP BY supplier_id
    )
    INSERT INTO supplier_statements (month, starts_at, ends_at, status, computed_at, {", ".join(_COLUMNS)})
    SELECT :month, :starts_at, :ends_at, 'issued', :now, s.supplier_id, {STATEMENT_FIGURES}
    FROM s JOIN suppliers ON suppliers.id = s.supplier_id
    WHERE s.moved OR s.closing <> 0
    ORDER BY s.supplier_id
    ON CONFLICT ON CONSTRAINT supplier_statements_one_a_month DO NOTHING
    """  # noqa: S608  (the column names and figures are this module's own, no input)
)
FIGURE_OF_KIND = periods.COMMISSION_KINDS | periods.SUPPLIER_KINDS
"""The posting kinds a statement counts, and the figure each counts in (as the 月度报表 counts them)."""
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
    moved in it or owes (or is owed) at its end, in one statement; return how many were issued now. Statements issued
    before stand.

    Commits. MonthNotOver when the month has not ended.
    """
    now = now or utcnow()
    first = periods.month_of(month)
    start, end = month_bounds(first)
    if end > now:
        raise MonthNotOver(f"{month} has not ended yet; its statements are issued once it has.")
    parameters = {"month": first, "starts_at": start, "ends_at": end, "now": now, "figures": json.dumps(FIGURE_OF_KIND)}
    issued = session.execute(_ISSUE, parameters)
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


def sent_statement(session: Session, statement_id: int, *, supplier_id: int) -> Shown:
    """One statement finance sent the supplier, as shown; NotFound for another's, or one not sent yet (the supplier
    has not been given it)."""
    found = get_statement(session, statement_id, supplier_id=supplier_id)
    if found.statement["status"] != "sent":
        raise NotFound(f"No statement {statement_id}.")
    return found


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
