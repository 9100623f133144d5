"""supplier quality: suppliers' measures over 30 and 90 days, and their monthly reviews (考核)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-05 08:00:00.000000

supplier_metrics is recomputed daily (distro/quality/metrics.py); supplier_reviews holds one review per supplier and
month with the numbers and thresholds that decided it, whether it was carried out, and any admin's overrule.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "supplier_metrics",
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.Column("due", sa.BigInteger(), nullable=False),
        sa.Column("on_time", sa.BigInteger(), nullable=False),
        sa.Column("cancelled", sa.BigInteger(), nullable=False),
        sa.Column("refunded", sa.BigInteger(), nullable=False),
        sa.Column("refunded_return", sa.BigInteger(), nullable=False),
        sa.Column("refunded_refund_only", sa.BigInteger(), nullable=False),
        sa.Column("ship_avg_seconds", sa.BigInteger(), nullable=True),
        sa.Column("ship_p90_seconds", sa.BigInteger(), nullable=True),
        sa.Column("delivery_avg_seconds", sa.BigInteger(), nullable=True),
        sa.Column("delivery_p90_seconds", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("window_days IN (30, 90)", name="known_window"),
        sa.PrimaryKeyConstraint("supplier_id", "window_days"),
    )
    op.create_table(
        "supplier_reviews",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.Column("due", sa.BigInteger(), nullable=False),
        sa.Column("on_time", sa.BigInteger(), nullable=False),
        sa.Column("cancelled", sa.BigInteger(), nullable=False),
        sa.Column("refunded", sa.BigInteger(), nullable=False),
        sa.Column("on_time_bp", sa.Integer(), nullable=True),
        sa.Column("refund_bp", sa.Integer(), nullable=True),
        sa.Column("cancel_bp", sa.Integer(), nullable=True),
        sa.Column("thresholds", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("prior_strikes", sa.Integer(), nullable=False),
        sa.Column("strike", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("failed", postgresql.ARRAY(sa.String(length=10)), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overruled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overruled_by", sa.BigInteger(), nullable=True),
        sa.Column("overrule_reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("outcome IN ('passed','too_few','warning','suspended')", name="known_outcome"),
        sa.ForeignKeyConstraint(["overruled_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("supplier_id", "period"),
    )
    op.create_index("ix_supplier_reviews_period_id", "supplier_reviews", ["period", "id"])
    op.create_index("ix_supplier_reviews_period_outcome_id", "supplier_reviews", ["period", "outcome", "id"])
    op.create_index(
        "ix_supplier_reviews_unapplied",
        "supplier_reviews",
        ["period"],
        postgresql_where=sa.text("applied_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("supplier_reviews")
    op.drop_table("supplier_metrics")
