"""What settlement shows: a batch's payouts, owners' statements, a batch's reconciliation with the ledger, and
a month's figures from the ledger."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.settlement import periods
from distro.settlement.batches import get_batch
from distro.settlement.models import PayeeAccount, Payout, SettlementBatch
from distro.settlement.reconciliation import RESULTS_IDENTITY, Results, as_fen, figures_from, results_tie_out, ties_out
from distro.settlement.transfers import CLEARING
from distro.tiers.rules import month_bounds


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


def batch_payouts_query(batch_id: int, status: str | None = None) -> sa.Select:
    """A batch's payouts (or those in status) with shop, owner and payee as flat columns (id first), unordered:
    for a list paged by id (the (batch_id, id) and (batch_id, status, id) indexes serve it)."""
    from distro.auth.models import User
    from distro.shops.models import Shop

    query: sa.Select = (
        sa.select(
            col(Payout.id),
            col(Payout.shop_id),
            col(Payout.amount_fen),
            col(Payout.status),
            col(Payout.external_reference),
            col(Payout.failure_reason),
            col(Payout.resolved_at),
            col(Shop.display_name).label("shop_name"),
            col(User.display_name).label("owner_name"),
            col(PayeeAccount.kind).label("payee_kind"),
            col(PayeeAccount.account_number),
        )
        .join(Shop, col(Shop.id) == Payout.shop_id)
        .join(User, col(User.id) == Payout.owner_id)
        .join(PayeeAccount, col(PayeeAccount.id) == Payout.payee_account_id, isouter=True)
        .where(col(Payout.batch_id) == batch_id)
    )
    return query if status is None else query.where(col(Payout.status) == status)


def statements_query(owner_id: int) -> sa.Select:
    """The owner's payouts, batch by batch, newest first."""
    return (
        sa.select(Payout, col(SettlementBatch.status).label("batch_status"), col(SettlementBatch.cutoff_at))
        .join(SettlementBatch, col(SettlementBatch.id) == Payout.batch_id)
        .where(col(Payout.owner_id) == owner_id)
        .order_by(col(Payout.id).desc())
    )


# What became of the batch's payouts after computation: each in exactly one bucket.
_RESULTS = sa.text(
    """
    SELECT coalesce(sum(amount_fen) FILTER (WHERE status = 'paid'), 0) AS paid,
           coalesce(sum(amount_fen) FILTER (WHERE status = 'failed'), 0) AS failed_returned,
           coalesce(sum(amount_fen) FILTER (WHERE status IN ('pending', 'held')), 0) AS awaiting,
           coalesce(sum(amount_fen) FILTER (WHERE status = 'cancelled'), 0) AS cancelled
    FROM payouts WHERE batch_id = :batch_id
    """
)
# What payouts clearing holds for the batch: its reservation (a credit), and the postings that paid its payouts,
# returned them failed or returned them cancelled (each a debit): those its payouts name (payouts.posting_id), and for
# payouts resolved before migration 0039, which name none, the posting of each found by its reference.
_LEDGER = sa.text(
    """
    WITH batch_postings AS (
        SELECT DISTINCT posting_id AS id FROM payouts WHERE batch_id = :batch_id AND posting_id IS NOT NULL
        UNION
        SELECT p.id
        FROM payouts o CROSS JOIN (VALUES ('paid'), ('failed'), ('cancel')) AS x(step)
        JOIN ledger_postings p ON p.reference = 'payout:' || o.id || ':' || x.step
        WHERE o.batch_id = :batch_id AND o.posting_id IS NULL AND o.status IN ('paid', 'failed', 'cancelled')
    )
    SELECT (SELECT coalesce(-sum(e.amount), 0) FROM ledger_postings p
            JOIN ledger_entries e ON e.posting_id = p.id JOIN ledger_accounts a ON a.id = e.account_id
            WHERE p.reference = :reserve AND a.code = :clearing) AS reserved,
           coalesce(sum(e.amount) FILTER (WHERE p.kind = 'payout_paid'), 0) AS paid,
           coalesce(sum(e.amount) FILTER (WHERE p.kind = 'payout_failed'), 0) AS failed_returned,
           coalesce(sum(e.amount) FILTER (WHERE p.kind = 'payout_cancel'), 0) AS cancelled
    FROM batch_postings b
    JOIN ledger_postings p ON p.id = b.id
    JOIN ledger_entries e ON e.posting_id = p.id
    JOIN ledger_accounts a ON a.id = e.account_id AND a.code = :clearing
    """
)


def reconciliation(session: Session, batch_id: int) -> dict[str, Any]:
    """A batch's reconciliation: as fixed when it was computed, what became of its payouts since, and
    whether both tie out, in themselves and to the ledger (None while it has not been computed)."""
    batch = get_batch(session, batch_id)
    results = Results(
        **{name: int(fen) for name, fen in session.execute(_RESULTS, {"batch_id": batch_id}).one()._asdict().items()}
    )
    found = session.execute(
        _LEDGER, {"batch_id": batch_id, "reserve": f"settlement-batch:{batch_id}:reserve", "clearing": CLEARING}
    ).one()
    in_ledger = {name: int(fen) for name, fen in found._asdict().items()}
    computed = batch.reconciliation
    # Batches computed before snapshots were kept (migration 0013) have only their totals.
    payouts = computed["payouts_fen"] if computed else batch.payout_total_fen
    computed_ties = computed is None or ties_out(figures_from(computed))
    results_ties = results_tie_out(payouts, results)
    ledger_ties = in_ledger["reserved"] == payouts and all(
        in_ledger[name] == getattr(results, name) for name in ("paid", "failed_returned", "cancelled")
    )
    return {
        "batch_id": batch_id,
        "status": batch.status,
        "computed_at": batch.computed_at.isoformat() if batch.computed_at else None,
        "computed": computed,
        "results": {
            "identity": RESULTS_IDENTITY,
            **as_fen(results),
            "ties_out": results_ties,
        },
        "ledger": {**{f"{name}_fen": fen for name, fen in in_ledger.items()}, "ties_out": ledger_ties},
        "ties_out": None if batch.computed_at is None else computed_ties and results_ties and ledger_ties,
    }


# The month's entries summed by posting kind and account family (the chart's family names), suppliers' one
# by one; postings by finance (adjustments and their reversals: distro/ledger/rules.py; older hand reversals
# of any posting) apart, whatever their kind.
_PERIOD = sa.text(
    """
    SELECT p.kind, p.kind IN ('adjustment', 'adjustment_reversal') OR p.reverses_posting_id IS NOT NULL AS manual,
           CASE WHEN a.code LIKE 'supplier:%\\:payable' THEN 'supplier_payable'
                WHEN a.code LIKE 'supplier:%\\:deposit' THEN 'supplier_deposit'
                WHEN a.code LIKE 'shop:%\\:pending' THEN 'shop_pending'
                WHEN a.code LIKE 'shop:%\\:available' THEN 'shop_available'
                ELSE replace(a.code, ':', '_') END AS family,
           CASE WHEN a.code LIKE 'supplier:%\\:payable' THEN split_part(a.code, ':', 2)::bigint END AS supplier_id,
           sum(e.amount) AS amount
    FROM ledger_postings p JOIN ledger_entries e ON e.posting_id = p.id JOIN ledger_accounts a ON a.id = e.account_id
    WHERE p.created_at >= :start AND p.created_at < :end
    GROUP BY 1, 2, 3, 4
    """
)


def period(session: Session, month: str) -> dict[str, Any]:
    """The month's figures (YYYY-MM, a calendar month in Asia/Shanghai) from the ledger postings made in it."""
    first = periods.month_of(month)
    start, end = month_bounds(first)
    rows = session.execute(_PERIOD, {"start": start, "end": end})
    report = periods.period_report(
        first, [periods.Movement(row.kind, row.manual, row.family, int(row.amount), row.supplier_id) for row in rows]
    )
    return {**report, "starts_at": start.isoformat(), "ends_at": end.isoformat()}
