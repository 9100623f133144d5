"""The selection center's tables: each ranking run, its ranked rows with the numbers behind them, and the
collections (zones) admins curate."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# The tables its foreign keys name, loaded with it: a session cannot flush a row naming a table it never loaded.
import distro.suppliers.models  # noqa: F401
from distro.clock import utcnow

TIMESTAMPTZ = sa.DateTime(timezone=True)


class RankingRun(SQLModel, table=True):
    """One computation of every ranked list; readers use the newest run, written with its rows in one transaction."""

    __tablename__ = "ranking_runs"

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    # The end of every window the run counted (windows are rolling, ending here).
    as_of: dt.datetime = Field(sa_type=TIMESTAMPTZ)
    computed_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)


class Ranking(SQLModel, table=True):
    """A product's place in one list (overall: category ''), with the numbers that put it there."""

    __tablename__ = "rankings"
    __table_args__ = (
        sa.CheckConstraint("list IN ('hot7','hot30','rising','repurchase','conversion','new')", name="known_list"),
        # A supplier's products' places: by the run and product.
        sa.Index("ix_rankings_run_product", "run_id", "product_id"),
    )

    run_id: int = Field(foreign_key="ranking_runs.id", primary_key=True, sa_type=sa.BigInteger)
    list: str = Field(primary_key=True, max_length=12)
    category: str = Field(primary_key=True, max_length=30)
    rank: int = Field(primary_key=True)
    product_id: int = Field(foreign_key="products.id", sa_type=sa.BigInteger)
    units_7d: int = Field(default=0, sa_type=sa.BigInteger)
    units_prev_7d: int = Field(default=0, sa_type=sa.BigInteger)
    units_30d: int = Field(default=0, sa_type=sa.BigInteger)
    buyers: int = Field(default=0, sa_type=sa.BigInteger)
    repeat_buyers: int = Field(default=0, sa_type=sa.BigInteger)
    clicks: int = Field(default=0, sa_type=sa.BigInteger)
    orders: int = Field(default=0, sa_type=sa.BigInteger)
    listed_at: dt.datetime = Field(sa_type=TIMESTAMPTZ)


class CollectionBase(SQLModel):
    name: str = Field(max_length=20)
    description: str = Field(default="", max_length=200)
    position: int = 0


class Collection(CollectionBase, table=True):
    """A zone an admin curates (爆款区, 跨境区, 主播区, …): its name, its place among the zones, its products."""

    __tablename__ = "collections"
    __table_args__ = (sa.UniqueConstraint("name"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    created_by: int | None = Field(default=None, foreign_key="users.id", sa_type=sa.BigInteger)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)


class CollectionProduct(SQLModel, table=True):
    """A product in a collection, at its place in the admin's order."""

    __tablename__ = "collection_products"
    __table_args__ = (sa.Index("ix_collection_products_order", "collection_id", "position"),)

    collection_id: int = Field(
        sa_column=sa.Column(
            sa.BigInteger, sa.ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    product_id: int = Field(foreign_key="products.id", primary_key=True, sa_type=sa.BigInteger)
    position: int = 0
