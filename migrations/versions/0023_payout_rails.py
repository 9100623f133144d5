"""payout rails: each payout handed to a rail once; a batch's payouts paged by id, all or of one status

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 05:00:00.000000

A payout rail (distro/settlement/rails.py) pays a batch's payouts through a call rather than a bank file; a
payout_submissions row, committed before the call, makes sure none is submitted twice. The finance console lists
a batch's payouts newest first, all of them or those of one status, a page at a time: two indexes serve that.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payout_submissions",
        sa.Column("payout_id", sa.BigInteger(), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.Column("rail", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("submitted_by", sa.BigInteger(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("payout_id"),
    )
    op.create_index("ix_payout_submissions_batch_id", "payout_submissions", ["batch_id"])
    op.create_index("ix_payouts_batch_id_id", "payouts", ["batch_id", "id"])
    op.create_index("ix_payouts_batch_id_status_id", "payouts", ["batch_id", "status", "id"])


def downgrade() -> None:
    op.drop_index("ix_payouts_batch_id_status_id", table_name="payouts")
    op.drop_index("ix_payouts_batch_id_id", table_name="payouts")
    op.drop_index("ix_payout_submissions_batch_id", table_name="payout_submissions")
    op.drop_table("payout_submissions")
