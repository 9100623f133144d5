"""selection center: ranking runs and their ranked rows, curated collections (zones)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05 05:40:00.000000

The ranked lists of the 选品中心 are recomputed hourly into rankings under a new run; readers use the newest run.
Admins curate collections; the three zones the platform starts with are created here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ranking_runs",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "rankings",
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("list", sa.String(length=12), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("units_7d", sa.BigInteger(), nullable=False),
        sa.Column("units_prev_7d", sa.BigInteger(), nullable=False),
        sa.Column("units_30d", sa.BigInteger(), nullable=False),
        sa.Column("buyers", sa.BigInteger(), nullable=False),
        sa.Column("repeat_buyers", sa.BigInteger(), nullable=False),
        sa.Column("clicks", sa.BigInteger(), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.Column("listed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("list IN ('hot7','hot30','rising','repurchase','conversion','new')", name="known_list"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"]),
        sa.ForeignKeyConstraint(["run_id"], ["ranking_runs.id"]),
        sa.PrimaryKeyConstraint("run_id", "list", "category", "rank"),
    )
    op.create_index("ix_rankings_run_product", "rankings", ["run_id", "product_id"])
    op.create_table(
        "collections",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "collection_products",
        sa.Column("collection_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["collection_id"], ["collections.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"]),
        sa.PrimaryKeyConstraint("collection_id", "product_id"),
    )
    op.create_index("ix_collection_products_order", "collection_products", ["collection_id", "position"])
    op.execute(
        "INSERT INTO collections (name, description, position, created_at) VALUES "
        "('爆款区', '平台精选的热卖好货', 1, now()), "
        "('跨境区', '跨境直邮、保税仓发货的进口好物', 2, now()), "
        "('主播区', '主播和达人带货的同款', 3, now())"
    )


def downgrade() -> None:
    op.drop_index("ix_collection_products_order", table_name="collection_products")
    op.drop_table("collection_products")
    op.drop_table("collections")
    op.drop_index("ix_rankings_run_product", table_name="rankings")
    op.drop_table("rankings")
    op.drop_table("ranking_runs")
