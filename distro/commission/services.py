"""Order events in, commission out: bring each order and its ledger in line with its stored events
(the store itself: distro/commission/event_store.py).

Every order is processed under a lock on its row, so events of one order are applied one at a
time; the result depends only on the set of events (see orders.fold), never on their arrival order.
Each commission line holds what the ledger holds for it; processing posts the difference between
that and the line's target, so replays and retries post nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from distro.clock import utcnow
from distro.commission import referrals
from distro.commission.attribution import Attribution, attribute
from distro.commission.calculator import LineCommission
from distro.commission.orders import OrderFacts, fold, payable_from, posting_kind, target_commission
from distro.commission.policy import CommissionPolicy
from distro.ledger import services as ledger
from distro.ledger.chart import EntryLine, shop_account, supplier_account
from distro.outbound.services import emit_many
from distro.settlement import claims
from distro.tiers.rules import TierTable
from distro.tiers.services import tier_in_force_query

PLATFORM_REVENUE = "platform:revenue"


@dataclass(frozen=True)
class Rules:
    """What processing needs from configuration."""

    tiers: TierTable
    policy: CommissionPolicy


# The webhook's one statement, in the driver's own terms: it runs on the hot path without the ORM.
_CREATE_ORDERS = sa.text(
    "INSERT INTO orders (external_id, status, attribution, self_purchase, total_paid_fen, total_refunded_fen, "
    "created_at, updated_at) "
    "SELECT ref, 'awaiting_payment', 'none', false, 0, 0, now(), now() FROM unnest(CAST(:refs AS varchar[])) AS ref "
    "ORDER BY ref ON CONFLICT (external_id) DO NOTHING"
)
_LOCK_ORDERS = sa.text(
    "SELECT id, external_id, status, shop_id, attribution, share_code, buyer_reference, buyer_user_id, self_purchase, "
    "total_paid_fen, total_refunded_fen, paid_at, shipped_at, delivered_at, cancelled_at "
    "FROM orders WHERE external_id = ANY(CAST(:refs AS varchar[])) ORDER BY id FOR UPDATE"
)
_UPDATE_ORDERS = sa.text(
    """
    UPDATE orders o
    SET status = x.status, shop_id = x.shop_id, attribution = x.attribution, share_code = x.share_code,
        buyer_reference = x.buyer_reference, buyer_user_id = x.buyer_user_id, self_purchase = x.self_purchase,
        total_paid_fen = x.total_paid_fen, total_refunded_fen = x.total_refunded_fen, paid_at = x.paid_at,
        shipped_at = x.shipped_at, delivered_at = x.delivered_at, cancelled_at = x.cancelled_at, updated_at = :now
    FROM unnest(CAST(:id AS bigint[]), CAST(:status AS varchar[]), CAST(:shop_id AS bigint[]),
                CAST(:attribution AS varchar[]), CAST(:share_code AS varchar[]), CAST(:buyer_reference AS varchar[]),
                CAST(:buyer_user_id AS bigint[]), CAST(:self_purchase AS boolean[]), CAST(:total_paid_fen AS bigint[]),
                CAST(:total_refunded_fen AS bigint[]), CAST(:paid_at AS timestamptz[]),
                CAST(:shipped_at AS timestamptz[]), CAST(:delivered_at AS timestamptz[]),
                CAST(:cancelled_at AS timestamptz[]))
         AS x(id, status, shop_id, attribution, share_code, buyer_reference, buyer_user_id, self_purchase,
              total_paid_fen, total_refunded_fen, paid_at, shipped_at, delivered_at, cancelled_at)
    WHERE o.id = x.id
    """
)
# The orders' new events are locked, skipping those another worker has claimed (see claim_new_events):
# that worker waits for these orders' locks and then processes its events itself. Waiting for them
# here instead would deadlock, both sides holding what the other waits for.
_LOAD_EVENTS = sa.text(
    """
    WITH new AS (
        SELECT id, order_ref, type, data, status FROM order_events
        WHERE order_ref = ANY(CAST(:refs AS varchar[])) AND status = 'received'
        FOR UPDATE SKIP LOCKED
    )
    SELECT * FROM new
    UNION ALL
    SELECT id, order_ref, type, data, status FROM order_events
    WHERE order_ref = ANY(CAST(:refs AS varchar[])) AND status = 'processed'
    ORDER BY id
    """
)
_LOAD_PRODUCTS = sa.text(
    "SELECT id, supplier_id, commission_rate_bp, category FROM products WHERE id = ANY(CAST(:ids AS bigint[]))"
)
_RATES_IN_FORCE = sa.text(
    """
    SELECT x.product_id, x.paid_at, r.rate_bp
    FROM unnest(CAST(:product_ids AS bigint[]), CAST(:paid_ats AS timestamptz[])) AS x(product_id, paid_at)
    CROSS JOIN LATERAL (
        SELECT rate_bp FROM commission_rates
        WHERE product_id = x.product_id AND effective_from <= x.paid_at
        ORDER BY effective_from DESC, id DESC LIMIT 1
    ) r
    """
)
# A line's paid fields never change once stored; only what has been refunded on it moves. Whether it earns
# its shop commission is set once, when the order is attributed (NULL until then).
_UPSERT_LINES = sa.text(
    """
    INSERT INTO order_lines (order_id, line_ref, product_id, supplier_id, sku, quantity, paid_fen, refunded_fen,
                             earns_commission)
    SELECT * FROM unnest(CAST(:order_ids AS bigint[]), CAST(:refs AS varchar[]), CAST(:products AS bigint[]),
                         CAST(:suppliers AS bigint[]), CAST(:skus AS varchar[]), CAST(:quantities AS integer[]),
                         CAST(:paid AS bigint[]), CAST(:refunded AS bigint[]), CAST(:earns AS boolean[]))
    ORDER BY 1, 2
    ON CONFLICT (order_id, line_ref) DO UPDATE
    SET refunded_fen = EXCLUDED.refunded_fen,
        earns_commission = coalesce(order_lines.earns_commission, EXCLUDED.earns_commission)
    RETURNING order_id, line_ref, id, earns_commission
    """
)
_LOCK_COMMISSION_LINES = sa.text(
    "SELECT id, order_line_id, order_id, shop_id, supplier_id, product_id, rate_bp, tier_code, owner_share_bp, "
    "hold_days, paid_at, stage, payable_at, pool_fen, owner_fen, platform_fen, revision "
    "FROM commission_lines WHERE order_id = ANY(CAST(:order_ids AS bigint[])) ORDER BY id FOR UPDATE"
)
# New commission lines go in as they stand after this batch's posting, so they need no UPDATE.
_INSERT_COMMISSION_LINES = sa.text(
    """
    INSERT INTO commission_lines (order_line_id, order_id, shop_id, supplier_id, product_id, rate_bp, tier_code,
                                  owner_share_bp, hold_days, paid_at, stage, payable_at, pool_fen, owner_fen,
                                  platform_fen, revision, created_at, updated_at)
    SELECT x.*, now(), now()
    FROM unnest(CAST(:order_line_id AS bigint[]), CAST(:order_id AS bigint[]), CAST(:shop_id AS bigint[]),
                CAST(:supplier_id AS bigint[]), CAST(:product_id AS bigint[]), CAST(:rate_bp AS integer[]),
                CAST(:tier_code AS varchar[]), CAST(:owner_share_bp AS integer[]), CAST(:hold_days AS integer[]),
                CAST(:paid_at AS timestamptz[]), CAST(:stage AS varchar[]), CAST(:payable_at AS timestamptz[]),
                CAST(:pool_fen AS bigint[]), CAST(:owner_fen AS bigint[]), CAST(:platform_fen AS bigint[]),
                CAST(:revision AS integer[])) AS x
    ORDER BY 1
    RETURNING order_line_id, id
    """
)
# updated_at moves with the amounts; a line whose payable date alone changed keeps it (NULL here).
_UPDATE_COMMISSION_LINES = sa.text(
    """
    UPDATE commission_lines c
    SET payable_at = x.payable_at, pool_fen = x.pool_fen, owner_fen = x.owner_fen, platform_fen = x.platform_fen,
        revision = x.revision, updated_at = coalesce(x.updated_at, c.updated_at)
    FROM unnest(CAST(:id AS bigint[]), CAST(:payable_at AS timestamptz[]), CAST(:pool_fen AS bigint[]),
                CAST(:owner_fen AS bigint[]), CAST(:platform_fen AS bigint[]), CAST(:revision AS integer[]),
                CAST(:updated_at AS timestamptz[]))
         AS x(id, payable_at, pool_fen, owner_fen, platform_fen, revision, updated_at)
    WHERE c.id = x.id
    """
)
_MARK_EVENTS = sa.text(
    "UPDATE order_events e SET status = x.status, quarantine_reason = x.reason, "
    "processed_at = CASE WHEN x.status = 'processed' THEN now() END "
    "FROM unnest(CAST(:ids AS varchar[]), CAST(:statuses AS varchar[]), CAST(:reasons AS text[])) "
    "AS x(id, status, reason) WHERE e.id = x.id"
)


@dataclass(slots=True)
class _OrderRow:
    """An order's columns as processing reads and rewrites them; every batch writes its orders in one UPDATE."""

    id: int
    external_id: str
    status: str
    shop_id: int | None
    attribution: str
    share_code: str | None
    buyer_reference: str | None
    buyer_user_id: int | None
    self_purchase: bool
    total_paid_fen: int
    total_refunded_fen: int
    paid_at: dt.datetime | None
    shipped_at: dt.datetime | None
    delivered_at: dt.datetime | None
    cancelled_at: dt.datetime | None


_ORDER_UPDATE_COLUMNS = tuple(f.name for f in fields(_OrderRow) if f.name != "external_id")
_order_update_values = attrgetter(*_ORDER_UPDATE_COLUMNS)


@dataclass(slots=True)
class _LineRow:
    """A commission line's columns as processing reads and rewrites them; id is None until the line is inserted."""

    id: int | None
    order_line_id: int
    order_id: int
    shop_id: int
    supplier_id: int
    product_id: int
    rate_bp: int
    tier_code: str
    owner_share_bp: int
    hold_days: int
    paid_at: dt.datetime
    stage: str
    payable_at: dt.datetime | None
    pool_fen: int
    owner_fen: int
    platform_fen: int
    revision: int


_LINE_INSERT_COLUMNS = tuple(f.name for f in fields(_LineRow) if f.name != "id")
_line_insert_values = attrgetter(*_LINE_INSERT_COLUMNS)
_LINE_UPDATE_COLUMNS = ("id", "payable_at", "pool_fen", "owner_fen", "platform_fen", "revision")
_line_update_values = attrgetter(*_LINE_UPDATE_COLUMNS)


class _ProductRef(NamedTuple):
    id: int
    supplier_id: int
    commission_rate_bp: int
    category: str


@dataclass
class _Batch:
    """What one batch has loaded and what it will write."""

    postings: list[ledger.NewPosting] = field(default_factory=list)
    outbox: list[tuple[str, dict[str, Any], int | None]] = field(default_factory=list)
    marks: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    outcome: dict[str, str] = field(default_factory=dict)


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
    claimed are left to that worker (see claim_new_events).
    """
    refs = sorted(set(order_refs))
    if not refs:
        return {}
    session.execute(_CREATE_ORDERS, {"refs": refs})
    orders = {row[1]: _OrderRow(*row) for row in session.execute(_LOCK_ORDERS, {"refs": refs})}
    events: dict[str, list[sa.Row]] = {ref: [] for ref in refs}
    for event in session.execute(_LOAD_EVENTS, {"refs": refs}):
        events[event.order_ref].append(event)
    facts = {ref: fold((event.type, event.data) for event in events[ref]) for ref in refs}
    payments = [f.payment for f in facts.values() if f.payment is not None]
    product_ids = {line.product_id for payment in payments for line in payment.lines}
    products = {row[0]: _ProductRef(*row) for row in session.execute(_LOAD_PRODUCTS, {"ids": sorted(product_ids)})}
    # Attribution is decided once: only orders with no shop yet need their claims loaded.
    unattributed = {ref: f.payment for ref, f in facts.items() if f.payment is not None and orders[ref].shop_id is None}
    claims = referrals.load_claims(session, unattributed)

    batch = _Batch()
    ready: list[str] = []
    decided: dict[str, Attribution] = {}
    for ref in refs:
        new = [event for event in events[ref] if event.status == "received"]
        if not new:
            batch.outcome[ref] = "idle"
            continue
        problems = list(facts[ref].problems)
        if facts[ref].payment is not None:
            problems += [
                f"unknown product {line.product_id}"
                for line in facts[ref].payment.lines  # type: ignore[union-attr]
                if line.product_id not in products
            ]
        if ref in claims:
            decided[ref] = attribute(claims[ref])
            problems += decided[ref].problems
        if problems:
            for event in new:
                batch.marks[event.id] = ("quarantined", "; ".join(problems))
            batch.outcome[ref] = "quarantined"
            continue
        _apply_facts(orders[ref], facts[ref], decided.get(ref), batch)
        for event in new:
            batch.marks[event.id] = ("processed", None)
        batch.outcome[ref] = "processed"
        ready.append(ref)

    referrals.bind_buyers(
        session,
        [(facts[ref].payment, decided[ref]) for ref in ready if ref in decided],  # type: ignore[misc]
        rules.policy.binding_days,
    )
    if ready:
        rows = [_order_update_values(orders[ref]) for ref in ready]
        session.execute(_UPDATE_ORDERS, {**_array_parameters(_ORDER_UPDATE_COLUMNS, rows), "now": utcnow()})
    lines = _upsert_lines(session, [orders[ref] for ref in ready], facts, products, decided)
    _reconcile_commission(session, [orders[ref] for ref in ready], facts, lines, products, rules, batch)
    ledger.record_postings(session, batch.postings)
    emit_many(session, batch.outbox)
    if batch.marks:
        ids = sorted(batch.marks)
        session.execute(
            _MARK_EVENTS,
            {"ids": ids, "statuses": [batch.marks[i][0] for i in ids], "reasons": [batch.marks[i][1] for i in ids]},
        )
    session.commit()
    return batch.outcome


def _apply_facts(order: _OrderRow, facts: OrderFacts, attribution: Attribution | None, batch: _Batch) -> None:
    """Bring the order row in line with its facts; attribute it when this batch decided its shop."""
    payment = facts.payment
    order.status = facts.status
    order.shipped_at, order.delivered_at, order.cancelled_at = facts.shipped_at, facts.delivered_at, facts.cancelled_at
    if payment is None:
        return
    order.paid_at, order.total_paid_fen = payment.paid_at, payment.total_paid_fen
    order.total_refunded_fen = sum(facts.refunded_fen(line.line_id) for line in payment.lines)
    order.buyer_reference, order.buyer_user_id = payment.buyer_reference, payment.buyer_user_id
    if attribution is None or attribution.shop_id is None:
        return
    # The order keeps only the share code that brought it to its shop: analytics count it on that link.
    order.shop_id, order.attribution, order.share_code = attribution.shop_id, attribution.how, attribution.share_code
    order.self_purchase = attribution.self_purchase
    batch.outbox.append(
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


def _array_parameters(names: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> dict[str, list[Any]]:
    """Rows turned into one array parameter per column, for INSERT ... SELECT FROM unnest(...)."""
    return {name: list(column) for name, column in zip(names, zip(*rows, strict=True), strict=True)}


def _upsert_lines(
    session: Session,
    orders: Sequence[_OrderRow],
    facts: Mapping[str, OrderFacts],
    products: Mapping[int, _ProductRef],
    decided: Mapping[str, Attribution],
) -> dict[tuple[int, str], tuple[int, bool]]:
    """Insert the orders' new lines and bring every line's refunded amount up to date.

    Returns, by (order id, line ref), the line's id and whether it earns its shop commission: decided
    with the order's attribution, once (a product the shop added later does not make an old line earn).
    """

    def earns(order: _OrderRow, product_id: int) -> bool | None:
        attribution = decided.get(order.external_id)
        if attribution is None or attribution.shop_id is None:
            return None  # not decided by this batch: the stored decision stands
        return product_id in attribution.earning_products

    rows = [
        (
            order.id,
            paid.line_id,
            paid.product_id,
            products[paid.product_id].supplier_id,
            paid.sku,
            paid.quantity,
            paid.paid_fen,
            facts[order.external_id].refunded_fen(paid.line_id),
            earns(order, paid.product_id),
        )
        for order in orders
        if (payment := facts[order.external_id].payment) is not None
        for paid in payment.lines
    ]
    if not rows:
        return {}
    names = ("order_ids", "refs", "products", "suppliers", "skus", "quantities", "paid", "refunded", "earns")
    result = session.execute(_UPSERT_LINES, _array_parameters(names, rows))
    return {(order_id, line_ref): (line_id, bool(earning)) for order_id, line_ref, line_id, earning in result}


@dataclass(frozen=True)
class _Change:
    """A commission line's move to its target: the difference to post, and what the posting is called."""

    order_ref: str
    line: _LineRow
    delta: LineCommission
    kind: str


def _reconcile_commission(
    session: Session,
    orders: Sequence[_OrderRow],
    facts: Mapping[str, OrderFacts],
    lines: Mapping[tuple[int, str], tuple[int, bool]],
    products: Mapping[int, _ProductRef],
    rules: Rules,
    batch: _Batch,
) -> None:
    earning = [order for order in orders if order.shop_id is not None and facts[order.external_id].payment]
    if not earning:
        return
    # A computing settlement batch may be claiming these lines; wait for it, so that a refund of a line
    # it claims is a clawback, and a refund it did not see stays out of its payouts.
    claims.wait_for_claiming(session)
    # Lock these orders' commission lines (in id order) so the release job cannot move them meanwhile.
    current = {
        row.order_line_id: _LineRow(*row)
        for row in session.execute(_LOCK_COMMISSION_LINES, {"order_ids": [order.id for order in earning]})
    }
    settled = claims.claimed_line_ids(session, (line.id for line in current.values()))  # type: ignore[misc]
    tiers_then = _tiers_then(session, earning)
    rates = _rates_then(session, earning, facts, lines, current)

    new_lines: list[_LineRow] = []
    changed_lines: list[_LineRow] = []
    changes: list[_Change] = []
    for order in earning:
        # The tier in force when the order was paid (a later promotion applies to later orders only).
        tier = rules.tiers.get(tiers_then.get((order.shop_id, order.paid_at)) or rules.tiers.entry.code)
        owner_share = rules.policy.owner_share_bp(tier.share_bp, order.self_purchase)
        if owner_share is None:  # a flagged self-purchase earns nothing
            continue
        order_facts = facts[order.external_id]
        for paid in order_facts.payment.lines:  # type: ignore[union-attr]
            order_line_id, earns = lines[(order.id, paid.line_id)]
            line = current.get(order_line_id)
            if line is None and not earns:  # a product its shop does not carry pays that shop nothing
                continue
            if line is None:
                product = products[paid.product_id]
                line = _LineRow(
                    id=None,
                    order_line_id=order_line_id,
                    order_id=order.id,
                    shop_id=order.shop_id,  # type: ignore[arg-type]
                    supplier_id=product.supplier_id,
                    product_id=product.id,
                    rate_bp=rates.get((product.id, order.paid_at), product.commission_rate_bp),
                    tier_code=tier.code,
                    owner_share_bp=owner_share,
                    hold_days=rules.policy.hold_days_for(product.category),
                    paid_at=order.paid_at,  # type: ignore[arg-type]
                    stage="pending",
                    payable_at=None,
                    pool_fen=0,
                    owner_fen=0,
                    platform_fen=0,
                    revision=0,
                )
                new_lines.append(line)
            payable_at = line.payable_at
            if line.id not in settled:  # a line a batch claimed keeps the date it was claimed by
                line.payable_at = payable_from(order_facts, paid, line.hold_days)
            target = target_commission(order_facts, paid, line.rate_bp, line.owner_share_bp)
            change = _move(order.external_id, line, target, line.id in settled)
            if change is not None:
                changes.append(change)
            if line.id is not None and (change is not None or line.payable_at != payable_at):
                changed_lines.append(line)

    if new_lines:
        rows = [_line_insert_values(line) for line in new_lines]
        inserted = dict(session.execute(_INSERT_COMMISSION_LINES, _array_parameters(_LINE_INSERT_COLUMNS, rows)).all())
        for line in new_lines:
            line.id = inserted[line.order_line_id]
    if changed_lines:
        moved = {change.line.id for change in changes}
        now = utcnow()
        rows = [(*_line_update_values(line), now if line.id in moved else None) for line in changed_lines]
        session.execute(_UPDATE_COMMISSION_LINES, _array_parameters((*_LINE_UPDATE_COLUMNS, "updated_at"), rows))
    for change in changes:
        _post(change, batch)


def _tiers_then(session: Session, orders: Sequence[_OrderRow]) -> dict[tuple[Any, Any], str | None]:
    """The tier code in force for each order's shop when it was paid (None: never evaluated)."""
    pairs = sorted({(order.shop_id, order.paid_at) for order in orders})
    result = session.execute(
        tier_in_force_query(), {"shop_ids": [s for s, _ in pairs], "paid_ats": [t for _, t in pairs]}
    )
    return {(shop_id, paid_at): tier for shop_id, paid_at, tier in result}


def _rates_then(
    session: Session,
    orders: Sequence[_OrderRow],
    facts: Mapping[str, OrderFacts],
    lines: Mapping[tuple[int, str], tuple[int, bool]],
    current: Mapping[int, _LineRow],
) -> dict[tuple[Any, Any], int]:
    """The commission rate in force when paid, for the products of lines that have no commission line yet."""
    pairs = sorted(
        {
            (paid.product_id, order.paid_at)
            for order in orders
            for paid in facts[order.external_id].payment.lines  # type: ignore[union-attr]
            if lines[(order.id, paid.line_id)][0] not in current and lines[(order.id, paid.line_id)][1]
        }
    )
    if not pairs:
        return {}
    result = session.execute(_RATES_IN_FORCE, {"product_ids": [p for p, _ in pairs], "paid_ats": [t for _, t in pairs]})
    return {(product_id, paid_at): rate for product_id, paid_at, rate in result}


def _move(order_ref: str, line: _LineRow, target: LineCommission, settled: bool) -> _Change | None:
    """Bring the line to its target; the change to post, or None when it already holds the target."""
    delta_pool = target.pool - line.pool_fen
    if delta_pool == 0:
        return None
    delta = LineCommission(delta_pool, target.owner - line.owner_fen, target.platform - line.platform_fen)
    kind = posting_kind(delta_pool, line.revision == 0, settled)
    line.revision += 1
    line.pool_fen, line.owner_fen, line.platform_fen = target.pool, target.owner, target.platform
    return _Change(order_ref, line, delta, kind)


def _post(change: _Change, batch: _Batch) -> None:
    line, delta = change.line, change.delta
    entries = [
        EntryLine(supplier_account(line.supplier_id), delta.pool),
        EntryLine(shop_account(line.shop_id, line.stage), -delta.owner),
        EntryLine(PLATFORM_REVENUE, -delta.platform),
    ]
    batch.postings.append(
        ledger.NewPosting(
            reference=f"commission-line:{line.id}:{line.revision}",
            kind=change.kind,
            lines=[entry for entry in entries if entry.amount != 0],
            memo=f"order {change.order_ref}",
        )
    )
    batch.outbox.append(
        (
            "commission.accrued" if delta.pool > 0 else "commission.reversed",
            {
                "order_id": change.order_ref,
                "commission_line_id": line.id,
                "shop_id": line.shop_id,
                "product_id": line.product_id,
                "kind": change.kind,
                "delta_pool_fen": delta.pool,
                "pool_fen": line.pool_fen,
                "owner_fen": line.owner_fen,
                "platform_fen": line.platform_fen,
            },
            line.supplier_id,
        )
    )
