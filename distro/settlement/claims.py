"""Which settlement batch claimed which commission line, and the lock that keeps claims and refunds in turn.

A line is settled exactly when it has a claim (settlement_claims). Claims are written by settlement
only; commission processing reads them to tell a clawback (the line was paid out) from a reversal.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.settlement.models import SettlementClaim

# A computation holds this lock exclusively; commission processing holds it shared.
SETTLEMENT_LOCK = "distro:settlement"
_LOCK_KEY = sa.func.hashtextextended(SETTLEMENT_LOCK, 0)
_LOCK_EXCLUSIVE = sa.select(sa.func.pg_advisory_xact_lock(_LOCK_KEY))
_LOCK_SHARED = sa.select(sa.func.pg_advisory_xact_lock_shared(_LOCK_KEY))


def lock_for_claiming(session: Session) -> None:
    """Wait until no other computation and no commission processing runs, then hold them off until commit."""
    session.execute(_LOCK_EXCLUSIVE)


def wait_for_claiming(session: Session) -> None:
    """Wait for a computation in progress, and hold the next one off until this transaction ends.

    Claiming writes no lock on the lines it claims, so a refund that did not wait could miss a claim
    being made and call itself a reversal of a line the batch pays out.
    """
    session.execute(_LOCK_SHARED)


def claimed_line_ids(session: Session, line_ids: Iterable[int]) -> set[int]:
    """The ids among line_ids that a settlement batch has claimed."""
    ids = sorted(set(line_ids))
    if not ids:
        return set()
    return set(
        session.execute(sa.select(col(SettlementClaim.line_id)).where(col(SettlementClaim.line_id).in_(ids))).scalars()
    )
