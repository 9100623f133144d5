"""suppliers products shops audit

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 05:31:03.615773
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("subject_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_subject", "audit_log", ["subject_type", "subject_id", "id"], unique=False)
    op.create_table(
        "shops",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("tier_code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('pending_approval','active','suspended','closed')", name="known_status"),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_index(op.f("ix_shops_owner_id"), "shops", ["owner_id"], unique=False)
    op.create_index("shops_name_lower_key", "shops", [sa.literal_column("lower(name)")], unique=True)
    op.create_table(
        "suppliers",
        sa.Column("company_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("registered_capital_fen", sa.BigInteger(), nullable=False),
        sa.Column("general_vat_taxpayer", sa.Boolean(), nullable=False),
        sa.Column("deposit_paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("brand_chain_depth", sa.Integer(), nullable=True),
        sa.Column("traceable_purchase_record", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("status_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('applied','approved','rejected','suspended','removed')", name="known_status"),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id"),
    )
    op.create_index(op.f("ix_suppliers_status"), "suppliers", ["status"], unique=False)
    op.create_table(
        "products",
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("image_urls", postgresql.ARRAY(sa.String(length=500)), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.Column("other_platform_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("supplier_active", sa.Boolean(), nullable=False),
        sa.Column("commission_rate_bp", sa.Integer(), nullable=False),
        sa.Column("recent_sales", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "in_pool",
            sa.Boolean(),
            sa.Computed("status = 'listed' AND stock > 0 AND supplier_active", persisted=True),
            nullable=True,
        ),
        sa.CheckConstraint("status IN ('listed','delisted')", name="known_status"),
        sa.CheckConstraint("commission_rate_bp BETWEEN 0 AND 10000", name="rate_in_range"),
        sa.CheckConstraint("price_fen <= other_platform_price_fen", name="not_above_other_platforms"),
        sa.CheckConstraint("price_fen > 0", name="positive_price"),
        sa.CheckConstraint("stock >= 0", name="stock_not_negative"),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_products_category"), "products", ["category"], unique=False)
    op.create_index(op.f("ix_products_supplier_id"), "products", ["supplier_id"], unique=False)
    op.create_table(
        "commission_rates",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("previous_rate_bp", sa.Integer(), nullable=True),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_by", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("rate_bp BETWEEN 0 AND 10000", name="rate_in_range"),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
        ),
        sa.ForeignKeyConstraint(
            ["set_by"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_commission_rates_product_effective",
        "commission_rates",
        ["product_id", sa.literal_column("effective_from DESC")],
        unique=False,
    )
    op.create_table(
        "product_skus",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.CheckConstraint("price_fen > 0", name="positive_price"),
        sa.CheckConstraint("stock >= 0", name="stock_not_negative"),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("product_id", "name"),
    )
    op.create_index(op.f("ix_product_skus_product_id"), "product_skus", ["product_id"], unique=False)
    op.create_table(
        "shop_products",
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
        ),
        sa.PrimaryKeyConstraint("shop_id", "product_id"),
    )
    op.create_index(op.f("ix_shop_products_product_id"), "shop_products", ["product_id"], unique=False)
    op.create_index("ix_shop_products_shop_position", "shop_products", ["shop_id", "position"], unique=False)
    op.add_column("users", sa.Column("max_shops", sa.Integer(), nullable=True))
    # Pool browsing: one partial index per sort order over the products in the pool, and
    # category + commission for the most common filtered view.
    for name, columns in POOL_SORT_INDEXES.items():
        op.create_index(name, "products", [sa.text(column) for column in columns], postgresql_where=sa.text("in_pool"))


POOL_SORT_INDEXES = {
    "ix_pool_by_commission": ["commission_rate_bp DESC", "id DESC"],
    "ix_pool_by_price": ["price_fen", "id"],
    "ix_pool_by_recent_sales": ["recent_sales DESC", "id DESC"],
    "ix_pool_by_newest": ["created_at DESC", "id DESC"],
    "ix_pool_by_category_commission": ["category", "commission_rate_bp DESC", "id DESC"],
}


def downgrade() -> None:
    for name in POOL_SORT_INDEXES:
        op.drop_index(name, table_name="products")
    op.drop_column("users", "max_shops")
    op.drop_index("ix_shop_products_shop_position", table_name="shop_products")
    op.drop_index(op.f("ix_shop_products_product_id"), table_name="shop_products")
    op.drop_table("shop_products")
    op.drop_index(op.f("ix_product_skus_product_id"), table_name="product_skus")
    op.drop_table("product_skus")
    op.drop_index("ix_commission_rates_product_effective", table_name="commission_rates")
    op.drop_table("commission_rates")
    op.drop_index(op.f("ix_products_supplier_id"), table_name="products")
    op.drop_index(op.f("ix_products_category"), table_name="products")
    op.drop_table("products")
    op.drop_index(op.f("ix_suppliers_status"), table_name="suppliers")
    op.drop_table("suppliers")
    op.drop_index("shops_name_lower_key", table_name="shops")
    op.drop_index(op.f("ix_shops_owner_id"), table_name="shops")
    op.drop_table("shops")
    op.drop_index("ix_audit_log_subject", table_name="audit_log")
    op.drop_table("audit_log")
