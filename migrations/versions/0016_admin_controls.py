"""admin controls: cut an account's tokens, suspend or close a shop, take down one product

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 10:00:00.000000

An account numbers the generation of its access tokens (a deactivation starts a new one, cutting them all). A shop keeps why
an admin suspended or closed it, when it was last reinstated, and whether settlement pays it. A product
an admin took down leaves the pool: `in_pool` is computed again with that condition, so the column and
the pool's partial indexes over it are made anew (PostgreSQL cannot change a stored generated column's
expression before version 17; this rewrites the products table once).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As of this revision (a migration keeps its own copies: the model may change after it).
POOL_SORT_INDEXES = {
    "ix_pool_by_commission": ["commission_rate_bp DESC", "id DESC"],
    "ix_pool_by_price": ["price_fen", "id"],
    "ix_pool_by_recent_sales": ["recent_sales DESC", "id DESC"],
    "ix_pool_by_newest": ["created_at DESC", "id DESC"],
    "ix_pool_by_category_commission": ["category", "commission_rate_bp DESC", "id DESC"],
}
IN_POOL_BEFORE = "status = 'listed' AND stock > 0 AND supplier_active"
IN_POOL_AFTER = "status = 'listed' AND stock > 0 AND supplier_active AND taken_down_at IS NULL"


def _compute_in_pool(expression: str) -> None:
    for name in POOL_SORT_INDEXES:
        op.drop_index(name, table_name="products")
    op.drop_column("products", "in_pool")
    op.add_column("products", sa.Column("in_pool", sa.Boolean(), sa.Computed(expression, persisted=True)))
    for name, columns in POOL_SORT_INDEXES.items():
        op.create_index(name, "products", [sa.text(column) for column in columns], postgresql_where=sa.text("in_pool"))


def upgrade() -> None:
    # The new NOT NULL columns keep their server defaults (as the models declare), so rows inserted by SQL
    # alone (benchmarks' bulk loads) need not name them.
    op.add_column("users", sa.Column("token_version", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("shops", sa.Column("status_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
    op.add_column("shops", sa.Column("reinstated_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("shops", sa.Column("payouts_frozen", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_shops_payouts_frozen", "shops", ["id"], postgresql_where=sa.text("payouts_frozen"))
    op.add_column("products", sa.Column("taken_down_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("products", sa.Column("takedown_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
    _compute_in_pool(IN_POOL_AFTER)


def downgrade() -> None:
    _compute_in_pool(IN_POOL_BEFORE)
    op.drop_column("products", "takedown_reason")
    op.drop_column("products", "taken_down_at")
    op.drop_index("ix_shops_payouts_frozen", table_name="shops")
    op.drop_column("shops", "payouts_frozen")
    op.drop_column("shops", "reinstated_at")
    op.drop_column("shops", "status_reason")
    op.drop_column("users", "token_version")
