"""Suppliers' promises (each change a new row, effective for orders paid from then on) and the breaches found."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# The tables its foreign keys name, loaded with it: a session cannot flush a row naming a table it never loaded.
import distro.auth.models
import distro.commission.models
import distro.suppliers.models  # noqa: F401
from distro.clock import utcnow

TIMESTAMPTZ = sa.DateTime(timezone=True)


class SupplierPromise(SQLModel, table=True):
    """Everything a supplier promises from effective_from on; the row in force when an order was paid judges it."""

    __tablename__ = "supplier_promises"
    __table_args__ = (
        # The promise in force at a time: the newest row effective by then (the job's lateral lookup).
        sa.Index("ix_supplier_promises_supplier_effective", "supplier_id", sa.text("effective_from DESC")),
        sa.CheckConstraint("exchange_days IS NULL OR exchange_days IN (7, 15)", name="known_exchange_days"),
        sa.CheckConstraint(
            "(ship_within_hours IS NULL) = (ship_compensation_kind IS NULL) "
            "AND (ship_compensation_kind IS NULL) = (ship_compensation_value IS NULL)",
            name="ship_names_compensation",
        ),
        sa.CheckConstraint(
            "(deliver_within_days IS NULL) = (deliver_compensation_kind IS NULL) "
            "AND (deliver_compensation_kind IS NULL) = (deliver_compensation_value IS NULL)",
            name="deliver_names_compensation",
        ),
        sa.CheckConstraint(
            "ship_compensation_kind IN ('fixed','percent') AND deliver_compensation_kind IN ('fixed','percent')",
            name="known_compensation_kind",
        ),
        sa.CheckConstraint("ship_within_hours > 0 AND deliver_within_days > 0", name="positive_deadlines"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    supplier_id: int = Field(foreign_key="suppliers.id", sa_type=sa.BigInteger)
    ship_within_hours: int | None = None
    ship_compensation_kind: str | None = Field(default=None, max_length=7)
    ship_compensation_value: int | None = Field(default=None, sa_type=sa.BigInteger)
    deliver_within_days: int | None = None
    deliver_compensation_kind: str | None = Field(default=None, max_length=7)
    deliver_compensation_value: int | None = Field(default=None, sa_type=sa.BigInteger)
    exchange_days: int | None = None
    quality_inspection: bool = False
    effective_from: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)
    set_by: int = Field(foreign_key="users.id", sa_type=sa.BigInteger)


class PromiseBreach(SQLModel, table=True):
    """One order's supplier missing one deadline it promised, with the numbers, and the compensation it paid."""

    __tablename__ = "promise_breaches"
    __table_args__ = (
        # One breach per order, supplier and deadline: a rerun of the job records nothing twice.
        sa.UniqueConstraint("order_id", "supplier_id", "kind", name="uq_promise_breaches_order_supplier_kind"),
        sa.CheckConstraint("kind IN ('ship','deliver')", name="known_kind"),
        sa.CheckConstraint("compensation_fen >= 0 AND compensation_fen <= paid_fen", name="compensation_within_paid"),
        sa.CheckConstraint("payout_channel IN ('refund','finance')", name="known_payout_channel"),
        # The supplier's breaches, newest first a page at a time.
        sa.Index("ix_promise_breaches_supplier_id_id", "supplier_id", "id"),
        # What is still owed to buyers: the payout job and finance's list.
        sa.Index(
            "ix_promise_breaches_unpaid", "id", postgresql_where=sa.text("paid_out_at IS NULL AND compensation_fen > 0")
        ),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    order_id: int = Field(foreign_key="orders.id", sa_type=sa.BigInteger)
    supplier_id: int = Field(foreign_key="suppliers.id", sa_type=sa.BigInteger)
    kind: str = Field(max_length=7)
    promise_id: int = Field(foreign_key="supplier_promises.id", sa_type=sa.BigInteger)
    paid_at: dt.datetime = Field(sa_type=TIMESTAMPTZ)
    # The deadline the promise set, and when the goods went out (or arrived): None when not yet, when found.
    due_at: dt.datetime = Field(sa_type=TIMESTAMPTZ)
    done_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    # What the buyer paid for the supplier's lines, and the compensation the promise names on it.
    paid_fen: int = Field(sa_type=sa.BigInteger)
    compensation_fen: int = Field(sa_type=sa.BigInteger)
    found_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)
    # How the compensation reached the buyer: a refund through the payment provider (distro's own storefront
    # orders), or paid by finance (orders from outside shops); None while still owed.
    paid_out_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    payout_channel: str | None = Field(default=None, max_length=7)
    paid_out_by: int | None = Field(default=None, foreign_key="users.id", sa_type=sa.BigInteger)
