"""supplier dues: monthly statements (对账单), remittances (maker-checker), and suppliers stopping shops (停止合作)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05 08:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIGURES = "opening_fen + accrued_fen - reversed_fen - clawed_back_fen - remitted_fen + adjusted_fen = closing_fen"


def upgrade() -> None:
    op.create_table(
        "supplier_statements",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opening_fen", sa.BigInteger(), nullable=False),
        sa.Column("accrued_fen", sa.BigInteger(), nullable=False),
        sa.Column("reversed_fen", sa.BigInteger(), nullable=False),
        sa.Column("clawed_back_fen", sa.BigInteger(), nullable=False),
        sa.Column("remitted_fen", sa.BigInteger(), nullable=False),
        sa.Column("adjusted_fen", sa.BigInteger(), nullable=False),
        sa.Column("closing_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_by", sa.BigInteger(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.CheckConstraint("status IN ('issued', 'sent')", name="known_status"),
        sa.CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL AND due_on IS NOT NULL)", name="due_once_sent"),
        sa.CheckConstraint(FIGURES, name="figures_add_up"),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"]),
        sa.ForeignKeyConstraint(["sent_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("supplier_id", "month", name="supplier_statements_one_a_month"),
    )
    op.create_index("ix_supplier_statements_month_id", "supplier_statements", ["month", "id"])
    op.create_index(
        "ix_supplier_statements_sent_due",
        "supplier_statements",
        ["due_on"],
        postgresql_where=sa.text("status = 'sent'"),
    )
    op.create_index(
        "ix_supplier_statements_supplier_month", "supplier_statements", ["supplier_id", sa.text("month DESC")]
    )
    op.create_table(
        "supplier_remittances",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("statement_id", sa.BigInteger(), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("bank_reference", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("remitted_on", sa.Date(), nullable=False),
        sa.Column("memo", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("proposed_by", sa.BigInteger(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("posting_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("status IN ('proposed', 'approved', 'rejected')", name="known_status"),
        sa.CheckConstraint("amount_fen > 0", name="positive_amount"),
        sa.CheckConstraint("(status = 'approved') = (posting_id IS NOT NULL)", name="posted_once_approved"),
        sa.CheckConstraint(
            "(status = 'proposed') = (decided_by IS NULL AND decided_at IS NULL)", name="decided_unless_proposed"
        ),
        sa.CheckConstraint("status <> 'approved' OR decided_by <> proposed_by", name="approved_by_another"),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"]),
        sa.ForeignKeyConstraint(["statement_id"], ["supplier_statements.id"]),
        sa.ForeignKeyConstraint(["proposed_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["posting_id"], ["ledger_postings.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("posting_id"),
    )
    op.create_index(
        "supplier_remittances_one_per_transfer",
        "supplier_remittances",
        ["supplier_id", "bank_reference"],
        unique=True,
        postgresql_where=sa.text("status <> 'rejected'"),
    )
    op.create_index("ix_supplier_remittances_status_id", "supplier_remittances", ["status", "id"])
    op.create_table(
        "supplier_shop_stops",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("removed_picks", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("stopped_by", sa.BigInteger(), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resumed_by", sa.BigInteger(), nullable=True),
        sa.Column("resumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("(resumed_at IS NULL) = (resumed_by IS NULL)", name="resumed_by_someone"),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"]),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"]),
        sa.ForeignKeyConstraint(["stopped_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["resumed_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "supplier_shop_stops_one_in_force",
        "supplier_shop_stops",
        ["supplier_id", "shop_id"],
        unique=True,
        postgresql_where=sa.text("resumed_at IS NULL"),
    )
    op.create_index("ix_supplier_shop_stops_shop_id", "supplier_shop_stops", ["shop_id"])


def downgrade() -> None:
    op.drop_index("ix_supplier_shop_stops_shop_id", table_name="supplier_shop_stops")
    op.drop_index("supplier_shop_stops_one_in_force", table_name="supplier_shop_stops")
    op.drop_table("supplier_shop_stops")
    op.drop_index("ix_supplier_remittances_status_id", table_name="supplier_remittances")
    op.drop_index("supplier_remittances_one_per_transfer", table_name="supplier_remittances")
    op.drop_table("supplier_remittances")
    op.drop_index("ix_supplier_statements_supplier_month", table_name="supplier_statements")
    op.drop_index("ix_supplier_statements_sent_due", table_name="supplier_statements")
    op.drop_index("ix_supplier_statements_month_id", table_name="supplier_statements")
    op.drop_table("supplier_statements")
