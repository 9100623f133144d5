"""What the owner app draws from the figures the services give it (pure: plain values in and out, no Flask).

Progress towards a tier's thresholds (等级), the periods and the series of the charts (数据, 等级). No rule of
the domain is decided here: the thresholds, the metrics and the breakdowns come from distro.tiers and
distro.share.analytics; this only turns them into bars, days and chart options. Amounts stay integer fen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from distro.tiers.rules import Tier

METRICS = ("net_gmv_fen", "orders", "buyers")
"""The metrics a tier's thresholds are on, as distro.tiers.services.standing() names them."""
THRESHOLD_OF = {"net_gmv_fen": "min_net_gmv_fen", "orders": "min_orders", "buyers": "min_buyers"}
"""Each metric's threshold on a Tier (distro.tiers.rules.THRESHOLDS)."""
PERIOD_DAYS = (7, 30, 90)
"""The periods the 数据 page offers, in days ending today."""
DEFAULT_PERIOD_DAYS = 30
DAY_FIGURES = ("clicks", "unique_clicks", "orders", "gmv_fen")
COLOURS = ("#d7282b", "#0b5cad", "#1e7b34")
"""The charts' series colours in order (the app's red, a blue, its green), as the keys under them show them."""


@dataclass(frozen=True)
class Progress:
    """How far a metric is towards a threshold."""

    metric: str
    so_far: int
    target: int

    @property
    def met(self) -> bool:
        """Whether the threshold is reached (a threshold of 0 always is)."""
        return self.so_far >= self.target

    @property
    def percent(self) -> int:
        """Whole percent of the way there, 0 to 100 (floored: 100 only once it is met)."""
        if self.met:
            return 100
        return max(0, self.so_far) * 100 // self.target

    @property
    def remaining(self) -> int:
        """What the metric still needs (0 once met)."""
        return max(0, self.target - self.so_far)


def needs_of(tier: Tier) -> dict[str, int]:
    """A tier's thresholds by metric (net_gmv_fen, orders, buyers), as standing() gives the next tier's."""
    return {metric: getattr(tier, threshold) for metric, threshold in THRESHOLD_OF.items()}


def progress_towards(so_far: Mapping[str, int], needs: Mapping[str, int]) -> tuple[Progress, ...]:
    """Each metric so far against what a tier needs of it, in METRICS order."""
    return tuple(Progress(metric, int(so_far[metric]), int(needs[metric])) for metric in METRICS)


def all_met(bars: Iterable[Progress]) -> bool:
    """Whether every threshold is reached: a tier needs them all."""
    return all(bar.met for bar in bars)


def period(days: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day (inclusive) of the `days` calendar days ending today."""
    return today - dt.timedelta(days=days - 1), today


def every_day(rows: Sequence[Mapping[str, Any]], start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """The by-day rows of an analytics report with the days it left out (nothing happened) filled in as zeros,
    oldest first, so that a chart's axis has every day of the period."""
    found = {str(row["day"]): row for row in rows}
    days = [start + dt.timedelta(days=offset) for offset in range((end - start).days + 1)]
    return [
        {"day": day.isoformat(), **{name: int(found.get(day.isoformat(), {}).get(name) or 0) for name in DAY_FIGURES}}
        for day in days
    ]


def bar_chart(
    categories: Sequence[str], series: Sequence[tuple[str, Sequence[Any]]], *, horizontal: bool = False
) -> dict[str, Any]:
    """An ECharts option for bars per category, one colour per series; the category axis reads top down when
    horizontal (long names: products, channels)."""
    category_axis: dict[str, Any] = {"type": "category", "data": list(categories), "axisLabel": {"interval": 0}}
    value_axis: dict[str, Any] = {"type": "value", "minInterval": 1}
    if horizontal:
        category_axis = {
            **category_axis,
            "inverse": True,
            "axisLabel": {"interval": 0, "width": 96, "overflow": "truncate"},
        }
    return {
        "animation": False,
        "color": list(COLOURS),
        "grid": {"left": 8, "right": 16, "top": 16, "bottom": 8, "containLabel": True},
        "xAxis": value_axis if horizontal else category_axis,
        "yAxis": category_axis if horizontal else value_axis,
        "series": [{"type": "bar", "name": name, "data": list(values)} for name, values in series],
    }


def line_chart(days: Sequence[str], series: Sequence[tuple[str, Sequence[Any]]]) -> dict[str, Any]:
    """An ECharts option for one line per series over days (MM-DD on the axis)."""
    return {
        "animation": False,
        "color": list(COLOURS),
        "grid": {"left": 8, "right": 16, "top": 16, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [day[5:] for day in days], "boundaryGap": False},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"type": "line", "name": name, "data": list(values), "showSymbol": False} for name, values in series
        ],
    }


def step_chart(months: Sequence[str], levels: Sequence[str], reached: Sequence[str]) -> dict[str, Any]:
    """An ECharts option for a level reached each month, as a step line over the levels lowest first (tiers)."""
    return {
        "animation": False,
        "color": list(COLOURS),
        "grid": {"left": 8, "right": 16, "top": 16, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": list(months)},
        "yAxis": {"type": "category", "data": list(levels), "boundaryGap": False},
        "series": [{"type": "line", "step": "end", "data": list(reached), "symbolSize": 8}],
    }
