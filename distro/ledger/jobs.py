"""Periodic work on the ledger: its daily check, and the balance snapshots every 5 minutes."""

from __future__ import annotations

from distro.db import session_scope
from distro.ledger import services, snapshots


class LedgerOutOfBalance(RuntimeError):
    """The ledger does not balance: a bug or a tampered database; the job fails loudly."""


def check_ledger_balances() -> dict[str, int]:
    """Verify every posting sums to zero, every snapshot is its entries' sum and the trial balance is zero; return
    the trial balance."""
    with session_scope() as session:
        bad = services.unbalanced_postings(session)
        drifted = snapshots.drifted_accounts(session)
        totals = services.trial_balance(session)
    if bad or drifted or totals["total"] != 0:
        raise LedgerOutOfBalance(
            f"unbalanced postings {bad}, snapshots unlike their entries {drifted}, "
            f"trial balance total {totals['total']} fen"
        )
    return totals


def snapshot_ledger_balances() -> dict[str, int] | None:
    """Fold the entries below the safe mark into the balance snapshots; return the mark and the rows written, or
    None when another run was at it (distro/ledger/snapshots.py)."""
    with session_scope() as session:
        taken = snapshots.take_snapshot(session)
        session.commit()
    if taken is None:
        return None
    mark, accounts = taken
    return {"through_entry_id": mark.through, "candidate_entry_id": mark.candidate, "accounts": accounts}
