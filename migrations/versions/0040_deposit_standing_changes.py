"""deposit_standing_changes: when a supplier's deposit fell short or became whole, so owners are told (消息)

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-06 00:00:00.000000

The standing's refresh (distro/deposits/standing.py) records each supplier whose deposit changed between whole and
short since its last record; the owner's inbox reads them. A supplier with no record counts as whole, so the state at
upgrade is recorded here, from the products the refresh took out while their supplier is approved (nothing else takes
an approved supplier's goods out), as a record that tells no one: nothing moved at the upgrade.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0040"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deposit_standing_changes",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("follows_id", sa.BigInteger(), nullable=True),
        sa.Column("whole", sa.Boolean(), nullable=False),
        sa.Column("tells_owners", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["follows_id"], ["deposit_standing_changes.id"]),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ux_deposit_standing_changes_follows",
        "deposit_standing_changes",
        ["supplier_id", "follows_id"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    op.execute(
        "INSERT INTO deposit_standing_changes (supplier_id, whole, tells_owners, changed_at) "
        "SELECT DISTINCT p.supplier_id, false, false, now() FROM products p JOIN suppliers s ON s.id = p.supplier_id "
        "WHERE s.status = 'approved' AND p.supplier_active IS FALSE ORDER BY 1"
    )


def downgrade() -> None:
    op.drop_index("ux_deposit_standing_changes_follows", table_name="deposit_standing_changes")
    op.drop_table("deposit_standing_changes")
