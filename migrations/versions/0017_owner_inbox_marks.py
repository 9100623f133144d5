"""owner inbox marks: how far each shop owner has read their inbox (消息)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 12:00:00.000000

The owner app's inbox is read from what distro already records (orders, commission lines, payouts, tier history,
the audit log's takedowns); the one thing it keeps is each owner's read marker, so it can count what is unread.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
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


def downgrade() -> None:
    op.drop_table("owner_inbox_marks")
