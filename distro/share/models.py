"""Share links, their folded click counts, the fold cursor, buyers' shop bindings and checkout orders."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# The tables its foreign keys name, loaded with it: a session cannot flush a row naming a table it never loaded.
import distro.auth.models
import distro.shops.models
import distro.suppliers.models  # noqa: F401
from distro.clock import utcnow

TIMESTAMPTZ = sa.DateTime(timezone=True)
CHANNELS = ("wechat_chat", "wechat_moments", "weibo", "momo", "xiaohongshu", "qr", "copy", "other")


class ShareLinkBase(SQLModel):
    channel: str = Field(max_length=20)
    product_id: int | None = Field(default=None, foreign_key="products.id", sa_type=sa.BigInteger)


class ShareLink(ShareLinkBase, table=True):
    """A short link an owner shares on one channel, to the shop or one of its products."""

    __tablename__ = "share_links"
    __table_args__ = (sa.CheckConstraint(f"channel IN {CHANNELS!r}", name="known_channel"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    code: str = Field(max_length=16, unique=True)
    shop_id: int = Field(foreign_key="shops.id", index=True, sa_type=sa.BigInteger)
    created_by: int = Field(foreign_key="users.id", sa_type=sa.BigInteger)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)


class ClickCount(SQLModel, table=True):
    """Clicks on a link on one day (Asia/Shanghai), folded from Redis.

    Partitioned by month on day (distro/partitions): the primary key includes it, so the fold's upsert on
    (link_id, day) finds its row in the day's partition, and day ranges read only their months.
    """

    __tablename__ = "share_click_counts"
    __table_args__ = {"postgresql_partition_by": "RANGE (day)"}

    link_id: int = Field(foreign_key="share_links.id", primary_key=True, sa_type=sa.BigInteger)
    day: dt.date = Field(primary_key=True)
    clicks: int = Field(default=0, sa_type=sa.BigInteger)
    unique_clicks: int = Field(default=0, sa_type=sa.BigInteger)


class FoldCursor(SQLModel, table=True):
    """How far a Redis stream has been folded into PostgreSQL; moved in the same transaction as the counts."""

    __tablename__ = "fold_cursors"

    stream: str = Field(primary_key=True, max_length=60)
    last_id: str = Field(max_length=40)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=TIMESTAMPTZ)


class BuyerBinding(SQLModel, table=True):
    """The shop a buyer is bound to by their last attributed purchase, until it expires (last click wins)."""

    __tablename__ = "buyer_bindings"

    buyer_reference: str = Field(primary_key=True, max_length=100)
    shop_id: int = Field(foreign_key="shops.id", sa_type=sa.BigInteger)
    share_code: str | None = Field(default=None, max_length=16)
    bound_at: dt.datetime = Field(sa_type=TIMESTAMPTZ)
    expires_at: dt.datetime = Field(sa_type=TIMESTAMPTZ)
