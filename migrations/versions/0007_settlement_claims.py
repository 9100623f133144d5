"""settlement claims: which batch settled each commission line, in a narrow table of its own

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 09:00:00.000000

A batch used to mark its lines settled by updating commission_lines: a new version of a million
wide rows, each with an entry in every index. A claim is now one narrow row (line, batch), and a
line is settled exactly when it has one; the primary key keeps a line from being claimed twice.
Claims already made move over; cancelled batches left none behind (cancelling cleared the columns).
The claims carry no foreign keys: checked row by row, they cost more than the claim itself.

Payouts lose their foreign keys (see below) and an index that repeated the leading column of unique
(batch_id, shop_id), and are indexed by owner (statements) rather than by shop (no query).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "settlement_claims",
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("line_id"),
    )
    # Claims arrive batch after batch, so a block-range index finds a batch's claims at almost no upkeep.
    op.create_index("ix_settlement_claims_batch_id", "settlement_claims", ["batch_id"], postgresql_using="brin")
    op.execute(
        "INSERT INTO settlement_claims (line_id, batch_id) "
        "SELECT id, settlement_batch_id FROM commission_lines WHERE settled ORDER BY settlement_batch_id, id"
    )
    # Dropping the columns drops their index and foreign key with them.
    op.drop_column("commission_lines", "settlement_batch_id")
    op.drop_column("commission_lines", "settled")
    # A computation writes 100,000 payouts in one statement, and PostgreSQL checks a foreign key row
    # by row: their four keys cost more than writing the payouts. Every value comes from a join in
    # that statement (the batch it holds locked, shops, payee accounts), and none of the rows they
    # name is ever deleted.
    for name in ("batch_id", "shop_id", "owner_id", "payee_account_id"):
        op.drop_constraint(f"payouts_{name}_fkey", "payouts", type_="foreignkey")
    # The unique (batch_id, shop_id) index already finds a batch's payouts; no query looks payouts up
    # by shop, while owners' statements look them up by owner.
    op.drop_index("ix_payouts_batch_id", table_name="payouts")
    op.drop_index("ix_payouts_shop_id", table_name="payouts")
    op.create_index("ix_payouts_owner_id", "payouts", ["owner_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_payouts_owner_id", table_name="payouts")
    op.create_index("ix_payouts_shop_id", "payouts", ["shop_id"], unique=False)
    op.create_index("ix_payouts_batch_id", "payouts", ["batch_id"], unique=False)
    for name, table in (
        ("batch_id", "settlement_batches"),
        ("shop_id", "shops"),
        ("owner_id", "users"),
        ("payee_account_id", "payee_accounts"),
    ):
        op.create_foreign_key(f"payouts_{name}_fkey", "payouts", table, [name], ["id"])
    op.add_column("commission_lines", sa.Column("settled", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.alter_column("commission_lines", "settled", server_default=None)
    op.add_column("commission_lines", sa.Column("settlement_batch_id", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE commission_lines c SET settled = true, settlement_batch_id = s.batch_id "
        "FROM settlement_claims s WHERE s.line_id = c.id"
    )
    op.create_index(
        op.f("ix_commission_lines_settlement_batch_id"), "commission_lines", ["settlement_batch_id"], unique=False
    )
    op.create_foreign_key(None, "commission_lines", "settlement_batches", ["settlement_batch_id"], ["id"])
    op.drop_index("ix_settlement_claims_batch_id", table_name="settlement_claims", postgresql_using="brin")
    op.drop_table("settlement_claims")
