from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distro.money import (
    apply_rate,
    format_cny,
    format_rate,
    parse_rate,
    parse_yuan,
    split,
    split_by_basis_points,
    to_yuan,
)

totals = st.integers(min_value=-(10**15), max_value=10**15)
weight_lists = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12).filter(any)


@given(totals, weight_lists)
def test_split_shares_always_sum_to_the_total(total, weights):
    assert sum(split(total, weights)) == total


@given(totals, weight_lists)
def test_every_share_is_within_one_fen_of_its_exact_value(total, weights):
    exact = [Fraction(total * weight, sum(weights)) for weight in weights]
    for share, exact_share in zip(split(total, weights), exact, strict=True):
        assert abs(share - exact_share) < 1


@given(totals, weight_lists)
def test_split_is_deterministic(total, weights):
    assert split(total, weights) == split(total, list(weights))


@given(totals, weight_lists)
def test_a_negative_total_splits_as_the_mirror_of_the_positive_one(total, weights):
    assert split(-total, weights) == [-share for share in split(total, weights)]


def test_leftover_fen_go_to_the_largest_remainders():
    # 100 / 3 = 33.33 each: one fen left, to the first of the equal remainders.
    assert split(100, [1, 1, 1]) == [34, 33, 33]
    # 10 × (0.15, 0.35, 0.5) = 1.5, 3.5, 5: leftover to the earlier tie.
    assert split(10, [15, 35, 50]) == [2, 3, 5]
    # Largest remainder wins over position: 7 × (1/6, 5/6) = 1.17, 5.83.
    assert split(7, [1, 5]) == [1, 6]


def test_one_fen_split_between_owner_and_platform_gives_the_fen_to_the_larger_share():
    assert split_by_basis_points(1, [6000, 4000]) == [1, 0]


def test_shares_in_basis_points_must_add_up_to_the_whole():
    with pytest.raises(ValueError, match="10000"):
        split_by_basis_points(100, [6000, 3000])


def test_split_refuses_floats_and_bad_weights():
    with pytest.raises(TypeError):
        split(10.0, [1, 1])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        split(10, [0, 0])
    with pytest.raises(ValueError):
        split(10, [-1, 2])
    with pytest.raises(ValueError):
        split(10, [])


@pytest.mark.parametrize(
    ("amount", "rate_bp", "expected"),
    [
        (10_000, 2_000, 2_000),  # ¥100 at 20% = ¥20
        (1, 5_000, 1),  # 0.5 fen rounds half up
        (1, 4_999, 0),  # 0.4999 fen rounds down
        (333, 1_500, 50),  # 49.95 fen -> 50
        (0, 2_000, 0),
        (-1, 5_000, -1),  # half away from zero for reversals
        (12_345_678_901, 10_000, 12_345_678_901),
    ],
)
def test_apply_rate_rounds_half_up_to_the_fen(amount, rate_bp, expected):
    assert apply_rate(amount, rate_bp) == expected


def test_apply_rate_refuses_rates_outside_zero_to_one_hundred_percent():
    with pytest.raises(ValueError):
        apply_rate(100, 10_001)
    with pytest.raises(TypeError):
        apply_rate(100, 0.2)  # type: ignore[arg-type]


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_yuan_text_round_trips_to_the_same_fen(amount):
    assert parse_yuan(to_yuan(amount)) == amount


def test_yuan_formatting_for_people_and_exports():
    assert to_yuan(123456) == "1234.56"
    assert to_yuan(-5) == "-0.05"
    assert format_cny(123456789) == "¥1,234,567.89"
    assert parse_yuan("12.3") == 1230


@pytest.mark.parametrize("text", ["1.234", "abc", "", "1e3", "¥1"])
def test_parse_yuan_refuses_anything_but_two_decimals(text):
    with pytest.raises(ValueError):
        parse_yuan(text)


def test_a_rate_in_basis_points_reads_as_a_percentage_without_trailing_zeros():
    assert [format_rate(bp) for bp in (2_000, 1_250, 1_234, 5, 0, 10_000)] == [
        "20%",
        "12.5%",
        "12.34%",
        "0.05%",
        "0%",
        "100%",
    ]


@pytest.mark.parametrize(
    ("typed", "rate_bp"), [("12", 1200), ("12.5", 1250), ("12.50", 1250), (" 6.25% ", 625), ("0", 0), ("100", 10_000)]
)
def test_a_percentage_as_people_type_it_is_read_as_basis_points(typed, rate_bp):
    assert parse_rate(typed) == rate_bp


@pytest.mark.parametrize("typed", ["", "六十", "-5", "12.345", "100.01", "1e1", "NaN", "12.5.1", "1000"])
def test_anything_but_a_percentage_from_0_to_100_with_two_decimals_is_refused(typed):
    with pytest.raises(ValueError):
        parse_rate(typed)


@pytest.mark.parametrize("rate_bp", [0, 1, 625, 1250, 6000, 10_000])
def test_a_formatted_rate_reads_back_as_itself(rate_bp):
    assert parse_rate(format_rate(rate_bp)) == rate_bp
