"""shops fillfactor: room on each page for the monthly tier change to be a HOT update

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-05 11:40:00.000000

The tier evaluation moves about a fifth of all shops each month. With full pages each move writes a new row version
elsewhere and an entry in every one of the shops' five indexes; with a fifth of each page free the new version stays on
its page and no index is touched (a heap-only tuple), tier_code being in none of them. Pages written from now on keep
the room; existing pages gain it as they are rewritten (VACUUM FULL, or rows moving off them).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE shops SET (fillfactor = 80)")


def downgrade() -> None:
    op.execute("ALTER TABLE shops RESET (fillfactor)")
