"""Suppliers, their products and SKUs, and the history of commission rates."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

# The tables its foreign keys name, loaded with it: a session cannot flush a row naming a table it never loaded.
import distro.auth.models  # noqa: F401
from distro.clock import utcnow


class SupplierBase(SQLModel):
    company_name: str = Field(max_length=100)
    registered_capital_fen: int = Field(sa_type=sa.BigInteger)
    general_vat_taxpayer: bool
    deposit_paid_fen: int = Field(sa_type=sa.BigInteger)
    brand_chain_depth: int | None = None
    traceable_purchase_record: bool = False


class Supplier(SupplierBase, table=True):
    __tablename__ = "suppliers"
    __table_args__ = (
        sa.CheckConstraint("status IN ('applied','approved','rejected','suspended','removed')", name="known_status"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    # One supplier profile per account: the account's identity decides which supplier it acts for.
    user_id: int = Field(foreign_key="users.id", unique=True, sa_type=sa.BigInteger)
    status: str = Field(default="applied", max_length=12, index=True)
    status_reason: str | None = Field(default=None, max_length=500)
    decided_by: int | None = Field(default=None, foreign_key="users.id", sa_type=sa.BigInteger)
    decided_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    # The deposit (保证金) it must hold in the ledger (supplier:N:deposit) for its goods to be in the pool:
    # SUPPLIER_MIN_DEPOSIT_FEN when it applied, unless an admin set another (who, and why).
    # (The database's default, SUPPLIER_MIN_DEPOSIT_FEN's own, serves rows written by SQL: benchmarks, migrations.)
    deposit_required_fen: int = Field(
        default=1_000_000, sa_type=sa.BigInteger, sa_column_kwargs={"server_default": sa.text("1000000")}
    )
    deposit_required_by: int | None = Field(default=None, foreign_key="users.id", sa_type=sa.BigInteger)
    deposit_required_reason: str | None = Field(default=None, max_length=500)


class ProductBase(SQLModel):
    title: str = Field(max_length=60)
    description: str = Field(default="", max_length=2000)
    category: str = Field(max_length=30, index=True)
    image_urls: list[str] = Field(default_factory=list, sa_type=postgresql.ARRAY(sa.String(500)))
    price_fen: int = Field(sa_type=sa.BigInteger)
    other_platform_price_fen: int = Field(sa_type=sa.BigInteger)
    stock: int = 0


# Pool browsing: one partial index per sort order the pool offers (distro/shops/services.py
# POOL_SORTS; "-price" reads the price index backwards), over the products in the pool only, and
# category + commission for the most common filtered view. Declared here, not only in a migration,
# so that autogenerate sees them as part of the model and never drops them.
POOL_SORT_INDEXES = {
    "ix_pool_by_commission": ("commission_rate_bp DESC", "id DESC"),
    "ix_pool_by_price": ("price_fen", "id"),
    "ix_pool_by_recent_sales": ("recent_sales DESC", "id DESC"),
    "ix_pool_by_newest": ("created_at DESC", "id DESC"),
    "ix_pool_by_category_commission": ("category", "commission_rate_bp DESC", "id DESC"),
}


IN_POOL = "status = 'listed' AND stock > 0 AND supplier_active AND taken_down_at IS NULL"
"""What puts a product in the pool (and on every shop page that carries it)."""


class Product(ProductBase, table=True):
    __tablename__ = "products"
    __table_args__ = (
        sa.CheckConstraint("price_fen > 0", name="positive_price"),
        sa.CheckConstraint("price_fen <= other_platform_price_fen", name="not_above_other_platforms"),
        sa.CheckConstraint("stock >= 0", name="stock_not_negative"),
        sa.CheckConstraint("commission_rate_bp BETWEEN 0 AND 10000", name="rate_in_range"),
        sa.CheckConstraint("status IN ('listed','delisted')", name="known_status"),
        *(
            sa.Index(name, *(sa.text(column) for column in columns), postgresql_where=sa.text("in_pool"))
            for name, columns in POOL_SORT_INDEXES.items()
        ),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    supplier_id: int = Field(foreign_key="suppliers.id", index=True, sa_type=sa.BigInteger)
    status: str = Field(default="listed", max_length=10)
    # Mirrors the supplier's standing; set for all its products at once when an admin decides.
    supplier_active: bool = True
    # Set while an admin has taken this one product down (whatever its supplier's standing or listing), with why.
    taken_down_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    takedown_reason: str | None = Field(default=None, max_length=500)
    # The rate in force now (the newest row of commission_rates), kept here for pool sorting.
    commission_rate_bp: int
    # Units sold over the last RECENT_SALES_DAYS days, for "sort by recent sales"; recounted from
    # orders by an hourly job (refresh_recent_sales), so the pool sorts by a column it can index.
    recent_sales: int = 0
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    # In the pool: listed, in stock, from an approved supplier and not taken down (computed by PostgreSQL).
    in_pool: bool | None = Field(default=None, sa_column=sa.Column(sa.Boolean, sa.Computed(IN_POOL, persisted=True)))


class ProductSku(SQLModel, table=True):
    """A variant of a product (size, flavour) with its own price and stock."""

    __tablename__ = "product_skus"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "name"),
        sa.CheckConstraint("price_fen > 0", name="positive_price"),
        sa.CheckConstraint("stock >= 0", name="stock_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    product_id: int = Field(foreign_key="products.id", index=True, sa_type=sa.BigInteger)
    name: str = Field(max_length=40)
    price_fen: int = Field(sa_type=sa.BigInteger)
    stock: int = 0


class CommissionRate(SQLModel, table=True):
    """One commission rate change: effective from its time for orders paid from then on."""

    __tablename__ = "commission_rates"
    __table_args__ = (
        sa.Index("ix_commission_rates_product_effective", "product_id", sa.text("effective_from DESC")),
        sa.CheckConstraint("rate_bp BETWEEN 0 AND 10000", name="rate_in_range"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    product_id: int = Field(foreign_key="products.id", sa_type=sa.BigInteger)
    rate_bp: int
    previous_rate_bp: int | None = None
    effective_from: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    set_by: int = Field(foreign_key="users.id", sa_type=sa.BigInteger)


class SupplierDocument(SQLModel, table=True):
    """A file a supplier handed in with its application (营业执照, 品牌授权书): kept by distro, shown only to the
    supplier and the admins, never served at a public address."""

    __tablename__ = "supplier_documents"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('licence','authorisation')", name="known_kind"),
        sa.CheckConstraint(
            "content_type IN ('application/pdf','image/png','image/jpeg','image/webp')", name="known_type"
        ),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    supplier_id: int = Field(foreign_key="suppliers.id", index=True, sa_type=sa.BigInteger)
    kind: str = Field(max_length=16)
    # The name the file had on the supplier's computer (shown back to them), and the one distro keeps it under.
    original_name: str = Field(max_length=200)
    stored_name: str = Field(max_length=100)
    content_type: str = Field(max_length=40)
    size_bytes: int
    uploaded_by: int = Field(foreign_key="users.id", sa_type=sa.BigInteger)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
