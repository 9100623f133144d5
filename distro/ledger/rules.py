"""Who may correct a posting, and how finance's own corrections are decided (pure: no database).

Every posting a flow makes (order processing, the commission release, settlement) is corrected only
by that flow: the flow keeps a record beside the ledger (a commission line's stage, a batch's claims,
a payout's status), and a hand reversal would move the money and leave the record behind, so that
the flow pays or reverses it a second time. Finance reverses only its own adjustments.

Finance's corrections are maker-checker: one finance user proposes (an adjustment, or the reversal of
one), and it posts only when another approves it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

ADJUSTMENT = "adjustment"
"""The kind of a manual adjustment's posting."""
ADJUSTMENT_REVERSAL = "adjustment_reversal"
"""The kind of the posting that reverses a manual adjustment."""


@dataclass(frozen=True)
class Origin:
    """Who makes postings of one kind, and how a wrong one is put right."""

    maker: str
    correction: str
    reversible_by_hand: bool = False


_ORDER_PROCESSING = Origin(
    "order processing",
    "the order's own events: an order.refunded or order.cancelled is processed into the difference",
)
_RELEASE = Origin(
    "the commission release",
    "the order's own events: a refund reverses the released commission, or claws it back once settled",
)
_SETTLEMENT = Origin(
    "settlement",
    "the batch: cancel it while it is ready, or record its payouts' results (a failed payout returns the money)",
)
_DEPOSITS = Origin(
    "the deposit",
    "the deposit's own flow: a payment in is returned when the supplier leaves, a draw is answered by the supplier "
    "topping up (or, when wrong, by a finance adjustment crediting the deposit back)",
)

POSTING_KINDS: Mapping[str, Origin] = {
    ADJUSTMENT: Origin("finance", "a reversal proposed by one finance user and approved by another", True),
    ADJUSTMENT_REVERSAL: Origin("finance", "a new adjustment, proposed by one finance user and approved by another"),
    # distro/commission/orders.py::posting_kind
    "accrual": _ORDER_PROCESSING,
    "accrual_adjustment": _ORDER_PROCESSING,
    "reversal": _ORDER_PROCESSING,
    "clawback": _ORDER_PROCESSING,
    # distro/commission/release.py
    "release": _RELEASE,
    # distro/settlement/computing.py (the reserve) and transfers.py (the rest)
    "payout_reserve": _SETTLEMENT,
    "payout_cancel": _SETTLEMENT,
    "payout_paid": _SETTLEMENT,
    "payout_failed": _SETTLEMENT,
    # distro/promises/enforcement.py: a broken promise's compensation, from the supplier's deposit to the buyers
    "promise_compensation": Origin(
        "promise enforcement", "a manual adjustment: the breach is recorded once and its posting made once"
    ),
    # distro/promises/payouts.py: that compensation paid to the buyer (a refund, or by finance)
    "promise_compensation_paid": Origin(
        "compensation payout", "a manual adjustment: the payment to the buyer was made and is recorded once"
    ),
    # distro/dues/remittances.py: a supplier's remittance, recorded by one finance user and approved by another
    "supplier_remittance": Origin(
        "supplier dues",
        "an adjustment proposed by one finance user and approved by another (the remittance stays on its statement)",
    ),
    # distro/deposits/services.py
    "deposit_paid": _DEPOSITS,
    "deposit_penalty": _DEPOSITS,
    "deposit_returned": _DEPOSITS,
}
"""Every kind of posting distro makes, with who makes it and how one is corrected."""

_UNKNOWN = Origin("one of distro's flows", "the flow that made it")


def origin(kind: str) -> Origin:
    """Who makes postings of this kind; a kind not in the table counts as a flow's, never as finance's."""
    return POSTING_KINDS.get(kind, _UNKNOWN)


@dataclass(frozen=True)
class Refusal:
    """Why finance may not reverse a posting by hand, and who corrects it instead."""

    reason: str
    corrected_by: str


def hand_reversal_refusal(kind: str, *, is_reversal: bool) -> Refusal | None:
    """Why finance may not reverse a posting of this kind by hand, or None when it may (a manual adjustment).

    is_reversal: the posting itself reverses another (finance's reversals, and those made before they
    had a kind of their own); undoing it would post the original again, so a new adjustment is asked for.
    """
    if is_reversal:
        return Refusal("it is itself a reversal; propose a new adjustment instead", "finance")
    made_by = origin(kind)
    if made_by.reversible_by_hand:
        return None
    return Refusal(
        f"a {kind} posting is made by {made_by.maker} and corrected only by {made_by.correction}", made_by.maker
    )


class Decision(enum.StrEnum):
    """What a finance user decides on a proposed correction; the value is the status it leaves."""

    APPROVE = "approved"
    REJECT = "rejected"


class Step(enum.Enum):
    """What deciding a proposed correction does."""

    DECIDE = "decide"
    UNCHANGED = "unchanged"
    OWN_PROPOSAL = "own_proposal"
    DECIDED_OTHERWISE = "decided_otherwise"


def decision_step(status: str, decision: Decision, *, proposed_by: int, actor: int) -> Step:
    """What deciding a correction in this status does.

    The proposer may not approve their own (maker-checker), but may reject it: a withdrawn proposal
    moves no money. The same decision made again changes nothing (a retry, two checkers at once);
    the other decision, once one is made, is refused.
    """
    if decision is Decision.APPROVE and actor == proposed_by:
        return Step.OWN_PROPOSAL
    if status == decision.value:
        return Step.UNCHANGED
    if status != "proposed":
        return Step.DECIDED_OTHERWISE
    return Step.DECIDE
