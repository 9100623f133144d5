"""owner inbox marks: how far each shop owner has read their inbox (消息); commission lines by shop and id

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 05:00:00.000000

The owner app's inbox is read from what distro already records (orders, commission lines, payouts, tier history,
the audit log's takedowns); the one thing it keeps is each owner's read marker, so it can count what is unread.
Its 收益 page reads an owner's commission lines a page at a time, newest first, by shop and id; that index takes
the place of the one on shop alone, whose lookups it serves the same way.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "owner_inbox_marks",
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("owner_id"),
    )
    op.create_index("ix_commission_lines_shop_id_id", "commission_lines", ["shop_id", "id"])
    op.drop_index("ix_commission_lines_shop_id", table_name="commission_lines")


def downgrade() -> None:
    op.create_index("ix_commission_lines_shop_id", "commission_lines", ["shop_id"])
    op.drop_index("ix_commission_lines_shop_id_id", table_name="commission_lines")
    op.drop_table("owner_inbox_marks")
