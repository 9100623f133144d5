"""What the bank or wallet said of an approved batch's payouts, recorded once each.

Paid moves a payout's money out (payouts clearing → cash); failed returns it to the shop's available
balance: one posting for the payouts a request pays, one for those it fails (transfers.py). When no payout is left
open the batch is finished (lifecycle.py). Each payout newly paid or failed is an outbound webhook event (payout.paid,
payout.failed), queued in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.clock import utcnow
from distro.errors import ValidationFailed
from distro.outbound.services import anyone_listens, emit_many
from distro.settlement import claims, lifecycle, transfers
from distro.settlement.batches import check_allowed, get_batch
from distro.settlement.models import Payout, SettlementBatch

# Lock the payouts of the batch that a request names, in id order (the caller holds the batch row).
_LOCK_PAYOUTS = sa.text(
    """
    SELECT count(*) FROM (
        SELECT id FROM payouts WHERE batch_id = :batch_id AND id = ANY(CAST(:ids AS bigint[])) ORDER BY id FOR UPDATE
    ) AS locked
    """
)
# The results that are not plainly recordable (position: from 1 in the order given), with the payout's status
# (NULL: not a payout of this batch) and the status first given for the same payout in this request; plainly
# recordable is a valid result for a payout that takes one, as first given. lifecycle.result_refusal judges
# each row returned (a result repeated for a resolved payout is recordable: it is ignored). A payout named
# twice is judged by its status before the request, each time.
_UNUSUAL_RESULTS = sa.text(
    """
    SELECT r.position, r.status, p.status AS current, r.first_status
    FROM (
        SELECT *, first_value(status) OVER (PARTITION BY payout_id ORDER BY position) AS first_status
        FROM unnest(CAST(:ids AS bigint[]), CAST(:statuses AS text[])) WITH ORDINALITY AS u(payout_id, status, position)
    ) AS r
    LEFT JOIN payouts p ON p.id = r.payout_id AND p.batch_id = :batch_id
    WHERE p.id IS NULL OR p.status <> ALL(CAST(:takes_results AS text[]))
       OR r.status IS NULL OR r.status <> ALL(CAST(:results AS text[]))
       OR r.status IS DISTINCT FROM r.first_status
    ORDER BY r.position
    """
)
# Payouts that take a result (pending ones) take it; one named twice (with the same status) takes the first
# given, reference and all. Resolved ones are left as they are (a result repeated as it was). The payouts newly paid
# share one posting, those newly failed another (transfers.py), written in this statement. Returns the ids newly
# paid and newly failed, in the request's order.
_RECORD_RESULTS = sa.text(
    f"""
    WITH first_given AS (
        SELECT DISTINCT ON (payout_id) payout_id, status, external_reference, reason, position
        FROM unnest(
            CAST(:ids AS bigint[]), CAST(:statuses AS text[]), CAST(:references AS text[]), CAST(:reasons AS text[])
        ) WITH ORDINALITY AS r(payout_id, status, external_reference, reason, position)
        ORDER BY payout_id, position
    ), {transfers.DRAWN}, resolved AS (
        UPDATE payouts p
        SET status = f.status, resolved_at = :now, external_reference = f.external_reference, failure_reason = f.reason,
            posting_id = d.posting_id
        FROM first_given f JOIN drawn d ON d.status = f.status
        WHERE p.id = f.payout_id AND p.batch_id = :batch_id AND p.status = ANY(CAST(:takes_results AS text[]))
        RETURNING p.id, p.shop_id, p.amount_fen, p.status, p.posting_id, f.position
    ), {transfers.POSTED}
    SELECT coalesce(array_agg(id ORDER BY position) FILTER (WHERE status = :paid), '{{}}') AS paid,
           coalesce(array_agg(id ORDER BY position) FILTER (WHERE status = :failed), '{{}}') AS failed
    FROM resolved
    """  # noqa: S608  (transfers' text, no input)
)

# What a payout event says of each payout newly paid or failed.
_EVENT_DATA = sa.text(
    """
    SELECT id AS payout_id, batch_id, shop_id, owner_id, amount_fen, status, external_reference,
           failure_reason AS reason, resolved_at
    FROM payouts WHERE id = ANY(CAST(:ids AS bigint[])) ORDER BY id
    """
)


@dataclass(frozen=True)
class PayoutResult:
    """What the bank or wallet said about one payout."""

    payout_id: int
    status: str  # one of lifecycle.RESULTS: "paid" or "failed"
    external_reference: str | None = None
    reason: str | None = None


def record_results(*, session: Session, batch_id: int, results: list[PayoutResult], actor: int) -> SettlementBatch:
    """Record payment results for payouts of an approved batch; commit.

    Paid: payouts clearing → cash. Failed: the amount returns to the shop's available balance, with
    the reason. A result repeated as it was is ignored, also once the batch is finished (a bank file
    uploaded again); a different result for a resolved payout, or two different results for one payout
    in the request, are refused. When no payout is left open the batch is paid (or partly paid).
    """
    # A failed payout's money returns to its shop: the next computation shows it brought forward, so it
    # must either see the return or come before it (see computing's ledger mark).
    claims.wait_for_claiming(session)
    batch = get_batch(session, batch_id, lock=True)
    check_allowed("record_results", batch)
    given = {
        "batch_id": batch_id,
        "ids": [result.payout_id for result in results],
        "statuses": [result.status for result in results],
        "references": [result.external_reference for result in results],
        "reasons": [result.reason for result in results],
        "takes_results": lifecycle.payout_statuses_for("result"),
        "results": list(lifecycle.RESULTS),
        "paid": lifecycle.PAID,
        "failed": lifecycle.FAILED,
    }
    session.execute(_LOCK_PAYOUTS, given)
    judged = [
        lifecycle.result_refusal(row.position - 1, row.status, row.current, row.first_status)
        for row in session.execute(_UNUSUAL_RESULTS, given)
    ]
    errors = [error for error in judged if error is not None]
    if errors:
        raise ValidationFailed("Some results cannot be recorded; nothing was.", errors)
    now = utcnow()
    posting = transfers.posting_parameters(session, batch_id=batch_id, actor=actor, outcomes=list(lifecycle.RESULTS))
    newly = session.execute(_RECORD_RESULTS, {**given, **posting, "now": now}).one()._asdict()
    # The payouts changed in SQL: any this session holds must be read again.
    for payout in [loaded for loaded in session.identity_map.values() if isinstance(loaded, Payout)]:
        session.expire(payout)
    _emit_payout_events(session, newly["paid"] + newly["failed"])
    counts = session.execute(
        sa.select(
            sa.func.count().filter(col(Payout.status).in_(sorted(lifecycle.OPEN_PAYOUTS))),
            sa.func.count().filter(col(Payout.status) == lifecycle.FAILED),
        ).where(col(Payout.batch_id) == batch_id)
    ).one()
    finished = lifecycle.finished_status(*counts)
    if finished and lifecycle.allowed("finish", batch.status):
        batch.status, batch.finished_at = finished, now
    audit.record(
        session,
        actor_id=actor,
        action="settlement.results",
        subject_type="settlement_batch",
        subject_id=batch_id,
        after={"paid": newly["paid"], "failed": newly["failed"]},
    )
    session.commit()
    return batch


def _emit_payout_events(session: Session, payout_ids: list[int]) -> None:
    """Queue payout.paid / payout.failed for every subscriber to them (platform-wide: no supplier's)."""
    if not payout_ids or not anyone_listens(session, ["payout.paid", "payout.failed"]):
        return
    events = []
    for row in session.execute(_EVENT_DATA, {"ids": payout_ids}).mappings():
        data = {**row, "resolved_at": row["resolved_at"].isoformat()}
        events.append((f"payout.{row['status']}", data, None))
    emit_many(session, events)
