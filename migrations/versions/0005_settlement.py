"""settlement batches payouts payees

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 06:25:25.231001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payee_accounts",
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("account_name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("account_number", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("bank_name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('bank','wechat','alipay')", name="known_kind"),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_payee_accounts_owner_id"), "payee_accounts", ["owner_id"], unique=False)
    op.create_index(
        "payee_accounts_one_default",
        "payee_accounts",
        ["owner_id"],
        unique=True,
        postgresql_where=sa.text("is_default"),
    )
    op.create_table(
        "settlement_batches",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("cutoff_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("approved_by", sa.BigInteger(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("lines_claimed", sa.Integer(), nullable=False),
        sa.Column("claimed_owner_fen", sa.BigInteger(), nullable=False),
        sa.Column("payout_total_fen", sa.BigInteger(), nullable=False),
        sa.Column("payouts_count", sa.Integer(), nullable=False),
        sa.Column("held_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'computing', 'ready', 'approved', 'paid', 'partly_paid', 'failed', 'cancelled')",
            name="known_status",
        ),
        sa.ForeignKeyConstraint(
            ["approved_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "payouts",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("payee_account_id", sa.BigInteger(), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("external_reference", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("failure_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('held','pending','paid','failed','cancelled')", name="known_status"),
        sa.CheckConstraint("amount_fen > 0", name="positive_amount"),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["settlement_batches.id"],
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["payee_account_id"],
            ["payee_accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch_id", "shop_id"),
    )
    op.create_index(op.f("ix_payouts_batch_id"), "payouts", ["batch_id"], unique=False)
    op.create_index(op.f("ix_payouts_shop_id"), "payouts", ["shop_id"], unique=False)
    op.add_column("commission_lines", sa.Column("settlement_batch_id", sa.BigInteger(), nullable=True))
    op.create_index(
        op.f("ix_commission_lines_settlement_batch_id"), "commission_lines", ["settlement_batch_id"], unique=False
    )
    op.create_foreign_key(None, "commission_lines", "settlement_batches", ["settlement_batch_id"], ["id"])


def downgrade() -> None:
    # WARNING: constraint name is None; this directive will fail as
    # rendered.  Add a name, or use a naming convention; see
    # https://alembic.sqlalchemy.org/en/latest/naming.html
    op.drop_constraint(None, "commission_lines", type_="foreignkey")
    op.drop_index(op.f("ix_commission_lines_settlement_batch_id"), table_name="commission_lines")
    op.drop_column("commission_lines", "settlement_batch_id")
    op.drop_index(op.f("ix_payouts_shop_id"), table_name="payouts")
    op.drop_index(op.f("ix_payouts_batch_id"), table_name="payouts")
    op.drop_table("payouts")
    op.drop_table("settlement_batches")
    op.drop_index("payee_accounts_one_default", table_name="payee_accounts", postgresql_where=sa.text("is_default"))
    op.drop_index(op.f("ix_payee_accounts_owner_id"), table_name="payee_accounts")
    op.drop_table("payee_accounts")
