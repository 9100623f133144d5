"""owner page sessions: sign-ins on distro's pages, and the signed-in buyer of a checkout

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 22:40:00.000000

Shop owners sign in on distro's pages with a session of their own (not the API's tokens), stored by
the hash of its token so the server can end it. A checkout remembers the account signed in when it
was placed, so the owner's own purchase is recognised whatever phone is on the order.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])
    op.add_column("checkouts", sa.Column("buyer_user_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key("checkouts_buyer_user_id_fkey", "checkouts", "users", ["buyer_user_id"], ["id"])


def downgrade() -> None:
    op.drop_constraint("checkouts_buyer_user_id_fkey", "checkouts", type_="foreignkey")
    op.drop_column("checkouts", "buyer_user_id")
    op.drop_index("ix_web_sessions_user_id", table_name="web_sessions")
    op.drop_table("web_sessions")
