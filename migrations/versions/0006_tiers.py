"""tier rules and history

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 06:33:34.615223
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tier_rule_sets",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tiers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "shop_tier_history",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("old_tier", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("new_tier", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("net_gmv_fen", sa.BigInteger(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("buyers", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_id", "month"),
    )
    op.create_index(
        "ix_shop_tier_history_in_force",
        "shop_tier_history",
        ["shop_id", sa.literal_column("effective_from DESC")],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_shop_tier_history_in_force", table_name="shop_tier_history")
    op.drop_table("shop_tier_history")
    op.drop_table("tier_rule_sets")
