"""ledger entries by account and posting: an account's postings newest first, a page at a time

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 05:20:00.000000

The finance console's ledger explorer (账簿) reads an account's postings newest first from the last one shown;
platform:revenue and each supplier's account have an entry for every commission line, so without an index by
(account, posting) each page would sort all of them. That index takes the place of the one on account alone,
whose lookups it serves the same way.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_ledger_entries_account_id_posting_id", "ledger_entries", ["account_id", "posting_id"])
    op.drop_index("ix_ledger_entries_account_id", table_name="ledger_entries")


def downgrade() -> None:
    op.create_index("ix_ledger_entries_account_id", "ledger_entries", ["account_id"])
    op.drop_index("ix_ledger_entries_account_id_posting_id", table_name="ledger_entries")
