"""Commission processing's decisions (pure): what a batch of orders changes, planned from what was loaded.

No session, no SQL: plain values in, plain values out. The shell (distro.commission.services) locks and
loads, and writes what these plans say, in a fixed number of statements per batch:

1. plan_orders: from the orders' rows, their events' facts (orders.fold) and what points them at a shop
   (attribution.OrderClaims), each order's outcome, its new state, its lines and the buyers it binds;
2. plan_commission: from the lines' ids, their commission lines (locked), the tiers and rates in force when
   each order was paid and which lines a settlement batch claimed, the commission lines to add, those to
   change and the move of each to its target;
3. commission_postings: once new lines have their ids, the ledger postings and outbound events of the moves.

Every line holds what the ledger holds for it, and a move is the difference to its target, so replays and
retries post nothing, and the result depends only on the set of an order's events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from distro.commission.attribution import Attribution, Binding, OrderClaims, attribute, new_bindings
from distro.commission.calculator import LineCommission
from distro.commission.orders import OrderFacts, PaidLine, Payment, posting_kind, target_commission
from distro.commission.policy import CommissionPolicy, payable_at
from distro.commission.rows import LineRow, OrderLineRow, OrderRow, Product
from distro.ledger.chart import PLATFORM_REVENUE, EntryLine, shop_account, supplier_account
from distro.suppliers.rules import RateBoost, RateChange, rate_in_force
from distro.tiers.rules import TierTable

OutboundEvent = tuple[str, dict[str, Any], int | None]
"""An outbound webhook event: its type, its payload and the supplier it concerns (None: admins only)."""


@dataclass(frozen=True)
class Rules:
    """What processing needs from configuration."""

    tiers: TierTable
    policy: CommissionPolicy


@dataclass(frozen=True)
class PlannedPosting:
    """A ledger posting to record (ledger.services.NewPosting's fields)."""

    reference: str
    kind: str
    lines: tuple[EntryLine, ...]
    memo: str


@dataclass
class OrderPlan:
    """What a batch changes about its orders."""

    outcome: dict[str, str] = field(default_factory=dict)
    """By order reference: processed, quarantined (its new events broke a rule) or idle (nothing new)."""
    marks: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    """By new event id: processed or quarantined, and why."""
    orders: list[OrderRow] = field(default_factory=list)
    """The processed orders, as they now stand."""
    lines: list[OrderLineRow] = field(default_factory=list)
    bindings: list[Binding] = field(default_factory=list)
    outbox: list[OutboundEvent] = field(default_factory=list)


@dataclass(frozen=True)
class Move:
    """A commission line's move to its target: the difference to post, and what the posting is called."""

    order_ref: str
    line: LineRow
    delta: LineCommission
    kind: str


@dataclass
class CommissionPlan:
    """What a batch changes about commission lines."""

    new_lines: list[LineRow] = field(default_factory=list)
    """Lines to add, as they stand after their first move (their id is the write's to fill in)."""
    updates: list[tuple[LineRow, bool]] = field(default_factory=list)
    """Stored lines that changed, and whether their amounts moved (rather than their payable date alone)."""
    moves: list[Move] = field(default_factory=list)


def to_attribute(orders: Mapping[str, OrderRow], facts: Mapping[str, OrderFacts]) -> dict[str, Payment]:
    """The paid orders without a shop, by reference: attribution is decided once, so only theirs is loaded."""
    return {
        ref: order_facts.payment
        for ref, order_facts in facts.items()
        if order_facts.payment is not None and orders[ref].shop_id is None
    }


def plan_orders(
    orders: Mapping[str, OrderRow],
    new_events: Mapping[str, Sequence[str]],
    facts: Mapping[str, OrderFacts],
    products: Mapping[int, Product],
    claims: Mapping[str, OrderClaims],
    binding_days: int,
) -> OrderPlan:
    """Each order's outcome and new state, from its locked row and the facts of all its events.

    new_events: the ids of each order's events not processed yet (an order with none is idle); claims: what
    points each order of to_attribute at a shop. An order whose events break a rule (facts.problems), name
    an unknown product, or whose attribution found a problem is quarantined and nothing else about it changes.
    """
    plan = OrderPlan()
    attributed: list[tuple[str, dt.datetime, Attribution]] = []
    for ref in sorted(orders):
        new = new_events.get(ref, ())
        if not new:
            plan.outcome[ref] = "idle"
            continue
        order_facts = facts[ref]
        problems = list(order_facts.problems)
        if order_facts.payment is not None:
            problems += [
                f"unknown product {line.product_id}"
                for line in order_facts.payment.lines
                if line.product_id not in products
            ]
        attribution = attribute(claims[ref]) if ref in claims else None
        if attribution is not None:
            problems += attribution.problems
        outcome, reason = ("quarantined", "; ".join(problems)) if problems else ("processed", None)
        plan.marks.update((event_id, (outcome, reason)) for event_id in new)
        plan.outcome[ref] = outcome
        if problems:
            continue
        order = _as_facts_say(orders[ref], order_facts, attribution)
        plan.orders.append(order)
        if order_facts.payment is None:
            continue
        plan.lines += _order_lines(order, order_facts, products, attribution)
        if attribution is not None:
            attributed.append((order_facts.payment.buyer_reference, order_facts.payment.paid_at, attribution))
        if attribution is not None and attribution.shop_id is not None:
            plan.outbox.append(
                (
                    "order.attributed",
                    {
                        "order_id": order.external_id,
                        "shop_id": order.shop_id,
                        "attribution": order.attribution,
                        "self_purchase": order.self_purchase,
                    },
                    None,
                )
            )
    plan.bindings = new_bindings(attributed, binding_days)
    return plan


def _as_facts_say(row: OrderRow, facts: OrderFacts, attribution: Attribution | None) -> OrderRow:
    """The order row in line with its facts; attributed when this batch decided its shop."""
    order = replace(
        row,
        status=facts.status,
        shipped_at=facts.shipped_at,
        delivered_at=facts.delivered_at,
        cancelled_at=facts.cancelled_at,
    )
    payment = facts.payment
    if payment is None:
        return order
    order.paid_at, order.total_paid_fen = payment.paid_at, payment.total_paid_fen
    order.total_refunded_fen = sum(facts.refunded_fen(line.line_id) for line in payment.lines)
    order.buyer_reference, order.buyer_user_id = payment.buyer_reference, payment.buyer_user_id
    if attribution is None or attribution.shop_id is None:
        return order
    # The order keeps only the share code that brought it to its shop: analytics count it on that link.
    order.shop_id, order.attribution, order.share_code = attribution.shop_id, attribution.how, attribution.share_code
    order.self_purchase = attribution.self_purchase
    return order


def _order_lines(
    order: OrderRow, facts: OrderFacts, products: Mapping[int, Product], attribution: Attribution | None
) -> list[OrderLineRow]:
    """The order's lines with what was refunded on each; whether each earns its shop commission is decided with
    the order's attribution, once (a product the shop adds later does not make an old line earn)."""
    assert facts.payment is not None
    earning = attribution.earning_products if attribution is not None and attribution.shop_id is not None else None
    return [
        OrderLineRow(
            order_id=order.id,
            line_ref=paid.line_id,
            product_id=paid.product_id,
            supplier_id=products[paid.product_id].supplier_id,
            sku=paid.sku,
            quantity=paid.quantity,
            paid_fen=paid.paid_fen,
            refunded_fen=facts.refunded_fen(paid.line_id),
            earns=None if earning is None else paid.product_id in earning,
        )
        for paid in facts.payment.lines
    ]


def earning(orders: Iterable[OrderRow], facts: Mapping[str, OrderFacts]) -> list[OrderRow]:
    """The orders whose lines may carry commission: paid, and attributed to a shop."""
    return [order for order in orders if order.shop_id is not None and facts[order.external_id].payment is not None]


def _paid_lines(order: OrderRow, facts: Mapping[str, OrderFacts]) -> tuple[PaidLine, ...]:
    payment = facts[order.external_id].payment
    return payment.lines if payment is not None else ()


def to_price(
    orders: Iterable[OrderRow],
    facts: Mapping[str, OrderFacts],
    line_ids: Mapping[tuple[int, str], tuple[int, bool]],
    stored: Collection[int],
) -> set[tuple[int, dt.datetime]]:
    """(product, paid at) of the earning lines that have no commission line yet: whose rate in force is wanted.

    line_ids: by (order id, line ref), the order line's id and whether it earns; stored: the order line ids
    that have a commission line.
    """
    return {
        (paid.product_id, order.paid_at)
        for order in earning(orders, facts)
        if order.paid_at is not None
        for paid in _paid_lines(order, facts)
        if (ids := line_ids[(order.id, paid.line_id)])[0] not in stored and ids[1]
    }


def plan_commission(
    orders: Iterable[OrderRow],
    facts: Mapping[str, OrderFacts],
    line_ids: Mapping[tuple[int, str], tuple[int, bool]],
    stored: Mapping[int, LineRow],
    claimed: Collection[int],
    tiers_then: Mapping[tuple[int, dt.datetime], str | None],
    rate_changes: Mapping[int, Sequence[RateChange]],
    products: Mapping[int, Product],
    rules: Rules,
    rate_boosts: Mapping[int, Sequence[RateBoost]] | None = None,
) -> CommissionPlan:
    """Bring every line of the earning orders to its target commission and payable date.

    stored: the orders' commission lines by order line id; claimed: the ids of those a settlement batch claimed
    (a refund of one is a clawback, and it keeps the payable date it was claimed by); tiers_then: the tier code
    in force for (shop, paid at), None when the shop was never evaluated (the entry tier); rate_changes: by
    product, the rate changes the rates in force are picked from (to_price says which are wanted); rate_boosts:
    by product, the campaigns' boosted rates, in force for orders paid while their campaign ran. A new line
    snapshots its rate, tier, owner share and hold days; a flagged self-purchase and a line of a product its
    shop does not carry get none.
    """
    plan = CommissionPlan()
    for order in earning(orders, facts):
        assert order.shop_id is not None and order.paid_at is not None
        # The tier in force when the order was paid (a later promotion applies to later orders only).
        tier = rules.tiers.get(tiers_then.get((order.shop_id, order.paid_at)) or rules.tiers.entry.code)
        owner_share = rules.policy.owner_share_bp(tier.share_bp, order.self_purchase)
        if owner_share is None:  # a flagged self-purchase earns nothing
            continue
        order_facts = facts[order.external_id]
        for paid in _paid_lines(order, facts):
            order_line_id, earns = line_ids[(order.id, paid.line_id)]
            current = stored.get(order_line_id)
            if current is None and not earns:  # a product its shop does not carry pays that shop nothing
                continue
            if current is None:
                product = products[paid.product_id]
                rate_bp = rate_in_force(
                    rate_changes.get(product.id, ()), order.paid_at, (rate_boosts or {}).get(product.id, ())
                )
                line = LineRow(
                    id=None,
                    order_line_id=order_line_id,
                    order_id=order.id,
                    shop_id=order.shop_id,
                    supplier_id=product.supplier_id,
                    product_id=product.id,
                    rate_bp=product.commission_rate_bp if rate_bp is None else rate_bp,
                    tier_code=tier.code,
                    owner_share_bp=owner_share,
                    hold_days=rules.policy.hold_days_for(product.category),
                    paid_at=order.paid_at,
                    stage="pending",
                    payable_at=None,
                    pool_fen=0,
                    owner_fen=0,
                    platform_fen=0,
                    revision=0,
                )
                plan.new_lines.append(line)
            else:
                line = replace(current)
            settled = line.id is not None and line.id in claimed
            if not settled:
                withdrawn = order_facts.withdrawn(paid)
                line.payable_at = payable_at(order_facts.delivered_at, line.hold_days, withdrawn=withdrawn)
            target = target_commission(order_facts, paid, line.rate_bp, line.owner_share_bp)
            move = _move(order.external_id, line, target, settled)
            if move is not None:
                plan.moves.append(move)
            if current is not None and (move is not None or line.payable_at != current.payable_at):
                plan.updates.append((line, move is not None))
    return plan


def _move(order_ref: str, line: LineRow, target: LineCommission, settled: bool) -> Move | None:
    """Bring the line to its target; the move to post, or None when it already holds the target."""
    delta_pool = target.pool - line.pool_fen
    if delta_pool == 0:
        return None
    delta = LineCommission(delta_pool, target.owner - line.owner_fen, target.platform - line.platform_fen)
    kind = posting_kind(delta_pool, line.revision == 0, settled)
    line.revision += 1
    line.pool_fen, line.owner_fen, line.platform_fen = target.pool, target.owner, target.platform
    return Move(order_ref, line, delta, kind)


def commission_postings(moves: Iterable[Move]) -> tuple[list[PlannedPosting], list[OutboundEvent]]:
    """Each move's posting (supplier payable → shop's stage + platform revenue) and outbound event.

    The lines must have their ids: a posting's reference names the line and its revision.
    """
    postings: list[PlannedPosting] = []
    outbox: list[OutboundEvent] = []
    for move in moves:
        line, delta = move.line, move.delta
        entries = (
            EntryLine(supplier_account(line.supplier_id), delta.pool),
            EntryLine(shop_account(line.shop_id, line.stage), -delta.owner),
            EntryLine(PLATFORM_REVENUE, -delta.platform),
        )
        postings.append(
            PlannedPosting(
                reference=f"commission-line:{line.id}:{line.revision}",
                kind=move.kind,
                lines=tuple(entry for entry in entries if entry.amount != 0),
                memo=f"订单 {move.order_ref}",
            )
        )
        outbox.append(
            (
                "commission.accrued" if delta.pool > 0 else "commission.reversed",
                {
                    "order_id": move.order_ref,
                    "commission_line_id": line.id,
                    "shop_id": line.shop_id,
                    "product_id": line.product_id,
                    "kind": move.kind,
                    "delta_pool_fen": delta.pool,
                    "pool_fen": line.pool_fen,
                    "owner_fen": line.owner_fen,
                    "platform_fen": line.platform_fen,
                },
                line.supplier_id,
            )
        )
    return postings, outbox
