"""Supplier quality's tables: each supplier's measures over the rolling windows (recomputed daily) and its monthly
reviews (考核), each with the numbers and thresholds that decided it, whether it was carried out, and any overrule."""

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


class SupplierMetric(SQLModel, table=True):
    """A supplier's measures over the last window_days days of orders paid (distro/quality/metrics.py); rates are
    derived from the counts by distro/quality/rules.py. A supplier with no order in the window has no row."""

    __tablename__ = "supplier_metrics"
    __table_args__ = (sa.CheckConstraint("window_days IN (30, 90)", name="known_window"),)

    # No foreign key: the rows are derived from order_lines (whose supplier_id has one) and rewritten whole every day;
    # a check per row would cost the daily job 200,000 lookups.
    supplier_id: int = Field(primary_key=True, sa_type=sa.BigInteger)
    window_days: int = Field(primary_key=True)
    # The end of the window: the measures are as known then.
    as_of: dt.datetime = Field(sa_type=TIMESTAMPTZ)
    orders: int = Field(sa_type=sa.BigInteger)
    due: int = Field(sa_type=sa.BigInteger)
    on_time: int = Field(sa_type=sa.BigInteger)
    cancelled: int = Field(sa_type=sa.BigInteger)
    refunded: int = Field(sa_type=sa.BigInteger)
    # Refunded orders by the after-sales request's kind (distro's own orders only: order.refunded carries no reason).
    refunded_return: int = Field(sa_type=sa.BigInteger)
    refunded_refund_only: int = Field(sa_type=sa.BigInteger)
    ship_avg_seconds: int | None = Field(default=None, sa_type=sa.BigInteger)
    ship_p90_seconds: int | None = Field(default=None, sa_type=sa.BigInteger)
    delivery_avg_seconds: int | None = Field(default=None, sa_type=sa.BigInteger)
    delivery_p90_seconds: int | None = Field(default=None, sa_type=sa.BigInteger)


class SupplierReview(SQLModel, table=True):
    """One supplier's review for one calendar month (Asia/Shanghai): one row per (supplier, month), so running the
    month again changes nothing. A strike (warning or suspension) stands until it expires or an admin overrules it."""

    __tablename__ = "supplier_reviews"
    __table_args__ = (
        sa.UniqueConstraint("supplier_id", "period"),
        sa.CheckConstraint("outcome IN ('passed','too_few','warning','suspended')", name="known_outcome"),
        # The admin's list: one month's reviews, newest first, all or of one outcome.
        sa.Index("ix_supplier_reviews_period_id", "period", "id"),
        sa.Index("ix_supplier_reviews_period_outcome_id", "period", "outcome", "id"),
        # What a review run has still to carry out (notify, suspend) after a crash.
        sa.Index("ix_supplier_reviews_unapplied", "period", postgresql_where=sa.text("applied_at IS NULL")),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    supplier_id: int = Field(foreign_key="suppliers.id", sa_type=sa.BigInteger)
    # The first day of the month reviewed.
    period: dt.date
    # When the measures were taken: orders paid in the month, as known then.
    as_of: dt.datetime = Field(sa_type=TIMESTAMPTZ)
    orders: int = Field(sa_type=sa.BigInteger)
    due: int = Field(sa_type=sa.BigInteger)
    on_time: int = Field(sa_type=sa.BigInteger)
    cancelled: int = Field(sa_type=sa.BigInteger)
    refunded: int = Field(sa_type=sa.BigInteger)
    on_time_bp: int | None = None
    refund_bp: int | None = None
    cancel_bp: int | None = None
    # The thresholds in force (SUPPLIER_REVIEW_*), kept with the numbers they were held against.
    thresholds: dict[str, Any] = Field(sa_type=postgresql.JSONB)
    prior_strikes: int
    # Which strike this review is (1, 2, 3…); 0 for none.
    strike: int
    outcome: str = Field(max_length=10)
    failed: list[str] = Field(default_factory=list, sa_type=postgresql.ARRAY(sa.String(10)))
    # Notified, and suspended where the outcome says so; None while the run has that still to do.
    applied_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    overruled_at: dt.datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    overruled_by: int | None = Field(default=None, foreign_key="users.id", sa_type=sa.BigInteger)
    overrule_reason: str | None = Field(default=None, max_length=500)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)
