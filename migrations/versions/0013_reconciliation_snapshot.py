"""reconciliation snapshot: a batch's reconciliation is fixed when it is computed; retried computations

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 10:00:00.000000

A batch's reconciliation used to be summed from its claimed lines' current amounts, so a refund after
payment rewrote a paid batch's report. The figures are now written once, by the computation, into
settlement_batches.reconciliation, and a trigger refuses to change them afterwards.

ledger_mark is an id drawn from the ledger postings' sequence while the computation holds the
settlement lock: the clawbacks and failed payouts posted after it are the next batch's to show. Batches
computed before this revision get the ledger's last posting id, so the next batch shows gross only
what comes after the upgrade (what came before is in its brought forward, net). retried_at says when
finance last retried a failed computation.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FIXED = """
CREATE FUNCTION settlement_reconciliation_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (OLD.reconciliation IS NOT NULL AND NEW.reconciliation IS DISTINCT FROM OLD.reconciliation)
       OR (OLD.ledger_mark IS NOT NULL AND NEW.ledger_mark IS DISTINCT FROM OLD.ledger_mark) THEN
        RAISE EXCEPTION 'settlement batch %: its reconciliation is fixed when it is computed', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER settlement_reconciliation_fixed BEFORE UPDATE OF reconciliation, ledger_mark ON settlement_batches
    FOR EACH ROW EXECUTE FUNCTION settlement_reconciliation_fixed();
"""


def upgrade() -> None:
    op.add_column("settlement_batches", sa.Column("reconciliation", postgresql.JSONB(), nullable=True))
    op.add_column("settlement_batches", sa.Column("ledger_mark", sa.BigInteger(), nullable=True))
    op.add_column("settlement_batches", sa.Column("retried_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE settlement_batches SET ledger_mark = (SELECT coalesce(max(id), 0) FROM ledger_postings) "
        "WHERE status IN ('ready', 'approved', 'paid', 'partly_paid')"
    )
    op.execute(_FIXED)


def downgrade() -> None:
    op.execute("DROP TRIGGER settlement_reconciliation_fixed ON settlement_batches")
    op.execute("DROP FUNCTION settlement_reconciliation_fixed()")
    op.drop_column("settlement_batches", "retried_at")
    op.drop_column("settlement_batches", "ledger_mark")
    op.drop_column("settlement_batches", "reconciliation")
