"""Order events in, commission out: the shell that locks and loads an order batch, has distro.commission.engine
plan its changes, writes them set-based and commits once (the event store: distro.commission.event_store).

Every stored order is processed under a lock on its row, and a new one is inserted once by the batch that applies
its first events (a batch beaten to it by another writes nothing), so events of one order are applied one at a
time; the result depends only on the set of events (see orders.fold), never on their arrival order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import fields
from operator import attrgetter
from typing import Any

from sqlmodel import Session

from distro import bulk
from distro.campaigns import services as campaigns
from distro.clock import utcnow
from distro.commission import engine, event_store, referrals
from distro.commission.engine import Rules
from distro.commission.models import OrderEvent
from distro.commission.orders import OrderFacts, fold
from distro.commission.rows import LineRow, OrderLineRow, OrderRow, Product
from distro.ledger import services as ledger
from distro.outbound.services import anyone_listens, emit_many
from distro.settlement import claims
from distro.suppliers import rates
from distro.suppliers.rules import RateBoost, RateChange
from distro.tiers.services import tier_in_force_query

# The batch's statements, in psycopg's terms: their arrays go in binary format (distro/bulk.py).
# A batch's new orders are written once, as they stand after it (an empty row inserted first and then updated
# wrote every new order twice, with its four index entries each time): their ids are drawn first, for their lines.
_NEW_ORDER_IDS = "SELECT nextval('orders_id_seq') FROM generate_series(1, CAST(%(count)s AS integer))"
_INSERT_ORDERS = """
    INSERT INTO orders (id, external_id, status, shop_id, attribution, share_code, buyer_reference, buyer_user_id,
                        self_purchase, total_paid_fen, total_refunded_fen, paid_at, shipped_at, delivered_at,
                        cancelled_at, created_at, updated_at)
    SELECT x.*, now(), %(now)s
    FROM unnest(CAST(%(id)s AS bigint[]), CAST(%(external_id)s AS varchar[]), CAST(%(status)s AS varchar[]),
                CAST(%(shop_id)s AS bigint[]), CAST(%(attribution)s AS varchar[]), CAST(%(share_code)s AS varchar[]),
                CAST(%(buyer_reference)s AS varchar[]), CAST(%(buyer_user_id)s AS bigint[]),
                CAST(%(self_purchase)s AS boolean[]), CAST(%(total_paid_fen)s AS bigint[]),
                CAST(%(total_refunded_fen)s AS bigint[]), CAST(%(paid_at)s AS timestamptz[]),
                CAST(%(shipped_at)s AS timestamptz[]), CAST(%(delivered_at)s AS timestamptz[]),
                CAST(%(cancelled_at)s AS timestamptz[])) AS x
    ORDER BY 2
    ON CONFLICT (external_id) DO NOTHING
    RETURNING external_id
    """
_LOCK_ORDERS = (
    "SELECT id, external_id, status, shop_id, attribution, share_code, buyer_reference, buyer_user_id, self_purchase, "
    "total_paid_fen, total_refunded_fen, paid_at, shipped_at, delivered_at, cancelled_at "
    "FROM orders WHERE external_id = ANY(CAST(%(refs)s AS varchar[])) ORDER BY id FOR UPDATE"
)
_UPDATE_ORDERS = """
    UPDATE orders o
    SET status = x.status, shop_id = x.shop_id, attribution = x.attribution, share_code = x.share_code,
        buyer_reference = x.buyer_reference, buyer_user_id = x.buyer_user_id, self_purchase = x.self_purchase,
        total_paid_fen = x.total_paid_fen, total_refunded_fen = x.total_refunded_fen, paid_at = x.paid_at,
        shipped_at = x.shipped_at, delivered_at = x.delivered_at, cancelled_at = x.cancelled_at, updated_at = %(now)s
    FROM unnest(CAST(%(id)s AS bigint[]), CAST(%(status)s AS varchar[]), CAST(%(shop_id)s AS bigint[]),
                CAST(%(attribution)s AS varchar[]), CAST(%(share_code)s AS varchar[]),
                CAST(%(buyer_reference)s AS varchar[]), CAST(%(buyer_user_id)s AS bigint[]),
                CAST(%(self_purchase)s AS boolean[]), CAST(%(total_paid_fen)s AS bigint[]),
                CAST(%(total_refunded_fen)s AS bigint[]), CAST(%(paid_at)s AS timestamptz[]),
                CAST(%(shipped_at)s AS timestamptz[]), CAST(%(delivered_at)s AS timestamptz[]),
                CAST(%(cancelled_at)s AS timestamptz[]))
         AS x(id, status, shop_id, attribution, share_code, buyer_reference, buyer_user_id, self_purchase,
              total_paid_fen, total_refunded_fen, paid_at, shipped_at, delivered_at, cancelled_at)
    WHERE o.id = x.id
    """
_LOAD_PRODUCTS = (
    "SELECT id, supplier_id, commission_rate_bp, category FROM products WHERE id = ANY(CAST(%(ids)s AS bigint[]))"
)
# A line's paid fields never change once stored; only what has been refunded on it moves. Whether it earns
# its shop commission is set once, when the order is attributed (NULL until then).
_UPSERT_LINES = """
    INSERT INTO order_lines (order_id, line_ref, product_id, supplier_id, sku, quantity, paid_fen, refunded_fen,
                             earns_commission)
    SELECT * FROM unnest(CAST(%(order_ids)s AS bigint[]), CAST(%(refs)s AS varchar[]),
                         CAST(%(products)s AS bigint[]), CAST(%(suppliers)s AS bigint[]), CAST(%(skus)s AS varchar[]),
                         CAST(%(quantities)s AS integer[]), CAST(%(paid)s AS bigint[]), CAST(%(refunded)s AS bigint[]),
                         CAST(%(earns)s AS boolean[]))
    ORDER BY 1, 2
    ON CONFLICT (order_id, line_ref) DO UPDATE
    SET refunded_fen = EXCLUDED.refunded_fen,
        earns_commission = coalesce(order_lines.earns_commission, EXCLUDED.earns_commission)
    RETURNING order_id, line_ref, id, earns_commission
    """
_LOCK_COMMISSION_LINES = (
    "SELECT id, order_line_id, order_id, shop_id, supplier_id, product_id, rate_bp, tier_code, owner_share_bp, "
    "hold_days, paid_at, stage, payable_at, pool_fen, owner_fen, platform_fen, revision "
    "FROM commission_lines WHERE order_id = ANY(CAST(%(order_ids)s AS bigint[])) ORDER BY id FOR UPDATE"
)
# New commission lines go in as they stand after this batch's posting, so they need no UPDATE.
_INSERT_COMMISSION_LINES = """
    INSERT INTO commission_lines (order_line_id, order_id, shop_id, supplier_id, product_id, rate_bp, tier_code,
                                  owner_share_bp, hold_days, paid_at, stage, payable_at, pool_fen, owner_fen,
                                  platform_fen, revision, created_at, updated_at)
    SELECT x.*, now(), now()
    FROM unnest(CAST(%(order_line_id)s AS bigint[]), CAST(%(order_id)s AS bigint[]), CAST(%(shop_id)s AS bigint[]),
                CAST(%(supplier_id)s AS bigint[]), CAST(%(product_id)s AS bigint[]), CAST(%(rate_bp)s AS integer[]),
                CAST(%(tier_code)s AS varchar[]), CAST(%(owner_share_bp)s AS integer[]),
                CAST(%(hold_days)s AS integer[]),
                CAST(%(paid_at)s AS timestamptz[]), CAST(%(stage)s AS varchar[]), CAST(%(payable_at)s AS timestamptz[]),
                CAST(%(pool_fen)s AS bigint[]), CAST(%(owner_fen)s AS bigint[]), CAST(%(platform_fen)s AS bigint[]),
                CAST(%(revision)s AS integer[])) AS x
    ORDER BY 1
    RETURNING order_line_id, id
    """
# updated_at moves with the amounts; a line whose payable date alone changed keeps it (NULL here).
_UPDATE_COMMISSION_LINES = """
    UPDATE commission_lines c
    SET payable_at = x.payable_at, pool_fen = x.pool_fen, owner_fen = x.owner_fen, platform_fen = x.platform_fen,
        revision = x.revision, updated_at = coalesce(x.updated_at, c.updated_at)
    FROM unnest(CAST(%(id)s AS bigint[]), CAST(%(payable_at)s AS timestamptz[]), CAST(%(pool_fen)s AS bigint[]),
                CAST(%(owner_fen)s AS bigint[]), CAST(%(platform_fen)s AS bigint[]), CAST(%(revision)s AS integer[]),
                CAST(%(updated_at)s AS timestamptz[]))
         AS x(id, payable_at, pool_fen, owner_fen, platform_fen, revision, updated_at)
    WHERE c.id = x.id
    """


def _columns(row_type: type, *leave_out: str) -> tuple[str, ...]:
    return tuple(f.name for f in fields(row_type) if f.name not in leave_out)


_ORDER_COLUMNS = _columns(OrderRow)
_order_values = attrgetter(*_ORDER_COLUMNS)
_ORDER_UPDATE_COLUMNS = _columns(OrderRow, "external_id")
_order_update_values = attrgetter(*_ORDER_UPDATE_COLUMNS)
_ORDER_LINE_COLUMNS = _columns(OrderLineRow)
_order_line_values = attrgetter(*_ORDER_LINE_COLUMNS)
_LINE_INSERT_COLUMNS = _columns(LineRow, "id")
_line_insert_values = attrgetter(*_LINE_INSERT_COLUMNS)
_LINE_UPDATE_COLUMNS = ("id", "payable_at", "pool_fen", "owner_fen", "platform_fen", "revision")
_line_update_values = attrgetter(*_LINE_UPDATE_COLUMNS)


def reprocess_event(*, session: Session, event_id: str, rules: Rules) -> OrderEvent:
    """Process a quarantined event again, after its cause was fixed; it may be quarantined again (commits).

    NotFound for an unknown event, Conflict when it is not quarantined. The API and the admin console both call this.
    """
    event = event_store.requeue_event(session=session, event_id=event_id)
    process_order(session=session, order_ref=event.order_ref, rules=rules)
    session.refresh(event)
    return event


def process_order(*, session: Session, order_ref: str, rules: Rules) -> str:
    """Process one order (see process_orders); returns processed, quarantined or idle."""
    return process_orders(session=session, order_refs=[order_ref], rules=rules)[order_ref]


def process_orders(*, session: Session, order_refs: Sequence[str], rules: Rules) -> dict[str, str]:
    """Apply every stored event of the given orders to the orders, their lines, commission and ledger; commit once.

    Set-based: a batch costs a fixed number of statements, however many orders it holds. The orders
    are locked in id order (so concurrent batches cannot deadlock), every order's events are folded
    in Python, and all resulting postings go to the ledger in one insert. Per order the outcome is
    "processed", "quarantined" (its new events broke a rule; they are set aside with the reason and
    nothing else about the order changes) or "idle" (nothing new). New events another worker has
    claimed are left to that worker (see claim_new_events). When another transaction stores one of the batch's
    new orders first, the batch is rolled back (with the caller's transaction) and done again.
    """
    refs = sorted(set(order_refs))
    while True:
        try:
            return _process_once(session, refs, rules)
        except OrderCreatedMeanwhile:
            # Those orders are stored now, and the next try locks them: each try has fewer new orders to lose.
            session.rollback()


def _process_once(session: Session, refs: list[str], rules: Rules) -> dict[str, str]:
    """One try of process_orders; OrderCreatedMeanwhile when another transaction stored one of its new orders first."""
    if not refs:
        return {}
    orders = {row[1]: OrderRow(*row) for row in bulk.execute(session, _LOCK_ORDERS, {"refs": refs})}
    new_refs = [ref for ref in refs if ref not in orders]
    if new_refs:
        ids = bulk.execute(session, _NEW_ORDER_IDS, {"count": len(new_refs)})
        orders.update((ref, _new_order(order_id, ref)) for ref, (order_id,) in zip(new_refs, ids, strict=True))
    events = event_store.load_events(session, refs)
    facts = {ref: fold((event.type, event.data) for event in events[ref]) for ref in refs}
    product_ids = {line.product_id for f in facts.values() if f.payment is not None for line in f.payment.lines}
    products = {row[0]: Product(*row) for row in bulk.execute(session, _LOAD_PRODUCTS, {"ids": sorted(product_ids)})}
    order_plan = engine.plan_orders(
        orders,
        {ref: [event.id for event in events[ref] if event.status == "received"] for ref in refs},
        facts,
        products,
        referrals.load_claims(session, engine.to_attribute(orders, facts)),
        rules.policy.binding_days,
    )

    referrals.bind_buyers(session, order_plan.bindings)
    _write_orders(session, orders, new_refs, order_plan)
    line_ids = _upsert_lines(session, order_plan.lines)
    outbox = order_plan.outbox + _reconcile_commission(session, order_plan.orders, facts, line_ids, products, rules)
    if outbox and anyone_listens(session, sorted({event_type for event_type, _, _ in outbox})):
        emit_many(session, outbox)  # only when someone listens: its JSON was 7 % of the worker's CPU per event
    received_at = {event.id: event.received_at for ref in refs for event in events[ref] if event.status == "received"}
    event_store.mark_events(session, order_plan.marks, received_at)
    session.commit()
    return order_plan.outcome


class OrderCreatedMeanwhile(Exception):
    """Another transaction stored one of the batch's new orders first: the batch's view of its events is stale."""


def _new_order(order_id: int, ref: str) -> OrderRow:
    """An order no event has been applied to yet, under the id drawn for it."""
    return OrderRow(
        order_id, ref, "awaiting_payment", None, "none", None, None, None, False, 0, 0, None, None, None, None
    )


def _write_orders(
    session: Session, orders: Mapping[str, OrderRow], new_refs: Sequence[str], plan: engine.OrderPlan
) -> None:
    """Insert the batch's new orders as the plan leaves them (untouched, when quarantined or idle); update the others.

    Raises OrderCreatedMeanwhile when another transaction stored a new order with new events first: its events were
    read without that order's lock, and process_orders rolls the batch back and tries it again (that order locked).
    """
    now = utcnow()
    planned = {order.external_id: order for order in plan.orders}
    if new_refs:
        rows = [_order_values(planned.get(ref, orders[ref])) for ref in new_refs]
        inserted = bulk.execute(session, _INSERT_ORDERS, {**_array_parameters(_ORDER_COLUMNS, rows), "now": now})
        beaten = set(new_refs).difference(ref for (ref,) in inserted)
        if any(plan.outcome[ref] != "idle" for ref in beaten):
            raise OrderCreatedMeanwhile(", ".join(sorted(beaten)))
    new = set(new_refs)
    stored = [order for order in plan.orders if order.external_id not in new]
    if stored:
        rows = [_order_update_values(order) for order in stored]
        bulk.execute(session, _UPDATE_ORDERS, {**_array_parameters(_ORDER_UPDATE_COLUMNS, rows), "now": now})


def _array_parameters(names: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> dict[str, list[Any]]:
    """Rows turned into one array parameter per column, for INSERT ... SELECT FROM unnest(...)."""
    return {name: list(column) for name, column in zip(names, zip(*rows, strict=True), strict=True)}


def _upsert_lines(session: Session, lines: Sequence[OrderLineRow]) -> dict[tuple[int, str], tuple[int, bool]]:
    """Insert the orders' new lines and bring every line's refunded amount up to date.

    Returns, by (order id, line ref), the line's id and whether it earns its shop commission, as stored: a
    line's first decision stands.
    """
    if not lines:
        return {}
    names = ("order_ids", "refs", "products", "suppliers", "skus", "quantities", "paid", "refunded", "earns")
    rows = [_order_line_values(line) for line in lines]
    result = bulk.execute(session, _UPSERT_LINES, _array_parameters(names, rows))
    return {(order_id, line_ref): (line_id, bool(earning)) for order_id, line_ref, line_id, earning in result}


def _reconcile_commission(
    session: Session,
    orders: Sequence[OrderRow],
    facts: Mapping[str, OrderFacts],
    line_ids: Mapping[tuple[int, str], tuple[int, bool]],
    products: Mapping[int, Product],
    rules: Rules,
) -> list[engine.OutboundEvent]:
    """Load what the orders' commission depends on, under its locks; write what plan_commission makes of it.

    Returns the outbound events of the moves, for the caller to emit with its own.
    """
    earning = engine.earning(orders, facts)
    if not earning:
        return []
    # A computing settlement batch may be claiming these lines; wait for it, so that a refund of a line
    # it claims is a clawback, and a refund it did not see stays out of its payouts.
    claims.wait_for_claiming(session)
    # Lock these orders' commission lines (in id order) so the release job cannot move them meanwhile.
    locked = bulk.execute(session, _LOCK_COMMISSION_LINES, {"order_ids": [order.id for order in earning]})
    stored = {line.order_line_id: line for line in (LineRow(*row) for row in locked)}
    plan = engine.plan_commission(
        earning,
        facts,
        line_ids,
        stored,
        claims.claimed_line_ids(session, (line.id for line in stored.values())),  # type: ignore[misc]
        _tiers_then(session, earning),
        _rate_changes(session, wanted := engine.to_price(earning, facts, line_ids, stored)),
        products,
        rules,
        _rate_boosts(session, wanted),
    )
    if plan.new_lines:
        rows = [_line_insert_values(line) for line in plan.new_lines]
        parameters = _array_parameters(_LINE_INSERT_COLUMNS, rows)
        inserted: dict[int, int] = dict(bulk.execute(session, _INSERT_COMMISSION_LINES, parameters).fetchall())
        for line in plan.new_lines:
            line.id = inserted[line.order_line_id]
    if plan.updates:
        now = utcnow()
        rows = [(*_line_update_values(line), now if moved else None) for line, moved in plan.updates]
        bulk.execute(session, _UPDATE_COMMISSION_LINES, _array_parameters((*_LINE_UPDATE_COLUMNS, "updated_at"), rows))
    postings, outbox = engine.commission_postings(plan.moves)
    ledger.record_postings(session, [ledger.NewPosting(p.reference, p.kind, p.lines, p.memo) for p in postings])
    return outbox


def _tiers_then(session: Session, orders: Sequence[OrderRow]) -> dict[tuple[Any, Any], str | None]:
    """The tier code in force for each order's shop when it was paid (None: never evaluated)."""
    pairs = sorted({(order.shop_id, order.paid_at) for order in orders})
    result = session.execute(
        tier_in_force_query(), {"shop_ids": [s for s, _ in pairs], "paid_ats": [t for _, t in pairs]}
    )
    return {(shop_id, paid_at): tier for shop_id, paid_at, tier in result}


def _rate_boosts(session: Session, wanted: Collection[tuple[int, dt.datetime]]) -> dict[int, list[RateBoost]]:
    """The campaigns' boosted rates that may be in force for (product, paid at) (engine.plan_commission)."""
    if not wanted:
        return {}
    paid_ats = [paid_at for _, paid_at in wanted]
    return campaigns.rate_boosts(session, {product_id for product_id, _ in wanted}, min(paid_ats), max(paid_ats))


def _rate_changes(session: Session, wanted: Collection[tuple[int, dt.datetime]]) -> dict[int, list[RateChange]]:
    """The rate changes the rates in force for (product, paid at) are picked from (engine.plan_commission)."""
    if not wanted:
        return {}
    paid_ats = [paid_at for _, paid_at in wanted]
    return rates.rate_changes(session, {product_id for product_id, _ in wanted}, min(paid_ats), max(paid_ats))
