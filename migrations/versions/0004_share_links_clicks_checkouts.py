"""share links clicks bindings checkouts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 06:13:29.766771
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fold_cursors",
        sa.Column("stream", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("last_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("stream"),
    )
    op.create_table(
        "buyer_bindings",
        sa.Column("buyer_reference", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("share_code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
        ),
        sa.PrimaryKeyConstraint("buyer_reference"),
    )
    op.create_table(
        "checkouts",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("order_ref", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("buyer_name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("buyer_phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("buyer_reference", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("share_code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('awaiting_payment','paid','cancelled')", name="known_status"),
        sa.CheckConstraint("quantity BETWEEN 1 AND 99", name="sensible_quantity"),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_ref"),
    )
    op.create_index(op.f("ix_checkouts_buyer_reference"), "checkouts", ["buyer_reference"], unique=False)
    op.create_index(op.f("ix_checkouts_shop_id"), "checkouts", ["shop_id"], unique=False)
    op.create_table(
        "share_links",
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "channel IN ('wechat_chat', 'wechat_moments', 'weibo', 'momo', 'xiaohongshu', 'qr', 'copy', 'other')",
            name="known_channel",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index(op.f("ix_share_links_shop_id"), "share_links", ["shop_id"], unique=False)
    op.create_table(
        "share_click_counts",
        sa.Column("link_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("clicks", sa.BigInteger(), nullable=False),
        sa.Column("unique_clicks", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["share_links.id"],
        ),
        sa.PrimaryKeyConstraint("link_id", "day"),
    )


def downgrade() -> None:
    op.drop_table("share_click_counts")
    op.drop_index(op.f("ix_share_links_shop_id"), table_name="share_links")
    op.drop_table("share_links")
    op.drop_index(op.f("ix_checkouts_shop_id"), table_name="checkouts")
    op.drop_index(op.f("ix_checkouts_buyer_reference"), table_name="checkouts")
    op.drop_table("checkouts")
    op.drop_table("buyer_bindings")
    op.drop_table("fold_cursors")
