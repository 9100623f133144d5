"""ledger balance snapshots: balances read as a snapshot plus the entries after it

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 05:35:00.000000

Every balance used to be the sum of all of an account's entries; with a million commission lines the finance
dashboard and the trial balance summed five million. A periodic job (distro/ledger/snapshots.py) folds the entries
below a safe high-water mark into one row per account; reads add the entries after it. The snapshots start empty
(every balance is then its entries' sum, as before) and the mark at 0: the first run folds the whole ledger.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_balance_snapshots",
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("through_entry_id", sa.BigInteger(), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["ledger_accounts.id"]),
        sa.PrimaryKeyConstraint("account_id"),
    )
    op.create_table(
        "ledger_snapshot_marks",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("through_entry_id", sa.BigInteger(), nullable=False),
        sa.Column("candidate_entry_id", sa.BigInteger(), nullable=False),
        sa.Column("candidate_writers", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name="one_row"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(
        "INSERT INTO ledger_snapshot_marks (id, through_entry_id, candidate_entry_id, candidate_writers, taken_at) "
        "VALUES (1, 0, 0, '{}', now())"
    )


def downgrade() -> None:
    op.drop_table("ledger_snapshot_marks")
    op.drop_table("ledger_balance_snapshots")
