"""shop_tier_history without its foreign key to shops: the monthly evaluation writes a row per shop, a million at once

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-05 13:00:00.000000

The evaluation's one INSERT … SELECT writes each shop's month from the shops table itself, in the statement that reads
it, and shops are never deleted, so the key could not be broken by it; checking it cost a lookup in shops per row,
10.5 of the 22.9 seconds that writing a million shops' history took (EXPLAIN ANALYZE, `python -m bench tiers`).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint("shop_tier_history_shop_id_fkey", "shop_tier_history", type_="foreignkey")


def downgrade() -> None:
    op.create_foreign_key("shop_tier_history_shop_id_fkey", "shop_tier_history", "shops", ["shop_id"], ["id"])
