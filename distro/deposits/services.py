"""Deposit use cases: pay in through the payment provider, draw (compensation, penalty), set a supplier's
requirement; each movement a ledger posting (returning it through the payout rail: distro/deposits/returns.py).

Postings (kinds in distro/ledger/rules.py):
- `deposit_paid`: debit cash, credit supplier:N:deposit, once per confirmed payment (reference deposit_paid:<ref>);
- `promise_compensation` / `deposit_penalty`: debit supplier:N:deposit, credit the target (platform:buyer_compensation
  for a promise's compensation, platform:revenue for a penalty), once per caller's reference;
- `deposit_returned`: debit supplier:N:deposit, credit cash, once per return the rail paid.
After each, the supplier's standing is derived again (standing.refresh_standing).
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.clock import utcnow
from distro.deposits import rules
from distro.deposits.models import DepositPayment
from distro.deposits.standing import Standing, refresh_standing, standing_of
from distro.errors import Conflict, NotFound, ValidationFailed
from distro.ledger.chart import CASH, PLATFORM_REVENUE, EntryLine, supplier_deposit_account
from distro.ledger.models import Entry, LedgerAccount, Posting
from distro.ledger.services import balance, record_posting
from distro.suppliers.models import Supplier
from distro.suppliers.services import require_reading_supplier
from distro.validation import FieldError

DEPOSIT_PAID, DEPOSIT_RETURNED = "deposit_paid", "deposit_returned"
# A compensation is a broken promise's (distro/promises/enforcement.py posts those of the job at once, same kind).
DRAW_KINDS = {rules.COMPENSATION: "promise_compensation", rules.PENALTY: "deposit_penalty"}
"""The posting kind of a draw, by its reason."""
DEPOSIT_KINDS = (DEPOSIT_PAID, *DRAW_KINDS.values(), DEPOSIT_RETURNED)


def lock_supplier(session: Session, supplier_id: int) -> Supplier:
    """The supplier's row, locked for the rest of the transaction (NotFound if there is none)."""
    # Movements of one supplier's deposit are serialised on its row, so each re-derives its standing after the last.
    supplier = session.execute(
        sa.select(Supplier).where(col(Supplier.id) == supplier_id).with_for_update()
    ).scalar_one_or_none()
    if supplier is None:
        raise NotFound(f"No supplier {supplier_id}.")
    return supplier


def own_standing(session: Session, user_id: int) -> tuple[Supplier, Standing]:
    """The caller's supplier (approved or suspended) and its deposit's standing."""
    supplier = require_reading_supplier(session, user_id)
    return supplier, standing_of(session, supplier)


def start_payment(*, session: Session, user_id: int, provider: str) -> DepositPayment:
    """Start paying the caller's shortfall through the payment provider; commit. Conflict when nothing is short.

    A suspended supplier may pay too (its deposit is then whole), but only an admin brings its goods back.
    """
    supplier, standing = own_standing(session, user_id)
    if standing.shortfall_fen <= 0:
        raise Conflict("The deposit is paid in full.")
    assert supplier.id is not None
    payment = DepositPayment(
        supplier_id=supplier.id,
        reference=f"DEP{secrets.token_hex(12).upper()}",
        provider=provider,
        amount_fen=standing.shortfall_fen,
        created_by=user_id,
    )
    session.add(payment)
    session.commit()
    return payment


def own_payment(session: Session, user_id: int, reference: str) -> DepositPayment:
    """A payment of the caller's supplier by its reference; NotFound for anyone else's."""
    supplier = require_reading_supplier(session, user_id)
    payment = session.execute(
        sa.select(DepositPayment).where(
            col(DepositPayment.reference) == reference, col(DepositPayment.supplier_id) == supplier.id
        )
    ).scalar_one_or_none()
    if payment is None:
        raise NotFound("No such deposit payment.")
    return payment


def confirm_payment(*, session: Session, reference: str, provider: str) -> tuple[DepositPayment, bool]:
    """Record a payment the provider confirmed: its `deposit_paid` posting, once; commit. A repeated callback changes
    nothing. Returns the payment and True when this call recorded it."""
    payment = session.execute(
        sa.select(DepositPayment).where(col(DepositPayment.reference) == reference).with_for_update()
    ).scalar_one_or_none()
    if payment is None:
        raise NotFound("No such deposit payment.")
    if payment.provider != provider:
        raise Conflict(f"This deposit payment is taken by {payment.provider}.")
    if payment.status == "paid":
        session.commit()
        return payment, False
    supplier = lock_supplier(session, payment.supplier_id)
    assert supplier.id is not None
    payment.status, payment.paid_at = "paid", utcnow()
    record_posting(
        session,
        reference=f"{DEPOSIT_PAID}:{payment.reference}",
        kind=DEPOSIT_PAID,
        lines=[
            EntryLine(CASH, payment.amount_fen),
            EntryLine(supplier_deposit_account(supplier.id), -payment.amount_fen),
        ],
        memo=f"保证金缴纳 {payment.reference}",
        created_by=payment.created_by,
    )
    refresh_standing(session, [supplier.id])
    session.commit()
    return payment, True


def draw_deposit(
    *,
    session: Session,
    supplier_id: int,
    amount_fen: int,
    reason_kind: str,
    reference: str,
    to_account: str,
    memo: str = "",
    actor_id: int | None = None,
) -> int:
    """Draw amount_fen from the supplier's deposit to to_account (a promise's compensation, a penalty) and derive
    its standing again; return the posting's id. Idempotent by reference (the same draw again returns the first
    posting). The caller commits, so a draw is part of the use case that causes it.

    The deposit may go below zero: what is owed to a buyer is owed whatever is held; the supplier then owes the
    difference, its goods out of the pool until it tops up.
    """
    refused = rules.draw_refusal(amount_fen, reason_kind)
    if refused:
        raise ValueError(refused)
    supplier = lock_supplier(session, supplier_id)
    kind = DRAW_KINDS[reason_kind]
    posting_id = record_posting(
        session,
        reference=f"{kind}:{reference}",
        kind=kind,
        lines=[EntryLine(supplier_deposit_account(supplier_id), amount_fen), EntryLine(to_account, -amount_fen)],
        memo=memo,
        created_by=actor_id,
    )
    assert supplier.id is not None
    refresh_standing(session, [supplier.id])
    return posting_id


def penalize(*, session: Session, supplier_id: int, amount_fen: int, reason: str, admin_id: int) -> int:
    """An admin's penalty, drawn from the supplier's deposit to platform revenue with a reason; audited; commit.
    Returns the posting's id."""
    if not reason.strip():
        raise ValidationFailed("A reason is required.", [FieldError("reason", "required", "required")])
    lock_supplier(session, supplier_id)  # what is held cannot change between the check and the draw
    held = balance(session, supplier_deposit_account(supplier_id))
    if rules.penalty_refusal(amount_fen, held):
        raise ValidationFailed(
            "A penalty may take at most what the deposit holds.", [FieldError("amount_fen", f"at most {held}", "max")]
        )
    posting_id = draw_deposit(
        session=session,
        supplier_id=supplier_id,
        amount_fen=amount_fen,
        reason_kind=rules.PENALTY,
        reference=f"admin:{secrets.token_hex(8)}",
        to_account=PLATFORM_REVENUE,
        memo=reason,
        actor_id=admin_id,
    )
    audit.record(
        session,
        actor_id=admin_id,
        action="supplier.deposit_penalty",
        subject_type="supplier",
        subject_id=supplier_id,
        after={"amount_fen": amount_fen, "reason": reason, "posting_id": posting_id},
    )
    session.commit()
    return posting_id


def set_requirement(*, session: Session, supplier_id: int, required_fen: int, reason: str, admin_id: int) -> Supplier:
    """An admin sets the deposit one supplier must hold, with a reason; audited; its standing follows; commit."""
    if not reason.strip():
        raise ValidationFailed("A reason is required.", [FieldError("reason", "required", "required")])
    if required_fen < 0:
        raise ValidationFailed("The deposit cannot be negative.", [FieldError("required_fen", "negative", "min")])
    supplier = lock_supplier(session, supplier_id)
    assert supplier.id is not None
    before = supplier.deposit_required_fen
    supplier.deposit_required_fen, supplier.deposit_required_reason = required_fen, reason
    supplier.deposit_required_by = admin_id
    session.flush()
    refresh_standing(session, [supplier.id])
    audit.record(
        session,
        actor_id=admin_id,
        action="supplier.deposit_required",
        subject_type="supplier",
        subject_id=supplier.id,
        before={"deposit_required_fen": before},
        after={"deposit_required_fen": required_fen, "reason": reason},
    )
    session.commit()
    return supplier


def movements_query(supplier_id: int) -> sa.Select:
    """The postings on the supplier's deposit account: entry id (the list's key), posting id, kind, memo, when,
    and the amount on the deposit's side (paid in positive, drawn or returned negative)."""
    return (
        sa.select(
            col(Entry.id).label("id"),
            col(Posting.id).label("posting_id"),
            col(Posting.kind).label("kind"),
            col(Posting.memo).label("memo"),
            col(Posting.created_at).label("created_at"),
            (-col(Entry.amount)).label("amount_fen"),
        )
        .join(Posting, col(Posting.id) == Entry.posting_id)
        .join(LedgerAccount, col(LedgerAccount.id) == Entry.account_id)
        .where(col(LedgerAccount.code) == supplier_deposit_account(supplier_id))
    )
