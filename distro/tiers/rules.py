"""Tier definitions and their validation (pure).

Four tiers, 新晋掌柜 → 资深掌柜 → 精英掌柜 → 超级掌柜, each with monthly thresholds and the owner's
share of a sale's commission pool in basis points. Shares and thresholds never decrease by tier.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from distro.clock import BUSINESS_TZ_NAME as BUSINESS_TZ
from distro.money import BASIS_POINTS
from distro.validation import FieldError

THRESHOLDS = ("min_net_gmv_fen", "min_orders", "min_buyers")


@dataclass(frozen=True)
class Tier:
    """One tier: its code, display names, owner share and monthly thresholds."""

    code: str
    name: str
    name_en: str
    share_bp: int
    min_net_gmv_fen: int
    min_orders: int
    min_buyers: int


@dataclass(frozen=True)
class TierTable:
    """The tiers from lowest to highest; new shops start in the lowest."""

    tiers: tuple[Tier, ...]

    @property
    def entry(self) -> Tier:
        """The tier every new shop starts in."""
        return self.tiers[0]

    def get(self, code: str) -> Tier:
        """The tier with this code (KeyError if none)."""
        for tier in self.tiers:
            if tier.code == code:
                return tier
        raise KeyError(code)


def tier_for(*, net_gmv_fen: int, orders: int, buyers: int, current: str, table: TierTable) -> Tier:
    """The tier a month's figures earn a shop now in tier `current`: the highest tier whose thresholds are all
    met (each reached exactly counts), but never more than one tier below `current`.

    So a shop climbs as many tiers as its month earns, and falls at most one a month. A current tier the
    table no longer has counts as the entry tier. The monthly evaluation decides the same in SQL
    (services.choice_sql), for every shop at once.
    """
    met = [
        rank
        for rank, tier in enumerate(table.tiers)
        if net_gmv_fen >= tier.min_net_gmv_fen and orders >= tier.min_orders and buyers >= tier.min_buyers
    ]
    codes = [tier.code for tier in table.tiers]
    now = codes.index(current) if current in codes else 0
    return table.tiers[max([*met, now - 1, 0])]


def tier_table_violations(raw: Sequence[Mapping]) -> list[FieldError]:
    """Every rule the raw tier list breaks: at least two tiers, unique codes, shares strictly
    between 0% and 100%, shares and thresholds non-decreasing from one tier to the next."""
    errors: list[FieldError] = []
    if len(raw) < 2:
        errors.append(FieldError("tiers", "needs at least two tiers", "length"))
    codes = [str(item.get("code", "")) for item in raw]
    if len(set(codes)) != len(codes) or not all(codes):
        errors.append(FieldError("tiers", "tier codes must be present and unique", "unique"))
    for index, item in enumerate(raw):
        share = item.get("share_bp")
        if not isinstance(share, int) or not 0 < share < BASIS_POINTS:
            errors.append(FieldError(f"tiers.{index}.share_bp", "must be strictly between 0 and 10000", "range"))
        for name in THRESHOLDS:
            value = item.get(name)
            if not isinstance(value, int) or value < 0:
                errors.append(FieldError(f"tiers.{index}.{name}", "must be a whole number ≥ 0", "range"))
    if errors:
        return errors
    for index in range(1, len(raw)):
        for name in ("share_bp", *THRESHOLDS):
            if raw[index][name] < raw[index - 1][name]:
                errors.append(
                    FieldError(f"tiers.{index}.{name}", f"must not be lower than tier {index - 1}'s", "non_decreasing")
                )
    return errors


def build_tier_table(raw: Sequence[Mapping]) -> TierTable:
    """A TierTable from raw tier settings; ValueError naming each broken rule if they are invalid."""
    errors = tier_table_violations(raw)
    if errors:
        raise ValueError("; ".join(f"{error.field} {error.message}" for error in errors))
    return TierTable(tuple(Tier(**{name: item[name] for name in Tier.__dataclass_fields__}) for item in raw))


def month_start(day: dt.date) -> dt.date:
    """The first day of day's calendar month."""
    return day.replace(day=1)


def previous_month(now: dt.datetime) -> dt.date:
    """The first day of the calendar month before now's, in Asia/Shanghai."""
    local = now.astimezone(ZoneInfo(BUSINESS_TZ)).date().replace(day=1)
    return (local - dt.timedelta(days=1)).replace(day=1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The instants a calendar month in Asia/Shanghai starts and ends (end exclusive), e.g. 2026-11 →
    2026-10-31T16:00Z .. 2026-11-30T16:00Z, so an order at 23:59:59 on the last day counts in that month."""
    zone = ZoneInfo(BUSINESS_TZ)
    start = dt.datetime.combine(month_start(month), dt.time(), zone)
    following = (start.date().replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start.astimezone(dt.UTC), dt.datetime.combine(following, dt.time(), zone).astimezone(dt.UTC)
