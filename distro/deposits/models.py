"""Deposit payments in (through the payment provider) and deposit returns out (through the payout rail)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# The tables its foreign keys name, loaded with it: a session cannot flush a row naming a table it never loaded.
import distro.suppliers.models  # noqa: F401
from distro.clock import utcnow

TIMESTAMPTZ = sa.DateTime(timezone=True)


class DepositPayment(SQLModel, table=True):
    """A payment of deposit a supplier started: pending at the provider's cashier until the provider confirms it,
    then paid, once, with its `deposit_paid` posting (reference ``deposit_paid:<reference>``)."""

    __tablename__ = "deposit_payments"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending','paid')", name="known_status"),
        sa.CheckConstraint("amount_fen > 0", name="positive_amount"),
        sa.Index("ix_deposit_payments_supplier_id_id", "supplier_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    supplier_id: int = Field(foreign_key="suppliers.id", sa_type=sa.BigInteger)
    # The merchant's order number the provider knows this payment by (and the demo cashier's address).
    reference: str = Field(max_length=64, unique=True)
    provider: str = Field(max_length=20)
    amount_fen: int = Field(sa_type=sa.BigInteger)
    status: str = Field(default="pending", max_length=10)
    created_by: int = Field(foreign_key="users.id", sa_type=sa.BigInteger)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)
    paid_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)


class DepositReturn(SQLModel, table=True):
    """The deposit paid back to a supplier that leaves: written (submitted) and committed before the payout rail
    sees it, so it goes to the rail once; paid (with its `deposit_returned` posting) or failed by the rail's word."""

    __tablename__ = "deposit_returns"
    __table_args__ = (
        sa.CheckConstraint("status IN ('submitted','paid','failed')", name="known_status"),
        sa.CheckConstraint("amount_fen > 0", name="positive_amount"),
        # One return on its way per supplier at a time: a second click finds the first.
        sa.Index(
            "ux_deposit_returns_submitted",
            "supplier_id",
            unique=True,
            postgresql_where=sa.text("status = 'submitted'"),
        ),
        sa.Index("ix_deposit_returns_supplier_id_id", "supplier_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    supplier_id: int = Field(foreign_key="suppliers.id", sa_type=sa.BigInteger)
    amount_fen: int = Field(sa_type=sa.BigInteger)
    rail: str = Field(max_length=20)
    account_name: str = Field(max_length=100)
    account_number: str = Field(max_length=40)
    bank_name: str = Field(max_length=100)
    status: str = Field(default="submitted", max_length=10)
    external_reference: str | None = Field(default=None, max_length=100)
    failure_reason: str | None = Field(default=None, max_length=200)
    requested_by: int = Field(foreign_key="users.id", sa_type=sa.BigInteger)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)
    finished_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)


class DepositStandingChange(SQLModel, table=True):
    """A supplier's deposit became whole again or fell short of its requirement, as the standing's refresh found it
    (distro/deposits/standing.py): the record that tells the shops carrying its goods (消息) that they left the pool
    for it or came back. tells_owners: whether the supplier was approved then, the one case where the deposit alone
    moved its goods (a suspended or removed supplier's are out whatever it holds, and its owners are told that apart),
    and false for the state found when this record began (migration 0040), which moved nothing then.

    A change names the one it follows (None: the supplier's first), and no two follow the same one: two refreshes
    that find the same change at once write it once (the second's insert meets the first's and is dropped)."""

    __tablename__ = "deposit_standing_changes"
    __table_args__ = (
        sa.Index(
            "ux_deposit_standing_changes_follows",
            "supplier_id",
            "follows_id",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    supplier_id: int = Field(foreign_key="suppliers.id", sa_type=sa.BigInteger)
    follows_id: int | None = Field(default=None, foreign_key="deposit_standing_changes.id", sa_type=sa.BigInteger)
    whole: bool
    tells_owners: bool
    changed_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)
