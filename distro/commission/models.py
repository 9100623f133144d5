"""Order events as received, orders and their lines, and the commission each line carries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

# The tables its foreign keys name, loaded with it: a session cannot flush a row naming a table it never loaded.
import distro.shops.models
import distro.suppliers.models  # noqa: F401
from distro.clock import utcnow

TIMESTAMPTZ = sa.DateTime(timezone=True)


class OrderEvent(SQLModel, table=True):
    """A verified inbound order event, stored before the sender is answered; stored once per webhook-id (OrderEventId).

    Partitioned by month of received_at (distro/partitions), so a year of processed events leaves the claim of new
    ones and each month's indexes small; the key holds received_at because a partitioned table's unique keys must.
    """

    __tablename__ = "order_events"
    __table_args__ = (
        sa.CheckConstraint("status IN ('received','processed','quarantined')", name="known_status"),
        sa.Index("ix_order_events_unprocessed", "received_at", postgresql_where=sa.text("status = 'received'")),
        # The quarantine list's (admins'); processed events, nearly all of them, are kept out of it.
        sa.Index("ix_order_events_quarantined", "received_at", postgresql_where=sa.text("status = 'quarantined'")),
        {"postgresql_partition_by": "RANGE (received_at)"},
    )

    id: str = Field(primary_key=True, max_length=255)
    type: str = Field(max_length=40)
    order_ref: str = Field(max_length=100, index=True)
    data: dict[str, Any] = Field(sa_type=JSONB)
    status: str = Field(default="received", max_length=12)
    quarantine_reason: str | None = Field(default=None, sa_type=sa.Text)
    received_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ, primary_key=True)
    processed_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)


class OrderEventId(SQLModel, table=True):
    """Every webhook-id ever stored, and when: the unique key order_events cannot hold across its partitions.

    A trigger on order_events (migration 0034) writes it first and drops the event when its id is here already,
    so an event redelivered in any later month is stored once, whichever statement inserts it.
    """

    __tablename__ = "order_event_ids"

    id: str = Field(primary_key=True, max_length=255)
    received_at: dt.datetime = Field(sa_type=TIMESTAMPTZ)


class Order(SQLModel, table=True):
    """An order as distro knows it from its events; attributed to at most one shop."""

    __tablename__ = "orders"

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    external_id: str = Field(max_length=100, unique=True)
    status: str = Field(default="awaiting_payment", max_length=20)
    shop_id: int | None = Field(default=None, foreign_key="shops.id", index=True, sa_type=sa.BigInteger)
    # How the shop was found: share_code, shop, binding, or none (no commission).
    attribution: str = Field(default="none", max_length=12)
    share_code: str | None = Field(default=None, max_length=40)
    buyer_reference: str | None = Field(default=None, max_length=100)
    buyer_user_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    # The buyer is the shop's owner; paid or not per the self-purchase policy.
    self_purchase: bool = False
    total_paid_fen: int = Field(default=0, sa_type=sa.BigInteger)
    total_refunded_fen: int = Field(default=0, sa_type=sa.BigInteger)
    paid_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ, index=True)
    shipped_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    delivered_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    cancelled_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)


class OrderLine(SQLModel, table=True):
    """A product line of an order, as paid, with what has been refunded on it."""

    __tablename__ = "order_lines"
    __table_args__ = (sa.UniqueConstraint("order_id", "line_ref"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    order_id: int = Field(foreign_key="orders.id", index=True, sa_type=sa.BigInteger)
    line_ref: str = Field(max_length=100)
    product_id: int = Field(foreign_key="products.id", index=True, sa_type=sa.BigInteger)
    supplier_id: int = Field(foreign_key="suppliers.id", index=True, sa_type=sa.BigInteger)
    sku: str | None = Field(default=None, max_length=40)
    quantity: int
    paid_fen: int = Field(sa_type=sa.BigInteger)
    refunded_fen: int = Field(default=0, sa_type=sa.BigInteger)
    # Whether the line earns its order's shop commission: only products the shop carried when the order
    # was attributed do (distro/commission/attribution.py). None until the order is attributed.
    earns_commission: bool | None = None


class CommissionLine(SQLModel, table=True):
    """The commission one order line carries for its shop, with everything it was computed from.

    pool/owner/platform are what the ledger holds for the line now (the sum of its postings).
    Whether a settlement batch has claimed the line is in settlement_claims, not here.
    """

    __tablename__ = "commission_lines"
    __table_args__ = (
        sa.CheckConstraint("stage IN ('pending','available')", name="known_stage"),
        sa.CheckConstraint("owner_fen + platform_fen = pool_fen", name="split_adds_up"),
        sa.Index("ix_commission_lines_due", "payable_at", postgresql_where=sa.text("stage = 'pending'")),
        # By shop and id, not shop alone: 收益 lists a shop's lines newest first a page at a time
        # (distro/owner/earnings_queries.py), and by shop alone a page of a shop whose lines are old walked every
        # newer line (0.6 s over 1,000,000 lines). A shop's other lookups use its leading column the same way.
        sa.Index("ix_commission_lines_shop_id_id", "shop_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    order_line_id: int = Field(foreign_key="order_lines.id", unique=True, sa_type=sa.BigInteger)
    order_id: int = Field(foreign_key="orders.id", index=True, sa_type=sa.BigInteger)
    shop_id: int = Field(foreign_key="shops.id", sa_type=sa.BigInteger)
    supplier_id: int = Field(foreign_key="suppliers.id", index=True, sa_type=sa.BigInteger)
    product_id: int = Field(foreign_key="products.id", sa_type=sa.BigInteger)
    # Snapshots: the rate in force when paid, the shop's tier and share, the hold period.
    rate_bp: int
    tier_code: str = Field(max_length=20)
    owner_share_bp: int
    hold_days: int
    paid_at: dt.datetime = Field(sa_type=TIMESTAMPTZ)
    # Delivered + hold days: from then on the commission is payable (moved to the shop's available balance).
    payable_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    stage: str = Field(default="pending", max_length=10)
    pool_fen: int = Field(default=0, sa_type=sa.BigInteger)
    owner_fen: int = Field(default=0, sa_type=sa.BigInteger)
    platform_fen: int = Field(default=0, sa_type=sa.BigInteger)
    # Postings made for this line so far; the next one's reference uses revision + 1.
    revision: int = 0
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)
