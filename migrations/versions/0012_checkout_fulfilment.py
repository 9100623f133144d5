"""checkout fulfilment: SKUs, shipping, delivery, cancellation, refunds, after-sales, the payment notice outbox

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 19:40:00.000000

Orders taken on distro's own pages now go the whole way: the supplier ships them, the buyer (or,
after some days, distro) confirms receipt, and the buyer can cancel or ask for after-sales. Each
step is an order event, so commission follows the same fold as for outside orders.

Orders placed before this revision get an access token of their own (the buyer's key to the order
page; the order reference alone no longer opens it), and a paid one counts as already notified:
its order.paid went out when it was paid.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("checkouts", sa.Column("access_token", _TEXT(length=40), nullable=True))
    op.execute("UPDATE checkouts SET access_token = replace(gen_random_uuid()::text, '-', '')")
    op.alter_column("checkouts", "access_token", nullable=False)
    op.create_unique_constraint("checkouts_access_token_key", "checkouts", ["access_token"])
    for column in (
        sa.Column("sku", _TEXT(length=40), nullable=True),
        sa.Column("stock_reserved", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("shipped_at", _TIME, nullable=True),
        sa.Column("carrier", _TEXT(length=40), nullable=True),
        sa.Column("tracking_number", _TEXT(length=60), nullable=True),
        sa.Column("delivered_at", _TIME, nullable=True),
        sa.Column("delivered_by", _TEXT(length=10), nullable=True),
        sa.Column("cancelled_at", _TIME, nullable=True),
        sa.Column("cancelled_by", _TEXT(length=10), nullable=True),
        sa.Column("cancel_reason", _TEXT(length=200), nullable=True),
        sa.Column("refunded_fen", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("notice_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("notice_next_at", _TIME, nullable=True),
        sa.Column("notice_acknowledged_at", _TIME, nullable=True),
        sa.Column("notice_error", _TEXT(length=500), nullable=True),
    ):
        op.add_column("checkouts", column)
    op.execute("UPDATE checkouts SET notice_acknowledged_at = paid_at WHERE paid_at IS NOT NULL")
    op.drop_constraint("known_status", "checkouts", type_="check")
    op.create_check_constraint(
        "known_status",
        "checkouts",
        "status IN ('awaiting_payment','paid','shipped','delivered','cancelled','refunded')",
    )
    op.create_check_constraint("refund_within_total", "checkouts", "refunded_fen BETWEEN 0 AND total_fen")
    op.create_index(
        "ix_checkouts_shipped_unreceived",
        "checkouts",
        ["shipped_at"],
        postgresql_where=sa.text("status = 'shipped'"),
    )
    op.create_index(
        "ix_checkouts_notice_due",
        "checkouts",
        ["notice_next_at"],
        postgresql_where=sa.text("paid_at IS NOT NULL AND notice_acknowledged_at IS NULL"),
    )
    op.create_table(
        "after_sales_requests",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("checkout_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", _TEXT(length=10), nullable=False),
        sa.Column("reason", _TEXT(length=200), nullable=False),
        sa.Column("requested_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", _TEXT(length=10), nullable=False),
        sa.Column("approved_fen", sa.BigInteger(), nullable=True),
        sa.Column("refusal_reason", _TEXT(length=200), nullable=True),
        sa.Column("requested_at", _TIME, nullable=False),
        sa.Column("decided_at", _TIME, nullable=True),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("kind IN ('refund','return')", name="known_kind"),
        sa.CheckConstraint("status IN ('requested','approved','refused')", name="known_status"),
        sa.CheckConstraint("approved_fen IS NULL OR approved_fen > 0", name="positive_refund"),
        sa.ForeignKeyConstraint(["checkout_id"], ["checkouts.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_after_sales_requests_checkout_id", "after_sales_requests", ["checkout_id"])
    op.create_index(
        "ux_after_sales_open",
        "after_sales_requests",
        ["checkout_id"],
        unique=True,
        postgresql_where=sa.text("status = 'requested'"),
    )


def downgrade() -> None:
    op.drop_table("after_sales_requests")
    op.drop_index("ix_checkouts_notice_due", table_name="checkouts")
    op.drop_index("ix_checkouts_shipped_unreceived", table_name="checkouts")
    op.drop_constraint("refund_within_total", "checkouts", type_="check")
    op.drop_constraint("known_status", "checkouts", type_="check")
    op.create_check_constraint("known_status", "checkouts", "status IN ('awaiting_payment','paid','cancelled')")
    for name in (
        "notice_error",
        "notice_acknowledged_at",
        "notice_next_at",
        "notice_attempts",
        "refunded_fen",
        "cancel_reason",
        "cancelled_by",
        "cancelled_at",
        "delivered_by",
        "delivered_at",
        "tracking_number",
        "carrier",
        "shipped_at",
        "stock_reserved",
        "sku",
    ):
        op.drop_column("checkouts", name)
    op.drop_constraint("checkouts_access_token_key", "checkouts", type_="unique")
    op.drop_column("checkouts", "access_token")
