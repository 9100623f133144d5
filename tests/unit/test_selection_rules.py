"""The selection center's rules: what counts, the windows, the minimum samples and each list's order."""

import datetime as dt

from distro.clock import BUSINESS_TZ
from distro.selection.rules import (
    MIN_CONVERSION_CLICKS,
    MIN_REPURCHASE_BUYERS,
    MIN_RISING_UNITS,
    OVERALL,
    Numbers,
    ProductFacts,
    Sale,
    clicks_in_window,
    line_units,
    numbers,
    qualifies,
    rank,
    rate_bp,
)

NOW = dt.datetime(2026, 12, 5, 4, 0, tzinfo=dt.UTC)


def sale(order_id, product_id, days_ago, buyer="b1", units=1, via_link=False):
    return Sale(order_id, product_id, NOW - dt.timedelta(days=days_ago), buyer, units, via_link)


def facts(product_id, category="food_health", listed_days_ago=60):
    return ProductFacts(product_id, category, NOW - dt.timedelta(days=listed_days_ago))


def test_a_line_refunded_in_full_sold_nothing_and_one_refunded_in_part_sold_its_remaining_units():
    assert line_units(3, 300, 0) == 3
    assert line_units(3, 300, 100) == 2
    assert line_units(3, 300, 60) == 3
    assert line_units(3, 300, 300) == 0
    assert line_units(2, 0, 0) == 2


def test_units_count_over_the_last_7_days_the_7_before_and_30_days_and_nothing_older():
    counted = numbers([sale(1, 7, 1, units=2), sale(2, 7, 9, units=3), sale(3, 7, 20), sale(4, 7, 31)], {}, NOW)
    assert (counted[7].units_7d, counted[7].units_prev_7d, counted[7].units_30d) == (2, 3, 6)


def test_a_repeat_buyer_bought_in_two_orders_and_unknown_buyers_are_not_buyers():
    counted = numbers(
        [sale(1, 7, 1, "a"), sale(2, 7, 2, "a"), sale(3, 7, 3, "b"), sale(4, 7, 3, None), sale(5, 7, 3, "c", units=0)],
        {},
        NOW,
    )
    assert (counted[7].buyers, counted[7].repeat_buyers) == (2, 1)


def test_orders_count_only_those_through_a_link_of_the_product_once_each():
    counted = numbers([sale(1, 7, 1, via_link=True), sale(2, 7, 1), sale(3, 7, 2, via_link=True)], {7: 40}, NOW)
    assert (counted[7].orders, counted[7].clicks) == (2, 40)


def test_one_order_on_one_click_does_not_enter_the_conversion_list():
    lucky = Numbers(clicks=1, orders=1)
    steady = Numbers(clicks=MIN_CONVERSION_CLICKS, orders=2)
    assert not qualifies("conversion", facts(1), lucky, NOW)
    assert qualifies("conversion", facts(2), steady, NOW)
    assert rank([facts(1), facts(2)], {1: lucky, 2: steady}, NOW)[("conversion", OVERALL)] == [2]


def test_repurchase_needs_enough_buyers_and_ranks_by_the_share_who_bought_again():
    few = Numbers(buyers=MIN_REPURCHASE_BUYERS - 1, repeat_buyers=5)
    half = Numbers(buyers=20, repeat_buyers=10)
    third = Numbers(buyers=30, repeat_buyers=10)
    lists = rank([facts(1), facts(2), facts(3)], {1: few, 2: third, 3: half}, NOW)
    assert lists[("repurchase", OVERALL)] == [3, 2]
    assert rate_bp(10, 30) == 3333


def test_rising_needs_enough_units_this_week_and_more_than_last_week():
    assert not qualifies("rising", facts(1), Numbers(units_7d=MIN_RISING_UNITS - 1), NOW)
    assert not qualifies("rising", facts(1), Numbers(units_7d=10, units_prev_7d=10), NOW)
    lists = rank(
        [facts(1), facts(2)],
        {1: Numbers(units_7d=30, units_prev_7d=25), 2: Numbers(units_7d=12, units_prev_7d=1)},
        NOW,
    )
    assert lists[("rising", OVERALL)] == [2, 1]


def test_hot_lists_rank_by_units_per_category_and_overall_ties_to_the_smaller_id():
    products = [facts(1, "digital"), facts(2, "food_health"), facts(3, "food_health")]
    figures = {1: Numbers(units_7d=5, units_30d=5), 2: Numbers(units_7d=9, units_30d=9), 3: Numbers(units_7d=9)}
    lists = rank(products, figures, NOW)
    assert lists[("hot7", OVERALL)] == [2, 3, 1]
    assert lists[("hot7", "food_health")] == [2, 3]
    assert lists[("hot7", "digital")] == [1]
    assert lists[("hot30", OVERALL)] == [2, 1]


def test_new_lists_products_listed_in_the_last_14_days_newest_first():
    lists = rank([facts(1, listed_days_ago=20), facts(2, listed_days_ago=3), facts(3, listed_days_ago=1)], {}, NOW)
    assert lists[("new", OVERALL)] == [3, 2]


def test_a_list_keeps_at_most_its_size():
    products = [facts(i) for i in range(1, 6)]
    lists = rank(products, {i: Numbers(units_7d=i) for i in range(1, 6)}, NOW, size=3)
    assert lists[("hot7", OVERALL)] == [5, 4, 3]


def test_clicks_count_over_the_30_business_days_ending_today():
    today = NOW.astimezone(BUSINESS_TZ).date()
    rows = [(7, today, 3), (7, today - dt.timedelta(days=29), 2), (7, today - dt.timedelta(days=30), 100)]
    assert clicks_in_window(rows, NOW, BUSINESS_TZ) == {7: 5}
