"""Enforcing promises: find the orders whose supplier missed a deadline it promised, record one breach per order,
supplier and deadline, and post each breach's compensation from the supplier's deposit to what buyers are owed.

Set-based: one statement finds every new breach (each order judged by the promise in force when it was paid), one
inserts them, one batch of postings moves the money, whatever the number. A rerun finds nothing it recorded
before (the breach is unique, its posting's reference too).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from distro.deposits.standing import refresh_standing
from distro.ledger.chart import BUYER_COMPENSATION, EntryLine, supplier_deposit_account
from distro.ledger.services import NewPosting, record_postings
from distro.promises.rules import BreachKind, Compensation, CompensationKind, compensation_fen

COMPENSATION_KIND = "promise_compensation"
"""The kind of the posting that takes a breach's compensation from the supplier's deposit."""

# Every order paid in the window whose supplier (a supplier with any promise) missed a deadline the promise in
# force at payment set: done after it, or not done with it past and the order not cancelled before it (the same
# judgement as rules.is_breached), and not recorded before. The deadline is paid_at plus hours (days × 24), as
# rules.deadline reckons it.
_FIND = sa.text(
    """
    WITH lines AS (
        SELECT o.id AS order_id, o.external_id AS order_ref, ol.supplier_id, o.paid_at, o.shipped_at, o.delivered_at,
               o.cancelled_at, CAST(sum(ol.paid_fen) AS bigint) AS paid_fen
        FROM orders o
        JOIN order_lines ol ON ol.order_id = o.id
        WHERE o.paid_at >= :since AND o.paid_at <= :now
          AND ol.supplier_id IN (SELECT DISTINCT supplier_id FROM supplier_promises)
        GROUP BY o.id, ol.supplier_id
    )
    SELECT l.order_id, l.order_ref, l.supplier_id, k.kind, p.id AS promise_id, l.paid_at, k.due_at, k.done_at,
           l.paid_fen, k.compensation_kind, k.compensation_value
    FROM lines l
    CROSS JOIN LATERAL (
        SELECT * FROM supplier_promises sp
        WHERE sp.supplier_id = l.supplier_id AND sp.effective_from <= l.paid_at
        ORDER BY sp.effective_from DESC, sp.id DESC
        LIMIT 1
    ) p
    CROSS JOIN LATERAL (VALUES
        ('ship', l.paid_at + make_interval(hours => p.ship_within_hours), l.shipped_at,
         p.ship_compensation_kind, p.ship_compensation_value),
        ('deliver', l.paid_at + make_interval(hours => p.deliver_within_days * 24), l.delivered_at,
         p.deliver_compensation_kind, p.deliver_compensation_value)
    ) AS k(kind, due_at, done_at, compensation_kind, compensation_value)
    WHERE k.due_at IS NOT NULL
      AND (k.done_at > k.due_at
           OR (k.done_at IS NULL AND k.due_at < :now AND (l.cancelled_at IS NULL OR l.cancelled_at > k.due_at)))
      AND NOT EXISTS (
          SELECT 1 FROM promise_breaches b
          WHERE b.order_id = l.order_id AND b.supplier_id = l.supplier_id AND b.kind = k.kind
      )
    ORDER BY l.order_id, l.supplier_id, k.kind
    """
)

_INSERT = sa.text(
    """
    INSERT INTO promise_breaches (order_id, supplier_id, kind, promise_id, paid_at, due_at, done_at, paid_fen,
                                  compensation_fen, found_at)
    SELECT *, CAST(:now AS timestamptz) FROM unnest(
        CAST(:order_ids AS bigint[]), CAST(:supplier_ids AS bigint[]), CAST(:kinds AS varchar[]),
        CAST(:promise_ids AS bigint[]), CAST(:paid_ats AS timestamptz[]), CAST(:due_ats AS timestamptz[]),
        CAST(:done_ats AS timestamptz[]), CAST(:paid_fens AS bigint[]), CAST(:compensations AS bigint[]))
    ON CONFLICT (order_id, supplier_id, kind) DO NOTHING
    RETURNING id, order_id, supplier_id, kind, compensation_fen
    """
)


@dataclass(frozen=True)
class Found:
    """A breach the job found, before it is recorded."""

    order_id: int
    supplier_id: int
    kind: BreachKind
    promise_id: int
    paid_at: dt.datetime
    due_at: dt.datetime
    done_at: dt.datetime | None
    paid_fen: int
    compensation_fen: int
    order_ref: str = ""
    """The order's number as the supplier and the buyer know it (orders.external_id)."""


@dataclass(frozen=True)
class Draw:
    """Compensation to take from a supplier's deposit, under a unique reference."""

    supplier_id: int
    amount_fen: int
    reference: str
    memo: str = ""


_MEMO_KINDS = {"ship": "超时发货", "deliver": "超时送达"}


def compensation_memo(kind: str, order_ref: str, breach_id: int) -> str:
    """The memo of a breach's compensation posting, as the supplier reads it on its deposit page and finance in
    the ledger: what was late, on which order (its number, as on 发货 and 超时记录) and the breach's number."""
    return f"{_MEMO_KINDS.get(kind, kind)}赔付 订单 {order_ref}（违约 #{breach_id}）"


def compensation_reference(order_id: int, supplier_id: int, kind: str) -> str:
    """The reference of a breach's compensation posting: one per order, supplier and deadline."""
    return f"promise:{order_id}:{supplier_id}:{kind}"


def find_breaches(session: Session, *, now: dt.datetime, lookback_days: int) -> list[Found]:
    """Every breach not yet recorded among orders paid in the lookback_days before now, with its compensation."""
    rows = session.execute(_FIND, {"now": now, "since": now - dt.timedelta(days=lookback_days)}).all()
    return [
        Found(
            order_id=row.order_id,
            supplier_id=row.supplier_id,
            kind=BreachKind(row.kind),
            promise_id=row.promise_id,
            paid_at=row.paid_at,
            due_at=row.due_at,
            done_at=row.done_at,
            paid_fen=row.paid_fen,
            compensation_fen=compensation_fen(
                Compensation(CompensationKind(row.compensation_kind), row.compensation_value), row.paid_fen
            ),
            order_ref=row.order_ref,
        )
        for row in rows
    ]


def post_compensations(session: Session, draws: Sequence[Draw]) -> list[int]:
    """Post each draw from the supplier's deposit to what buyers are owed (debit supplier:N:deposit, credit
    platform:buyer_compensation), all at once; idempotent by reference. The caller commits.

    The compensations of one run leave the deposits in one call (deposits.services.draw_deposit is the same posting
    for one draw); then the suppliers' standing is derived again, so a deposit drawn below its requirement takes
    the supplier's goods out of the pool at once.
    """
    posted = record_postings(
        session,
        [
            NewPosting(
                draw.reference,
                COMPENSATION_KIND,
                [
                    EntryLine(supplier_deposit_account(draw.supplier_id), draw.amount_fen),
                    EntryLine(BUYER_COMPENSATION, -draw.amount_fen),
                ],
                draw.memo,
            )
            for draw in draws
            if draw.amount_fen > 0
        ],
    )
    refresh_standing(session, sorted({draw.supplier_id for draw in draws}))
    return posted


def enforce_promises(session: Session, *, now: dt.datetime, lookback_days: int) -> int:
    """Record every new breach and post its compensation, in one transaction; commit; return how many were new."""
    found = find_breaches(session, now=now, lookback_days=lookback_days)
    if not found:
        return 0
    inserted = session.execute(
        _INSERT,
        {
            "now": now,
            "order_ids": [breach.order_id for breach in found],
            "supplier_ids": [breach.supplier_id for breach in found],
            "kinds": [breach.kind.value for breach in found],
            "promise_ids": [breach.promise_id for breach in found],
            "paid_ats": [breach.paid_at for breach in found],
            "due_ats": [breach.due_at for breach in found],
            "done_ats": [breach.done_at for breach in found],
            "paid_fens": [breach.paid_fen for breach in found],
            "compensations": [breach.compensation_fen for breach in found],
        },
    ).all()
    order_refs = {breach.order_id: breach.order_ref for breach in found}
    post_compensations(
        session,
        [
            Draw(
                row.supplier_id,
                row.compensation_fen,
                compensation_reference(row.order_id, row.supplier_id, row.kind),
                compensation_memo(row.kind, order_refs[row.order_id], row.id),
            )
            for row in inserted
        ],
    )
    session.commit()
    return len(inserted)
