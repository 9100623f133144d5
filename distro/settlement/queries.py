"""What settlement shows: a batch's payouts, owners' statements, and a batch's reconciliation with the ledger."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.settlement.models import PayeeAccount, Payout, SettlementBatch
from distro.settlement.services import CLEARING, get_batch


def payouts_query(batch_id: int) -> sa.Select:
    """A batch's payouts with shop, owner and payee, by payout id."""
    from distro.auth.models import User
    from distro.shops.models import Shop

    return (
        sa.select(
            Payout,
            col(Shop.display_name).label("shop_name"),
            col(User.display_name).label("owner_name"),
            col(PayeeAccount.kind),
            col(PayeeAccount.account_name),
            col(PayeeAccount.account_number),
            col(PayeeAccount.bank_name),
        )
        .join(Shop, col(Shop.id) == Payout.shop_id)
        .join(User, col(User.id) == Payout.owner_id)
        .join(PayeeAccount, col(PayeeAccount.id) == Payout.payee_account_id, isouter=True)
        .where(col(Payout.batch_id) == batch_id)
        .order_by(col(Payout.id))
    )


def statements_query(owner_id: int) -> sa.Select:
    """The owner's payouts, batch by batch, newest first."""
    return (
        sa.select(Payout, col(SettlementBatch.status).label("batch_status"), col(SettlementBatch.cutoff_at))
        .join(SettlementBatch, col(SettlementBatch.id) == Payout.batch_id)
        .where(col(Payout.owner_id) == owner_id)
        .order_by(col(Payout.id).desc())
    )


def reconciliation(session: Session, batch_id: int) -> dict[str, Any]:
    """A batch's figures and how they tie out to each other and to the ledger."""
    batch = get_batch(session, batch_id)
    rows = session.execute(
        sa.text(
            """
        SELECT c.supplier_id, sum(c.pool_fen) AS owed_fen, sum(c.platform_fen) AS platform_fen,
               sum(c.owner_fen) AS owner_fen
        FROM settlement_claims s JOIN commission_lines c ON c.id = s.line_id
        WHERE s.batch_id = :batch_id GROUP BY c.supplier_id ORDER BY c.supplier_id
        """
        ),
        {"batch_id": batch_id},
    ).all()
    reserved = session.scalar(
        sa.text(
            "SELECT coalesce(sum(e.amount), 0) FROM ledger_entries e JOIN ledger_postings p ON p.id = e.posting_id "
            "JOIN ledger_accounts a ON a.id = e.account_id WHERE p.kind = 'payout_reserve' AND a.code = :clearing "
            "AND p.memo = 'settlement batch ' || :batch_id"
        ),
        {"batch_id": batch_id, "clearing": CLEARING},
    )
    claimed = sum(int(row.owner_fen) for row in rows)
    return {
        "batch_id": batch_id,
        "status": batch.status,
        "claimed_owner_fen": claimed,
        "payout_total_fen": batch.payout_total_fen,
        "netted_or_carried_fen": claimed - batch.payout_total_fen,
        "ledger_reserved_fen": -int(reserved or 0),
        "ties_out": -int(reserved or 0) == batch.payout_total_fen,
        "platform_revenue_fen": sum(int(row.platform_fen) for row in rows),
        "owed_by_supplier": [{"supplier_id": row.supplier_id, "owed_fen": int(row.owed_fen)} for row in rows],
    }
