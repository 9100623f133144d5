"""Periodic work on deposits: derive every supplier's standing again from the ledger (rq cron, every 5 minutes),
so a draw posted anywhere takes (or a top-up brings back) its goods within minutes."""

from __future__ import annotations

from distro.db import session_scope
from distro.deposits.standing import refresh_standing


def refresh_deposit_standing() -> int:
    """Set every product's supplier standing from its supplier's status and held deposit; return how many changed."""
    with session_scope() as session:
        changed = refresh_standing(session)
        session.commit()
        return changed
