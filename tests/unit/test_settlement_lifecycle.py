"""A settlement batch's statuses and the actions each allows (distro/settlement/lifecycle.py)."""

import pytest

from distro.settlement import lifecycle
from distro.settlement.models import BATCH_STATUSES


@pytest.mark.parametrize(
    ("action", "allowed_from"),
    [
        ("compute", {"computing"}),
        ("fail", {"computing"}),
        ("retry", {"failed"}),
        ("approve", {"ready"}),
        ("cancel", {"ready"}),
        ("release_held", {"ready", "approved"}),
        ("record_results", {"approved", "paid", "partly_paid"}),
    ],
)
def test_each_action_is_allowed_only_from_its_statuses(action, allowed_from):
    assert {status for status in BATCH_STATUSES if lifecycle.allowed(action, status)} == allowed_from


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
