"""no draft batches: a settlement batch's statuses are those of its life, and draft was never one

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 02:00:00.000000

Batches are created computing (distro/settlement/lifecycle.py); no code ever wrote 'draft', which the status's
check constraint still allowed. The constraint is made again without it. A database holding a draft batch
was written by something else: the upgrade stops, naming the batches, rather than guess what they are.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As of this revision (a migration keeps its own copies: the model may change after it).
STATUSES_BEFORE = ("draft", "computing", "ready", "approved", "paid", "partly_paid", "failed", "cancelled")
STATUSES_AFTER = ("computing", "ready", "approved", "paid", "partly_paid", "failed", "cancelled")


def _allow(statuses: tuple[str, ...]) -> None:
    op.drop_constraint("known_status", "settlement_batches", type_="check")
    op.create_check_constraint("known_status", "settlement_batches", f"status IN {statuses!r}")


def upgrade() -> None:
    drafts = op.get_bind().execute(sa.text("SELECT id FROM settlement_batches WHERE status = 'draft' ORDER BY id"))
    ids = [str(batch_id) for batch_id in drafts.scalars()]
    if ids:
        raise RuntimeError(
            f"settlement batches {', '.join(ids)} are 'draft', a status distro never writes and no longer allows: "
            "decide what each is (cancel it, or set it computing to compute it) and migrate again"
        )
    _allow(STATUSES_AFTER)


def downgrade() -> None:
    _allow(STATUSES_BEFORE)
