"""What a broadcast keeps: the broadcast itself (one row, whatever the number of owners), each owner's choice of
outside channel, and the fan-out's chunks that went out.

Nothing is written per owner when a broadcast is published: every inbox reads the broadcasts table
(distro/owner/messages.py). The fan-out to outside channels records one row per chunk of owners, not per owner.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import distro.auth.models  # noqa: F401  # the users table its foreign key names
from distro.clock import utcnow

CHANNEL_CHECK = "channel IN ('wechat', 'sms', 'none')"


class Broadcast(SQLModel, table=True):
    """One message to every owner, visible in every inbox from visible_from on; published once per key."""

    __tablename__ = "broadcasts"
    __table_args__ = (
        sa.UniqueConstraint("key", name="broadcasts_key_key"),
        # The inbox reads the broadcasts of its window (INBOX_DAYS, or since the owner joined) by this.
        sa.Index("ix_broadcasts_visible_from", "visible_from"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    # Who published it and for what, e.g. campaign:<id>:start: publishing the same key again changes nothing.
    key: str = Field(max_length=120)
    kind: str = Field(max_length=40)
    title: str = Field(max_length=60)
    body: str = Field(max_length=500)
    # Where the message leads in the owner app (a path on distro), if anywhere.
    link_path: str | None = Field(default=None, max_length=300)
    visible_from: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    # When the fan-out to outside channels was split into chunks (and they were enqueued); None until then.
    planned_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class NotifyChoice(SQLModel, table=True):
    """An owner's choice of outside channel for campaign notices; no row is the default: none."""

    __tablename__ = "owner_notify_choices"
    __table_args__ = (
        sa.CheckConstraint(CHANNEL_CHECK, name="known_channel"),
        # The fan-out reads the opted-in owners in owner id order, chunk by chunk, from this alone.
        sa.Index(
            "ix_owner_notify_choices_opted_in",
            "owner_id",
            "channel",
            postgresql_where=sa.text("channel <> 'none'"),
        ),
    )

    owner_id: int = Field(foreign_key="users.id", primary_key=True, sa_type=sa.BigInteger)
    channel: str = Field(max_length=10)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class FanOutChunk(SQLModel, table=True):
    """A chunk of a broadcast's fan-out, the opted-in owners with after_owner_id < id <= through_owner_id (no upper
    bound for the last), and when it was sent: a chunk recorded sent is never sent again."""

    __tablename__ = "broadcast_chunks"

    broadcast_id: int = Field(foreign_key="broadcasts.id", primary_key=True, sa_type=sa.BigInteger)
    after_owner_id: int = Field(primary_key=True, sa_type=sa.BigInteger)
    through_owner_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    sent: int | None = None
    sent_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
