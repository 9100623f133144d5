"""Settlement's ledger transfers: one balanced posting per payout, all chosen payouts in one statement.

Computing reserves every payout of a batch in one posting (each shop available → payouts clearing, see
computing.py); per payout, paid moves it out (payouts clearing → cash), failed or cancelled returns it
(payouts clearing → shop available).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlmodel import Session

from distro.ledger import services as ledger

CLEARING = "payouts:clearing"
CASH = "cash"
# Posting ids are drawn up front, so entries are built from the chosen payouts directly: no join
# back on the reference (the planner has no statistics for rows written in this transaction, and
# such a join degrades to a nested loop, quadratic in the batch size).
_POST_TRANSFERS = sa.text(
    """
    WITH chosen AS (
        SELECT id, shop_id, amount_fen, nextval(pg_get_serial_sequence('ledger_postings', 'id')) AS posting_id
        FROM payouts WHERE batch_id = :batch_id AND status = ANY(:statuses)
        AND (CAST(:payout_ids AS bigint[]) IS NULL OR id = ANY(CAST(:payout_ids AS bigint[])))
    ), postings AS (
        INSERT INTO ledger_postings (id, reference, kind, memo, created_by, created_at)
        SELECT posting_id, 'payout:' || id || ':' || :step, :kind, 'settlement batch ' || :batch_id, :actor, now()
        FROM chosen
    )
    INSERT INTO ledger_entries (posting_id, account_id, amount)
    SELECT c.posting_id, a.id, x.amount
    FROM chosen c
    CROSS JOIN LATERAL (VALUES
        (CASE :debit WHEN 'shop' THEN 'shop:' || c.shop_id || ':' || 'available' ELSE :debit END, c.amount_fen),
        (CASE :credit WHEN 'shop' THEN 'shop:' || c.shop_id || ':' || 'available' ELSE :credit END, -c.amount_fen)
    ) AS x(code, amount)
    JOIN ledger_accounts a ON a.code = x.code
    """
)


def transfer(
    session: Session,
    *,
    batch_id: int,
    step: str,
    kind: str,
    debit: str,
    credit: str,
    statuses: Iterable[str],
    actor: int | None,
    payout_ids: list[int] | None = None,
) -> None:
    """One balanced posting per chosen payout, all in one statement ('shop' means the payout's shop available)."""
    ledger.ensure_accounts(session, [CLEARING, CASH])
    session.execute(
        _POST_TRANSFERS,
        {
            "batch_id": batch_id,
            "step": step,
            "kind": kind,
            "debit": debit,
            "credit": credit,
            "statuses": list(statuses),
            "actor": actor,
            "payout_ids": payout_ids,
        },
    )
