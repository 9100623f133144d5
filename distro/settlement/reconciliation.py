"""The identities a settlement batch's reconciliation ties out by, and its figures (pure).

Per shop, and so for the batch (the sums of its shops' figures, fixed when it is computed):

    brought_forward + claimed − netted_clawbacks − carried_forward = payout

every figure ≥ 0; netting.py says how a shop's figures are found. What the bank says afterwards is a fact
of its own: payouts = paid + failed (returned) + awaiting + cancelled.
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
