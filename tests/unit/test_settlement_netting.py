"""What a batch claims from each shop, pays it and carries forward (settlement/netting.py).

Figures are (brought_forward, claimed, netted_clawbacks, carried_forward, payouts, clawbacks_outstanding).
"""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from distro.settlement.netting import OpenLine, ShopBooks, ShopSettlement, net_shop, net_shops, settle_shop
from distro.settlement.reconciliation import Figures, ties_out

MINIMUM = 100


def settle(claimed=0, residual=0, clawed_back=0, returned=0, minimum=MINIMUM):
    return settle_shop(claimed=claimed, residual=residual, clawed_back=clawed_back, returned=returned, minimum=minimum)


def test_a_shop_with_only_new_commission_is_paid_what_the_batch_claims():
    assert settle(claimed=6_000) == Figures(0, 6_000, 0, 0, 6_000, 0)


def test_a_refund_after_payment_is_clawed_back_in_the_next_batch():
    # The first batch paid 6,000; half was refunded since (a clawback of 3,000); 12,000 more is due now.
    assert settle(claimed=12_000, residual=-3_000, clawed_back=3_000) == Figures(0, 12_000, 3_000, 0, 9_000, 0)


def test_a_failed_payout_returned_is_brought_forward_and_paid_again():
    assert settle(claimed=0, residual=6_000, returned=6_000) == Figures(6_000, 0, 0, 0, 6_000, 0)


def test_a_failed_payout_and_a_clawback_since_are_shown_each_in_full():
    assert settle(residual=3_000, clawed_back=3_000, returned=6_000) == Figures(6_000, 0, 3_000, 0, 3_000, 0)


def test_a_balance_below_the_minimum_carries_forward_and_is_brought_forward_next_time():
    assert settle(claimed=90) == Figures(0, 90, 0, 90, 0, 0)
    assert settle(claimed=60, residual=90) == Figures(90, 60, 0, 0, 150, 0)


def test_clawbacks_beyond_what_the_shop_has_net_all_it_has_and_stay_outstanding():
    assert settle(claimed=60, residual=-6_000, clawed_back=6_000) == Figures(0, 60, 60, 0, 0, 5_940)


def test_a_clawback_left_outstanding_is_netted_by_a_later_batch():
    assert settle(claimed=12_000, residual=-5_940) == Figures(0, 12_000, 5_940, 0, 6_060, 0)


def test_a_payout_of_exactly_the_minimum_is_made():
    assert settle(claimed=MINIMUM).payouts == MINIMUM
    assert settle(claimed=MINIMUM - 1).carried_forward == MINIMUM - 1


def test_a_shop_with_nothing_settles_nothing():
    assert settle() == Figures()


@given(
    claimed=st.integers(0, 10**9),
    residual=st.integers(-(10**9), 10**9),
    clawed_back=st.integers(0, 10**9),
    returned=st.integers(0, 10**9),
    minimum=st.integers(1, 10_000),
)
def test_every_shop_ties_out_with_no_negative_figure(claimed, residual, clawed_back, returned, minimum):
    figures = settle(claimed, residual, clawed_back, returned, minimum)
    assert ties_out(figures)
    assert figures.payouts == 0 or figures.payouts >= minimum
    assert figures.netted_clawbacks + figures.clawbacks_outstanding >= clawed_back


CUTOFF = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
BEFORE, AFTER = CUTOFF - dt.timedelta(days=1), CUTOFF + dt.timedelta(days=1)


def net(balance, *lines, clawed_back=0, returned=0, frozen=False, has_payee=True, minimum=MINIMUM):
    """What a batch cut off at CUTOFF does for shop 1, its open lines given as (owner fen, payable at)."""
    books = ShopBooks(
        1,
        balance,
        tuple(OpenLine(10 + number, fen, at) for number, (fen, at) in enumerate(lines)),
        clawed_back,
        returned,
        frozen,
        has_payee,
    )
    return net_shop(books, cutoff=CUTOFF, minimum=minimum)


def test_a_batch_claims_the_lines_due_by_its_cut_off_and_pays_them():
    assert net(6_000, (6_000, BEFORE)) == ShopSettlement(1, (10,), Figures(0, 6_000, 0, 0, 6_000, 0), "pending")


def test_a_line_payable_exactly_at_the_cut_off_is_due():
    assert net(6_000, (6_000, CUTOFF)).claimed_line_ids == (10,)


def test_lines_not_yet_due_wait_and_are_not_paid_out():
    settled = net(9_000, (6_000, BEFORE), (3_000, AFTER))
    assert (settled.claimed_line_ids, settled.figures.payouts) == ((10,), 6_000)


def test_a_line_without_a_payable_date_is_not_due():
    assert net(6_000, (6_000, None)) == ShopSettlement(1, (), Figures(), None)


def test_a_shop_with_only_lines_not_yet_due_gets_no_payout():
    assert net(6_000, (6_000, AFTER)) == ShopSettlement(1, (), Figures(), None)


def test_a_clawback_since_the_last_batch_is_netted_from_what_is_due():
    # 6,000 paid out before, 3,000 of it refunded since; 12,000 due now: the balance is 9,000.
    settled = net(9_000, (12_000, BEFORE), clawed_back=3_000)
    assert settled.figures == Figures(0, 12_000, 3_000, 0, 9_000, 0)


def test_a_failed_payout_returned_is_paid_again_with_nothing_new_due():
    assert net(6_000, returned=6_000) == ShopSettlement(1, (), Figures(6_000, 0, 0, 0, 6_000, 0), "pending")


def test_what_is_due_below_the_minimum_is_claimed_and_carried_forward():
    assert net(90, (90, BEFORE)) == ShopSettlement(1, (10,), Figures(0, 90, 0, 90, 0, 0), None)


def test_a_shop_whose_owner_has_no_payee_account_has_its_payout_held():
    assert net(6_000, (6_000, BEFORE), has_payee=False).payout_status == "held"


def test_a_shop_whose_payouts_are_frozen_is_left_out_whole():
    assert net(6_000, (6_000, BEFORE), frozen=True) is None


def test_a_batch_nets_each_shop_whose_payouts_are_not_frozen_in_the_order_given():
    books = [ShopBooks(3, 6_000, (OpenLine(30, 6_000, BEFORE),)), ShopBooks(1, 500, frozen=True), ShopBooks(2, 0)]
    assert [(settled.shop_id, settled.figures.payouts) for settled in net_shops(books, cutoff=CUTOFF, minimum=100)] == [
        (3, 6_000),
        (2, 0),
    ]


@given(
    balance=st.integers(-(10**9), 10**9),
    lines=st.lists(st.tuples(st.integers(0, 10**7), st.sampled_from([BEFORE, CUTOFF, AFTER, None])), max_size=5),
    clawed_back=st.integers(0, 10**9),
    returned=st.integers(0, 10**9),
    has_payee=st.booleans(),
)
def test_every_shop_netted_ties_out_and_is_paid_only_what_reaches_the_minimum(
    balance, lines, clawed_back, returned, has_payee
):
    settled = net(balance, *lines, clawed_back=clawed_back, returned=returned, has_payee=has_payee)
    assert ties_out(settled.figures)
    assert settled.figures.claimed == sum(fen for fen, at in lines if at is not None and at <= CUTOFF)
    assert (settled.payout_status is None) == (settled.figures.payouts == 0)
    assert settled.figures.payouts == 0 or settled.figures.payouts >= MINIMUM
