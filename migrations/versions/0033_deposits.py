"""deposits: the deposit each supplier must hold (保证金), its payments in and its returns out

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-05 08:00:00.000000

Existing suppliers are required the default deposit (¥10,000, SUPPLIER_MIN_DEPOSIT_FEN's default); none has paid
it through distro yet (the application's figure was only declared), so the standing job takes their goods out of
the pool until they pay.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "suppliers",
        sa.Column("deposit_required_fen", sa.BigInteger(), server_default=sa.text("1000000"), nullable=False),
    )
    op.add_column("suppliers", sa.Column("deposit_required_by", sa.BigInteger(), nullable=True))
    op.add_column(
        "suppliers", sa.Column("deposit_required_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True)
    )
    op.create_foreign_key(None, "suppliers", "users", ["deposit_required_by"], ["id"])
    op.create_table(
        "deposit_payments",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending','paid')", name="known_status"),
        sa.CheckConstraint("amount_fen > 0", name="positive_amount"),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
    )
    op.create_index("ix_deposit_payments_supplier_id_id", "deposit_payments", ["supplier_id", "id"])
    op.create_table(
        "deposit_returns",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("rail", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("account_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("account_number", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("bank_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("external_reference", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("failure_reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("requested_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('submitted','paid','failed')", name="known_status"),
        sa.CheckConstraint("amount_fen > 0", name="positive_amount"),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"]),
        sa.ForeignKeyConstraint(["requested_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_deposit_returns_supplier_id_id", "deposit_returns", ["supplier_id", "id"])
    op.create_index(
        "ux_deposit_returns_submitted",
        "deposit_returns",
        ["supplier_id"],
        unique=True,
        postgresql_where=sa.text("status = 'submitted'"),
    )


def downgrade() -> None:
    op.drop_table("deposit_returns")
    op.drop_table("deposit_payments")
    op.drop_column("suppliers", "deposit_required_reason")
    op.drop_column("suppliers", "deposit_required_by")
    op.drop_column("suppliers", "deposit_required_fen")
