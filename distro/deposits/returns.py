"""Returning a supplier's deposit through the payout rail: what it still has open with the platform, the return it
asks for (or an admin's, for a removed supplier), and the rail's answer, with the `deposit_returned` posting (debit
supplier:N:deposit, credit cash) once per return the rail paid."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.clock import utcnow
from distro.deposits import rules
from distro.deposits.models import DepositReturn
from distro.deposits.services import DEPOSIT_RETURNED, lock_supplier
from distro.deposits.standing import refresh_standing
from distro.errors import Conflict, NotFound
from distro.ledger.chart import CASH, EntryLine, supplier_account, supplier_deposit_account
from distro.ledger.services import balance, record_posting
from distro.settlement.rails import PayoutRail, Transfer
from distro.suppliers.models import Supplier
from distro.suppliers.services import refuse_if_stopped, require_reading_supplier

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
    supplier = lock_supplier(session, supplier_id)
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
    supplier = lock_supplier(session, back.supplier_id)
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
