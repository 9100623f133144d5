"""api clients: integrations signing in with the OAuth 2 client-credentials grant

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 06:00:00.000000

An admin makes a client for an integration (an order system, an ERP) with one role, a scope and the account it acts
as; its secret is kept only as a SHA-256. Revoking it refuses its new tokens and the ones it has at once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_clients",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.String(length=40), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.String(length=30)), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("role IN ('supplier', 'finance', 'admin')", name="client_role"),
        sa.CheckConstraint("cardinality(scopes) > 0", name="has_a_scope"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["revoked_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
    )
    op.create_index("ix_api_clients_user_id", "api_clients", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_api_clients_user_id", table_name="api_clients")
    op.drop_table("api_clients")
