"""Order events in, commission out: store events, bring each order and its ledger in line with them.

Every order is processed under a lock on its row, so events of one order are applied one at a
time; the result depends only on the set of events (see orders.fold), never on their arrival order.
Each commission line holds what the ledger holds for it; processing posts the difference between
that and the line's target, so replays and retries post nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session

from distro.commission.calculator import LineCommission
from distro.commission.models import CommissionLine, Order, OrderEvent, OrderLine
from distro.commission.orders import OrderFacts, PaidLine, fold, posting_kind, target_commission
from distro.commission.policy import CommissionPolicy
from distro.db import utcnow
from distro.errors import Conflict, NotFound
from distro.ledger import services as ledger
from distro.ledger.chart import EntryLine, shop_account, supplier_account
from distro.outbound.services import emit
from distro.shops.models import Shop
from distro.suppliers.models import Product
from distro.suppliers.services import rate_in_force
from distro.tiers.rules import TierTable

PLATFORM_REVENUE = "platform:revenue"


@dataclass(frozen=True)
class Rules:
    """What processing needs from configuration."""

    tiers: TierTable
    policy: CommissionPolicy


def store_event(*, session: Session, event_id: str, event_type: str, order_ref: str, data: Mapping[str, Any]) -> bool:
    """Durably record a verified event and commit; False when this webhook-id was already stored."""
    inserted = session.execute(
        insert(OrderEvent)
        .values(
            id=event_id, type=event_type, order_ref=order_ref, data=dict(data), status="received", received_at=utcnow()
        )
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(OrderEvent.id)
    ).first()
    session.commit()
    return inserted is not None


def _lock_order(session: Session, order_ref: str) -> Order:
    session.execute(
        insert(Order)
        .values(
            external_id=order_ref,
            status="awaiting_payment",
            attribution="none",
            self_purchase=False,
            total_paid_fen=0,
            total_refunded_fen=0,
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["external_id"])
    )
    return session.execute(sa.select(Order).where(Order.external_id == order_ref).with_for_update()).scalar_one()


@dataclass(frozen=True)
class Attribution:
    """The shop an order belongs to, and how it was found."""

    shop: Shop | None
    how: str


def _attribute(session: Session, facts: OrderFacts, problems: list[str]) -> Attribution:
    payment = facts.payment
    assert payment is not None
    if payment.share_code:
        # Share links arrive with the share issue; until then a share code cannot be resolved.
        problems.append(f"unknown share code {payment.share_code!r}")
        return Attribution(None, "none")
    if payment.shop_slug:
        shop = session.execute(sa.select(Shop).where(Shop.slug == payment.shop_slug)).scalar_one_or_none()
        if shop is None:
            problems.append(f"unknown shop {payment.shop_slug!r}")
        return Attribution(shop, "shop")
    return Attribution(None, "none")


def process_order(*, session: Session, order_ref: str, rules: Rules) -> str:
    """Apply every stored event of one order to the order, its lines, its commission and the ledger; commit.

    Returns "processed", "quarantined" (the new events broke a rule; they are set aside with the
    reason and nothing else changes) or "idle" (nothing new).
    """
    order = _lock_order(session, order_ref)
    events = (
        session.execute(
            sa.select(OrderEvent)
            .where(OrderEvent.order_ref == order_ref, OrderEvent.status.in_(("received", "processed")))  # type: ignore[attr-defined]
            .order_by(OrderEvent.id)
        )
        .scalars()
        .all()
    )
    new = [event for event in events if event.status == "received"]
    if not new:
        session.commit()
        return "idle"
    facts = fold((event.type, event.data) for event in events)
    problems = list(facts.problems)
    products: dict[int, Product] = {}
    attribution = Attribution(None, "none")
    if facts.payment is not None:
        wanted = {line.product_id for line in facts.payment.lines}
        products = {p.id: p for p in session.execute(sa.select(Product).where(Product.id.in_(wanted))).scalars()}  # type: ignore[union-attr, misc]
        problems += [f"unknown product {product_id}" for product_id in sorted(wanted - set(products))]
        attribution = _attribute(session, facts, problems)
    if problems:
        reason = "; ".join(problems)
        for event in new:
            event.status, event.quarantine_reason = "quarantined", reason
        session.commit()
        return "quarantined"

    _apply_facts(session, order, facts, attribution)
    if facts.payment is not None:
        lines = _upsert_lines(session, order, facts, products)
        if order.shop_id is not None:
            _reconcile_commission(session, order, facts, lines, products, rules)
    now = utcnow()
    for event in new:
        event.status, event.processed_at, event.quarantine_reason = "processed", now, None
    session.commit()
    return "processed"


def _apply_facts(session: Session, order: Order, facts: OrderFacts, attribution: Attribution) -> None:
    payment = facts.payment
    order.status = facts.status
    order.shipped_at, order.delivered_at, order.cancelled_at = facts.shipped_at, facts.delivered_at, facts.cancelled_at
    order.updated_at = utcnow()
    if payment is None:
        return
    order.paid_at, order.total_paid_fen = payment.paid_at, payment.total_paid_fen
    order.total_refunded_fen = sum(facts.refunded_fen(line.line_id) for line in payment.lines)
    order.buyer_reference, order.buyer_user_id = payment.buyer_reference, payment.buyer_user_id
    order.share_code = payment.share_code
    newly_attributed = order.shop_id is None and attribution.shop is not None
    if attribution.shop is not None:
        order.shop_id, order.attribution = attribution.shop.id, attribution.how
        order.self_purchase = payment.buyer_user_id is not None and payment.buyer_user_id == attribution.shop.owner_id
    if newly_attributed:
        emit(
            session,
            event_type="order.attributed",
            supplier_id=None,
            payload={
                "order_id": order.external_id,
                "shop_id": order.shop_id,
                "attribution": order.attribution,
                "self_purchase": order.self_purchase,
            },
        )


def _upsert_lines(
    session: Session, order: Order, facts: OrderFacts, products: Mapping[int, Product]
) -> dict[str, OrderLine]:
    existing = {
        line.line_ref: line
        for line in session.execute(sa.select(OrderLine).where(OrderLine.order_id == order.id)).scalars()
    }
    assert facts.payment is not None
    for paid in facts.payment.lines:
        line = existing.get(paid.line_id)
        if line is None:
            product = products[paid.product_id]
            line = OrderLine(
                order_id=order.id,
                line_ref=paid.line_id,
                product_id=paid.product_id,  # type: ignore[arg-type]
                supplier_id=product.supplier_id,
                sku=paid.sku,
                quantity=paid.quantity,
                paid_fen=paid.paid_fen,
            )
            session.add(line)
            existing[paid.line_id] = line
        line.refunded_fen = facts.refunded_fen(paid.line_id)
    session.flush()
    return existing


def _reconcile_commission(
    session: Session,
    order: Order,
    facts: OrderFacts,
    lines: Mapping[str, OrderLine],
    products: Mapping[int, Product],
    rules: Rules,
) -> None:
    payment = facts.payment
    assert payment is not None and order.shop_id is not None
    shop = session.get_one(Shop, order.shop_id)
    owner_share = rules.policy.owner_share_bp(rules.tiers.get(shop.tier_code).share_bp, order.self_purchase)
    if owner_share is None:  # a flagged self-purchase earns nothing
        return
    # Lock this order's commission lines (in id order) so the release job cannot move them meanwhile.
    current = {
        cl.order_line_id: cl
        for cl in session.execute(
            sa.select(CommissionLine)
            .where(CommissionLine.order_id == order.id)
            .order_by(CommissionLine.id)
            .with_for_update()
        ).scalars()
    }
    for paid in payment.lines:
        order_line = lines[paid.line_id]
        commission_line = current.get(order_line.id)  # type: ignore[arg-type]
        if commission_line is None:
            commission_line = _new_commission_line(session, order, shop, order_line, paid, products, rules, owner_share)
        target = target_commission(facts, paid, commission_line.rate_bp, commission_line.owner_share_bp)
        _post_difference(session, order, commission_line, target)
        if commission_line.stage == "pending":
            commission_line.payable_at = (
                facts.delivered_at + dt.timedelta(days=commission_line.hold_days)
                if facts.delivered_at is not None and facts.cancelled_at is None
                else None
            )
        commission_line.updated_at = utcnow()


def _new_commission_line(
    session: Session,
    order: Order,
    shop: Shop,
    order_line: OrderLine,
    paid: PaidLine,
    products: Mapping[int, Product],
    rules: Rules,
    owner_share: int,
) -> CommissionLine:
    assert order.paid_at is not None
    product = products[paid.product_id]
    rate = rate_in_force(session, product.id, order.paid_at)  # type: ignore[arg-type]
    commission_line = CommissionLine(
        order_line_id=order_line.id,
        order_id=order.id,
        shop_id=shop.id,
        supplier_id=product.supplier_id,  # type: ignore[arg-type]
        product_id=product.id,
        rate_bp=product.commission_rate_bp if rate is None else rate,  # type: ignore[arg-type]
        tier_code=shop.tier_code,
        owner_share_bp=owner_share,
        hold_days=rules.policy.hold_days_for(product.category),
        paid_at=order.paid_at,
    )
    session.add(commission_line)
    session.flush()
    return commission_line


def _post_difference(session: Session, order: Order, line: CommissionLine, target: LineCommission) -> None:
    delta_pool = target.pool - line.pool_fen
    if delta_pool == 0:
        return
    delta_owner, delta_platform = target.owner - line.owner_fen, target.platform - line.platform_fen
    entries = [
        EntryLine(supplier_account(line.supplier_id), delta_pool),
        EntryLine(shop_account(line.shop_id, line.stage), -delta_owner),
        EntryLine(PLATFORM_REVENUE, -delta_platform),
    ]
    kind = posting_kind(delta_pool, line.revision == 0, line.settled)
    ledger.record_posting(
        session,
        reference=f"commission-line:{line.id}:{line.revision + 1}",
        kind=kind,
        lines=[entry for entry in entries if entry.amount != 0],
        memo=f"order {order.external_id}",
    )
    line.revision += 1
    line.pool_fen, line.owner_fen, line.platform_fen = target.pool, target.owner, target.platform
    emit(
        session,
        event_type="commission.accrued" if delta_pool > 0 else "commission.reversed",
        supplier_id=line.supplier_id,
        payload={
            "order_id": order.external_id,
            "commission_line_id": line.id,
            "shop_id": line.shop_id,
            "product_id": line.product_id,
            "kind": kind,
            "delta_pool_fen": delta_pool,
            "pool_fen": line.pool_fen,
            "owner_fen": line.owner_fen,
            "platform_fen": line.platform_fen,
        },
    )


def orders_with_new_events(session: Session, *, limit: int, received_before: dt.datetime | None = None) -> list[str]:
    """Order references that have unprocessed events, oldest first."""
    query = (
        sa.select(OrderEvent.order_ref)
        .where(OrderEvent.status == "received")
        .group_by(OrderEvent.order_ref)
        .order_by(sa.func.min(OrderEvent.received_at))
        .limit(limit)
    )
    if received_before is not None:
        query = query.where(OrderEvent.received_at < received_before)
    return list(session.execute(query).scalars())


_RELEASE = sa.text(
    """
    WITH due AS (
        SELECT id FROM commission_lines
        WHERE stage = 'pending' AND payable_at <= :now
        ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED
    ), moved AS (
        UPDATE commission_lines c
        SET stage = 'available', updated_at = now(),
            revision = c.revision + CASE WHEN c.owner_fen <> 0 THEN 1 ELSE 0 END
        FROM due WHERE c.id = due.id
        RETURNING c.id, c.shop_id, c.owner_fen, c.revision, 'commission-line:' || c.id || ':' || c.revision AS reference
    ), postings AS (
        INSERT INTO ledger_postings (reference, kind, memo, created_at)
        SELECT reference, 'release', 'payable after delivery and the hold period', now()
        FROM moved WHERE owner_fen <> 0
        RETURNING id, reference
    ), entries AS (
        INSERT INTO ledger_entries (posting_id, account_id, amount)
        SELECT p.id, a.id, x.amount
        FROM postings p
        JOIN moved m ON m.reference = p.reference
        CROSS JOIN LATERAL (VALUES ('shop:' || m.shop_id || ':' || 'pending', m.owner_fen),
                                   ('shop:' || m.shop_id || ':' || 'available', -m.owner_fen)) AS x(code, amount)
        JOIN ledger_accounts a ON a.code = x.code
    )
    SELECT count(*) FROM moved
    """
)


def release_due_commission(*, session: Session, now: dt.datetime | None = None, limit: int = 50_000) -> int:
    """Move commission whose hold period has passed from shops' pending to available balances; commit.

    Set-based: one statement moves up to `limit` lines and posts one balanced transfer per line.
    Lines being reprocessed at the same moment are skipped and picked up by the next run.
    """
    now = now or utcnow()
    shops = (
        session.execute(
            sa.select(CommissionLine.shop_id)
            .where(CommissionLine.stage == "pending", CommissionLine.payable_at <= now)  # type: ignore[operator]
            .distinct()
        )
        .scalars()
        .all()
    )
    ledger.ensure_accounts(
        session,
        [shop_account(shop_id, "available") for shop_id in shops]
        + [shop_account(shop_id, "pending") for shop_id in shops],
    )
    moved = session.execute(_RELEASE, {"now": now, "limit": limit}).scalar_one()
    session.commit()
    return int(moved)


# --- Reading -----------------------------------------------------------------------------------


def line_status(line: Mapping[str, Any] | CommissionLine) -> str:
    """What an owner sees a commission line as: pending, payable, settled, reversed or clawed_back."""
    get = line.get if isinstance(line, Mapping) else lambda name: getattr(line, name)
    if get("pool_fen") == 0 and get("revision") > 0:
        return "clawed_back" if get("settled") else "reversed"
    if get("settled"):
        return "settled"
    return "payable" if get("stage") == "available" else "pending"


def owner_lines_query(owner_id: int, shop_id: int | None = None) -> sa.Select:
    """The commission lines of the owner's shops, newest first."""
    query = (
        sa.select(CommissionLine, Order.external_id)
        .join(Shop, Shop.id == CommissionLine.shop_id)  # type: ignore[arg-type]
        .join(Order, Order.id == CommissionLine.order_id)  # type: ignore[arg-type]
        .where(Shop.owner_id == owner_id)
        .order_by(CommissionLine.id.desc())  # type: ignore[union-attr]
    )
    return query.where(CommissionLine.shop_id == shop_id) if shop_id is not None else query


def owner_balances(session: Session, owner_id: int) -> list[dict[str, Any]]:
    """Each of the owner's shops with its pending and available balance in fen (available may be negative)."""
    shops = session.execute(
        sa.select(Shop.id, Shop.display_name).where(Shop.owner_id == owner_id).order_by(Shop.id)
    ).all()
    codes = [shop_account(shop_id, bucket) for shop_id, _ in shops for bucket in ("pending", "available")]
    amounts = ledger.balances(session, codes)
    return [
        {
            "shop_id": shop_id,
            "shop_name": name,
            "pending_fen": amounts[shop_account(shop_id, "pending")],
            "available_fen": amounts[shop_account(shop_id, "available")],
        }
        for shop_id, name in shops
    ]


def supplier_orders_query(supplier_id: int) -> sa.Select:
    """Per order, the commission a supplier owes (sum of its lines' pools), newest first."""
    return (
        sa.select(
            Order.external_id.label("order_id"),
            Order.status,
            Order.paid_at,  # type: ignore[attr-defined]
            sa.func.sum(CommissionLine.pool_fen).label("commission_fen"),
            sa.func.count(CommissionLine.id).label("lines"),
        )
        .join(CommissionLine, CommissionLine.order_id == Order.id)  # type: ignore[arg-type]
        .where(CommissionLine.supplier_id == supplier_id)
        .group_by(Order.id)
        .order_by(Order.paid_at.desc().nulls_last(), Order.id.desc())  # type: ignore[union-attr]
    )


def quarantined_events_query() -> sa.Select:
    """Events set aside with a reason, oldest first (admin)."""
    return sa.select(OrderEvent).where(OrderEvent.status == "quarantined").order_by(OrderEvent.received_at)


def requeue_event(*, session: Session, event_id: str) -> OrderEvent:
    """Put a quarantined event back to be processed again (after its cause was fixed); commit."""
    event = session.get(OrderEvent, event_id)
    if event is None:
        raise NotFound(f"No order event {event_id!r}.")
    if event.status != "quarantined":
        raise Conflict(f"Event {event_id!r} is {event.status}, not quarantined.")
    event.status = "received"
    session.commit()
    return event


def process_orders(*, session: Session, order_refs: Sequence[str], rules: Rules) -> dict[str, int]:
    """Process several orders, each in its own transaction; counts by outcome."""
    outcome: dict[str, int] = {}
    for order_ref in order_refs:
        result = process_order(session=session, order_ref=order_ref, rules=rules)
        outcome[result] = outcome.get(result, 0) + 1
    return outcome
