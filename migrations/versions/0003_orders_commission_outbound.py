"""orders commission lines outbound webhooks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 05:42:27.091605
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "order_events",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("order_ref", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("quarantine_reason", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('received','processed','quarantined')", name="known_status"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_order_events_order_ref"), "order_events", ["order_ref"], unique=False)
    op.create_index(op.f("ix_order_events_status"), "order_events", ["status"], unique=False)
    op.create_index(
        "ix_order_events_unprocessed",
        "order_events",
        ["received_at"],
        unique=False,
        postgresql_where=sa.text("status = 'received'"),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=True),
        sa.Column("attribution", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("share_code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("buyer_reference", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("buyer_user_id", sa.BigInteger(), nullable=True),
        sa.Column("self_purchase", sa.Boolean(), nullable=False),
        sa.Column("total_paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("total_refunded_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_id"),
    )
    op.create_index(op.f("ix_orders_paid_at"), "orders", ["paid_at"], unique=False)
    op.create_index(op.f("ix_orders_shop_id"), "orders", ["shop_id"], unique=False)
    op.create_table(
        "webhook_subscriptions",
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("event_types", postgresql.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=True),
        sa.Column("secret", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_webhook_subscriptions_user_id"), "webhook_subscriptions", ["user_id"], unique=False)
    op.create_table(
        "order_lines",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("line_ref", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("sku", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("refunded_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id", "line_ref"),
    )
    op.create_index(op.f("ix_order_lines_order_id"), "order_lines", ["order_id"], unique=False)
    op.create_index(op.f("ix_order_lines_product_id"), "order_lines", ["product_id"], unique=False)
    op.create_index(op.f("ix_order_lines_supplier_id"), "order_lines", ["supplier_id"], unique=False)
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending','delivered','dead')", name="known_status"),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_webhook_deliveries_due",
        "webhook_deliveries",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        op.f("ix_webhook_deliveries_subscription_id"), "webhook_deliveries", ["subscription_id"], unique=False
    )
    op.create_table(
        "commission_lines",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("order_line_id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("tier_code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("owner_share_bp", sa.Integer(), nullable=False),
        sa.Column("hold_days", sa.Integer(), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payable_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("pool_fen", sa.BigInteger(), nullable=False),
        sa.Column("owner_fen", sa.BigInteger(), nullable=False),
        sa.Column("platform_fen", sa.BigInteger(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("settled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("stage IN ('pending','available')", name="known_stage"),
        sa.CheckConstraint("owner_fen + platform_fen = pool_fen", name="split_adds_up"),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_line_id"),
    )
    op.create_index(
        "ix_commission_lines_due",
        "commission_lines",
        ["payable_at"],
        unique=False,
        postgresql_where=sa.text("stage = 'pending'"),
    )
    op.create_index(op.f("ix_commission_lines_order_id"), "commission_lines", ["order_id"], unique=False)
    op.create_index(op.f("ix_commission_lines_shop_id"), "commission_lines", ["shop_id"], unique=False)
    op.create_index(op.f("ix_commission_lines_supplier_id"), "commission_lines", ["supplier_id"], unique=False)
    op.drop_index(op.f("ix_pool_by_category_commission"), table_name="products", postgresql_where="in_pool")
    op.drop_index(op.f("ix_pool_by_commission"), table_name="products", postgresql_where="in_pool")
    op.drop_index(op.f("ix_pool_by_newest"), table_name="products", postgresql_where="in_pool")
    op.drop_index(op.f("ix_pool_by_price"), table_name="products", postgresql_where="in_pool")
    op.drop_index(op.f("ix_pool_by_recent_sales"), table_name="products", postgresql_where="in_pool")


def downgrade() -> None:
    op.create_index(
        op.f("ix_pool_by_recent_sales"),
        "products",
        [sa.literal_column("recent_sales DESC"), sa.literal_column("id DESC")],
        unique=False,
        postgresql_where="in_pool",
    )
    op.create_index(op.f("ix_pool_by_price"), "products", ["price_fen", "id"], unique=False, postgresql_where="in_pool")
    op.create_index(
        op.f("ix_pool_by_newest"),
        "products",
        [sa.literal_column("created_at DESC"), sa.literal_column("id DESC")],
        unique=False,
        postgresql_where="in_pool",
    )
    op.create_index(
        op.f("ix_pool_by_commission"),
        "products",
        [sa.literal_column("commission_rate_bp DESC"), sa.literal_column("id DESC")],
        unique=False,
        postgresql_where="in_pool",
    )
    op.create_index(
        op.f("ix_pool_by_category_commission"),
        "products",
        ["category", sa.literal_column("commission_rate_bp DESC"), sa.literal_column("id DESC")],
        unique=False,
        postgresql_where="in_pool",
    )
    op.drop_index(op.f("ix_commission_lines_supplier_id"), table_name="commission_lines")
    op.drop_index(op.f("ix_commission_lines_shop_id"), table_name="commission_lines")
    op.drop_index(op.f("ix_commission_lines_order_id"), table_name="commission_lines")
    op.drop_index(
        "ix_commission_lines_due", table_name="commission_lines", postgresql_where=sa.text("stage = 'pending'")
    )
    op.drop_table("commission_lines")
    op.drop_index(op.f("ix_webhook_deliveries_subscription_id"), table_name="webhook_deliveries")
    op.drop_index(
        "ix_webhook_deliveries_due", table_name="webhook_deliveries", postgresql_where=sa.text("status = 'pending'")
    )
    op.drop_table("webhook_deliveries")
    op.drop_index(op.f("ix_order_lines_supplier_id"), table_name="order_lines")
    op.drop_index(op.f("ix_order_lines_product_id"), table_name="order_lines")
    op.drop_index(op.f("ix_order_lines_order_id"), table_name="order_lines")
    op.drop_table("order_lines")
    op.drop_index(op.f("ix_webhook_subscriptions_user_id"), table_name="webhook_subscriptions")
    op.drop_table("webhook_subscriptions")
    op.drop_index(op.f("ix_orders_shop_id"), table_name="orders")
    op.drop_index(op.f("ix_orders_paid_at"), table_name="orders")
    op.drop_table("orders")
    op.drop_index(
        "ix_order_events_unprocessed", table_name="order_events", postgresql_where=sa.text("status = 'received'")
    )
    op.drop_index(op.f("ix_order_events_status"), table_name="order_events")
    op.drop_index(op.f("ix_order_events_order_ref"), table_name="order_events")
    op.drop_table("order_events")
