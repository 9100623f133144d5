"""Campaign tables: a campaign (its copy, time and standing) and its products with what each offers."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

# The tables its foreign keys name, loaded with it.
import distro.auth.models
import distro.suppliers.models  # noqa: F401
from distro.clock import utcnow

TIMESTAMPTZ = sa.DateTime(timezone=True)


class Campaign(SQLModel, table=True):
    """A time-boxed promotion (活动): scheduled by an admin, or proposed by a supplier for its own goods and approved.

    Its prices and rates are in force while status is scheduled and starts_at <= t < ends_at: running and ended
    are read from the time (distro.campaigns.rules.phase), never stored.
    """

    __tablename__ = "campaigns"
    __table_args__ = (
        sa.CheckConstraint("status IN ('proposed','scheduled','rejected','cancelled')", name="known_status"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # The running and coming campaigns (the owner app's 正在热卖, the API's list) by their start.
        sa.Index("ix_campaigns_status_starts_at", "status", "starts_at"),
        # What the start hook looks for: scheduled, not announced yet.
        sa.Index(
            "ix_campaigns_to_announce",
            "starts_at",
            postgresql_where=sa.text("status = 'scheduled' AND announced_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    title: str = Field(max_length=60)
    # The promo copy an owner forwards with the share link.
    text: str = Field(max_length=500)
    picture_urls: list[str] = Field(
        default_factory=list, sa_column=sa.Column(postgresql.ARRAY(sa.Text), nullable=False)
    )
    starts_at: dt.datetime = Field(sa_type=TIMESTAMPTZ)
    ends_at: dt.datetime = Field(sa_type=TIMESTAMPTZ)
    status: str = Field(max_length=10)
    # The supplier that proposed it (its own goods only); None when an admin scheduled it.
    supplier_id: int | None = Field(default=None, foreign_key="suppliers.id", index=True, sa_type=sa.BigInteger)
    created_by: int = Field(foreign_key="users.id", sa_type=sa.BigInteger)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)
    decided_by: int | None = Field(default=None, foreign_key="users.id", sa_type=sa.BigInteger)
    decided_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    # Why it was rejected or cancelled (the supplier is told).
    reason: str | None = Field(default=None, max_length=200)
    # Set once by the start hook (distro.campaigns.jobs.announce_started_campaigns).
    announced_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)


class CampaignItem(SQLModel, table=True):
    """One product of a campaign: its sale price and/or boosted rate while the campaign runs."""

    __tablename__ = "campaign_items"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "product_id"),
        sa.CheckConstraint("sale_price_fen IS NULL OR sale_price_fen > 0", name="positive_sale_price"),
        sa.CheckConstraint("rate_bp IS NULL OR rate_bp BETWEEN 0 AND 10000", name="rate_in_range"),
        sa.CheckConstraint("sale_price_fen IS NOT NULL OR rate_bp IS NOT NULL", name="offers_something"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    campaign_id: int = Field(foreign_key="campaigns.id", sa_type=sa.BigInteger)
    # A product's campaigns, for the price at checkout, the rate at accrual and the overlap check.
    product_id: int = Field(foreign_key="products.id", index=True, sa_type=sa.BigInteger)
    sale_price_fen: int | None = Field(default=None, sa_type=sa.BigInteger)
    rate_bp: int | None = None
