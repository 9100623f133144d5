"""The identities a batch's reconciliation ties out by (settlement/reconciliation.py).

Figures are (brought_forward, claimed, netted_clawbacks, carried_forward, payouts, clawbacks_outstanding).
"""

from distro.settlement.reconciliation import Figures, Results, as_fen, figures_from, results_tie_out, ties_out, total
from tests.unit.test_settlement_netting import settle


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
