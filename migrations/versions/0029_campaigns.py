"""campaigns: time-boxed sale prices and boosted rates (活动 / 整点秒杀), and the campaign an order was priced by

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05 05:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("picture_urls", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('proposed','scheduled','rejected','cancelled')", name="known_status"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_campaigns_status_starts_at", "campaigns", ["status", "starts_at"])
    op.create_index(
        "ix_campaigns_to_announce",
        "campaigns",
        ["starts_at"],
        postgresql_where=sa.text("status = 'scheduled' AND announced_at IS NULL"),
    )
    op.create_index("ix_campaigns_supplier_id", "campaigns", ["supplier_id"])
    op.create_table(
        "campaign_items",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("sale_price_fen", sa.BigInteger(), nullable=True),
        sa.Column("rate_bp", sa.Integer(), nullable=True),
        sa.CheckConstraint("sale_price_fen IS NULL OR sale_price_fen > 0", name="positive_sale_price"),
        sa.CheckConstraint("rate_bp IS NULL OR rate_bp BETWEEN 0 AND 10000", name="rate_in_range"),
        sa.CheckConstraint("sale_price_fen IS NOT NULL OR rate_bp IS NOT NULL", name="offers_something"),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"]),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "product_id"),
    )
    op.create_index("ix_campaign_items_product_id", "campaign_items", ["product_id"])
    op.add_column("checkouts", sa.Column("campaign_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(None, "checkouts", "campaigns", ["campaign_id"], ["id"])


def downgrade() -> None:
    op.drop_constraint("checkouts_campaign_id_fkey", "checkouts", type_="foreignkey")
    op.drop_column("checkouts", "campaign_id")
    op.drop_index("ix_campaign_items_product_id", table_name="campaign_items")
    op.drop_table("campaign_items")
    op.drop_index("ix_campaigns_supplier_id", table_name="campaigns")
    op.drop_index("ix_campaigns_to_announce", table_name="campaigns")
    op.drop_index("ix_campaigns_status_starts_at", table_name="campaigns")
    op.drop_table("campaigns")
