"""Compute a settlement batch: claim due lines, write one payout per shop, reserve their money, and fix the
batch's reconciliation, all in one statement; give up on (and retry) computations that keep failing.

A shop's payout is its available balance less commission not yet due, so clawbacks (a negative
balance) are netted and amounts below the minimum carry forward; netting.py states the rule for one shop
in Python, and `position_sql` mirrors its figures in SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.clock import utcnow
from distro.ledger import services as ledger
from distro.ledger.chart import CASH
from distro.settlement import claims, lifecycle, reconciliation
from distro.settlement.batches import check_allowed, get_batch
from distro.settlement.models import SettlementBatch
from distro.settlement.transfers import CLEARING


def position_sql(source: str, *keep: str) -> str:
    """A SELECT of netting.settle_shop's figures for each row of source, which has the columns
    claimed, residual, clawed_back and returned, and of the columns named in keep as they are; the minimum
    payout is the parameter :minimum."""
    kept = "".join(f"{name}, " for name in keep)
    return f"""
    SELECT {kept}claimed,
           returned + greatest(earlier, 0) AS brought_forward,
           CASE WHEN payable >= 0 THEN clawed_back + greatest(-earlier, 0)
                ELSE claimed + returned + greatest(earlier, 0) END AS netted_clawbacks,
           CASE WHEN payable >= greatest(:minimum, 1) THEN 0 ELSE greatest(payable, 0) END AS carried_forward,
           CASE WHEN payable >= greatest(:minimum, 1) THEN payable ELSE 0 END AS payouts,
           greatest(-payable, 0) AS clawbacks_outstanding
    FROM (
        SELECT {kept}claimed, clawed_back, returned,
               residual + clawed_back - returned AS earlier, claimed + residual AS payable
        FROM {source}
    ) AS shop
    """  # noqa: S608  (source and keep are this module's own names, never input)


# The whole computation is one statement, so claims, payouts, the reservation and the reconciliation read
# one snapshot of lines and balances. A claim is a narrow row per line (see claims): the wide commission
# lines are not rewritten. A shop's balance (ledger account shop:<id>:available, credit-normal) splits into
# the due lines claimed now, the lines not yet due, and the residual; the clawbacks and failed payouts
# posted since the previous computation (posting ids above :since) are read from the few postings made
# since. The reservation is a single posting for the batch (each shop's available debited, payouts
# clearing credited with the total): one posting row instead of one per payout, and entries written from
# the balances already read, with no account lookup by code. A shop whose payouts an admin froze (suspended,
# or closed for abuse: distro.shops.rules) is left out whole, from the claims, the payouts and the
# reconciliation: its lines stay unclaimed and its balance waits, to be settled once it is reinstated.
_COMPUTE = sa.text(
    f"""
    WITH frozen AS (
        SELECT id FROM shops WHERE payouts_frozen
    ), open AS MATERIALIZED (
        SELECT c.id, c.shop_id, c.supplier_id, c.owner_fen, c.pool_fen, c.platform_fen, c.payable_at <= :cutoff AS due
        FROM commission_lines c
        WHERE c.stage = 'available' AND NOT EXISTS (SELECT FROM settlement_claims s WHERE s.line_id = c.id)
        AND c.shop_id NOT IN (SELECT id FROM frozen)
    ), claimed AS (
        INSERT INTO settlement_claims (line_id, batch_id) SELECT id, :batch_id FROM open WHERE due
    ), sums AS MATERIALIZED (
        SELECT GROUPING(shop_id) = 0 AS by_shop, shop_id, supplier_id, count(*) FILTER (WHERE due) AS due_lines,
               coalesce(sum(owner_fen) FILTER (WHERE due), 0) AS claimed, sum(owner_fen) AS open_fen,
               sum(pool_fen) FILTER (WHERE due) AS owed, sum(platform_fen) FILTER (WHERE due) AS platform
        FROM open GROUP BY GROUPING SETS ((shop_id), (supplier_id))
    ), lines AS (
        SELECT shop_id, due_lines, claimed, open_fen FROM sums WHERE by_shop
    ), balances AS (
        SELECT a.id AS account_id, split_part(a.code, ':', 2)::bigint AS shop_id, -sum(e.amount) AS balance
        FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id
        WHERE a.code LIKE 'shop:%\\:available'
        GROUP BY a.id
    ), moved AS (
        SELECT e.account_id,
               coalesce(sum(e.amount) FILTER (WHERE p.kind = 'clawback'), 0) AS clawed_back,
               coalesce(-sum(e.amount) FILTER (WHERE p.kind = 'payout_failed'), 0) AS returned
        FROM ledger_postings p JOIN ledger_entries e ON e.posting_id = p.id
        WHERE p.id > :since AND p.kind IN ('clawback', 'payout_failed')
        GROUP BY e.account_id
    ), standing AS (
        SELECT b.account_id, b.shop_id, coalesce(l.claimed, 0) AS claimed,
               b.balance - coalesce(l.open_fen, 0) AS residual,
               coalesce(m.clawed_back, 0) AS clawed_back, coalesce(m.returned, 0) AS returned
        FROM balances b LEFT JOIN lines l ON l.shop_id = b.shop_id LEFT JOIN moved m ON m.account_id = b.account_id
        WHERE b.shop_id NOT IN (SELECT id FROM frozen)
    ), positions AS MATERIALIZED ({position_sql("standing", "account_id", "shop_id")}
    ), chosen AS MATERIALIZED (
        SELECT p.account_id, p.shop_id, s.owner_id, pa.id AS payee_account_id, p.payouts AS amount
        FROM positions p
        JOIN shops s ON s.id = p.shop_id
        LEFT JOIN payee_accounts pa ON pa.owner_id = s.owner_id AND pa.is_default
        WHERE p.payouts > 0
    ), paid AS (
        INSERT INTO payouts (batch_id, shop_id, owner_id, payee_account_id, amount_fen, status)
        SELECT :batch_id, shop_id, owner_id, payee_account_id, amount,
               CASE WHEN payee_account_id IS NULL THEN 'held' ELSE 'pending' END
        FROM chosen
    ), posting AS (
        INSERT INTO ledger_postings (reference, kind, memo, created_at)
        SELECT :reference, 'payout_reserve', :memo, now() WHERE EXISTS (SELECT FROM chosen)
        RETURNING id
    ), reserved AS (
        INSERT INTO ledger_entries (posting_id, account_id, amount)
        SELECT posting.id, x.account_id, x.amount FROM posting CROSS JOIN (
            SELECT account_id, amount FROM chosen
            UNION ALL
            SELECT (SELECT id FROM ledger_accounts WHERE code = :clearing), -sum(amount) FROM chosen
        ) AS x
    ), by_supplier AS (
        SELECT supplier_id, owed, platform FROM sums WHERE NOT by_shop AND due_lines > 0
    )
    SELECT (SELECT coalesce(sum(due_lines), 0) FROM lines) AS lines,
           (SELECT count(*) FROM chosen) AS payouts,
           (SELECT count(*) FROM chosen WHERE payee_account_id IS NULL) AS held,
           coalesce(sum(brought_forward), 0) AS brought_forward, coalesce(sum(claimed), 0) AS claimed,
           coalesce(sum(netted_clawbacks), 0) AS netted_clawbacks,
           coalesce(sum(carried_forward), 0) AS carried_forward, coalesce(sum(payouts), 0) AS payout_total,
           coalesce(sum(clawbacks_outstanding), 0) AS clawbacks_outstanding,
           (SELECT coalesce(jsonb_agg(jsonb_build_array(supplier_id, owed, platform) ORDER BY supplier_id), '[]')
            FROM by_supplier) AS suppliers
    FROM positions
    """  # noqa: S608  (position_sql's text, no input)
)
# The last mark of a computation that still stands: what came after it is the next batch's to show.
_SINCE = sa.select(sa.func.coalesce(sa.func.max(col(SettlementBatch.ledger_mark)), 0)).where(
    col(SettlementBatch.status).in_(lifecycle.COMPUTED)
)
_MARK = sa.text("SELECT nextval(pg_get_serial_sequence('ledger_postings', 'id'))")


@dataclass(frozen=True)
class Totals:
    """What a computation claimed and pays."""

    lines_claimed: int
    claimed_owner_fen: int
    payouts_count: int
    held_count: int
    payout_total_fen: int


@dataclass(frozen=True)
class Computed:
    """A computation's totals, the reconciliation it fixes, and its ledger mark."""

    totals: Totals
    reconciliation: dict[str, Any]
    ledger_mark: int


def _compute(session: Session, batch: SettlementBatch, minimum_fen: int, progress) -> Computed:
    claims.lock_for_claiming(session)
    ledger.ensure_accounts(session, [CLEARING, CASH])
    since = int(session.scalar(_SINCE) or 0)
    mark = int(session.scalar(_MARK))  # under the lock: postings that waited for it come after
    # The statement holds a million lines at a time (86 MB, read by the claims and by the sums): in memory, not
    # spilled to temporary files and read back.
    session.execute(sa.text("SET LOCAL work_mem = '128MB'"))
    progress({"phase": "claiming"})
    row = session.execute(
        _COMPUTE,
        {
            "batch_id": batch.id,
            "cutoff": batch.cutoff_at,
            "minimum": minimum_fen,
            "since": since,
            "reference": f"settlement-batch:{batch.id}:reserve",
            "memo": f"结算批次 {batch.id}",
            "clearing": CLEARING,
        },
    ).one()
    progress({"phase": "reserved", "lines_claimed": int(row.lines), "shops_done": int(row.payouts)})
    figures = reconciliation.Figures(
        brought_forward=int(row.brought_forward),
        claimed=int(row.claimed),
        netted_clawbacks=int(row.netted_clawbacks),
        carried_forward=int(row.carried_forward),
        payouts=int(row.payout_total),
        clawbacks_outstanding=int(row.clawbacks_outstanding),
    )
    if not reconciliation.ties_out(figures):  # the statement mirrors settle_shop; this would be a bug in it
        raise RuntimeError(f"batch {batch.id} does not tie out: {figures}")
    totals = Totals(int(row.lines), figures.claimed, int(row.payouts), int(row.held), figures.payouts)
    snapshot = {
        "identity": reconciliation.IDENTITY,
        **{f"{name}_fen": value for name, value in vars(figures).items()},
        "lines_claimed": totals.lines_claimed,
        "payouts_count": totals.payouts_count,
        "held_count": totals.held_count,
        "platform_revenue_fen": sum(int(platform) for _, _, platform in row.suppliers),
        "owed_by_supplier": [{"supplier_id": supplier, "owed_fen": int(owed)} for supplier, owed, _ in row.suppliers],
        "minimum_payout_fen": minimum_fen,
        "cutoff_at": batch.cutoff_at.isoformat(),
    }
    return Computed(totals, snapshot, mark)


def compute_batch(*, session: Session, batch_id: int, minimum_fen: int, progress=lambda _: None) -> str:
    """Compute a batch in one transaction and commit: claim due lines, write payouts, reserve their money,
    fix its reconciliation.

    Safe to run twice or on two workers at once: computations take turns on one lock, and a batch
    that is no longer computing is left alone ("noop"). A computation killed halfway commits
    nothing; running it again does all of it.
    """
    batch = get_batch(session, batch_id)
    claims.lock_for_claiming(session)
    session.refresh(batch, with_for_update=True)
    if not lifecycle.allowed("compute", batch.status):
        session.commit()
        return "noop"
    computed = _compute(session, batch, minimum_fen, progress)
    batch.status, batch.computed_at = lifecycle.READY, utcnow()
    for name, value in vars(computed.totals).items():
        setattr(batch, name, value)
    batch.reconciliation = {**computed.reconciliation, "computed_at": batch.computed_at.isoformat()}
    batch.ledger_mark = computed.ledger_mark
    audit.record(
        session,
        actor_id=None,
        action="settlement.computed",
        subject_type="settlement_batch",
        subject_id=batch_id,
        after=vars(computed.totals),
    )
    session.commit()
    return "computed"


def mark_failed(*, session: Session, batch_id: int, reason: str) -> SettlementBatch:
    """Give up on a batch whose computation keeps failing: it ends failed, with the reason; commit."""
    batch = get_batch(session, batch_id, lock=True)
    if lifecycle.allowed("fail", batch.status):
        batch.status, batch.reason, batch.finished_at = lifecycle.FAILED, reason[:500], utcnow()
        audit.record(
            session,
            actor_id=None,
            action="settlement.failed",
            subject_type="settlement_batch",
            subject_id=batch_id,
            after={"reason": batch.reason},
        )
    session.commit()
    return batch


def retry(*, session: Session, batch_id: int, actor: int) -> SettlementBatch:
    """Make a batch whose computation failed computing again, for a worker to compute; commit.

    The caller enqueues the computation once this has committed; the reason it failed stays in the audit log.
    """
    batch = get_batch(session, batch_id, lock=True)
    check_allowed("retry", batch)
    reason = batch.reason
    batch.status, batch.reason, batch.finished_at, batch.retried_at = lifecycle.COMPUTING, None, None, utcnow()
    audit.record(
        session,
        actor_id=actor,
        action="settlement.retried",
        subject_type="settlement_batch",
        subject_id=batch_id,
        before={"status": lifecycle.FAILED, "reason": reason},
        after={"status": lifecycle.COMPUTING},
    )
    session.commit()
    return batch


def preview(*, session: Session, cutoff_at: dt.datetime | None, minimum_fen: int, actor: int) -> Computed:
    """What a batch with this cut-off would claim and pay, computed for real and rolled back (a dry run)."""
    batch = SettlementBatch(status=lifecycle.COMPUTING, cutoff_at=cutoff_at or utcnow(), created_by=actor)
    session.add(batch)
    session.flush()
    try:
        return _compute(session, batch, minimum_fen, lambda _: None)
    finally:
        session.rollback()
