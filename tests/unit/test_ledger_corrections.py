import pytest

from distro.commission.orders import posting_kind
from distro.ledger.rules import (
    ADJUSTMENT,
    ADJUSTMENT_REVERSAL,
    POSTING_KINDS,
    Decision,
    Step,
    decision_step,
    hand_reversal_refusal,
    origin,
)

FLOW_KINDS = [kind for kind, made_by in POSTING_KINDS.items() if made_by.maker != "finance"]


def test_finance_may_reverse_its_own_adjustment_by_hand():
    assert hand_reversal_refusal(ADJUSTMENT, is_reversal=False) is None


def test_a_manual_adjustment_is_the_only_kind_finance_may_reverse_by_hand():
    assert [kind for kind, made_by in POSTING_KINDS.items() if made_by.reversible_by_hand] == [ADJUSTMENT]


@pytest.mark.parametrize("kind", FLOW_KINDS)
def test_no_posting_a_flow_makes_may_be_reversed_by_hand(kind):
    refusal = hand_reversal_refusal(kind, is_reversal=False)
    assert refusal is not None and refusal.corrected_by == origin(kind).maker != "finance"


@pytest.mark.parametrize(
    ("kind", "flow"),
    [
        ("accrual", "order processing"),
        ("clawback", "order processing"),
        ("release", "the commission release"),
        ("payout_reserve", "settlement"),
        ("payout_paid", "settlement"),
    ],
)
def test_a_refusal_names_the_flow_that_makes_the_posting_and_how_it_is_corrected(kind, flow):
    refusal = hand_reversal_refusal(kind, is_reversal=False)
    assert refusal is not None
    assert refusal.corrected_by == flow
    assert refusal.reason == f"a {kind} posting is made by {flow} and corrected only by {origin(kind).correction}"


def test_the_settlement_refusal_says_to_cancel_the_batch_or_record_results():
    refusal = hand_reversal_refusal("payout_reserve", is_reversal=False)
    assert refusal is not None and "cancel it while it is ready" in refusal.reason


@pytest.mark.parametrize("kind", [ADJUSTMENT, ADJUSTMENT_REVERSAL, "reversal"])
def test_a_reversal_is_never_reversed_by_hand_whatever_its_kind(kind):
    refusal = hand_reversal_refusal(kind, is_reversal=True)
    assert refusal is not None and refusal.corrected_by == "finance" and "new adjustment" in refusal.reason


def test_the_reversal_of_an_adjustment_is_put_right_by_a_new_adjustment_not_undone():
    refusal = hand_reversal_refusal(ADJUSTMENT_REVERSAL, is_reversal=False)
    assert refusal is not None and refusal.corrected_by == "finance"


def test_a_kind_the_table_does_not_know_is_refused_as_a_flows():
    refusal = hand_reversal_refusal("payout_bonus", is_reversal=False)
    assert refusal is not None and refusal.corrected_by == "one of distro's flows"


@pytest.mark.parametrize(
    ("delta_pool", "first_posting", "settled"),
    [(100, True, False), (100, False, False), (-100, False, False), (-100, False, True)],
)
def test_every_kind_order_processing_posts_is_in_the_table_as_its_own(delta_pool, first_posting, settled):
    assert origin(posting_kind(delta_pool, first_posting, settled)).maker == "order processing"


MAKER, CHECKER = 1, 2


def test_a_second_finance_user_decides_a_proposed_correction():
    assert decision_step("proposed", Decision.APPROVE, proposed_by=MAKER, actor=CHECKER) is Step.DECIDE
    assert decision_step("proposed", Decision.REJECT, proposed_by=MAKER, actor=CHECKER) is Step.DECIDE


@pytest.mark.parametrize("status", ["proposed", "approved", "rejected"])
def test_the_proposer_never_approves_their_own_correction(status):
    assert decision_step(status, Decision.APPROVE, proposed_by=MAKER, actor=MAKER) is Step.OWN_PROPOSAL


def test_the_proposer_may_withdraw_their_own_correction():
    assert decision_step("proposed", Decision.REJECT, proposed_by=MAKER, actor=MAKER) is Step.DECIDE


@pytest.mark.parametrize("decision", list(Decision))
def test_the_same_decision_made_again_changes_nothing(decision):
    assert decision_step(decision.value, decision, proposed_by=MAKER, actor=3) is Step.UNCHANGED


def test_a_decided_correction_cannot_be_decided_the_other_way():
    assert decision_step("rejected", Decision.APPROVE, proposed_by=MAKER, actor=CHECKER) is Step.DECIDED_OTHERWISE
    assert decision_step("approved", Decision.REJECT, proposed_by=MAKER, actor=CHECKER) is Step.DECIDED_OTHERWISE
