"""What the owner app keeps of its own: how far each owner has read their inbox (消息), and the index its 收益 page
reads commission lines by.

The inbox itself is not stored: it is read from what distro already records (distro/owner/messages.py), so it
cannot drift from the orders, payouts, tiers and takedowns it reports. Only the read marker is the app's.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, col

from distro.commission.models import CommissionLine


class InboxMark(SQLModel, table=True):
    """An owner's read marker: every message of their inbox dated up to read_at has been seen."""

    __tablename__ = "owner_inbox_marks"

    owner_id: int = Field(foreign_key="users.id", primary_key=True, sa_type=sa.BigInteger)
    read_at: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))


# 收益 lists an owner's commission lines newest first, a page at a time (distro/owner/earnings_queries.py). By shop
# alone (ix_commission_lines_shop_id) a page costs every line of the shop, read and sorted, or a walk down all the
# newer lines of every other shop (0.6 s over 1,000,000 lines for a shop whose lines are old); by shop and id it is
# the page's rows of this index. It belongs with CommissionLine, where it would take the single-column index's
# place (a shop's lookups are the same with it); it is declared here only while that module is being split.
COMMISSION_LINES_BY_SHOP = sa.Index(
    "ix_commission_lines_shop_id_id", col(CommissionLine.shop_id), col(CommissionLine.id)
)
