"""A settlement batch's and a payout's statuses and the actions each allows (distro/settlement/lifecycle.py)."""

import pytest

from distro.settlement import lifecycle
from distro.validation import FieldError

BATCH = ("computing", "ready", "approved", "paid", "partly_paid", "failed", "cancelled")
# Each action from each status: x allowed, . refused (columns in BATCH's order).
TABLE = {
    "compute": "x . . . . . .",
    "fail": "x . . . . . .",
    "retry": ". . . . . x .",
    "approve": ". x . . . . .",
    "cancel": ". x . . . . .",
    "release_held": ". x x . . . .",
    "record_results": ". . x x x . .",
    "pay": ". . x . . . .",
    "finish": ". . x . . . .",
}
# What finance is told when an action is refused, after "The batch is <status>; ".
REASONS = {
    "compute": "compute is for computing batches.",
    "fail": "fail is for computing batches.",
    "retry": "retry is for failed batches.",
    "approve": "approve is for ready batches.",
    "cancel": "cancel is for ready batches.",
    "release_held": "release held is for approved or ready batches.",
    "record_results": "record results is for approved or paid or partly_paid batches.",
    "pay": "pay is for approved batches.",
    "finish": "finish is for approved batches.",
}
CELLS = [
    (action, status, mark == "x")
    for action, row in TABLE.items()
    for status, mark in zip(BATCH, row.split(), strict=True)
]


def test_a_batch_lives_in_these_statuses_and_none_is_draft():
    assert lifecycle.STATUSES == BATCH
    assert set(lifecycle.TRANSITIONS) == set(TABLE)


@pytest.mark.parametrize(("action", "status", "allowed"), CELLS)
def test_each_action_from_each_status_is_allowed_or_refused_with_its_reason(action, status, allowed):
    assert lifecycle.allowed(action, status) is allowed
    assert lifecycle.refusal(action, status) == (None if allowed else f"The batch is {status}; {REASONS[action]}")


def test_batches_an_action_may_be_taken_from_are_selected_by_a_sorted_list():
    assert lifecycle.statuses_for("compute") == ["computing"]
    assert lifecycle.statuses_for("record_results") == ["approved", "paid", "partly_paid"]


def test_only_a_batch_whose_computation_failed_can_be_retried():
    assert lifecycle.refusal("retry", "failed") is None
    assert lifecycle.refusal("retry", "computing") == "The batch is computing; retry is for failed batches."
    assert lifecycle.refusal("retry", "ready") == "The batch is ready; retry is for failed batches."


def test_a_refusal_names_the_statuses_the_action_needs():
    assert (
        lifecycle.refusal("release_held", "paid") == "The batch is paid; release held is for approved or ready batches."
    )


def test_a_batch_is_finished_when_no_payout_is_open_and_partly_paid_when_one_failed():
    assert lifecycle.finished_status(open_payouts=1, failed_payouts=0) is None
    assert lifecycle.finished_status(open_payouts=0, failed_payouts=0) == "paid"
    assert lifecycle.finished_status(open_payouts=0, failed_payouts=2) == "partly_paid"


def test_a_computed_batch_is_one_whose_claims_and_payouts_still_stand():
    assert {"ready", "approved", "paid", "partly_paid"} == lifecycle.COMPUTED


PAYOUT = ("held", "pending", "paid", "failed", "cancelled")
PAYOUT_TABLE = {
    "release": "x . . . .",
    "result": ". x . . .",
    "cancel": "x x . . .",
}


@pytest.mark.parametrize(
    ("action", "status", "allowed"),
    [
        (action, status, mark == "x")
        for action, row in PAYOUT_TABLE.items()
        for status, mark in zip(PAYOUT, row.split(), strict=True)
    ],
)
def test_each_payout_action_is_taken_only_from_its_statuses(action, status, allowed):
    assert lifecycle.PAYOUT_STATUSES == PAYOUT and set(lifecycle.PAYOUT_TRANSITIONS) == set(PAYOUT_TABLE)
    assert (status in lifecycle.payout_statuses_for(action)) is allowed


def test_a_payout_is_open_while_held_or_pending():
    assert {"held", "pending"} == lifecycle.OPEN_PAYOUTS


def judged(given, current, first_given=None):
    """The refusal of a result given as the third of a request, as (field, rule), or None."""
    error = lifecycle.result_refusal(2, given, current, given if first_given is None else first_given)
    return None if error is None else (error.field, error.rule)


def test_a_pending_payout_takes_either_result():
    assert judged("paid", "pending") is None
    assert judged("failed", "pending") is None


def test_a_result_repeated_as_it_was_is_recognised_not_refused():
    assert judged("paid", "paid") is None
    assert judged("failed", "failed") is None


def test_a_result_for_a_payout_not_of_the_batch_is_refused_first():
    assert judged("maybe", None) == ("results.2.payout_id", "unknown")


def test_a_result_other_than_paid_or_failed_is_refused():
    assert judged("maybe", "pending") == ("results.2.status", "one_of")
    assert lifecycle.result_refusal(0, None, "pending", None) == FieldError(
        "results.0.status", "must be paid or failed", "one_of"
    )


def test_a_held_payout_takes_no_result_until_it_is_released():
    assert lifecycle.result_refusal(2, "paid", "held", "paid") == FieldError(
        "results.2.payout_id", "is held: the owner has no payee account", "held"
    )


def test_a_resolved_payout_refuses_a_different_result():
    assert lifecycle.result_refusal(2, "failed", "paid", "failed") == FieldError(
        "results.2.status", "the payout is already paid", "already_resolved"
    )


def test_a_result_contradicting_an_earlier_one_for_the_same_payout_in_the_request_is_refused():
    assert lifecycle.result_refusal(2, "failed", "pending", "paid") == FieldError(
        "results.2.status", "contradicts the paid given earlier for this payout", "contradicts"
    )
