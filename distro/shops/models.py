"""Shops, the products each shop carries, and the suppliers that stopped a shop carrying theirs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

# The tables its foreign keys name, loaded with it: a session cannot flush a row naming a table it never loaded.
import distro.auth.models
import distro.suppliers.models  # noqa: F401
from distro.clock import utcnow


class ShopBase(SQLModel):
    name: str = Field(max_length=40)
    slug: str = Field(max_length=30, unique=True)


class Shop(ShopBase, table=True):
    __tablename__ = "shops"
    __table_args__ = (
        sa.Index("shops_name_lower_key", sa.func.lower(sa.column("name")), unique=True),
        sa.CheckConstraint("status IN ('pending_approval','active','suspended','closed')", name="known_status"),
        # Settlement leaves out the (few) frozen shops: this finds them without reading every shop.
        sa.Index("ix_shops_payouts_frozen", "id", postgresql_where=sa.text("payouts_frozen")),
        # A fifth of each page free, so the monthly tier change is a HOT update touching no index (migration 0037).
        {"postgresql_with": {"fillfactor": 80}},
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    owner_id: int = Field(foreign_key="users.id", index=True, sa_type=sa.BigInteger)
    display_name: str = Field(max_length=60)
    status: str = Field(default="active", max_length=20)
    # Why an admin suspended or closed the shop (its owner sees it); None while it is in good standing.
    status_reason: str | None = Field(default=None, max_length=500)
    # When an admin last reinstated it: orders paid before then earn it nothing (distro.commission.attribution).
    reinstated_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # Settlement pays the shop nothing while set: suspended, or closed for abuse (distro.shops.rules.standing_after).
    payouts_frozen: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # The owner's logo (a picture distro holds, /images/<name>) and introduction (简介), shown on the shop's page.
    logo_url: str | None = Field(default=None, max_length=500)
    intro: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    # The tier whose share this shop earns; set only by the monthly tier evaluation.
    tier_code: str = Field(default="new", max_length=20)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class ShopProduct(SQLModel, table=True):
    """A pool product picked into a shop, with the owner's recommendation reason."""

    __tablename__ = "shop_products"
    __table_args__ = (sa.Index("ix_shop_products_shop_position", "shop_id", "position"),)

    shop_id: int = Field(foreign_key="shops.id", primary_key=True, sa_type=sa.BigInteger)
    product_id: int = Field(foreign_key="products.id", primary_key=True, index=True, sa_type=sa.BigInteger)
    position: int
    reason: str = Field(default="", max_length=200)
    added_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class SupplierShopStop(SQLModel, table=True):
    """A supplier stopped a shop from carrying its goods (停止合作), with why: the shop's picks of its products left
    the shop (kept in removed_picks) and the shop may not pick them again until the supplier resumes (resumed_at).

    One row per stop, kept after resuming: the owner's inbox tells both from it."""

    __tablename__ = "supplier_shop_stops"
    __table_args__ = (
        # At most one stop in force per supplier and shop.
        sa.Index(
            "supplier_shop_stops_one_in_force",
            "supplier_id",
            "shop_id",
            unique=True,
            postgresql_where=sa.text("resumed_at IS NULL"),
        ),
        sa.Index("ix_supplier_shop_stops_shop_id", "shop_id"),
        sa.CheckConstraint("(resumed_at IS NULL) = (resumed_by IS NULL)", name="resumed_by_someone"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    supplier_id: int = Field(foreign_key="suppliers.id", sa_type=sa.BigInteger)
    shop_id: int = Field(foreign_key="shops.id", sa_type=sa.BigInteger)
    reason: str = Field(max_length=200)
    # The picks it took out of the shop: [{"product_id", "position", "reason"}], put back on resuming.
    removed_picks: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONB)
    stopped_by: int = Field(foreign_key="users.id", sa_type=sa.BigInteger)
    stopped_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    resumed_by: int | None = Field(default=None, foreign_key="users.id", sa_type=sa.BigInteger)
    resumed_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
