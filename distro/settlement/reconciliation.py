"""What a settlement batch settles for each shop, and the identities its reconciliation ties out by (pure).

At computation, each shop's available balance splits into what the batch claims (due lines, at their
amounts then), what waits (lines not yet due) and the residual: everything settled before, i.e. money
brought forward (failed payouts returned, earlier carries) less clawbacks (refunds of lines already
settled). Of the residual, the clawbacks and failed payouts posted since the previous computation are
known gross from the ledger; the rest (earlier carries, manual adjustments) is shown net, as brought
forward when positive and as clawbacks when negative. Then per shop:

    brought_forward + claimed − netted_clawbacks − carried_forward = payout

every figure ≥ 0. A payout is made when it reaches the minimum; below it the balance carries forward,
and clawbacks beyond what the shop has are not netted: they stay outstanding, a debt the next batch
nets. A batch's figures are the sums of its shops', fixed when it is computed. What the bank says
afterwards is a fact of its own: payouts = paid + failed (returned) + awaiting + cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

IDENTITY = "brought_forward + claimed - netted_clawbacks - carried_forward = payouts"
RESULTS_IDENTITY = "payouts = paid + failed_returned + awaiting + cancelled"


@dataclass(frozen=True)
class Figures:
    """What a batch settled for one shop, or for all of them (sums), in fen."""

    brought_forward: int = 0
    claimed: int = 0
    netted_clawbacks: int = 0
    carried_forward: int = 0
    payouts: int = 0
    clawbacks_outstanding: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def settle_shop(*, claimed: int, residual: int, clawed_back: int, returned: int, minimum: int) -> Figures:
    """One shop's figures in a batch.

    claimed: its due lines the batch claims; residual: its available balance less those and less lines
    not yet due; clawed_back, returned: clawbacks and failed payouts posted since the previous
    computation (each ≥ 0, both part of the residual); minimum: the smallest payout (≥ 1 fen).
    """
    earlier = residual + clawed_back - returned  # earlier carries and adjustments, net
    brought_forward = returned + max(earlier, 0)
    clawbacks = clawed_back + max(-earlier, 0)
    payable = claimed + residual  # = brought_forward + claimed - clawbacks
    payout = payable if payable >= max(minimum, 1) else 0
    carried = 0 if payout else max(payable, 0)
    # Short of the clawbacks, a shop nets what it has (its claims and what it brought) and owes the rest.
    netted = clawbacks if payable >= 0 else claimed + brought_forward
    return Figures(brought_forward, claimed, netted, carried, payout, clawbacks - netted)


def total(figures: Iterable[Figures]) -> Figures:
    """The sum of shops' figures."""
    result = Figures()
    for each in figures:
        result += each
    return result


def ties_out(figures: Figures) -> bool:
    """True when brought_forward + claimed − netted_clawbacks − carried_forward = payouts, every figure ≥ 0."""
    balanced = (
        figures.brought_forward + figures.claimed - figures.netted_clawbacks - figures.carried_forward
        == figures.payouts
    )
    return balanced and all(getattr(figures, f.name) >= 0 for f in fields(figures))


@dataclass(frozen=True)
class Results:
    """What became of a batch's payouts after computation, in fen: each payout is in exactly one bucket."""

    paid: int = 0
    failed_returned: int = 0
    awaiting: int = 0
    cancelled: int = 0


def results_tie_out(payouts: int, results: Results) -> bool:
    """True when payouts = paid + failed_returned + awaiting + cancelled, every figure ≥ 0."""
    parts = (results.paid, results.failed_returned, results.awaiting, results.cancelled)
    return sum(parts) == payouts and min(parts) >= 0


def as_fen(figures: Figures | Results) -> dict[str, int]:
    """The figures as a report shows and stores them: each name with _fen appended."""
    return {f"{name}_fen": fen for name, fen in asdict(figures).items()}


def figures_from(report: Mapping[str, Any]) -> Figures:
    """The figures a report (as_fen) holds."""
    return Figures(**{f.name: int(report[f"{f.name}_fen"]) for f in fields(Figures)})
