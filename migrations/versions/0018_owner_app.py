"""owner app: accounts signed up by phone, codes for signing up and resetting a password, a shop's logo and 简介

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 09:00:00.000000

An owner signs up on the app with a phone (verified by SMS code) and a password, and no email: an account has
an email, a verified phone or both. A code is sent for one purpose: verifying a phone for an account, signing
up (no account yet), or resetting an account's password. A shop gets its owner's logo and introduction.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("users", "email", existing_type=sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True)
    op.create_check_constraint("email_or_phone", "users", "email IS NOT NULL OR phone_verified_at IS NOT NULL")
    op.add_column(
        "phone_codes",
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False, server_default="verify"),
    )
    op.alter_column("phone_codes", "user_id", existing_type=sa.BigInteger(), nullable=True)
    op.create_check_constraint("known_purpose", "phone_codes", "purpose IN ('verify', 'sign_up', 'reset')")
    op.create_check_constraint("account_unless_sign_up", "phone_codes", "(user_id IS NULL) = (purpose = 'sign_up')")
    op.add_column("shops", sa.Column("logo_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
    op.add_column(
        "shops", sa.Column("intro", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False, server_default="")
    )


def downgrade() -> None:
    op.drop_column("shops", "intro")
    op.drop_column("shops", "logo_url")
    op.execute("DELETE FROM phone_codes WHERE purpose = 'sign_up'")
    op.drop_constraint("account_unless_sign_up", "phone_codes", type_="check")
    op.drop_constraint("known_purpose", "phone_codes", type_="check")
    op.alter_column("phone_codes", "user_id", existing_type=sa.BigInteger(), nullable=False)
    op.drop_column("phone_codes", "purpose")
    op.drop_constraint("email_or_phone", "users", type_="check")
    op.alter_column("users", "email", existing_type=sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False)
