"""What a batch settles per shop, and the identities its reconciliation ties out by (settlement/reconciliation.py).

Figures are (brought_forward, claimed, netted_clawbacks, carried_forward, payouts, clawbacks_outstanding).
"""

from hypothesis import given
from hypothesis import strategies as st

from distro.settlement.reconciliation import (
    Figures,
    Results,
    as_fen,
    figures_from,
    results_tie_out,
    settle_shop,
    ties_out,
    total,
)

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


def test_a_batch_is_the_sum_of_its_shops_and_ties_out_too():
    shops = [settle(claimed=6_000), settle(claimed=90), settle(claimed=12_000, residual=-3_000, clawed_back=3_000)]
    batch = total(shops)
    assert batch == Figures(0, 18_090, 3_000, 90, 15_000, 0)
    assert ties_out(batch)


def test_figures_that_do_not_add_up_or_go_negative_do_not_tie_out():
    assert not ties_out(Figures(0, 6_000, 0, 0, 5_999, 0))
    assert not ties_out(Figures(-1, 6_000, 0, 0, 5_999, 0))


def test_a_report_keeps_figures_in_fen_and_reads_them_back():
    figures = Figures(1, 2, 3, 4, 5, 6)
    assert as_fen(figures)["netted_clawbacks_fen"] == 3
    assert figures_from({**as_fen(figures), "identity": "…"}) == figures


def test_payouts_tie_out_with_what_the_bank_said_of_them():
    assert results_tie_out(9_000, Results(paid=6_000, failed_returned=3_000))
    assert results_tie_out(9_000, Results(paid=6_000, awaiting=3_000))
    assert not results_tie_out(9_000, Results(paid=6_000))
