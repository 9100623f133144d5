"""account phones: users' verified phone (keyed reference, masked form) and SMS verification codes

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 09:00:00.000000

An account holds its phone only as distro.phones.phone_reference (the keyed hash buyers' orders
carry) and a masked form; one verified account per phone. Codes sent by SMS are stored hashed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As of this revision (a migration keeps its own copy: the model may change after it).
PHONE_ALL_OR_NONE = (
    "(phone_reference IS NULL) = (phone_verified_at IS NULL) AND (phone_masked IS NULL) = (phone_verified_at IS NULL)"
)


def upgrade() -> None:
    op.add_column("users", sa.Column("phone_reference", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
    op.add_column("users", sa.Column("phone_masked", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
    op.add_column("users", sa.Column("phone_verified_at", sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint("phone_all_or_none", "users", PHONE_ALL_OR_NONE)
    op.create_index(
        "users_phone_reference_key",
        "users",
        ["phone_reference"],
        unique=True,
        postgresql_where=sa.text("phone_verified_at IS NOT NULL"),
    )
    op.create_table(
        "phone_codes",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("phone_reference", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_phone_codes_phone_sent", "phone_codes", ["phone_reference", "sent_at"])
    op.create_index("ix_phone_codes_user_sent", "phone_codes", ["user_id", "sent_at"])


def downgrade() -> None:
    op.drop_index("ix_phone_codes_user_sent", table_name="phone_codes")
    op.drop_index("ix_phone_codes_phone_sent", table_name="phone_codes")
    op.drop_table("phone_codes")
    op.drop_index("users_phone_reference_key", table_name="users")
    op.drop_constraint("phone_all_or_none", "users", type_="check")
    op.drop_column("users", "phone_verified_at")
    op.drop_column("users", "phone_masked")
    op.drop_column("users", "phone_reference")
