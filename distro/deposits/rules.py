"""The deposit's rules (pure): what is required, what is short, whether a supplier sells, and when it may leave.

The held deposit is the balance of ``supplier:N:deposit`` (a liability: what the platform holds for the
supplier). A draw may take it below zero (a compensation is owed to the buyer whatever is held), and then the
supplier owes the difference on top of the requirement.
"""

from __future__ import annotations

from dataclasses import dataclass

APPROVED = "approved"
"""The one supplier status whose goods may be in the pool (distro.suppliers.rules.SupplierStatus.APPROVED)."""

COMPENSATION, PENALTY = "compensation", "penalty"
DRAW_REASONS = (COMPENSATION, PENALTY)
"""Why a deposit is drawn: a promise's compensation to a buyer, or a penalty the platform takes."""


def shortfall(held_fen: int, required_fen: int) -> int:
    """What the supplier must still pay in to hold its requirement (0 when it holds enough)."""
    return max(0, required_fen - held_fen)


def sells(status: str, held_fen: int, required_fen: int) -> bool:
    """Whether the supplier's goods may be in the pool: approved by the platform and holding its whole deposit.

    The one rule of standing; distro/deposits/standing.py applies it set-based (its SQL twin). Paying in never
    overrides an admin: a suspended or removed supplier stays out whatever it holds.
    """
    return status == APPROVED and held_fen >= required_fen


@dataclass(frozen=True)
class Outstanding:
    """What a supplier still has open with the platform when it asks for its deposit back."""

    held_fen: int
    owed_fen: int
    """The balance of supplier:N:payable: commission the supplier owes the platform."""
    open_orders: int
    """Its orders paid and not cancelled that are undelivered or still inside the after-sales window."""
    returning: bool = False
    """A return of this deposit is already on its way."""


RETURNING, NOTHING_HELD, OWED, OPEN_ORDERS = "returning", "nothing_held", "owed", "open_orders"
"""Why a return is refused (the page says each in words)."""


def return_refusal(outstanding: Outstanding) -> str | None:
    """Why the deposit may not be returned now (one of the codes above), or None when all of it may."""
    if outstanding.returning:
        return RETURNING
    if outstanding.held_fen <= 0:
        return NOTHING_HELD
    if outstanding.owed_fen > 0:
        return OWED
    if outstanding.open_orders > 0:
        return OPEN_ORDERS
    return None


def draw_refusal(amount_fen: int, reason_kind: str) -> str | None:
    """Why a draw is refused (an unknown reason, a non-positive amount), or None."""
    if reason_kind not in DRAW_REASONS:
        return f"unknown reason kind {reason_kind!r}"
    if amount_fen <= 0:
        return "the amount must be positive"
    return None


def penalty_refusal(amount_fen: int, held_fen: int) -> str | None:
    """Why an admin's penalty is refused, or None: it may take at most what the deposit holds.

    A buyer's compensation may take the deposit below zero (it is owed whatever is held); a penalty is the
    platform's own claim, and a sum beyond the deposit is a debt to pursue outside distro, not a balance typed in
    one form that takes every one of the supplier's goods out of every shop.
    """
    if amount_fen <= 0:
        return "the amount must be positive"
    if amount_fen > held_fen:
        return "more than the deposit holds"
    return None
