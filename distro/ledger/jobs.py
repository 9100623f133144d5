"""Periodic checks of the ledger."""

from __future__ import annotations

from distro.db import session_scope
from distro.ledger import services


class LedgerOutOfBalance(RuntimeError):
    """The ledger does not balance: a bug or a tampered database; the job fails loudly."""


def check_ledger_balances() -> dict[str, int]:
    """Verify every posting sums to zero and the trial balance is zero; return the trial balance."""
    with session_scope() as session:
        bad = services.unbalanced_postings(session)
        totals = services.trial_balance(session)
    if bad or totals["total"] != 0:
        raise LedgerOutOfBalance(f"unbalanced postings {bad}, trial balance total {totals['total']} fen")
    return totals
