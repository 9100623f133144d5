"""What the owner app draws from the services' figures: progress towards a tier, periods and days of charts."""

from __future__ import annotations

import datetime as dt

from distro.owner.figures import (
    Progress,
    all_met,
    bar_chart,
    every_day,
    needs_of,
    period,
    progress_towards,
    step_chart,
)
from distro.tiers.rules import Tier

ELITE = Tier("elite", "精英掌柜", "Elite", 7_000, 3_000_000, 100, 50)


def test_progress_is_whole_percent_floored_and_full_only_once_the_threshold_is_met():
    assert (Progress("orders", 99, 100).percent, Progress("orders", 99, 100).met) == (99, False)
    assert (Progress("orders", 100, 100).percent, Progress("orders", 100, 100).met) == (100, True)
    assert Progress("orders", 250, 100).percent == 100 and Progress("orders", 250, 100).remaining == 0
    assert (
        Progress("net_gmv_fen", 1, 3_000_000).percent == 0
        and Progress("net_gmv_fen", 1, 3_000_000).remaining == 2_999_999
    )


def test_a_threshold_of_nothing_is_always_met():
    assert Progress("buyers", 0, 0).met and Progress("buyers", 0, 0).percent == 100


def test_net_sales_below_nothing_draw_an_empty_bar():
    assert Progress("net_gmv_fen", -500, 500_000).percent == 0


def test_a_tier_needs_every_threshold_met():
    so_far = {"net_gmv_fen": 3_000_000, "orders": 120, "buyers": 49}
    bars = progress_towards(so_far, needs_of(ELITE))
    assert [(bar.metric, bar.percent, bar.met) for bar in bars] == [
        ("net_gmv_fen", 100, True),
        ("orders", 100, True),
        ("buyers", 98, False),
    ]
    assert not all_met(bars) and all_met(progress_towards({**so_far, "buyers": 50}, needs_of(ELITE)))


def test_a_period_of_days_ends_today_and_counts_today():
    assert period(7, dt.date(2026, 12, 5)) == (dt.date(2026, 11, 29), dt.date(2026, 12, 5))
    assert period(1, dt.date(2026, 12, 5)) == (dt.date(2026, 12, 5), dt.date(2026, 12, 5))


def test_every_day_of_a_period_is_on_the_chart_with_nothing_on_the_days_nothing_happened():
    rows = [{"day": "2026-12-01", "clicks": 5, "unique_clicks": 2, "orders": 1, "gmv_fen": 990}]
    days = every_day(rows, dt.date(2026, 11, 30), dt.date(2026, 12, 2))
    assert days == [
        {"day": "2026-11-30", "clicks": 0, "unique_clicks": 0, "orders": 0, "gmv_fen": 0},
        {"day": "2026-12-01", "clicks": 5, "unique_clicks": 2, "orders": 1, "gmv_fen": 990},
        {"day": "2026-12-02", "clicks": 0, "unique_clicks": 0, "orders": 0, "gmv_fen": 0},
    ]


def test_a_horizontal_bar_chart_puts_the_names_on_the_vertical_axis_top_down():
    option = bar_chart(["微信好友", "微博"], [("订单", [3, 1])], horizontal=True)
    assert option["yAxis"]["type"] == "category" and option["yAxis"]["inverse"] is True
    assert option["yAxis"]["data"] == ["微信好友", "微博"] and option["xAxis"]["type"] == "value"
    assert option["series"] == [{"type": "bar", "name": "订单", "data": [3, 1]}]


def test_a_tier_history_steps_over_the_tiers_lowest_first():
    option = step_chart(["2026-10", "2026-11"], ["新晋", "资深", "精英"], ["资深", "新晋"])
    assert option["yAxis"] == {"type": "category", "data": ["新晋", "资深", "精英"], "boundaryGap": False}
    assert option["series"][0]["step"] == "end" and option["series"][0]["data"] == ["资深", "新晋"]
