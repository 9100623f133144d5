"""Checkouts: orders placed on distro's own landing pages, from payment to delivery; their after-sales requests."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# The tables its foreign keys name, loaded with it: a session cannot flush a row naming a table it never loaded.
import distro.auth.models
import distro.campaigns.models
import distro.shops.models
import distro.suppliers.models  # noqa: F401
from distro.clock import utcnow

TIMESTAMPTZ = sa.DateTime(timezone=True)


class Checkout(SQLModel, table=True):
    """A buyer's order from a shop page: what was bought, how far it has gone, and its payment notice."""

    __tablename__ = "checkouts"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('awaiting_payment','paid','shipped','delivered','cancelled','refunded')", name="known_status"
        ),
        sa.CheckConstraint("quantity BETWEEN 1 AND 99", name="sensible_quantity"),
        sa.CheckConstraint("refunded_fen BETWEEN 0 AND total_fen", name="refund_within_total"),
        # What the auto-confirm job and the payment-notice sweep look for.
        sa.Index("ix_checkouts_shipped_unreceived", "shipped_at", postgresql_where=sa.text("status = 'shipped'")),
        # The supplier's shipping list (distro.console.supplier_shipping, the API's /supplier/shipments): its orders
        # in one status, a page at a time by id, read through its products without walking every checkout.
        sa.Index("ix_checkouts_product_status_id", "product_id", "status", "id"),
        sa.Index(
            "ix_checkouts_notice_due",
            "notice_next_at",
            postgresql_where=sa.text("paid_at IS NOT NULL AND notice_acknowledged_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    # The order id the payment provider, the supplier and the order events use.
    order_ref: str = Field(max_length=40, unique=True)
    # The buyer's key to their order page (the buyer has no account): unguessable, and never shown to
    # owners or suppliers, who see the order reference.
    access_token: str = Field(max_length=40, unique=True)
    shop_id: int = Field(foreign_key="shops.id", index=True, sa_type=sa.BigInteger)
    product_id: int = Field(foreign_key="products.id", sa_type=sa.BigInteger)
    # The SKU's name (size, colour) as the buyer chose it; None for a product without SKUs.
    sku: str | None = Field(default=None, max_length=40)
    quantity: int
    unit_price_fen: int = Field(sa_type=sa.BigInteger)
    total_fen: int = Field(sa_type=sa.BigInteger)
    # The campaign whose sale price the order was placed at (its price is kept on the order), if any.
    campaign_id: int | None = Field(default=None, foreign_key="campaigns.id", sa_type=sa.BigInteger)
    buyer_name: str = Field(max_length=40)
    # Needed by the supplier to ship; shown masked everywhere else.
    buyer_phone: str = Field(max_length=20)
    address: str = Field(max_length=300)
    # A stable, non-reversible buyer id derived from the phone, for bindings and distinct-buyer counts.
    buyer_reference: str = Field(max_length=100, index=True)
    # The account signed in on distro's pages when the order was placed, if any: how an owner buying
    # in their own shop is recognised even with another phone on the order.
    buyer_user_id: int | None = Field(default=None, foreign_key="users.id", sa_type=sa.BigInteger)
    share_code: str | None = Field(default=None, max_length=16)
    status: str = Field(default="awaiting_payment", max_length=20)
    provider: str = Field(max_length=20)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)
    paid_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    # Stock is taken when paid and given back once on cancellation or a full refund.
    stock_reserved: bool = False
    shipped_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    carrier: str | None = Field(default=None, max_length=40)
    tracking_number: str | None = Field(default=None, max_length=60)
    # Delivered: by the carrier's word, the buyer's confirmation, or automatically; whichever came first.
    delivered_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    delivered_by: str | None = Field(default=None, max_length=10)
    cancelled_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    cancelled_by: str | None = Field(default=None, max_length=10)
    cancel_reason: str | None = Field(default=None, max_length=200)
    refunded_fen: int = Field(default=0, sa_type=sa.BigInteger)
    # The payment provider's order.paid notice to /webhooks/orders (an outbox): written with the paid state,
    # sent by a job, re-sent by a sweep until acknowledged with a 2xx.
    notice_attempts: int = 0
    notice_next_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    notice_acknowledged_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    notice_error: str | None = Field(default=None, max_length=500)


class AfterSalesRequest(SQLModel, table=True):
    """A buyer's request for a refund (仅退款) or a return (退货退款), decided by the supplier."""

    __tablename__ = "after_sales_requests"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('refund','return')", name="known_kind"),
        sa.CheckConstraint("status IN ('requested','approved','refused')", name="known_status"),
        sa.CheckConstraint("approved_fen IS NULL OR approved_fen > 0", name="positive_refund"),
        # One open request per order at a time.
        sa.Index("ux_after_sales_open", "checkout_id", unique=True, postgresql_where=sa.text("status = 'requested'")),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    checkout_id: int = Field(foreign_key="checkouts.id", index=True, sa_type=sa.BigInteger)
    kind: str = Field(max_length=10)
    reason: str = Field(max_length=200)
    requested_fen: int = Field(sa_type=sa.BigInteger)
    status: str = Field(default="requested", max_length=10)
    approved_fen: int | None = Field(default=None, sa_type=sa.BigInteger)
    refusal_reason: str | None = Field(default=None, max_length=200)
    requested_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)
    decided_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    decided_by: int | None = Field(default=None, foreign_key="users.id", sa_type=sa.BigInteger)
