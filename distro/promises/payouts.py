"""Paying buyers what broken promises owe them, out of platform:buyer_compensation.

Orders placed on distro's own landing pages (a checkout) are paid back by the job, as a refund through the payment
provider the buyer paid with (distro/storefront/payments.py), under a refund number unique to the breach so that
a retry is the same refund. Orders that came from outside shops by webhook have no payment distro can refund: they
wait on finance's list (财务 › 赔付), and finance records each one it paid the buyer by its own means. Either way
the payment is a posting (debit platform:buyer_compensation, credit cash) recorded with the breach marked paid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.commission.models import Order
from distro.errors import Conflict, NotFound
from distro.ledger.chart import BUYER_COMPENSATION, CASH, EntryLine
from distro.ledger.services import NewPosting, record_postings
from distro.promises.models import PromiseBreach
from distro.storefront.models import Checkout
from distro.storefront.payments import PaymentProvider
from distro.suppliers.models import Supplier

PAID_KIND = "promise_compensation_paid"
"""The kind of the posting that pays a breach's compensation to the buyer."""

REFUND_BATCH = 200
"""Breaches a run of the refund job pays at most (the rest wait for the next run)."""

# Unpaid breaches of orders placed on distro's storefront, oldest first, locked so two runs never pay one twice.
_DUE_REFUNDS = sa.text(
    """
    SELECT b.id, b.compensation_fen, c.order_ref
    FROM promise_breaches b
    JOIN orders o ON o.id = b.order_id
    JOIN checkouts c ON c.order_ref = o.external_id
    WHERE b.paid_out_at IS NULL AND b.compensation_fen > 0
    ORDER BY b.id
    LIMIT :limit
    FOR UPDATE OF b SKIP LOCKED
    """
)
_MARK_PAID = sa.text(
    """
    UPDATE promise_breaches SET paid_out_at = :now, payout_channel = :channel, paid_out_by = :by
    WHERE id = ANY(CAST(:ids AS bigint[])) AND paid_out_at IS NULL
    """
)


def payout_reference(breach_id: int) -> str:
    """The unique reference of a breach's payment to the buyer: the posting's and the provider's refund number."""
    return f"promise-payout:{breach_id}"


def _paid_postings(paid: Sequence[tuple[int, int]]) -> list[NewPosting]:
    return [
        NewPosting(
            payout_reference(breach_id),
            PAID_KIND,
            [EntryLine(BUYER_COMPENSATION, amount), EntryLine(CASH, -amount)],
            f"超时赔付已付买家（违约 #{breach_id}）",
        )
        for breach_id, amount in paid
    ]


def refund_storefront_compensations(
    *, session: Session, provider: PaymentProvider, now: dt.datetime, limit: int = REFUND_BATCH
) -> int:
    """Refund what each unpaid breach of a storefront order owes its buyer, post it and mark it paid; commit.

    A refund the provider refuses leaves its breach unpaid for the next run (and those after it, paid or not, wait
    for the next run too: the transaction commits what was paid before it). Returns how many were paid.
    """
    due = session.execute(_DUE_REFUNDS, {"limit": limit}).all()
    paid: list[tuple[int, int]] = []
    try:
        for breach_id, amount, order_ref in due:
            provider.refund(order_ref, amount, payout_reference(breach_id))
            paid.append((breach_id, amount))
    finally:
        if paid:
            record_postings(session, _paid_postings(paid))
            session.execute(
                _MARK_PAID, {"now": now, "channel": "refund", "by": None, "ids": [breach_id for breach_id, _ in paid]}
            )
        session.commit()
    return len(paid)


def record_paid_by_finance(*, session: Session, user_id: int, breach_id: int, now: dt.datetime) -> PromiseBreach:
    """Finance records that it paid a breach's compensation to the buyer by its own means (an order from an outside
    shop); post it and mark the breach paid; commit. A storefront order's is refunded by the job instead (Conflict),
    and one already paid is a Conflict too."""
    breach = session.execute(
        sa.select(PromiseBreach).where(col(PromiseBreach.id) == breach_id).with_for_update()
    ).scalar_one_or_none()
    if breach is None:
        raise NotFound(f"No breach {breach_id}.")
    if breach.paid_out_at is not None or breach.compensation_fen == 0:
        raise Conflict("This compensation is paid already (or there was nothing to pay).")
    if is_storefront_order(session, breach.order_id):
        raise Conflict("A storefront order's compensation is refunded to the buyer's payment by the refund job.")
    record_postings(session, _paid_postings([(breach_id, breach.compensation_fen)]))
    breach.paid_out_at, breach.payout_channel, breach.paid_out_by = now, "finance", user_id
    audit.record(
        session,
        actor_id=user_id,
        action="promise_breach.paid",
        subject_type="promise_breach",
        subject_id=breach_id,
        after={"compensation_fen": breach.compensation_fen, "channel": "finance"},
    )
    session.commit()
    return breach


def is_storefront_order(session: Session, order_id: int) -> bool:
    """Whether an order was placed on distro's own landing pages (a checkout), so its buyer's payment is refundable."""
    return bool(
        session.execute(
            sa.text(
                "SELECT EXISTS (SELECT 1 FROM orders o JOIN checkouts c ON c.order_ref = o.external_id "
                "WHERE o.id = :id)"
            ),
            {"id": order_id},
        ).scalar_one()
    )


def compensations_query(*, paid: bool) -> sa.Select:
    """Breaches with compensation to pay (paid=False: still owed; True: paid), for finance's list by breach id: each
    with its order, supplier, amount, and whether the order is the storefront's (refunded by the job) or not."""
    checkout = Checkout.__table__  # type: ignore[attr-defined]  # SQLModel declares no __table__
    paid_out = col(PromiseBreach.paid_out_at)
    return (
        sa.select(
            col(PromiseBreach.id),
            col(PromiseBreach.kind),
            col(PromiseBreach.due_at),
            col(PromiseBreach.done_at),
            col(PromiseBreach.compensation_fen),
            col(PromiseBreach.paid_out_at),
            col(PromiseBreach.payout_channel),
            col(PromiseBreach.supplier_id),
            col(Supplier.company_name),
            col(Order.external_id).label("order_ref"),
            (checkout.c.id.is_not(None)).label("storefront"),
        )
        .join(Order, col(Order.id) == PromiseBreach.order_id)
        .join(Supplier, col(Supplier.id) == PromiseBreach.supplier_id)
        .outerjoin(checkout, checkout.c.order_ref == Order.external_id)
        .where(col(PromiseBreach.compensation_fen) > 0, paid_out.is_not(None) if paid else paid_out.is_(None))
    )
