import datetime as dt

import pytest

from distro.suppliers.rules import (
    Qualification,
    QualificationPolicy,
    RateBounds,
    RateChange,
    SupplierAction,
    SupplierStatus,
    TransitionRefused,
    next_status,
    price_failures,
    qualification_failures,
    rate_failures,
    rate_in_force,
)

POLICY = QualificationPolicy(
    min_registered_capital_fen=100_000_000,
    require_general_vat_taxpayer=True,
    min_deposit_fen=1_000_000,
    max_brand_chain_depth=3,
)
AT_THE_BAR = Qualification(100_000_000, True, 1_000_000, 3, False)


def rules(application):
    return [failure.rule for failure in qualification_failures(application, POLICY)]


def test_an_application_exactly_at_the_bar_qualifies():
    assert rules(AT_THE_BAR) == []


def test_each_shortfall_is_named_by_its_rule():
    short = Qualification(99_999_999, False, 999_999, 4, False)
    assert rules(short) == ["min_registered_capital", "general_vat_taxpayer", "min_deposit", "brand_authorisation"]


def test_a_traceable_purchase_record_stands_in_for_a_short_brand_chain():
    assert rules(Qualification(100_000_000, True, 1_000_000, None, True)) == []
    assert rules(Qualification(100_000_000, True, 1_000_000, 4, True)) == []
    assert rules(Qualification(100_000_000, True, 1_000_000, None, False)) == ["brand_authorisation"]


def test_the_messages_state_the_bar_in_yuan():
    failure = qualification_failures(Qualification(1, True, 1_000_000, 1, False), POLICY)[0]
    assert "¥1,000,000.00" in failure.message


@pytest.mark.parametrize(
    ("status", "action", "result"),
    [
        (SupplierStatus.APPLIED, SupplierAction.APPROVE, SupplierStatus.APPROVED),
        (SupplierStatus.APPLIED, SupplierAction.REJECT, SupplierStatus.REJECTED),
        (SupplierStatus.APPROVED, SupplierAction.SUSPEND, SupplierStatus.SUSPENDED),
        (SupplierStatus.SUSPENDED, SupplierAction.REINSTATE, SupplierStatus.APPROVED),
        (SupplierStatus.SUSPENDED, SupplierAction.REMOVE, SupplierStatus.REMOVED),
        (SupplierStatus.APPROVED, SupplierAction.REMOVE, SupplierStatus.REMOVED),
    ],
)
def test_admin_decisions_move_a_supplier_along(status, action, result):
    assert next_status(status, action) is result


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (SupplierStatus.SUSPENDED, SupplierAction.APPROVE),
        (SupplierStatus.REMOVED, SupplierAction.REINSTATE),
        (SupplierStatus.REJECTED, SupplierAction.SUSPEND),
        (SupplierStatus.APPLIED, SupplierAction.SUSPEND),
    ],
)
def test_a_decision_that_does_not_apply_is_refused(status, action):
    with pytest.raises(TransitionRefused):
        next_status(status, action)


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (SupplierStatus.SUSPENDED, SupplierAction.SUSPEND),
        (SupplierStatus.REMOVED, SupplierAction.REMOVE),
        (SupplierStatus.APPROVED, SupplierAction.APPROVE),
        (SupplierStatus.APPROVED, SupplierAction.REINSTATE),
    ],
)
def test_a_decision_the_supplier_already_has_leaves_it_where_it_is(status, action):
    assert next_status(status, action) is status


def test_rates_must_lie_between_the_floor_and_the_cap():
    bounds = RateBounds(floor_bp=500, cap_bp=5000)
    assert rate_failures(500, bounds) == [] and rate_failures(5000, bounds) == []
    assert rate_failures(499, bounds)[0].rule == "rate_floor"
    assert rate_failures(5001, bounds)[0].rule == "rate_cap"


def test_a_price_may_equal_but_not_exceed_the_price_on_other_platforms():
    assert price_failures([("price_fen", 9900)], 9900) == []
    failures = price_failures([("price_fen", 9900), ("skus.1.price_fen", 9901)], 9900)
    assert [(failure.field, failure.rule) for failure in failures] == [
        ("skus.1.price_fen", "price_above_other_platforms")
    ]


SET_AT = dt.datetime(2026, 11, 1, 8, tzinfo=dt.UTC)
HISTORY = [
    RateChange(SET_AT, 1, 2_000),
    RateChange(SET_AT + dt.timedelta(days=10), 2, 3_000),
    RateChange(SET_AT + dt.timedelta(days=10), 3, 2_500),
]


def test_an_order_pays_the_rate_of_the_latest_change_effective_when_it_was_paid():
    assert rate_in_force(HISTORY, SET_AT + dt.timedelta(days=5)) == 2_000
    assert rate_in_force(HISTORY, SET_AT + dt.timedelta(days=11)) == 2_500


def test_a_change_is_in_force_from_its_very_moment():
    assert rate_in_force(HISTORY, SET_AT) == 2_000


def test_of_two_changes_at_the_same_moment_the_later_recorded_one_is_in_force():
    assert rate_in_force(reversed(HISTORY), SET_AT + dt.timedelta(days=10)) == 2_500


def test_an_order_paid_before_the_first_rate_has_no_rate_in_force():
    assert rate_in_force(HISTORY, SET_AT - dt.timedelta(seconds=1)) is None
    assert rate_in_force([], SET_AT) is None
