"""An order's state as a pure fold over the set of its events, and what each of its commission lines shows.

Events arrive at least once and in any order. The state is computed from the *set* of distinct
events (duplicates collapse; refunds count once per refund id) with no dependence on arrival
order, so the same events always give the same state, the same commission, the same payable date
and the same line status. Nothing here looks at what was posted before: a line's history (which
postings it took to get there) differs by arrival order, its facts do not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from distro.commission.calculator import LineCommission, line_commission

PAID, SHIPPED, DELIVERED, REFUNDED, CANCELLED = (
    "order.paid",
    "order.shipped",
    "order.delivered",
    "order.refunded",
    "order.cancelled",
)
EVENT_TYPES = (PAID, SHIPPED, DELIVERED, REFUNDED, CANCELLED)
ZERO = LineCommission(pool=0, owner=0, platform=0)


@dataclass(frozen=True)
class PaidLine:
    """One line as paid: product, SKU, quantity and the amount paid for it in fen."""

    line_id: str
    product_id: int
    sku: str | None
    quantity: int
    paid_fen: int


@dataclass(frozen=True)
class Payment:
    """What order.paid says."""

    paid_at: dt.datetime
    buyer_reference: str
    buyer_user_id: int | None
    share_code: str | None
    shop_slug: str | None
    total_paid_fen: int
    lines: tuple[PaidLine, ...]


@dataclass(frozen=True)
class OrderFacts:
    """Everything known about an order from its events; problems say why it cannot be processed."""

    payment: Payment | None = None
    shipped_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    cancelled_at: dt.datetime | None = None
    refunds: Mapping[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    def refunded_fen(self, line_id: str) -> int:
        """Total refunded on a line over all distinct refunds, in fen."""
        if not self.refunds:  # most orders: processing asks this several times a line
            return 0
        return sum(
            amount for lines in self.refunds.values() for refunded_line, amount in lines if refunded_line == line_id
        )

    def withdrawn(self, line: PaidLine) -> bool:
        """Whether these events took the line's commission away (see commission_withdrawn)."""
        return commission_withdrawn(
            cancelled=self.cancelled_at is not None,
            paid_fen=line.paid_fen,
            refunded_fen=self.refunded_fen(line.line_id),
        )

    @property
    def status(self) -> str:
        """The order's stage: awaiting_payment, paid, shipped, delivered, refunded or cancelled."""
        if self.cancelled_at is not None:
            return "cancelled"
        if (
            self.payment is not None
            and self.payment.lines
            and all(self.refunded_fen(line.line_id) >= line.paid_fen for line in self.payment.lines)
        ):
            return "refunded"
        if self.payment is None:
            return "awaiting_payment"
        if self.delivered_at is not None:
            return "delivered"
        return "shipped" if self.shipped_at is not None else "paid"


def _time(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _payment(data: Mapping[str, Any]) -> Payment:
    buyer = data.get("buyer") or {}
    return Payment(
        paid_at=_time(data["paid_at"]),
        buyer_reference=str(buyer.get("reference", "")),
        buyer_user_id=buyer.get("user_id"),
        share_code=data.get("share_code"),
        shop_slug=data.get("shop"),
        total_paid_fen=int(data["total_paid_fen"]),
        lines=tuple(
            sorted(
                (
                    PaidLine(
                        str(line["line_id"]),
                        int(line["product_id"]),
                        line.get("sku"),
                        int(line["quantity"]),
                        int(line["paid_fen"]),
                    )
                    for line in data["lines"]
                ),
                key=lambda line: line.line_id,
            )
        ),
    )


def _earliest(current: dt.datetime | None, candidate: dt.datetime) -> dt.datetime:
    return candidate if current is None or candidate < current else current


def fold(events: Iterable[tuple[str, Mapping[str, Any]]]) -> OrderFacts:
    """Fold an order's events (type, data) into its facts, independent of their order and duplicates."""
    payments: set[Payment] = set()
    shipped = delivered = cancelled = None
    refunds: dict[str, set[tuple[tuple[str, int], ...]]] = {}
    for event_type, data in events:
        if event_type == PAID:
            payments.add(_payment(data))
        elif event_type == SHIPPED:
            shipped = _earliest(shipped, _time(data["shipped_at"]))
        elif event_type == DELIVERED:
            delivered = _earliest(delivered, _time(data["delivered_at"]))
        elif event_type == CANCELLED:
            cancelled = _earliest(cancelled, _time(data["cancelled_at"]))
        elif event_type == REFUNDED:
            lines = tuple(sorted((str(line["line_id"]), int(line["amount_fen"])) for line in data["lines"]))
            refunds.setdefault(str(data["refund_id"]), set()).add(lines)
    problems = []
    if len(payments) > 1:
        problems.append("conflicting order.paid events for the same order")
    conflicting = sorted(refund_id for refund_id, versions in refunds.items() if len(versions) > 1)
    if conflicting:
        problems.append(f"conflicting order.refunded events for refund {', '.join(conflicting)}")
    facts = OrderFacts(
        payment=min(payments, key=repr) if payments else None,
        shipped_at=shipped,
        delivered_at=delivered,
        cancelled_at=cancelled,
        refunds={refund_id: min(versions) for refund_id, versions in refunds.items()},
    )
    return OrderFacts(**{**facts.__dict__, "problems": tuple(problems) + tuple(amount_problems(facts))})


def amount_problems(facts: OrderFacts) -> list[str]:
    """Amounts that do not add up: lines against the total, refunds against what was paid."""
    if facts.payment is None:
        return []
    problems = []
    lines = {line.line_id: line for line in facts.payment.lines}
    if len(lines) != len(facts.payment.lines):
        problems.append("duplicate line ids")
    if sum(line.paid_fen for line in facts.payment.lines) != facts.payment.total_paid_fen:
        problems.append(
            f"lines add up to {sum(line.paid_fen for line in facts.payment.lines)} fen, "
            f"not the total paid of {facts.payment.total_paid_fen} fen"
        )
    for refund_id, refund_lines in sorted(facts.refunds.items()):
        for line_id, _ in refund_lines:
            if line_id not in lines:
                problems.append(f"refund {refund_id} names unknown line {line_id}")
    for line in facts.payment.lines:
        if facts.refunded_fen(line.line_id) > line.paid_fen:
            problems.append(
                f"line {line.line_id} refunded {facts.refunded_fen(line.line_id)} fen of {line.paid_fen} fen paid"
            )
    return problems


def commission_withdrawn(*, cancelled: bool, paid_fen: int, refunded_fen: int) -> bool:
    """Whether a line's commission was taken away: its order was cancelled, or the line refunded in full.

    A line that paid nothing (a gift) is never refunded in full: it earns nothing and loses nothing.
    """
    return cancelled or 0 < paid_fen <= refunded_fen


def target_commission(facts: OrderFacts, line: PaidLine, rate_bp: int, owner_share_bp: int) -> LineCommission:
    """The commission a line should carry now: on its net paid amount, nothing once it was withdrawn."""
    if facts.payment is None or facts.withdrawn(line):
        return ZERO
    return line_commission(max(line.paid_fen - facts.refunded_fen(line.line_id), 0), rate_bp, owner_share_bp)


LINE_STATUSES = ("pending", "payable", "settled", "reversed", "clawed_back")


def line_status(*, withdrawn: bool, stage: str, settled: bool) -> str:
    """What an owner sees a commission line as: one of LINE_STATUSES.

    withdrawn: the order's events took the commission away (commission_withdrawn); stage: where the line's
    money is (pending, or available once payable); settled: a settlement batch has claimed the line. A
    withdrawn line is reversed, or clawed back when a batch had claimed it: since a withdrawn line is never
    payable again (policy.payable_at), a batch that holds it claimed it before it was withdrawn. Whether the
    cancellation or the refund came before or after the payment, the shipment or the delivery does not matter.
    """
    if withdrawn:
        return "clawed_back" if settled else "reversed"
    if settled:
        return "settled"
    return "payable" if stage == "available" else "pending"


def posting_kind(delta_pool: int, first_posting: bool, settled: bool) -> str:
    """What a change of a line's commission is called in the ledger."""
    if delta_pool > 0:
        return "accrual" if first_posting else "accrual_adjustment"
    return "clawback" if settled else "reversal"
