"""Ledger tables: accounts, postings and their entries (append-only; see the migration's triggers), and
finance's proposed adjustments."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

# The tables its foreign keys name, loaded with it: a session cannot flush a row naming a table it never loaded.
import distro.auth.models  # noqa: F401
from distro.clock import utcnow


class LedgerAccountBase(SQLModel):
    code: str = Field(max_length=80, unique=True, index=True)
    type: str = Field(max_length=16)


class LedgerAccount(LedgerAccountBase, table=True):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        sa.CheckConstraint("type IN ('asset','liability','equity','revenue','expense')", name="known_type"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class PostingBase(SQLModel):
    # The business event this posting records, e.g. "order:81:line:3:accrual". Unique, so
    # recording the same event twice (a retried job, a replayed webhook) cannot post twice.
    reference: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=40, index=True)
    memo: str = Field(default="", max_length=500)


class Posting(PostingBase, table=True):
    __tablename__ = "ledger_postings"

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    created_by: int | None = Field(default=None, foreign_key="users.id", sa_type=sa.BigInteger)
    reverses_posting_id: int | None = Field(
        default=None, foreign_key="ledger_postings.id", sa_type=sa.BigInteger, unique=True
    )
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True), index=True)


class Entry(SQLModel, table=True):
    """One line of a posting. Partitioned by month of posted_at (migrations/versions/0035_partition_ledger_entries.py,
    distro/partitions/), so its primary key carries posted_at too; ids are still drawn from one sequence."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        sa.CheckConstraint("amount <> 0", name="non_zero_amount"),
        # By account and posting, not account alone: the finance console lists an account's postings newest
        # first a page at a time (distro/console/finance_ledger_queries.py), and platform:revenue has an entry per
        # commission line. An account's other lookups use its leading column the same way.
        sa.Index("ix_ledger_entries_account_id_posting_id", "account_id", "posting_id"),
        {"postgresql_partition_by": "RANGE (posted_at)"},
    )

    id: int | None = Field(
        default=None, primary_key=True, sa_type=sa.BigInteger, sa_column_kwargs={"autoincrement": True}
    )
    # When its posting was created (the posting's created_at, set in the same statement): the partition key.
    posted_at: dt.datetime = Field(
        default_factory=utcnow,
        primary_key=True,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.text("now()")},
    )
    # No foreign keys: the statement trigger that checks the balance checks that the postings and accounts named exist,
    # one join per statement rather than two lookups per row (migrations/versions/0039_ledger_checks_per_statement.py).
    posting_id: int = Field(index=True, sa_type=sa.BigInteger)
    account_id: int = Field(sa_type=sa.BigInteger)
    # Signed fen: debit positive, credit negative.
    amount: int = Field(sa_type=sa.BigInteger)


ADJUSTMENT_STATUSES = ("proposed", "approved", "rejected")


class Adjustment(SQLModel, table=True):
    """A manual correction proposed by one finance user: an adjustment, or the reversal of one (reverses_posting_id).

    It posts nothing until another finance user approves it; then posting_id is the posting it made.
    """

    __tablename__ = "ledger_adjustments"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {ADJUSTMENT_STATUSES!r}", name="known_status"),
        sa.CheckConstraint("(status = 'approved') = (posting_id IS NOT NULL)", name="posted_once_approved"),
        sa.CheckConstraint(
            "(status = 'proposed') = (decided_by IS NULL AND decided_at IS NULL)", name="decided_unless_proposed"
        ),
        # Maker-checker, held by the database too: whoever proposed it never approved it.
        sa.CheckConstraint("status <> 'approved' OR decided_by <> proposed_by", name="approved_by_another"),
        # One open or approved reversal per posting; a rejected one leaves room for the next.
        sa.Index(
            "ledger_adjustments_one_reversal",
            "reverses_posting_id",
            unique=True,
            postgresql_where=sa.text("status <> 'rejected'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    memo: str = Field(max_length=500)
    # The entries it posts once approved: [{"account": code, "amount": signed fen}].
    entries: list[dict[str, Any]] = Field(sa_type=JSONB)
    reverses_posting_id: int | None = Field(default=None, foreign_key="ledger_postings.id", sa_type=sa.BigInteger)
    status: str = Field(default="proposed", max_length=10)
    proposed_by: int = Field(foreign_key="users.id", sa_type=sa.BigInteger)
    proposed_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    decided_by: int | None = Field(default=None, foreign_key="users.id", sa_type=sa.BigInteger)
    decided_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    reason: str | None = Field(default=None, max_length=500)
    posting_id: int | None = Field(default=None, foreign_key="ledger_postings.id", sa_type=sa.BigInteger, unique=True)


class BalanceSnapshot(SQLModel, table=True):
    """An account's balance through an entry: the sum of its entries with id ≤ through_entry_id.

    Written only by distro/ledger/snapshots.py:take_snapshot; every balance is read as this plus the account's
    entries after it (the tail), so no read sums an account's whole history.
    """

    __tablename__ = "ledger_balance_snapshots"

    account_id: int = Field(primary_key=True, foreign_key="ledger_accounts.id", sa_type=sa.BigInteger)
    through_entry_id: int = Field(sa_type=sa.BigInteger)
    # Signed fen, debit positive, as entries are.
    balance: int = Field(sa_type=sa.BigInteger)
    taken_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class SnapshotMark(SQLModel, table=True):
    """The snapshots' high-water mark (one row): every entry with id ≤ through_entry_id is in them.

    The candidate is the next mark: the entries' sequence as it stood when the last run looked, final once the
    transactions then writing entries (candidate_writers, their virtual transaction ids) have ended.
    """

    __tablename__ = "ledger_snapshot_marks"
    __table_args__ = (sa.CheckConstraint("id = 1", name="one_row"),)

    id: int = Field(default=1, primary_key=True, sa_type=sa.SmallInteger)
    through_entry_id: int = Field(default=0, sa_type=sa.BigInteger)
    candidate_entry_id: int = Field(default=0, sa_type=sa.BigInteger)
    candidate_writers: list[str] = Field(default_factory=list, sa_type=ARRAY(sa.Text))
    taken_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
