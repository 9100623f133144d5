import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from distro.commission.orders import (
    commission_withdrawn,
    fold,
    line_status,
    posting_kind,
    target_commission,
)
from distro.commission.policy import payable_at

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
SHIPPED = ("order.shipped", {"order_id": "A1", "shipped_at": "2026-11-23T10:00:00+08:00"})
CANCELLED = ("order.cancelled", {"order_id": "A1", "cancelled_at": "2026-11-26T09:00:00+08:00"})
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
    facts = fold([PAID, CANCELLED])
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


# A commission line's status, commission and payable date: pure functions of the set of its order's events and of
# where its money is (stage, settled), never of the order the events arrived in.
PAID_WITH_A_CENT_LINE = (
    "order.paid",
    {
        **PAID[1],
        "total_paid_fen": 30_002,
        "lines": [*PAID[1]["lines"], {"line_id": "3", "product_id": 3, "quantity": 1, "paid_fen": 2}],  # 0.4 fen
    },
)
DELIVERED_AT = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)
RATE_BP, SHARE_BP, HOLD_DAYS = 2_000, 6_000, 7


def lines_seen(events, *, stage="pending", settled=False):
    """What the events arriving one by one leave on each line: (status, owner fen, payable from), by line id.

    Processing folds whatever has arrived so far, so the last fold is the one the line keeps.
    """
    shown = {}
    for arrived in range(1, len(events) + 1):
        facts = fold(events[:arrived])
        if facts.payment is None:
            continue
        for line in facts.payment.lines:
            withdrawn = facts.withdrawn(line)
            shown[line.line_id] = (
                line_status(withdrawn=withdrawn, stage=stage, settled=settled),
                target_commission(facts, line, RATE_BP, SHARE_BP).owner,
                payable_at(facts.delivered_at, HOLD_DAYS, withdrawn=withdrawn),
            )
    return shown


def test_cancelled_then_paid_is_reversed_with_0_fen_the_same_as_paid_then_cancelled():
    cancelled_then_paid = lines_seen([CANCELLED, PAID])
    assert cancelled_then_paid["1"] == ("reversed", 0, None)
    assert cancelled_then_paid == lines_seen([PAID, CANCELLED])


def test_a_line_refunded_in_full_is_reversed_and_one_refunded_in_part_keeps_earning_on_the_rest():
    shown = lines_seen([PAID, DELIVERED, PARTIAL, FULL_LINE_2])
    assert shown["1"] == ("pending", 840, DELIVERED_AT + dt.timedelta(days=HOLD_DAYS))  # 7,000 × 20% × 60%
    assert shown["2"] == ("reversed", 0, None)


def test_a_line_whose_commission_rounds_to_0_fen_is_pending_not_reversed():
    assert lines_seen([PAID_WITH_A_CENT_LINE])["3"] == ("pending", 0, None)


def test_a_line_is_pending_until_payable_and_settled_once_a_batch_claims_it():
    assert line_status(withdrawn=False, stage="pending", settled=False) == "pending"
    assert line_status(withdrawn=False, stage="available", settled=False) == "payable"
    assert line_status(withdrawn=False, stage="available", settled=True) == "settled"


def test_a_line_withdrawn_after_a_batch_claimed_it_is_clawed_back():
    assert line_status(withdrawn=True, stage="available", settled=True) == "clawed_back"
    assert line_status(withdrawn=True, stage="available", settled=False) == "reversed"


def test_a_withdrawn_line_never_becomes_payable_though_its_order_was_delivered():
    assert lines_seen([PAID, DELIVERED, CANCELLED])["1"] == ("reversed", 0, None)
    assert lines_seen([PAID, DELIVERED, FULL_LINE_2])["2"][2] is None


def test_only_a_cancellation_or_a_refund_of_everything_paid_withdraws_a_line():
    assert commission_withdrawn(cancelled=True, paid_fen=100, refunded_fen=0)
    assert commission_withdrawn(cancelled=False, paid_fen=100, refunded_fen=100)
    assert not commission_withdrawn(cancelled=False, paid_fen=100, refunded_fen=99)
    # A line that paid nothing (a gift) earns nothing and loses nothing.
    assert not commission_withdrawn(cancelled=False, paid_fen=0, refunded_fen=0)


ALL_KINDS = [PAID_WITH_A_CENT_LINE, SHIPPED, DELIVERED, CANCELLED, PARTIAL, FULL_LINE_2]


@given(
    st.sets(st.sampled_from(range(1, len(EVENTS)))).map(
        lambda chosen: [EVENTS[0]] + [EVENTS[i] for i in sorted(chosen)]
    ),
    st.data(),
    st.sampled_from(["pending", "available"]),
    st.booleans(),
)
def test_any_arrival_order_of_the_same_events_with_duplicates_shows_the_same_lines(events, data, stage, settled):
    arrived = data.draw(st.permutations(events)) + data.draw(st.lists(st.sampled_from(events), max_size=4))
    assert lines_seen(arrived, stage=stage, settled=settled) == lines_seen(events, stage=stage, settled=settled)
