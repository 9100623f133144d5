"""supplier documents: the licence and authorisation files a supplier hands in with its application

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 06:00:00.000000

The supplier console's application form (issue 17) takes the business licence (营业执照) and brand authorisation
(品牌授权书) as files. distro keeps them under VAR_DIR/documents, outside every public path; this table says whose
each one is, so only that supplier and the admins may open it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "supplier_documents",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("original_name", sa.String(length=200), nullable=False),
        sa.Column("stored_name", sa.String(length=100), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('licence','authorisation')", name="known_kind"),
        sa.CheckConstraint(
            "content_type IN ('application/pdf','image/png','image/jpeg','image/webp')",
            name="known_type",
        ),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"]),
        sa.ForeignKeyConstraint(["uploaded_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_supplier_documents_supplier_id", "supplier_documents", ["supplier_id"])


def downgrade() -> None:
    op.drop_index("ix_supplier_documents_supplier_id", table_name="supplier_documents")
    op.drop_table("supplier_documents")
