"""Checkouts: orders placed on distro's own landing pages, before and after payment."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from distro.db import utcnow

TIMESTAMPTZ = sa.DateTime(timezone=True)


class Checkout(SQLModel, table=True):
    """A buyer's order from a shop page, attributed to the share code that brought them."""

    __tablename__ = "checkouts"
    __table_args__ = (
        sa.CheckConstraint("status IN ('awaiting_payment','paid','cancelled')", name="known_status"),
        sa.CheckConstraint("quantity BETWEEN 1 AND 99", name="sensible_quantity"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    # The order id the payment provider and the order events use; unguessable, shown to the buyer.
    order_ref: str = Field(max_length=40, unique=True)
    shop_id: int = Field(foreign_key="shops.id", index=True, sa_type=sa.BigInteger)
    product_id: int = Field(foreign_key="products.id", sa_type=sa.BigInteger)
    quantity: int
    unit_price_fen: int = Field(sa_type=sa.BigInteger)
    total_fen: int = Field(sa_type=sa.BigInteger)
    buyer_name: str = Field(max_length=40)
    # Needed by the supplier to ship; shown masked everywhere else.
    buyer_phone: str = Field(max_length=20)
    address: str = Field(max_length=300)
    # A stable, non-reversible buyer id derived from the phone, for bindings and distinct-buyer counts.
    buyer_reference: str = Field(max_length=100, index=True)
    share_code: str | None = Field(default=None, max_length=16)
    status: str = Field(default="awaiting_payment", max_length=20)
    provider: str = Field(max_length=20)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)
    paid_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
