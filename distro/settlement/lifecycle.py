"""The life of a settlement batch and of its payouts (pure): which action may be taken from which status.

A batch:

    computing ──compute──▶ ready ──approve──▶ approved ──finish──▶ paid / partly_paid
        │  ▲                 │
       fail  retry         cancel
        ▼  │                 ▼
       failed              cancelled

A computation that keeps failing ends the batch failed, with the reason; finance may retry it, which
makes it computing again. An approved batch finishes once no payout is open (finished_status). Results
are also accepted once a batch is paid or partly paid, so a bank file sent again is recognised as the
same (see payout_results.record_results).

A payout (its statuses share the words paid, failed and cancelled with a batch's):

    held ──release──▶ pending ──result──▶ paid / failed
      └──────────┬──────┘
               cancel ──▶ cancelled

Held: its owner had no payee account when the batch was computed. A result repeated as it was is
recognised as the same; a different one for a resolved payout is refused (result_refusal).
"""

from __future__ import annotations

from collections.abc import Mapping

from distro.validation import FieldError

COMPUTING, READY, APPROVED, PAID, PARTLY_PAID, FAILED, CANCELLED = (
    "computing",
    "ready",
    "approved",
    "paid",
    "partly_paid",
    "failed",
    "cancelled",
)
STATUSES = (COMPUTING, READY, APPROVED, PAID, PARTLY_PAID, FAILED, CANCELLED)
"""Every status a batch can be in; a new batch is computing."""

# action -> the statuses it may be taken from
TRANSITIONS: Mapping[str, frozenset[str]] = {
    "compute": frozenset({COMPUTING}),
    "fail": frozenset({COMPUTING}),
    "retry": frozenset({FAILED}),
    "approve": frozenset({READY}),
    "cancel": frozenset({READY}),
    "release_held": frozenset({READY, APPROVED}),
    "pay": frozenset({APPROVED}),
    "record_results": frozenset({APPROVED, PAID, PARTLY_PAID}),
    "finish": frozenset({APPROVED}),
}
COMPUTED = frozenset({READY, APPROVED, PAID, PARTLY_PAID})
"""Statuses of a batch whose computation committed and still stands (its claims, payouts and reservation)."""


def allowed(action: str, status: str) -> bool:
    """True when a batch in `status` may take `action`."""
    return status in TRANSITIONS[action]


def statuses_for(action: str) -> list[str]:
    """The statuses a batch may take `action` from, sorted (to select such batches in SQL)."""
    return sorted(TRANSITIONS[action])


def refusal(action: str, status: str) -> str | None:
    """Why a batch in `status` may not take `action` (what finance is told), or None when it may."""
    if allowed(action, status):
        return None
    wanted = " or ".join(sorted(TRANSITIONS[action]))
    return f"The batch is {status}; {action.replace('_', ' ')} is for {wanted} batches."


def finished_status(open_payouts: int, failed_payouts: int) -> str | None:
    """What an approved batch becomes once results are in: paid, partly paid (some failed), or None while
    a payout is still open (pending or held)."""
    if open_payouts:
        return None
    return PARTLY_PAID if failed_payouts else PAID


HELD, PENDING = "held", "pending"
PAYOUT_STATUSES = (HELD, PENDING, PAID, FAILED, CANCELLED)
"""Every status a payout can be in; a computation makes it pending, or held without a payee account."""
RESULTS = (PAID, FAILED)
"""What the bank or wallet may say of a payout."""
# action -> the payout statuses it may be taken from
PAYOUT_TRANSITIONS: Mapping[str, frozenset[str]] = {
    "release": frozenset({HELD}),
    "result": frozenset({PENDING}),
    "cancel": frozenset({HELD, PENDING}),
}
OPEN_PAYOUTS = PAYOUT_TRANSITIONS["cancel"]
"""Payouts still waiting for the bank: their batch is not finished."""


def payout_statuses_for(action: str) -> list[str]:
    """The statuses a payout may take `action` from, sorted (to select such payouts in SQL)."""
    return sorted(PAYOUT_TRANSITIONS[action])


def result_refusal(index: int, given: str | None, current: str | None, first_given: str | None) -> FieldError | None:
    """Why the result at `index` of a request cannot be recorded, or None when it can (or repeats one recorded).

    given: the status the result says; current: the payout's status before the request (None: not a payout
    of this batch); first_given: the status first given for the same payout in the request. Checked in this
    order: the payout, the status, held, already resolved otherwise, contradicting an earlier result.
    """
    if current is None:
        return FieldError(f"results.{index}.payout_id", "is not a payout of this batch", "unknown")
    if given not in RESULTS:
        return FieldError(f"results.{index}.status", "must be paid or failed", "one_of")
    if current in PAYOUT_TRANSITIONS["release"]:
        return FieldError(f"results.{index}.payout_id", "is held: the owner has no payee account", "held")
    if current in RESULTS and current != given:
        return FieldError(f"results.{index}.status", f"the payout is already {current}", "already_resolved")
    if given != first_given:
        return FieldError(
            f"results.{index}.status", f"contradicts the {first_given} given earlier for this payout", "contradicts"
        )
    return None
