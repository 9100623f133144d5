"""Tier rules as admins set them (versioned), and each shop's monthly tier history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

# The tables its foreign keys name, loaded with it: a session cannot flush a row naming a table it never loaded.
import distro.auth.models
import distro.shops.models  # noqa: F401
from distro.clock import utcnow

TIMESTAMPTZ = sa.DateTime(timezone=True)


class TierRuleSet(SQLModel, table=True):
    """One version of the tier table; the newest is in force (before any, the configured defaults)."""

    __tablename__ = "tier_rule_sets"

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    tiers: list[dict[str, Any]] = Field(sa_type=JSONB)
    created_by: int = Field(foreign_key="users.id", sa_type=sa.BigInteger)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)


class ShopTierChange(SQLModel, table=True):
    """A shop's evaluation for one month: its metrics, its tier before and after, from when it applies."""

    __tablename__ = "shop_tier_history"
    __table_args__ = (
        sa.UniqueConstraint("shop_id", "month"),
        sa.Index("ix_shop_tier_history_in_force", "shop_id", sa.text("effective_from DESC")),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    # A shop's id with no foreign key: the evaluation writes a million rows at once, each taken from shops in the
    # statement that writes it, and shops are never deleted (migrations/versions/0038_tier_history_shop_reference.py).
    shop_id: int = Field(sa_type=sa.BigInteger)
    # The first day of the evaluated calendar month (Asia/Shanghai).
    month: dt.date
    old_tier: str = Field(max_length=20)
    new_tier: str = Field(max_length=20)
    net_gmv_fen: int = Field(sa_type=sa.BigInteger)
    orders: int
    buyers: int
    effective_from: dt.datetime = Field(sa_type=TIMESTAMPTZ)
