"""promises: suppliers' service promises (effective-dated) and the breaches the promise job finds

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "supplier_promises",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("ship_within_hours", sa.Integer(), nullable=True),
        sa.Column("ship_compensation_kind", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=True),
        sa.Column("ship_compensation_value", sa.BigInteger(), nullable=True),
        sa.Column("deliver_within_days", sa.Integer(), nullable=True),
        sa.Column("deliver_compensation_kind", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=True),
        sa.Column("deliver_compensation_value", sa.BigInteger(), nullable=True),
        sa.Column("exchange_days", sa.Integer(), nullable=True),
        sa.Column("quality_inspection", sa.Boolean(), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_by", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("exchange_days IS NULL OR exchange_days IN (7, 15)", name="known_exchange_days"),
        sa.CheckConstraint(
            "(ship_within_hours IS NULL) = (ship_compensation_kind IS NULL) "
            "AND (ship_compensation_kind IS NULL) = (ship_compensation_value IS NULL)",
            name="ship_names_compensation",
        ),
        sa.CheckConstraint(
            "(deliver_within_days IS NULL) = (deliver_compensation_kind IS NULL) "
            "AND (deliver_compensation_kind IS NULL) = (deliver_compensation_value IS NULL)",
            name="deliver_names_compensation",
        ),
        sa.CheckConstraint(
            "ship_compensation_kind IN ('fixed','percent') AND deliver_compensation_kind IN ('fixed','percent')",
            name="known_compensation_kind",
        ),
        sa.CheckConstraint("ship_within_hours > 0 AND deliver_within_days > 0", name="positive_deadlines"),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"]),
        sa.ForeignKeyConstraint(["set_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_supplier_promises_supplier_effective",
        "supplier_promises",
        ["supplier_id", sa.text("effective_from DESC")],
    )
    op.create_table(
        "promise_breaches",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("promise_id", sa.BigInteger(), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("compensation_fen", sa.BigInteger(), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payout_channel", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=True),
        sa.Column("paid_out_by", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("kind IN ('ship','deliver')", name="known_kind"),
        sa.CheckConstraint("compensation_fen >= 0 AND compensation_fen <= paid_fen", name="compensation_within_paid"),
        sa.CheckConstraint("payout_channel IN ('refund','finance')", name="known_payout_channel"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"]),
        sa.ForeignKeyConstraint(["promise_id"], ["supplier_promises.id"]),
        sa.ForeignKeyConstraint(["paid_out_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id", "supplier_id", "kind", name="uq_promise_breaches_order_supplier_kind"),
    )
    op.create_index("ix_promise_breaches_supplier_id_id", "promise_breaches", ["supplier_id", "id"])
    op.create_index(
        "ix_promise_breaches_unpaid",
        "promise_breaches",
        ["id"],
        postgresql_where=sa.text("paid_out_at IS NULL AND compensation_fen > 0"),
    )


def downgrade() -> None:
    op.drop_index("ix_promise_breaches_unpaid", table_name="promise_breaches")
    op.drop_index("ix_promise_breaches_supplier_id_id", table_name="promise_breaches")
    op.drop_table("promise_breaches")
    op.drop_index("ix_supplier_promises_supplier_effective", table_name="supplier_promises")
    op.drop_table("supplier_promises")
