"""The rules of supplier quality: what orders measure, and the monthly review's verdict (三振出局)."""

from __future__ import annotations

import datetime as dt

import pytest

from distro.quality.jobs import supplier_review_job_id
from distro.quality.rules import (
    Measure,
    OrderFacts,
    Outcome,
    Thresholds,
    measure,
    month_shift,
    p90,
    rate_bp,
    review,
    strike_window,
    threshold_failures,
)
from distro.settings import ConfigurationError, load_settings

T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
THRESHOLDS = Thresholds(min_orders=30, min_on_time_bp=9000, max_refund_bp=1000, max_cancel_bp=500)


def order(paid_hours=0, shipped=None, delivered=None, cancelled=None, refunded=False, kind=None):
    def at(hours):
        return None if hours is None else T0 + dt.timedelta(hours=hours)

    return OrderFacts(at(paid_hours), at(shipped), at(delivered), at(cancelled), refunded, kind)  # type: ignore[arg-type]


def verdict(orders=100, on_time_bp=9500, refund_bp=500, cancel_bp=100, prior=0, thresholds=THRESHOLDS):
    return review(
        orders=orders,
        on_time_bp=on_time_bp,
        refund_bp=refund_bp,
        cancel_bp=cancel_bp,
        prior_strikes=prior,
        thresholds=thresholds,
    )


def test_rates_are_basis_points_rounded_down():
    assert rate_bp(899, 1000) == 8990
    assert rate_bp(2, 3) == 6666
    assert rate_bp(1, 0) is None


def test_the_90th_percentile_is_the_value_at_or_past_nine_tenths_as_percentile_disc_takes_it():
    assert p90(list(range(1, 11))) == 9
    assert p90(list(range(1, 12))) == 10
    assert p90([5]) == 5
    assert p90([]) is None


def test_an_order_shipped_within_the_promised_hours_is_on_time_and_one_shipped_later_is_not():
    metrics = measure(
        [order(0, shipped=48), order(0, shipped=49)], as_of=T0 + dt.timedelta(days=10), ship_within_hours=48
    )
    assert (metrics.due, metrics.on_time, metrics.on_time_bp) == (2, 1, 5000)


def test_an_unshipped_order_counts_as_late_only_once_its_deadline_has_passed():
    orders = [order(0), order(100)]
    metrics = measure(orders, as_of=T0 + dt.timedelta(hours=120), ship_within_hours=48)
    assert (metrics.orders, metrics.due, metrics.on_time) == (2, 1, 0)


def test_a_cancelled_unshipped_order_is_not_judged_on_shipping_but_counts_as_a_cancellation():
    metrics = measure(
        [order(0, cancelled=1), order(0, shipped=2)], as_of=T0 + dt.timedelta(days=5), ship_within_hours=48
    )
    assert (metrics.due, metrics.on_time, metrics.cancelled, metrics.cancel_bp) == (1, 1, 1, 5000)


def test_what_happened_after_the_measure_was_taken_is_not_known_yet():
    metrics = measure([order(0, shipped=10, delivered=80)], as_of=T0 + dt.timedelta(hours=5), ship_within_hours=48)
    assert (metrics.due, metrics.ship_avg_seconds, metrics.delivery_avg_seconds) == (0, None, None)


def test_ship_and_delivery_times_run_from_payment_in_whole_seconds():
    orders = [order(0, shipped=1, delivered=25), order(0, shipped=3, delivered=49)]
    metrics = measure(orders, as_of=T0 + dt.timedelta(days=9), ship_within_hours=48)
    assert metrics.ship_avg_seconds == 2 * 3600
    assert metrics.ship_p90_seconds == 3 * 3600
    assert metrics.delivery_avg_seconds == 37 * 3600
    assert metrics.delivery_p90_seconds == 49 * 3600


def test_refunds_count_orders_and_their_kind_where_an_after_sales_request_says():
    orders = [order(refunded=True, kind="return"), order(refunded=True, kind="refund"), order(refunded=True), order()]
    metrics = measure(orders, as_of=T0 + dt.timedelta(days=9), ship_within_hours=48)
    assert (metrics.refunded, metrics.refunded_return, metrics.refunded_refund_only, metrics.refund_bp) == (
        3,
        1,
        1,
        7500,
    )


def test_a_supplier_within_every_threshold_passes():
    assert verdict() == verdict(on_time_bp=9000, refund_bp=1000, cancel_bp=500)
    assert verdict().outcome == Outcome.PASSED


def test_too_few_orders_are_not_judged_whatever_the_rates():
    assert verdict(orders=29, on_time_bp=0, refund_bp=10000, prior=2).outcome == Outcome.TOO_FEW


def test_a_high_refund_rate_is_a_first_warning_naming_the_measure():
    result = verdict(refund_bp=1001)
    assert (result.outcome, result.failed, result.strike) == (Outcome.WARNING, (Measure.REFUND,), 1)


def test_every_measure_that_falls_short_is_named():
    result = verdict(on_time_bp=8999, refund_bp=1500, cancel_bp=501)
    assert result.failed == (Measure.ON_TIME, Measure.REFUND, Measure.CANCEL)


def test_the_second_strike_is_a_second_warning_and_the_third_suspends():
    assert (verdict(cancel_bp=600, prior=1).outcome, verdict(cancel_bp=600, prior=1).strike) == (Outcome.WARNING, 2)
    assert (verdict(cancel_bp=600, prior=2).outcome, verdict(cancel_bp=600, prior=2).strike) == (Outcome.SUSPENDED, 3)
    assert verdict(cancel_bp=600, prior=5).outcome == Outcome.SUSPENDED


def test_a_passing_month_is_no_strike_whatever_came_before():
    assert (verdict(prior=2).outcome, verdict(prior=2).strike) == (Outcome.PASSED, 0)


def test_a_rate_with_nothing_to_measure_does_not_fall_short():
    assert verdict(on_time_bp=None).outcome == Outcome.PASSED


def test_strikes_count_for_the_months_of_the_window_before_the_review():
    assert strike_window(dt.date(2026, 11, 1), THRESHOLDS) == (dt.date(2026, 6, 1), dt.date(2026, 11, 1))
    assert month_shift(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)


def test_thresholds_out_of_range_are_refused():
    assert threshold_failures(THRESHOLDS) == []
    bad = Thresholds(min_orders=0, min_on_time_bp=10001, max_refund_bp=-1, max_cancel_bp=5, strikes_to_suspend=0)
    assert len(threshold_failures(bad)) == 4


def test_a_months_review_is_one_job_however_often_it_is_enqueued():
    assert supplier_review_job_id("2026-11-01") == supplier_review_job_id("2026-11-30") == "supplier-review-2026-11"


def test_distro_refuses_to_start_with_a_review_threshold_out_of_range():
    with pytest.raises(ConfigurationError, match="SUPPLIER_REVIEW_MAX_REFUND_BP"):
        load_settings(environ={"DISTRO_SUPPLIER_REVIEW_MAX_REFUND_BP": "12000"})
