"""Time (pure, the standard library only): the current instant and the business time zone.

Every instant distro stores is timezone-aware UTC; its calendar days and months (share analytics, tier
months, settlement periods, cron times, the times pages show) are Asia/Shanghai's. Models take their
default timestamps from here, so importing a table loads neither Flask nor the database driver.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

BUSINESS_TZ_NAME = "Asia/Shanghai"
"""The business time zone's IANA name, as SQL (`AT TIME ZONE`) and the TZ environment variable spell it."""
BUSINESS_TZ = ZoneInfo(BUSINESS_TZ_NAME)
"""The business time zone, whose calendar days and months distro counts in."""


def utcnow() -> dt.datetime:
    """Current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)
