"""Deposit use cases: pay in through the payment provider, draw (compensation, penalty), set a supplier's
requirement, and return the deposit through the payout rail; each movement a ledger posting.

Postings (kinds in distro/ledger/rules.py):
- `deposit_paid`: debit cash, credit supplier:N:deposit, once per confirmed payment (reference deposit_paid:<ref>);
- `promise_compensation` / `deposit_penalty`: debit supplier:N:deposit, credit the target (platform:buyer_compensation
  for a promise's compensation, platform:revenue for a penalty), once per caller's reference;
- `deposit_returned`: debit supplier:N:deposit, credit cash, once per return the rail paid.
After each, the supplier's standing is derived again (standing.refresh_standing).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.clock import utcnow
from distro.deposits import rules
from distro.deposits.models import DepositPayment, DepositReturn
from distro.deposits.standing import Standing, refresh_standing, standing_of
from distro.errors import Conflict, NotFound, ValidationFailed
from distro.ledger.chart import CASH, PLATFORM_REVENUE, EntryLine, supplier_account, supplier_deposit_account
from distro.ledger.models import Entry, LedgerAccount, Posting
from distro.ledger.services import balance, record_posting
from distro.settlement.rails import PayoutRail, Transfer
from distro.suppliers.models import Supplier
from distro.suppliers.services import refuse_if_stopped, require_reading_supplier
from distro.validation import FieldError

DEPOSIT_PAID, DEPOSIT_RETURNED = "deposit_paid", "deposit_returned"
# A compensation is a broken promise's (distro/promises/enforcement.py posts those of the job at once, same kind).
DRAW_KINDS = {rules.COMPENSATION: "promise_compensation", rules.PENALTY: "deposit_penalty"}
"""The posting kind of a draw, by its reason."""
DEPOSIT_KINDS = (DEPOSIT_PAID, *DRAW_KINDS.values(), DEPOSIT_RETURNED)


def _lock_supplier(session: Session, supplier_id: int) -> Supplier:
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
    supplier = _lock_supplier(session, payment.supplier_id)
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
    supplier = _lock_supplier(session, supplier_id)
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
    _lock_supplier(session, supplier_id)  # what is held cannot change between the check and the draw
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
    supplier = _lock_supplier(session, supplier_id)
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


# Orders of the supplier still open: paid, not cancelled, not refunded in full, and undelivered or delivered less
# than the longest after-sales window ago (a return may still come back on them).
_OPEN_ORDERS = sa.text(
    """
    SELECT count(*) FROM (
      SELECT 1 FROM order_lines l JOIN orders o ON o.id = l.order_id
      WHERE l.supplier_id = :supplier_id AND o.paid_at IS NOT NULL AND o.cancelled_at IS NULL
        AND o.status <> 'cancelled' AND l.refunded_fen < l.paid_fen
        AND (o.delivered_at IS NULL OR o.delivered_at > :window_start)
      LIMIT 1000
    ) open_lines
    """
)


def outstanding(session: Session, supplier: Supplier, *, window_days: int) -> rules.Outstanding:
    """What the supplier still has open with the platform: held, owed on its payable account, open orders, and
    whether a return is on its way."""
    assert supplier.id is not None
    held = balance(session, supplier_deposit_account(supplier.id))
    owed = balance(session, supplier_account(supplier.id))
    window_start = utcnow() - dt.timedelta(days=window_days)
    open_orders = session.execute(_OPEN_ORDERS, {"supplier_id": supplier.id, "window_start": window_start}).scalar()
    returning = session.execute(
        sa.select(sa.func.count())
        .select_from(DepositReturn)
        .where(col(DepositReturn.supplier_id) == supplier.id, col(DepositReturn.status) == "submitted")
    ).scalar()
    return rules.Outstanding(held, owed, int(open_orders or 0), bool(returning))


@dataclass(frozen=True)
class PayeeDetails:
    """Where a returned deposit is paid: the supplier's company bank account."""

    account_name: str
    account_number: str
    bank_name: str


class ReturnRefused(Conflict):
    """The deposit may not be returned now; `why` is one of rules' refusal codes."""

    def __init__(self, why: str) -> None:
        super().__init__(f"The deposit cannot be returned now ({why}).", why=why)
        self.why = why


def return_deposit(
    *,
    session: Session,
    user_id: int,
    payee: PayeeDetails,
    rail: PayoutRail,
    window_days: int,
) -> DepositReturn:
    """The supplier leaves: all its held deposit goes back through the payout rail, only with nothing outstanding
    (rules.return_refusal); its goods then leave the pool (nothing is held). A stopped (suspended, removed)
    supplier may not ask: an admin returns a removed supplier's deposit (return_removed_suppliers_deposit)."""
    supplier = require_reading_supplier(session, user_id)
    refuse_if_stopped(supplier)
    assert supplier.id is not None
    return _return(session, supplier.id, actor_id=user_id, payee=payee, rail=rail, window_days=window_days)


def return_removed_suppliers_deposit(
    *,
    session: Session,
    supplier_id: int,
    admin_id: int,
    payee: PayeeDetails,
    rail: PayoutRail,
    window_days: int,
) -> DepositReturn:
    """An admin closes a removed supplier's deposit: returned as return_deposit does, with nothing outstanding;
    audited."""
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound(f"No supplier {supplier_id}.")
    if supplier.status != "removed":
        raise Conflict("An admin returns the deposit of a removed supplier only; others ask for it themselves.")
    back = _return(session, supplier_id, actor_id=admin_id, payee=payee, rail=rail, window_days=window_days)
    audit.record(
        session,
        actor_id=admin_id,
        action="supplier.deposit_returned",
        subject_type="supplier",
        subject_id=supplier_id,
        after={"return_id": back.id, "status": back.status, "amount_fen": back.amount_fen},
    )
    session.commit()
    return back


def _return(
    session: Session, supplier_id: int, *, actor_id: int, payee: PayeeDetails, rail: PayoutRail, window_days: int
) -> DepositReturn:
    # Commits twice: the return is written and committed before the rail sees it (so it is handed over once), then
    # the rail's answer is recorded, with the `deposit_returned` posting when paid.
    if not rail.online:
        raise Conflict("Deposits are returned through an online payout rail; PAYOUT_RAIL names none.")
    supplier = _lock_supplier(session, supplier_id)
    why = rules.return_refusal(outstanding(session, supplier, window_days=window_days))
    if why:
        session.rollback()
        raise ReturnRefused(why)
    held = balance(session, supplier_deposit_account(supplier_id))
    back = DepositReturn(
        supplier_id=supplier_id,
        amount_fen=held,
        rail=rail.name,
        account_name=payee.account_name,
        account_number=payee.account_number,
        bank_name=payee.bank_name,
        requested_by=actor_id,
    )
    session.add(back)
    session.commit()
    assert back.id is not None
    transfer = Transfer(back.id, back.amount_fen, "bank", back.account_name, back.account_number, back.bank_name)
    results = rail.submit([transfer])
    return record_return_result(session=session, return_id=back.id, results=results)


def record_return_result(*, session: Session, return_id: int, results: list) -> DepositReturn:
    """Record what the rail said of a return (paid: its posting; failed: why); commit. Known results only; a
    result for a return already finished changes nothing."""
    back = session.execute(
        sa.select(DepositReturn).where(col(DepositReturn.id) == return_id).with_for_update()
    ).scalar_one()
    result = next((r for r in results if r.payout_id == return_id), None)
    if result is None or back.status != "submitted":
        session.commit()
        return back
    supplier = _lock_supplier(session, back.supplier_id)
    assert supplier.id is not None
    back.finished_at = utcnow()
    if result.status == "paid":
        back.status, back.external_reference = "paid", result.external_reference
        record_posting(
            session,
            reference=f"{DEPOSIT_RETURNED}:{back.id}",
            kind=DEPOSIT_RETURNED,
            lines=[
                EntryLine(supplier_deposit_account(supplier.id), back.amount_fen),
                EntryLine(CASH, -back.amount_fen),
            ],
            memo=f"保证金退还 {result.external_reference or back.id}",
            created_by=back.requested_by,
        )
        refresh_standing(session, [supplier.id])
    else:
        back.status, back.failure_reason = "failed", result.reason
    session.commit()
    return back


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


def returns_of(session: Session, supplier_id: int, limit: int = 5) -> list[DepositReturn]:
    """The supplier's latest returns, newest first."""
    return list(
        session.execute(
            sa.select(DepositReturn)
            .where(col(DepositReturn.supplier_id) == supplier_id)
            .order_by(col(DepositReturn.id).desc())
            .limit(limit)
        ).scalars()
    )
