"""Settlement batches: open one, find and list them, approve one (maker-checker), cancel one, and give its
held payouts the payee account registered since.

Which action a batch may take in which status is lifecycle.py's; computing one is computing.py's; the
bank's results for its payouts are payout_results.py's.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.clock import utcnow
from distro.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from distro.settlement import claims, lifecycle
from distro.settlement.models import Payout, SettlementBatch, SettlementClaim
from distro.settlement.transfers import cancel_payouts


def create_batch(*, session: Session, cutoff_at: dt.datetime | None, created_by: int) -> SettlementBatch:
    """Open a batch to be computed by a worker; commit."""
    now = utcnow()
    cutoff = cutoff_at or now
    if cutoff > now + dt.timedelta(minutes=1):
        raise ValidationFailed(
            "The cut-off is in the future.", [FieldError("cutoff_at", "must not be in the future", "range")]
        )
    batch = SettlementBatch(status=lifecycle.COMPUTING, cutoff_at=cutoff, created_by=created_by)
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
    cancel_payouts(session, batch_id=batch_id, actor=actor, now=utcnow())
    # The payouts changed in SQL: any this session holds must be read again.
    for payout in [loaded for loaded in session.identity_map.values() if isinstance(loaded, Payout)]:
        session.expire(payout)
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


def release_held(*, session: Session, batch_id: int, actor: int) -> int:
    """Give held payouts the owner's payee account registered since; commit; return how many were released."""
    batch = get_batch(session, batch_id, lock=True)
    check_allowed("release_held", batch)
    result = session.execute(
        sa.text(
            "UPDATE payouts p SET payee_account_id = a.id, status = :released FROM payee_accounts a "
            "WHERE p.batch_id = :batch_id AND p.status = ANY(CAST(:held AS text[])) AND a.owner_id = p.owner_id "
            "AND a.is_default"
        ),
        {"batch_id": batch_id, "released": lifecycle.PENDING, "held": lifecycle.payout_statuses_for("release")},
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
