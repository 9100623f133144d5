"""Supplier statements (对账单) and the remittances finance records against them."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# The tables its foreign keys name, loaded with it: a session cannot flush a row naming a table it never loaded.
import distro.auth.models
import distro.ledger.models
import distro.suppliers.models  # noqa: F401
from distro.clock import utcnow

STATEMENT_STATUSES = ("issued", "sent")
"""A statement is issued when computed (finance sees it), sent once finance sends it to the supplier (due from then)."""
REMITTANCE_STATUSES = ("proposed", "approved", "rejected")
"""A remittance finance recorded waits for a second finance user, who approves it (it posts) or rejects it."""


class SupplierStatement(SQLModel, table=True):
    """A supplier's month (Asia/Shanghai) of its payable account: what it owed at the start, the commission accrued,
    reversed and clawed back on its goods, what it remitted, other corrections, and what it owed at the end.

    Every figure is a sum of the ledger's entries on `supplier:N:payable` (distro/dues/statements.py), so
    opening + accrued − reversed − clawed_back − remitted + adjusted = closing, and closing is the account's
    balance at the month's end. Postings are dated when made, so a month's figures never change once it is over.
    """

    __tablename__ = "supplier_statements"
    __table_args__ = (
        sa.UniqueConstraint("supplier_id", "month", name="supplier_statements_one_a_month"),
        sa.CheckConstraint(f"status IN {STATEMENT_STATUSES!r}", name="known_status"),
        sa.CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL AND due_on IS NOT NULL)", name="due_once_sent"),
        sa.CheckConstraint(
            "opening_fen + accrued_fen - reversed_fen - clawed_back_fen - remitted_fen + adjusted_fen = closing_fen",
            name="figures_add_up",
        ),
        # Finance's list of a month, and the overdue statements (sent, by due date).
        sa.Index("ix_supplier_statements_month_id", "month", "id"),
        sa.Index("ix_supplier_statements_sent_due", "due_on", postgresql_where=sa.text("status = 'sent'")),
        sa.Index("ix_supplier_statements_supplier_month", "supplier_id", sa.text("month DESC")),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    supplier_id: int = Field(foreign_key="suppliers.id", sa_type=sa.BigInteger)
    month: dt.date  # its first day
    starts_at: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))
    ends_at: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))
    opening_fen: int = Field(sa_type=sa.BigInteger)
    accrued_fen: int = Field(sa_type=sa.BigInteger)
    reversed_fen: int = Field(sa_type=sa.BigInteger)
    clawed_back_fen: int = Field(sa_type=sa.BigInteger)
    remitted_fen: int = Field(sa_type=sa.BigInteger)
    adjusted_fen: int = Field(sa_type=sa.BigInteger)
    closing_fen: int = Field(sa_type=sa.BigInteger)
    status: str = Field(default="issued", max_length=10)
    computed_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    sent_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    sent_by: int | None = Field(default=None, foreign_key="users.id", sa_type=sa.BigInteger)
    due_on: dt.date | None = None


class SupplierRemittance(SQLModel, table=True):
    """Money a supplier paid the platform against its dues, as finance recorded it (the maker); it posts (debit
    cash, credit the supplier's payable account) only when another finance user approves it (the checker)."""

    __tablename__ = "supplier_remittances"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {REMITTANCE_STATUSES!r}", name="known_status"),
        sa.CheckConstraint("amount_fen > 0", name="positive_amount"),
        sa.CheckConstraint("(status = 'approved') = (posting_id IS NOT NULL)", name="posted_once_approved"),
        sa.CheckConstraint(
            "(status = 'proposed') = (decided_by IS NULL AND decided_at IS NULL)", name="decided_unless_proposed"
        ),
        # Maker-checker, held by the database too: whoever recorded it never approved it.
        sa.CheckConstraint("status <> 'approved' OR decided_by <> proposed_by", name="approved_by_another"),
        # One bank transfer is recorded once (a double click, a second colleague typing it in); a rejected one
        # leaves room to record it again.
        sa.Index(
            "supplier_remittances_one_per_transfer",
            "supplier_id",
            "bank_reference",
            unique=True,
            postgresql_where=sa.text("status <> 'rejected'"),
        ),
        sa.Index("ix_supplier_remittances_status_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    supplier_id: int = Field(foreign_key="suppliers.id", sa_type=sa.BigInteger)
    statement_id: int | None = Field(default=None, foreign_key="supplier_statements.id", sa_type=sa.BigInteger)
    amount_fen: int = Field(sa_type=sa.BigInteger)
    bank_reference: str = Field(max_length=64)
    remitted_on: dt.date
    memo: str = Field(default="", max_length=500)
    status: str = Field(default="proposed", max_length=10)
    proposed_by: int = Field(foreign_key="users.id", sa_type=sa.BigInteger)
    proposed_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    decided_by: int | None = Field(default=None, foreign_key="users.id", sa_type=sa.BigInteger)
    decided_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    reason: str | None = Field(default=None, max_length=500)
    posting_id: int | None = Field(default=None, foreign_key="ledger_postings.id", sa_type=sa.BigInteger, unique=True)
