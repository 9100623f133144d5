"""adjustment approval: finance's manual adjustments and reversals are proposed by one user, approved by another

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 10:00:00.000000

A manual adjustment, or the reversal of one, used to post the moment one finance user asked. It is
now a proposal (ledger_adjustments) that posts nothing until a different finance user approves it.
Adjustments posted before this revision stay as they are; reversing one goes through the new flow.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ledger_adjustments",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("memo", _TEXT(length=500), nullable=False),
        sa.Column("entries", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("reverses_posting_id", sa.BigInteger(), nullable=True),
        sa.Column("status", _TEXT(length=10), nullable=False),
        sa.Column("proposed_by", sa.BigInteger(), nullable=False),
        sa.Column("proposed_at", _TIME, nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", _TIME, nullable=True),
        sa.Column("reason", _TEXT(length=500), nullable=True),
        sa.Column("posting_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("status IN ('proposed', 'approved', 'rejected')", name="known_status"),
        sa.CheckConstraint("(status = 'approved') = (posting_id IS NOT NULL)", name="posted_once_approved"),
        sa.CheckConstraint(
            "(status = 'proposed') = (decided_by IS NULL AND decided_at IS NULL)", name="decided_unless_proposed"
        ),
        sa.CheckConstraint("status <> 'approved' OR decided_by <> proposed_by", name="approved_by_another"),
        sa.ForeignKeyConstraint(["reverses_posting_id"], ["ledger_postings.id"]),
        sa.ForeignKeyConstraint(["proposed_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["posting_id"], ["ledger_postings.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("posting_id"),
    )
    op.create_index(
        "ledger_adjustments_one_reversal",
        "ledger_adjustments",
        ["reverses_posting_id"],
        unique=True,
        postgresql_where=sa.text("status <> 'rejected'"),
    )


def downgrade() -> None:
    op.drop_index("ledger_adjustments_one_reversal", table_name="ledger_adjustments")
    op.drop_table("ledger_adjustments")
