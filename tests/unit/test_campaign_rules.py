"""Campaign rules: hourly slots, the lifecycle, offers within the bounds, overlap, and what is in force by time."""

from __future__ import annotations

import datetime as dt

import pytest

from distro.campaigns.rules import (
    Action,
    Offer,
    Phase,
    RunningOffer,
    Status,
    TransitionRefused,
    Window,
    next_status,
    offer_at,
    offer_failures,
    overlapping,
    phase,
    sale_price,
    slot,
    time_failures,
)
from distro.suppliers.rules import RateBoost, RateBounds, RateChange, rate_in_force

UTC = dt.UTC
START = dt.datetime(2026, 12, 6, 2, tzinfo=UTC)  # 10:00 in Shanghai
END = START + dt.timedelta(hours=1)
BOUNDS = RateBounds(500, 5000)


def test_a_slot_is_one_hour_from_its_hour_in_shanghai():
    assert slot(dt.date(2026, 12, 6), 10) == (START, END)


@pytest.mark.parametrize("hour", [7, 22])
def test_slots_run_from_seven_to_twenty_two(hour):
    start, end = slot(dt.date(2026, 12, 6), hour)
    assert end - start == dt.timedelta(hours=1)


@pytest.mark.parametrize("hour", [6, 23, 0])
def test_no_slot_starts_outside_seven_to_twenty_two(hour):
    with pytest.raises(ValueError):
        slot(dt.date(2026, 12, 6), hour)


def test_a_scheduled_campaign_runs_exactly_from_its_start_to_its_end():
    assert phase(Status.SCHEDULED, START, END, START - dt.timedelta(seconds=1)) is Phase.SCHEDULED
    assert phase(Status.SCHEDULED, START, END, START) is Phase.RUNNING
    assert phase(Status.SCHEDULED, START, END, END - dt.timedelta(microseconds=1)) is Phase.RUNNING
    assert phase(Status.SCHEDULED, START, END, END) is Phase.ENDED


def test_a_proposal_not_approved_before_its_end_has_ended():
    assert phase(Status.PROPOSED, START, END, START) is Phase.PROPOSED
    assert phase(Status.PROPOSED, START, END, END) is Phase.ENDED


def test_cancelled_and_rejected_stay_so_whatever_the_time():
    for status in (Status.CANCELLED, Status.REJECTED):
        assert phase(status, START, END, START).value == status.value


@pytest.mark.parametrize(
    ("current", "action", "result"),
    [
        (Phase.PROPOSED, Action.APPROVE, Status.SCHEDULED),
        (Phase.PROPOSED, Action.REJECT, Status.REJECTED),
        (Phase.PROPOSED, Action.CANCEL, Status.CANCELLED),
        (Phase.SCHEDULED, Action.CANCEL, Status.CANCELLED),
        (Phase.RUNNING, Action.CANCEL, Status.CANCELLED),
    ],
)
def test_the_transition_table_allows(current, action, result):
    assert next_status(current, action) is result


@pytest.mark.parametrize(
    ("current", "action"),
    [
        (Phase.SCHEDULED, Action.APPROVE),
        (Phase.SCHEDULED, Action.REJECT),
        (Phase.ENDED, Action.CANCEL),
        (Phase.ENDED, Action.APPROVE),
        (Phase.CANCELLED, Action.APPROVE),
        (Phase.REJECTED, Action.CANCEL),
    ],
)
def test_the_transition_table_refuses(current, action):
    with pytest.raises(TransitionRefused):
        next_status(current, action)


def test_a_campaign_ends_after_it_starts_and_does_not_start_in_the_past():
    now = START
    assert time_failures(START, END, now) == []
    assert [f.rule for f in time_failures(END, START, now)] == ["end_after_start"]
    assert [f.rule for f in time_failures(START - dt.timedelta(hours=1), START, now)] == ["not_in_past"]


def test_offers_need_a_price_below_the_products_or_a_rate_within_floor_and_cap():
    prices = {1: 10000, 2: 5000}
    assert offer_failures([Offer(1, 8000, None), Offer(2, None, 3000)], prices, BOUNDS) == []
    rules = {
        f.field: f.rule
        for f in offer_failures(
            [Offer(1, 10001, None), Offer(2, None, 6000), Offer(3, None, None), Offer(1, 100, None)], prices, BOUNDS
        )
    }
    assert rules == {
        "items.0.sale_price_fen": "sale_above_price",
        "items.1.rate_bp": "rate_cap",
        "items.2": "offers_nothing",
        "items.3.product_id": "duplicate",
    }
    assert [f.rule for f in offer_failures([], prices, BOUNDS)] == ["required"]
    assert [f.rule for f in offer_failures([Offer(1, None, 100)], prices, BOUNDS)] == ["rate_floor"]


def test_two_windows_overlap_when_they_share_some_time_not_when_one_ends_as_the_other_starts():
    windows = [Window(1, START, END), Window(2, END, END + dt.timedelta(hours=1))]
    assert overlapping(windows, END, END + dt.timedelta(minutes=1)) == [windows[1]]
    assert overlapping(windows, START + dt.timedelta(minutes=30), END + dt.timedelta(minutes=30)) == windows
    assert overlapping(windows, START - dt.timedelta(hours=1), START) == []


OFFER = RunningOffer(7, "整点秒杀", START, END, 6900, 3000)


@pytest.mark.parametrize(
    ("at", "price", "rate"),
    [
        (START - dt.timedelta(seconds=1), 9900, 1500),
        (START, 6900, 3000),
        (START + dt.timedelta(minutes=59), 6900, 3000),
        (END, 9900, 1500),
        (END + dt.timedelta(days=1), 9900, 1500),
    ],
)
def test_price_and_rate_before_during_and_after_the_slot(at, price, rate):
    assert sale_price(9900, offer_at([OFFER], at)) == price
    changes = [RateChange(START - dt.timedelta(days=30), 1, 1500)]
    boosts = [RateBoost(START, END, 3000, 7)]
    assert rate_in_force(changes, at, boosts) == rate


def test_a_sku_cheaper_than_the_sale_price_keeps_its_own():
    assert sale_price(5000, OFFER) == 5000


def test_a_rate_only_campaign_leaves_the_price_alone():
    rate_only = RunningOffer(7, "整点秒杀", START, END, None, 3000)
    assert sale_price(9900, rate_only) == 9900


def test_a_later_rate_change_does_not_override_a_running_campaign():
    changes = [RateChange(START - dt.timedelta(days=30), 1, 1500), RateChange(START + dt.timedelta(minutes=10), 2, 900)]
    boosts = [RateBoost(START, END, 3000, 7)]
    assert rate_in_force(changes, START + dt.timedelta(minutes=20), boosts) == 3000
    assert rate_in_force(changes, END, boosts) == 900
