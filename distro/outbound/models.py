"""Outbound webhooks: who subscribes to which events, and every delivery attempt (the outbox)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

# The tables its foreign keys name, loaded with it: a session cannot flush a row naming a table it never loaded.
import distro.auth.models
import distro.suppliers.models  # noqa: F401
from distro.clock import utcnow

TIMESTAMPTZ = sa.DateTime(timezone=True)


class SubscriptionBase(SQLModel):
    url: str = Field(max_length=500)
    event_types: list[str] = Field(sa_type=postgresql.ARRAY(sa.String(40)))


class Subscription(SubscriptionBase, table=True):
    """An endpoint that receives signed events; a supplier's sees only its own products' events."""

    __tablename__ = "webhook_subscriptions"

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    user_id: int = Field(foreign_key="users.id", index=True, sa_type=sa.BigInteger)
    supplier_id: int | None = Field(default=None, foreign_key="suppliers.id", sa_type=sa.BigInteger)
    secret: str = Field(max_length=100)
    active: bool = True
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)


class Delivery(SQLModel, table=True):
    """One event for one subscription, retried with exponential back-off until delivered or dead."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending','delivered','dead')", name="known_status"),
        sa.Index("ix_webhook_deliveries_due", "next_attempt_at", postgresql_where=sa.text("status = 'pending'")),
        # The delivery log, newest first a page at a time: of all subscriptions (the admin console) or one (the
        # supplier's Webhook page); the second serves lookups by subscription alone the same way.
        sa.Index("ix_webhook_deliveries_created", "created_at", "id"),
        sa.Index("ix_webhook_deliveries_subscription_created", "subscription_id", "created_at", "id"),
    )

    # Sent as webhook-id, so the subscriber can deduplicate our retries.
    id: str = Field(primary_key=True, max_length=40)
    subscription_id: int = Field(foreign_key="webhook_subscriptions.id", sa_type=sa.BigInteger)
    event_type: str = Field(max_length=40)
    payload: dict[str, Any] = Field(sa_type=postgresql.JSONB)
    status: str = Field(default="pending", max_length=10)
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)
    delivered_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
