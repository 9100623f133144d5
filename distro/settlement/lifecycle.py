"""The life of a settlement batch (pure): which action may be taken from which status.

    computing ──compute──▶ ready ──approve──▶ approved ──results──▶ paid / partly_paid
        │  ▲                 │
       fail  retry         cancel
        ▼  │                 ▼
       failed              cancelled

A computation that keeps failing ends the batch failed, with the reason; finance may retry it, which
makes it computing again. Results are also accepted once a batch is paid or partly paid, so a bank
file sent again is recognised as the same (see payout_results.record_results).
"""

from __future__ import annotations

from collections.abc import Mapping

COMPUTING, READY, APPROVED, PAID, PARTLY_PAID, FAILED, CANCELLED = (
    "computing",
    "ready",
    "approved",
    "paid",
    "partly_paid",
    "failed",
    "cancelled",
)

# action -> the statuses it may be taken from
TRANSITIONS: Mapping[str, frozenset[str]] = {
    "compute": frozenset({COMPUTING}),
    "fail": frozenset({COMPUTING}),
    "retry": frozenset({FAILED}),
    "approve": frozenset({READY}),
    "cancel": frozenset({READY}),
    "release_held": frozenset({READY, APPROVED}),
    "record_results": frozenset({APPROVED, PAID, PARTLY_PAID}),
}
COMPUTED = frozenset({READY, APPROVED, PAID, PARTLY_PAID})
"""Statuses of a batch whose computation committed and still stands (its claims, payouts and reservation)."""


def allowed(action: str, status: str) -> bool:
    """True when a batch in `status` may take `action`."""
    return status in TRANSITIONS[action]


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
