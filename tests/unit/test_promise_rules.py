"""Promises' rules: the deadline from payment, when a promise is broken, what it pays, which badges it earns, and
which promises the platform allows."""

import datetime as dt

import pytest

from distro.promises.rules import (
    Badge,
    BadgeKind,
    BreachKind,
    Compensation,
    CompensationKind,
    PromiseBounds,
    PromiseTerms,
    badges,
    compensation_fen,
    deadline,
    is_breached,
    terms_failures,
)

PAID = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
FIXED_10 = Compensation(CompensationKind.FIXED, 1000)
TEN_PERCENT = Compensation(CompensationKind.PERCENT, 1000)
SHIP_48 = PromiseTerms(ship_within_hours=48, ship_compensation=FIXED_10)


def hours(n: float) -> dt.datetime:
    return PAID + dt.timedelta(hours=n)


def test_a_shipping_deadline_is_the_promised_hours_after_payment():
    assert deadline(PAID, BreachKind.SHIP, SHIP_48) == hours(48)


def test_a_delivery_deadline_is_the_promised_days_of_24_hours_after_payment():
    terms = PromiseTerms(deliver_within_days=5, deliver_compensation=FIXED_10)
    assert deadline(PAID, BreachKind.DELIVER, terms) == hours(120)


def test_there_is_no_deadline_for_what_was_not_promised():
    assert deadline(PAID, BreachKind.DELIVER, SHIP_48) is None


def test_shipped_at_50_hours_against_48_is_late():
    assert is_breached(hours(48), hours(50), None, hours(60))


def test_shipped_exactly_at_the_deadline_is_on_time():
    assert not is_breached(hours(48), hours(48), None, hours(60))


def test_not_shipped_with_the_deadline_past_is_a_breach():
    assert is_breached(hours(48), None, None, hours(49))


def test_not_shipped_before_the_deadline_is_not_a_breach_yet():
    assert not is_breached(hours(48), None, None, hours(47))
    assert not is_breached(hours(48), None, None, hours(48))


def test_an_order_cancelled_by_the_deadline_owed_nothing_more():
    assert not is_breached(hours(48), None, hours(10), hours(100))
    assert not is_breached(hours(48), None, hours(48), hours(100))


def test_an_order_cancelled_after_the_deadline_had_already_missed_it():
    assert is_breached(hours(48), None, hours(49), hours(100))


def test_a_fixed_compensation_pays_its_amount():
    assert compensation_fen(FIXED_10, 9900) == 1000


def test_a_fixed_compensation_never_pays_more_than_the_buyer_paid():
    assert compensation_fen(FIXED_10, 500) == 500


def test_a_percentage_compensation_rounds_half_up_to_the_fen():
    assert compensation_fen(TEN_PERCENT, 9900) == 990
    assert compensation_fen(TEN_PERCENT, 1005) == 101  # 100.5 fen
    assert compensation_fen(TEN_PERCENT, 1004) == 100  # 100.4 fen
    assert compensation_fen(Compensation(CompensationKind.PERCENT, 10_000), 12345) == 12345


def test_nothing_paid_compensates_nothing():
    assert compensation_fen(FIXED_10, 0) == 0
    assert compensation_fen(TEN_PERCENT, 0) == 0


def test_badges_follow_the_promises_in_order():
    terms = PromiseTerms(
        ship_within_hours=48,
        ship_compensation=FIXED_10,
        deliver_within_days=5,
        deliver_compensation=TEN_PERCENT,
        exchange_days=7,
        quality_inspection=True,
    )
    assert badges(terms) == [
        Badge(BadgeKind.SHIP, 48),
        Badge(BadgeKind.DELIVER, 5),
        Badge(BadgeKind.EXCHANGE, 7),
        Badge(BadgeKind.QUALITY),
    ]


def test_no_promise_earns_no_badge():
    assert badges(None) == []
    assert badges(PromiseTerms()) == []
    assert badges(PromiseTerms(exchange_days=15)) == [Badge(BadgeKind.EXCHANGE, 15)]


def test_promises_within_the_platforms_bounds_pass():
    assert terms_failures(SHIP_48, PromiseBounds()) == []
    assert terms_failures(PromiseTerms(), PromiseBounds()) == []


@pytest.mark.parametrize(
    ("terms", "field", "rule"),
    [
        (PromiseTerms(ship_within_hours=36, ship_compensation=FIXED_10), "ship_within_hours", "choice"),
        (PromiseTerms(ship_within_hours=48), "ship_compensation", "required"),
        (
            PromiseTerms(ship_within_hours=48, ship_compensation=Compensation(CompensationKind.FIXED, 50)),
            "ship_compensation",
            "fixed_range",
        ),
        (
            PromiseTerms(ship_within_hours=48, ship_compensation=Compensation(CompensationKind.FIXED, 50_001)),
            "ship_compensation",
            "fixed_range",
        ),
        (
            PromiseTerms(deliver_within_days=5, deliver_compensation=Compensation(CompensationKind.PERCENT, 99)),
            "deliver_compensation",
            "rate_range",
        ),
        (PromiseTerms(deliver_within_days=4, deliver_compensation=FIXED_10), "deliver_within_days", "choice"),
        (PromiseTerms(exchange_days=10), "exchange_days", "choice"),
    ],
)
def test_promises_out_of_bounds_are_refused_on_their_field(terms, field, rule):
    failures = terms_failures(terms, PromiseBounds())
    assert [(failure.field, failure.rule) for failure in failures] == [(field, rule)]
