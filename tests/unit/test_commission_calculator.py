from hypothesis import given
from hypothesis import strategies as st

from distro.commission.calculator import line_commission

paid = st.integers(min_value=0, max_value=10**12)
rates = st.integers(min_value=0, max_value=10_000)
shares = st.integers(min_value=1, max_value=9_999)


@given(paid, rates, shares)
def test_owner_and_platform_always_add_up_to_the_pool(amount, rate, share):
    result = line_commission(amount, rate, share)
    assert result.owner + result.platform == result.pool
    assert result.owner >= 0 and result.platform >= 0


@given(paid, rates, shares, shares)
def test_the_suppliers_cost_never_depends_on_the_shops_tier(amount, rate, share_a, share_b):
    assert line_commission(amount, rate, share_a).pool == line_commission(amount, rate, share_b).pool


def test_the_pool_is_the_paid_amount_times_the_rate_rounded_half_up():
    assert line_commission(12_800, 2_000, 6_000).pool == 2_560
    assert line_commission(333, 1_500, 6_000).pool == 50  # 49.95 fen
    assert line_commission(3, 1_500, 6_000).pool == 0  # 0.45 fen


def test_a_one_fen_pool_goes_to_the_larger_share():
    result = line_commission(5, 2_000, 6_000)
    assert (result.pool, result.owner, result.platform) == (1, 1, 0)


def test_a_sale_splits_by_the_owners_tier_share():
    result = line_commission(5_900, 3_500, 6_000)
    assert (result.pool, result.owner, result.platform) == (2_065, 1_239, 826)
