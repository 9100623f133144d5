"""Which monthly partitions a table should have, and what they are called: plain functions over dates."""

from __future__ import annotations

import datetime as dt
import re

MONTHS_AHEAD = 3
"""Partitions exist this many months past the current one, so a month's first insert never waits for DDL, and a
maintenance job that stopped has three months before rows fall into the default partition."""


def month_start(day: dt.date) -> dt.date:
    """The first day of day's month."""
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    """The first day of the month after the one month starts."""
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def months_from(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of every month from first's through last's, in order (empty when last is before first)."""
    months, month = [], month_start(first)
    while month <= month_start(last):
        months.append(month)
        month = next_month(month)
    return months


def months_to_have(today: dt.date, ahead: int = MONTHS_AHEAD) -> list[dt.date]:
    """The months whose partitions should exist on today (business day): this one and `ahead` after it."""
    last = month_start(today)
    for _ in range(ahead):
        last = next_month(last)
    return months_from(today, last)


def partition_name(table: str, month: dt.date) -> str:
    """The name of table's partition for month, e.g. ledger_entries_y2026m12."""
    return f"{table}_y{month.year:04d}m{month.month:02d}"


def default_partition_name(table: str) -> str:
    """The name of table's default partition: rows of a month that has no partition of its own."""
    return f"{table}_default"


def is_partition_name(name: str, table: str) -> bool:
    """Whether name is one of table's partitions by the names above (a month's or the default)."""
    return re.fullmatch(rf"{re.escape(table)}_(y\d{{4}}m\d{{2}}|default)", name) is not None
