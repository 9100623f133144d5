"""Settlement: turn payable commission into payouts, exactly once, with maker-checker approval.

Ledger at each step: computing reserves every payout of the batch in one posting (each shop
available → payouts clearing, see computing.py); per payout, paid moves it out (payouts clearing →
cash), failed or cancelled returns it (payouts clearing → shop available). Which action a batch may take
in which status is lifecycle.py's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.clock import utcnow
from distro.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from distro.ledger import services as ledger
from distro.settlement import claims, lifecycle
from distro.settlement.models import Payout, SettlementBatch, SettlementClaim

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


def _transfer(
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


def create_batch(*, session: Session, cutoff_at: dt.datetime | None, created_by: int) -> SettlementBatch:
    """Open a batch to be computed by a worker; commit."""
    now = utcnow()
    cutoff = cutoff_at or now
    if cutoff > now + dt.timedelta(minutes=1):
        raise ValidationFailed(
            "The cut-off is in the future.", [FieldError("cutoff_at", "must not be in the future", "range")]
        )
    batch = SettlementBatch(status="computing", cutoff_at=cutoff, created_by=created_by)
    session.add(batch)
    session.flush()
    assert batch.id is not None  # flushed
    audit.record(
        session,
        actor_id=created_by,
        action="settlement.created",
        subject_type="settlement_batch",
        subject_id=batch.id,
        after={"cutoff_at": cutoff.isoformat()},
    )
    session.commit()
    return batch


def get_batch(session: Session, batch_id: int, *, lock: bool = False) -> SettlementBatch:
    """A batch by id, or NotFound."""
    query = sa.select(SettlementBatch).where(col(SettlementBatch.id) == batch_id)
    batch = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if batch is None:
        raise NotFound(f"No settlement batch {batch_id}.")
    return batch


def batches_query(status: str | None = None) -> sa.Select:
    """Every batch (or those in status), newest first."""
    query = sa.select(SettlementBatch).order_by(col(SettlementBatch.id).desc())
    return query if status is None else query.where(col(SettlementBatch.status) == status)


def check_allowed(action: str, batch: SettlementBatch) -> None:
    """Raise Conflict unless the batch may take the action now (lifecycle.py)."""
    why = lifecycle.refusal(action, batch.status)
    if why:
        raise Conflict(f"Batch {batch.id}: {why}")


def approve(*, session: Session, batch_id: int, approver: int) -> SettlementBatch:
    """Approve a ready batch for payment; whoever created it cannot (maker-checker); commit."""
    batch = get_batch(session, batch_id, lock=True)
    if batch.created_by == approver:
        raise Forbidden("The finance user who created a batch cannot approve it; ask a colleague.")
    check_allowed("approve", batch)
    batch.status, batch.approved_by, batch.approved_at = lifecycle.APPROVED, approver, utcnow()
    audit.record(
        session,
        actor_id=approver,
        action="settlement.approved",
        subject_type="settlement_batch",
        subject_id=batch_id,
        after={"payout_total_fen": batch.payout_total_fen},
    )
    session.commit()
    return batch


def cancel(*, session: Session, batch_id: int, reason: str, actor: int) -> SettlementBatch:
    """Cancel a ready batch: release its lines and return the reserved money to the shops; commit."""
    claims.lock_for_claiming(session)  # a refund processed meanwhile sees the lines claimed or released, not both
    batch = get_batch(session, batch_id, lock=True)
    check_allowed("cancel", batch)
    _transfer(
        session,
        batch_id=batch_id,
        step="cancel",
        kind="payout_cancel",
        debit=CLEARING,
        credit="shop",
        statuses=["pending", "held"],
        actor=actor,
    )
    session.execute(
        sa.update(Payout)
        .where(col(Payout.batch_id) == batch_id)
        .values(
            status="cancelled",
            resolved_at=utcnow(),
        )
    )
    session.execute(sa.delete(SettlementClaim).where(col(SettlementClaim.batch_id) == batch_id))
    batch.status, batch.reason, batch.finished_at = lifecycle.CANCELLED, reason, utcnow()
    audit.record(
        session,
        actor_id=actor,
        action="settlement.cancelled",
        subject_type="settlement_batch",
        subject_id=batch_id,
        after={"reason": reason},
    )
    session.commit()
    return batch


# Lock the payouts of the batch that a request names, in id order (the caller holds the batch row).
_LOCK_PAYOUTS = sa.text(
    """
    SELECT count(*) FROM (
        SELECT id FROM payouts WHERE batch_id = :batch_id AND id = ANY(CAST(:ids AS bigint[])) ORDER BY id FOR UPDATE
    ) AS locked
    """
)
# The results that cannot be recorded (position: from 1 in the order given), with the payout's status
# (NULL: not a payout of this batch) and the status first given for the same payout in this request.
# A payout named twice is judged by its status before the request, each time.
_REFUSED_RESULTS = sa.text(
    """
    SELECT r.position, r.status, p.status AS current, r.first_status
    FROM (
        SELECT *, first_value(status) OVER (PARTITION BY payout_id ORDER BY position) AS first_status
        FROM unnest(CAST(:ids AS bigint[]), CAST(:statuses AS text[])) WITH ORDINALITY AS u(payout_id, status, position)
    ) AS r
    LEFT JOIN payouts p ON p.id = r.payout_id AND p.batch_id = :batch_id
    WHERE p.id IS NULL
       OR r.status IS NULL OR r.status NOT IN ('paid', 'failed')
       OR p.status = 'held'
       OR (p.status IN ('paid', 'failed') AND p.status <> r.status)
       OR r.status IS DISTINCT FROM r.first_status
    ORDER BY r.position
    """
)
# Pending payouts take their result; one named twice (with the same status) takes the first given, reference
# and all. Resolved ones are left as they are (a result repeated as it was). Returns the ids newly paid and
# newly failed, in the request's order.
_RECORD_RESULTS = sa.text(
    """
    WITH first_given AS (
        SELECT DISTINCT ON (payout_id) payout_id, status, external_reference, reason, position
        FROM unnest(
            CAST(:ids AS bigint[]), CAST(:statuses AS text[]), CAST(:references AS text[]), CAST(:reasons AS text[])
        ) WITH ORDINALITY AS r(payout_id, status, external_reference, reason, position)
        ORDER BY payout_id, position
    ), resolved AS (
        UPDATE payouts p
        SET status = f.status, resolved_at = :now, external_reference = f.external_reference, failure_reason = f.reason
        FROM first_given f
        WHERE p.id = f.payout_id AND p.batch_id = :batch_id AND p.status = 'pending'
        RETURNING p.id, p.status, f.position
    )
    SELECT coalesce(array_agg(id ORDER BY position) FILTER (WHERE status = 'paid'), '{}') AS paid,
           coalesce(array_agg(id ORDER BY position) FILTER (WHERE status = 'failed'), '{}') AS failed
    FROM resolved
    """
)


def _refusal(row: Any) -> FieldError:
    """Why a result cannot be recorded, checked in this order: payout, status, held, already resolved,
    contradicting an earlier result for the same payout in the request."""
    index = row.position - 1
    if row.current is None:
        return FieldError(f"results.{index}.payout_id", "is not a payout of this batch", "unknown")
    if row.status not in ("paid", "failed"):
        return FieldError(f"results.{index}.status", "must be paid or failed", "one_of")
    if row.current == "held":
        return FieldError(f"results.{index}.payout_id", "is held: the owner has no payee account", "held")
    if row.current != "pending" and row.current != row.status:
        return FieldError(f"results.{index}.status", f"the payout is already {row.current}", "already_resolved")
    return FieldError(
        f"results.{index}.status", f"contradicts the {row.first_status} given earlier for this payout", "contradicts"
    )


@dataclass(frozen=True)
class PayoutResult:
    """What the bank or wallet said about one payout."""

    payout_id: int
    status: str  # "paid" or "failed"
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
    }
    session.execute(_LOCK_PAYOUTS, given)
    errors = [_refusal(row) for row in session.execute(_REFUSED_RESULTS, given)]
    if errors:
        raise ValidationFailed("Some results cannot be recorded; nothing was.", errors)
    now = utcnow()
    newly = session.execute(_RECORD_RESULTS, {**given, "now": now}).one()._asdict()
    # The payouts changed in SQL: any this session holds must be read again.
    for payout in [loaded for loaded in session.identity_map.values() if isinstance(loaded, Payout)]:
        session.expire(payout)
    if newly["paid"]:
        _transfer(
            session,
            batch_id=batch_id,
            step="paid",
            kind="payout_paid",
            debit=CLEARING,
            credit=CASH,
            statuses=["paid"],
            actor=actor,
            payout_ids=newly["paid"],
        )
    if newly["failed"]:
        _transfer(
            session,
            batch_id=batch_id,
            step="failed",
            kind="payout_failed",
            debit=CLEARING,
            credit="shop",
            statuses=["failed"],
            actor=actor,
            payout_ids=newly["failed"],
        )
    counts = session.execute(
        sa.select(
            sa.func.count().filter(col(Payout.status).in_(("pending", "held"))),
            sa.func.count().filter(col(Payout.status) == "failed"),
        ).where(col(Payout.batch_id) == batch_id)
    ).one()
    finished = lifecycle.finished_status(*counts)
    if finished and batch.status == lifecycle.APPROVED:
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


def release_held(*, session: Session, batch_id: int, actor: int) -> int:
    """Give held payouts the owner's payee account registered since; commit; return how many were released."""
    batch = get_batch(session, batch_id, lock=True)
    check_allowed("release_held", batch)
    result = session.execute(
        sa.text(
            "UPDATE payouts p SET payee_account_id = a.id, status = 'pending' FROM payee_accounts a "
            "WHERE p.batch_id = :batch_id AND p.status = 'held' AND a.owner_id = p.owner_id AND a.is_default"
        ),
        {"batch_id": batch_id},
    )
    released = result.rowcount  # type: ignore[attr-defined]  # Result in the stubs; an UPDATE gives a CursorResult
    audit.record(
        session,
        actor_id=actor,
        action="settlement.released_held",
        subject_type="settlement_batch",
        subject_id=batch_id,
        after={"released": released},
    )
    session.commit()
    return int(released or 0)
