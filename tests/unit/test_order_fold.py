from hypothesis import given
from hypothesis import strategies as st

from distro.commission.orders import fold, posting_kind, target_commission

PAID = (
    "order.paid",
    {
        "order_id": "A1",
        "paid_at": "2026-11-22T08:00:00+08:00",
        "buyer": {"reference": "b"},
        "shop": "s",
        "total_paid_fen": 30_000,
        "lines": [
            {"line_id": "1", "product_id": 1, "quantity": 1, "paid_fen": 10_000},
            {"line_id": "2", "product_id": 2, "quantity": 2, "paid_fen": 20_000},
        ],
    },
)
DELIVERED = ("order.delivered", {"order_id": "A1", "delivered_at": "2026-11-25T10:00:00+08:00"})
PARTIAL = (
    "order.refunded",
    {
        "order_id": "A1",
        "refund_id": "r1",
        "refunded_at": "2026-11-26T10:00:00+08:00",
        "lines": [{"line_id": "1", "amount_fen": 3_000}],
    },
)
FULL_LINE_2 = (
    "order.refunded",
    {
        "order_id": "A1",
        "refund_id": "r2",
        "refunded_at": "2026-11-27T10:00:00+08:00",
        "lines": [{"line_id": "2", "amount_fen": 20_000}],
    },
)
EVENTS = [PAID, DELIVERED, PARTIAL, FULL_LINE_2]


@given(st.permutations(EVENTS), st.lists(st.sampled_from(EVENTS), max_size=6))
def test_the_same_events_in_any_order_with_duplicates_fold_to_the_same_facts(order, duplicates):
    assert fold([*order, *duplicates]) == fold(EVENTS)


def test_refunds_count_once_per_refund_id():
    facts = fold([PAID, PARTIAL, PARTIAL])
    assert facts.refunded_fen("1") == 3_000
    assert facts.problems == ()


def test_a_refund_before_payment_waits_for_it():
    early = fold([PARTIAL])
    assert early.payment is None and early.problems == () and early.status == "awaiting_payment"
    assert fold([PARTIAL, PAID]).refunded_fen("1") == 3_000


def test_lines_that_do_not_add_up_to_the_total_are_a_problem():
    wrong_total = ("order.paid", {**PAID[1], "total_paid_fen": 29_999})
    assert "not the total paid" in fold([wrong_total]).problems[0]


def test_refunding_more_than_was_paid_is_a_problem():
    too_much = ("order.refunded", {**PARTIAL[1], "refund_id": "r9", "lines": [{"line_id": "1", "amount_fen": 10_001}]})
    assert any("refunded 10001 fen of 10000" in problem for problem in fold([PAID, too_much]).problems)


def test_a_refund_of_an_unknown_line_is_a_problem():
    unknown = ("order.refunded", {**PARTIAL[1], "lines": [{"line_id": "9", "amount_fen": 1}]})
    assert "unknown line 9" in fold([PAID, unknown]).problems[0]


def test_the_same_refund_id_with_different_amounts_is_a_problem():
    changed = ("order.refunded", {**PARTIAL[1], "lines": [{"line_id": "1", "amount_fen": 4_000}]})
    assert "conflicting order.refunded" in fold([PAID, PARTIAL, changed]).problems[0]


def test_commission_follows_the_net_paid_amount():
    facts = fold(EVENTS)
    line_1, line_2 = facts.payment.lines
    assert target_commission(facts, line_1, 2_000, 6_000).pool == 1_400  # 7,000 net × 20%
    assert target_commission(facts, line_2, 2_000, 6_000).pool == 0
    assert facts.status == "delivered"


def test_a_cancelled_order_carries_no_commission():
    cancelled = ("order.cancelled", {"order_id": "A1", "cancelled_at": "2026-11-22T09:00:00+08:00"})
    facts = fold([PAID, cancelled])
    assert target_commission(facts, facts.payment.lines[0], 2_000, 6_000).pool == 0
    assert facts.status == "cancelled"


def test_a_fully_refunded_order_is_refunded():
    everything = (
        "order.refunded",
        {
            **PARTIAL[1],
            "refund_id": "all",
            "lines": [{"line_id": "1", "amount_fen": 10_000}, {"line_id": "2", "amount_fen": 20_000}],
        },
    )
    assert fold([PAID, everything]).status == "refunded"


def test_a_decrease_after_settlement_is_a_clawback():
    assert posting_kind(100, first_posting=True, settled=False) == "accrual"
    assert posting_kind(-100, first_posting=False, settled=False) == "reversal"
    assert posting_kind(-100, first_posting=False, settled=True) == "clawback"
