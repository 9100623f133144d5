"""Supplier remittances, maker-checker: one finance user records money a supplier paid (amount, bank reference,
day), and it posts (debit cash, credit the supplier's payable account, kind supplier_remittance) only when another
finance user approves it, exactly once however often it is approved; or nothing, if one rejects it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.clock import utcnow
from distro.dues import rules
from distro.dues.models import SupplierRemittance, SupplierStatement
from distro.errors import Conflict, Forbidden, NotFound
from distro.ledger import services as ledger
from distro.ledger.rules import Decision, Step, decision_step
from distro.suppliers.models import Supplier

SUBJECT = "supplier_remittance"
"""The audit log's subject type for remittances."""


class AlreadyRecorded(Conflict):
    """The supplier's transfer with this bank reference is recorded already (and not rejected)."""

    slug = "remittance-already-recorded"


def propose(
    *,
    session: Session,
    supplier_id: int,
    amount_fen: int,
    bank_reference: str,
    remitted_on: dt.date,
    memo: str,
    proposed_by: int,
    statement_id: int | None = None,
) -> SupplierRemittance:
    """Record a supplier's remittance, which posts nothing until another finance user approves it; commit.

    NotFound for a supplier (or a statement of that supplier) that does not exist; AlreadyRecorded for a bank
    reference the supplier's remittances already hold (the same transfer typed in twice).
    """
    # Two records of one transfer at once wait for each other here, and the second sees the first.
    supplier = session.execute(
        sa.select(Supplier).where(col(Supplier.id) == supplier_id).with_for_update(key_share=True)
    ).scalar_one_or_none()
    if supplier is None:
        raise NotFound(f"No supplier {supplier_id}.")
    if statement_id is not None:
        statement = session.get(SupplierStatement, statement_id)
        if statement is None or statement.supplier_id != supplier_id:
            raise NotFound(f"Supplier {supplier_id} has no statement {statement_id}.")
    recorded = session.scalar(
        sa.select(col(SupplierRemittance.id)).where(
            col(SupplierRemittance.supplier_id) == supplier_id,
            col(SupplierRemittance.bank_reference) == bank_reference,
            col(SupplierRemittance.status) != "rejected",
        )
    )
    if recorded is not None:
        raise AlreadyRecorded(f"Remittance {recorded} already records transfer {bank_reference!r}.")
    remittance = SupplierRemittance(
        supplier_id=supplier_id,
        statement_id=statement_id,
        amount_fen=amount_fen,
        bank_reference=bank_reference,
        remitted_on=remitted_on,
        memo=memo,
        proposed_by=proposed_by,
    )
    session.add(remittance)
    session.flush()
    assert remittance.id is not None  # flushed
    audit.record(
        session,
        actor_id=proposed_by,
        action="supplier_remittance.recorded",
        subject_type=SUBJECT,
        subject_id=remittance.id,
        after={
            "supplier_id": supplier_id,
            "amount_fen": amount_fen,
            "bank_reference": bank_reference,
            "remitted_on": remitted_on.isoformat(),
        },
    )
    session.commit()
    return remittance


def get_remittance(session: Session, remittance_id: int, *, lock: bool = False) -> SupplierRemittance:
    """A remittance by id, or NotFound."""
    query = sa.select(SupplierRemittance).where(col(SupplierRemittance.id) == remittance_id)
    remittance = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if remittance is None:
        raise NotFound(f"No remittance {remittance_id}.")
    return remittance


def remittances_query(status: str | None = None) -> sa.Select:
    """Remittances with their supplier's name (optionally those in one status), unordered: a list pages them by id."""
    query = sa.select(
        SupplierRemittance.__table__,  # type: ignore[attr-defined]  # SQLModel declares no __table__
        col(Supplier.company_name),
    ).join(Supplier, col(Supplier.id) == SupplierRemittance.supplier_id)
    return query if status is None else query.where(col(SupplierRemittance.status) == status)


def _decide(session: Session, remittance_id: int, decision: Decision, actor: int) -> tuple[SupplierRemittance, bool]:
    """The remittance, locked, and whether the decision is to be made now (False: it was made already)."""
    remittance = get_remittance(session, remittance_id, lock=True)
    step = decision_step(remittance.status, decision, proposed_by=remittance.proposed_by, actor=actor)
    if step is Step.OWN_PROPOSAL:
        raise Forbidden("The finance user who recorded a remittance cannot approve it; ask a colleague.")
    if step is Step.DECIDED_OTHERWISE:
        raise Conflict(f"Remittance {remittance_id} is {remittance.status}; only a proposed one can be decided.")
    return remittance, step is Step.DECIDE


def approve(*, session: Session, remittance_id: int, approver: int) -> SupplierRemittance:
    """Approve a recorded remittance and post it; whoever recorded it cannot (maker-checker); commit.

    It posts exactly once: approving it again (a double click, a retry, two checkers at once) changes nothing.
    """
    remittance, deciding = _decide(session, remittance_id, Decision.APPROVE, approver)
    if not deciding:
        session.commit()
        return remittance
    posting_id = ledger.record_posting(
        session,
        reference=f"supplier-remittance:{remittance_id}",
        kind=rules.REMITTANCE,
        lines=rules.remittance_lines(remittance.supplier_id, remittance.amount_fen),
        memo=f"{remittance.bank_reference} {remittance.remitted_on.isoformat()} {remittance.memo}".strip(),
        created_by=remittance.proposed_by,
    )
    remittance.status, remittance.decided_by, remittance.decided_at = Decision.APPROVE.value, approver, utcnow()
    remittance.posting_id = posting_id
    audit.record(
        session,
        actor_id=approver,
        action="supplier_remittance.approved",
        subject_type=SUBJECT,
        subject_id=remittance_id,
        after={"posting_id": posting_id},
    )
    session.commit()
    return remittance


def reject(*, session: Session, remittance_id: int, reason: str, actor: int) -> SupplierRemittance:
    """Reject a recorded remittance, which then never posts; the finance user who recorded it may withdraw it;
    commit."""
    remittance, deciding = _decide(session, remittance_id, Decision.REJECT, actor)
    if not deciding:
        session.commit()
        return remittance
    remittance.status, remittance.decided_by, remittance.decided_at = Decision.REJECT.value, actor, utcnow()
    remittance.reason = reason
    audit.record(
        session,
        actor_id=actor,
        action="supplier_remittance.rejected",
        subject_type=SUBJECT,
        subject_id=remittance_id,
        after={"reason": reason},
    )
    session.commit()
    return remittance
