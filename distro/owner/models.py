"""What the owner app keeps of its own: how far each owner has read their inbox (消息).

The inbox itself is not stored: it is read from what distro already records (distro/owner/messages.py), so it
cannot drift from the orders, payouts, tiers and takedowns it reports. Only the read marker is the app's.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import distro.auth.models  # noqa: F401  # the users table its foreign key names


class InboxMark(SQLModel, table=True):
    """An owner's read marker: every message of their inbox dated up to read_at has been seen."""

    __tablename__ = "owner_inbox_marks"

    owner_id: int = Field(foreign_key="users.id", primary_key=True, sa_type=sa.BigInteger)
    read_at: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))
