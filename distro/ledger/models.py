"""Ledger tables: accounts, postings and their entries (append-only; see the migration's triggers)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from distro.db import utcnow


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
    __tablename__ = "ledger_entries"
    __table_args__ = (sa.CheckConstraint("amount <> 0", name="non_zero_amount"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    posting_id: int = Field(foreign_key="ledger_postings.id", index=True, sa_type=sa.BigInteger)
    account_id: int = Field(foreign_key="ledger_accounts.id", index=True, sa_type=sa.BigInteger)
    # Signed fen: debit positive, credit negative.
    amount: int = Field(sa_type=sa.BigInteger)
