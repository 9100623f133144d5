"""Finance's manual corrections, maker-checker: one finance user proposes an adjustment, or the reversal of
one, and it posts only when another finance user approves it (or nothing, if one rejects it)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.clock import utcnow
from distro.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from distro.ledger import services as ledger
from distro.ledger.chart import EntryLine, PostingError, account_owner, check_posting, reversal_of
from distro.ledger.models import Adjustment, Posting
from distro.ledger.rules import (
    ADJUSTMENT,
    ADJUSTMENT_REVERSAL,
    Decision,
    Step,
    decision_step,
    hand_reversal_refusal,
)

SUBJECT = "ledger_adjustment"
"""The audit log's subject type for adjustments."""


class NotReversibleByHand(Conflict):
    """A posting a flow made: only that flow corrects it."""

    slug = "not-reversible-by-hand"


def lines_of(adjustment: Adjustment) -> list[EntryLine]:
    """The entries the adjustment posts (or posted) once approved."""
    return [EntryLine(entry["account"], entry["amount"]) for entry in adjustment.entries]


def propose_adjustment(*, session: Session, lines: Sequence[EntryLine], memo: str, proposed_by: int) -> Adjustment:
    """Propose a manual adjustment, which posts nothing until another finance user approves it; commit.

    Raises ValidationFailed when the entries do not form a valid posting, or name a shop or supplier
    that does not exist: its account would be created and the money left where no settlement looks.
    """
    try:
        check_posting(lines)
    except PostingError as error:
        raise ValidationFailed(
            "The adjustment is not a valid posting.", [FieldError("entries", str(error), "balanced")]
        ) from error
    _refuse_unknown_owners(session, lines)
    return _propose(session, lines=lines, memo=memo, proposed_by=proposed_by, reverses_posting_id=None)


_OWNERS_FOUND = {
    "shop": sa.text("SELECT id FROM shops WHERE id = ANY(CAST(:ids AS bigint[]))"),
    "supplier": sa.text("SELECT id FROM suppliers WHERE id = ANY(CAST(:ids AS bigint[]))"),
}


def _refuse_unknown_owners(session: Session, lines: Sequence[EntryLine]) -> None:
    named = {index: owner for index, line in enumerate(lines) if (owner := account_owner(line.account))}
    found = {
        family: set(session.scalars(query, {"ids": [i for kind, i in named.values() if kind == family]}))
        for family, query in _OWNERS_FOUND.items()
    }
    errors = [
        FieldError(f"entries.{index}.account", f"names {family} {owner_id}, which does not exist", "unknown")
        for index, (family, owner_id) in named.items()
        if owner_id not in found[family]
    ]
    if errors:
        raise ValidationFailed("The adjustment names accounts of owners that do not exist.", errors)


def propose_reversal(*, session: Session, posting_id: int, memo: str, proposed_by: int) -> Adjustment:
    """Propose the exact reversal of a manual adjustment, to post once another finance user approves it; commit.

    A posting a flow made is refused (NotReversibleByHand, naming the flow that corrects it), and so
    is a posting already reversed or whose reversal is already proposed.
    """
    # Proposals to reverse one posting wait for each other here; foreign keys to it (key share) do not.
    original = session.get(Posting, posting_id, with_for_update={"key_share": True})
    if original is None:
        raise NotFound(f"No posting {posting_id}.")
    refusal = hand_reversal_refusal(original.kind, is_reversal=original.reverses_posting_id is not None)
    if refusal is not None:
        raise NotReversibleByHand(
            f"Posting {posting_id} cannot be reversed by hand: {refusal.reason}.",
            posting_kind=original.kind,
            corrected_by=refusal.corrected_by,
        )
    if session.scalar(sa.select(col(Posting.id)).where(col(Posting.reverses_posting_id) == posting_id)) is not None:
        raise Conflict(f"Posting {posting_id} is already reversed.")
    pending = session.scalar(
        sa.select(col(Adjustment.id)).where(
            col(Adjustment.reverses_posting_id) == posting_id, col(Adjustment.status) == "proposed"
        )
    )
    if pending is not None:
        raise Conflict(f"Adjustment {pending} already proposes the reversal of posting {posting_id}.")
    lines = reversal_of(ledger.posting_lines(session, posting_id))
    return _propose(session, lines=lines, memo=memo, proposed_by=proposed_by, reverses_posting_id=posting_id)


def _propose(
    session: Session, *, lines: Sequence[EntryLine], memo: str, proposed_by: int, reverses_posting_id: int | None
) -> Adjustment:
    adjustment = Adjustment(
        memo=memo,
        entries=[{"account": line.account, "amount": line.amount} for line in lines],
        reverses_posting_id=reverses_posting_id,
        proposed_by=proposed_by,
    )
    session.add(adjustment)
    session.flush()
    assert adjustment.id is not None
    audit.record(
        session,
        actor_id=proposed_by,
        action="adjustment.proposed",
        subject_type=SUBJECT,
        subject_id=adjustment.id,
        after={"memo": memo, "entries": adjustment.entries, "reverses_posting_id": reverses_posting_id},
    )
    session.commit()
    return adjustment


def get_adjustment(session: Session, adjustment_id: int, *, lock: bool = False) -> Adjustment:
    """An adjustment by id, or NotFound."""
    query = sa.select(Adjustment).where(col(Adjustment.id) == adjustment_id)
    adjustment = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if adjustment is None:
        raise NotFound(f"No adjustment {adjustment_id}.")
    return adjustment


def adjustments_query(status: str | None = None) -> sa.Select:
    """Adjustments (optionally those in one status), newest first."""
    query = sa.select(Adjustment).order_by(col(Adjustment.id).desc())
    return query if status is None else query.where(col(Adjustment.status) == status)


def _decide(session: Session, adjustment_id: int, decision: Decision, actor: int) -> tuple[Adjustment, bool]:
    """The adjustment, locked, and whether the decision is to be made now (False: it was made already)."""
    adjustment = get_adjustment(session, adjustment_id, lock=True)
    step = decision_step(adjustment.status, decision, proposed_by=adjustment.proposed_by, actor=actor)
    if step is Step.OWN_PROPOSAL:
        raise Forbidden("The finance user who proposed an adjustment cannot approve it; ask a colleague.")
    if step is Step.DECIDED_OTHERWISE:
        raise Conflict(f"Adjustment {adjustment_id} is {adjustment.status}; only a proposed one can be decided.")
    return adjustment, step is Step.DECIDE


def approve(*, session: Session, adjustment_id: int, approver: int) -> Adjustment:
    """Approve a proposed adjustment and post it; whoever proposed it cannot (maker-checker); commit.

    It posts exactly once: approving it again, or by two finance users at once, changes nothing.
    """
    adjustment, deciding = _decide(session, adjustment_id, Decision.APPROVE, approver)
    if not deciding:
        return adjustment
    reverses = adjustment.reverses_posting_id
    posting_id = ledger.record_posting(
        session,
        # A reversal keeps the reference it always had, so a posting is reversed at most once whoever asks.
        reference=f"reversal-of:{reverses}" if reverses else f"adjustment:{adjustment_id}",
        kind=ADJUSTMENT_REVERSAL if reverses else ADJUSTMENT,
        lines=lines_of(adjustment),
        memo=adjustment.memo,
        created_by=adjustment.proposed_by,
        reverses_posting_id=reverses,
    )
    # Set together: the table holds that an approved adjustment, and only one, has its posting.
    adjustment.status, adjustment.decided_by, adjustment.decided_at = Decision.APPROVE.value, approver, utcnow()
    adjustment.posting_id = posting_id
    audit.record(
        session,
        actor_id=approver,
        action="adjustment.approved",
        subject_type=SUBJECT,
        subject_id=adjustment_id,
        after={"posting_id": posting_id},
    )
    session.commit()
    return adjustment


def reject(*, session: Session, adjustment_id: int, reason: str, actor: int) -> Adjustment:
    """Reject a proposed adjustment, which then never posts; the proposer may withdraw their own; commit."""
    adjustment, deciding = _decide(session, adjustment_id, Decision.REJECT, actor)
    if not deciding:
        return adjustment
    adjustment.status, adjustment.decided_by, adjustment.decided_at = Decision.REJECT.value, actor, utcnow()
    adjustment.reason = reason
    audit.record(
        session,
        actor_id=actor,
        action="adjustment.rejected",
        subject_type=SUBJECT,
        subject_id=adjustment_id,
        after={"reason": reason},
    )
    session.commit()
    return adjustment
