"""Commission processing's plans, from values alone (distro/commission/engine.py): no database."""

import dataclasses
import datetime as dt
import subprocess
import sys

from distro.commission import engine
from distro.commission.attribution import Candidate, OrderClaims
from distro.commission.orders import fold
from distro.commission.policy import CommissionPolicy
from distro.commission.rows import LineRow, OrderRow, Product
from distro.settings import load_settings
from distro.suppliers.rules import RateChange
from distro.tiers.rules import build_tier_table

RULES = engine.Rules(
    build_tier_table(load_settings(environ={})["TIERS"]),
    CommissionPolicy(hold_days=7, hold_days_by_category={"apparel_sports": 15}, binding_days=7),
)
MASK = Product(id=1, supplier_id=5, commission_rate_bp=2_000, category="beauty")
SHIRT = Product(id=2, supplier_id=5, commission_rate_bp=1_000, category="apparel_sports")
KETTLE = Product(id=3, supplier_id=6, commission_rate_bp=3_000, category="home")
PRODUCTS = {product.id: product for product in (MASK, SHIRT, KETTLE)}
SHOP = Candidate(shop_id=20, owner_id=200, carried=frozenset({MASK.id, SHIRT.id}), owner_phone_reference="phone:owner")
PAID_AT = dt.datetime(2026, 11, 22, 0, tzinfo=dt.UTC)
DELIVERED_AT = dt.datetime(2026, 11, 25, 2, tzinfo=dt.UTC)


def paid(*lines: tuple[str, int, int], shop: str | None = "page", code: str | None = None, buyer: str = "phone:b"):
    return (
        "order.paid",
        {
            "order_id": "A1",
            "paid_at": PAID_AT.isoformat(),
            "buyer": {"reference": buyer},
            "shop": shop,
            "share_code": code,
            "total_paid_fen": sum(fen for _, _, fen in lines),
            "lines": [
                {"line_id": ref, "product_id": product, "quantity": 1, "paid_fen": fen} for ref, product, fen in lines
            ],
        },
    )


DELIVERED = ("order.delivered", {"order_id": "A1", "delivered_at": DELIVERED_AT.isoformat()})
CANCELLED = ("order.cancelled", {"order_id": "A1", "cancelled_at": "2026-11-23T00:00:00+00:00"})


def refunded(line: str, fen: int):
    return (
        "order.refunded",
        {
            "order_id": "A1",
            "refund_id": f"r-{line}-{fen}",
            "refunded_at": "2026-11-26T00:00:00+00:00",
            "lines": [{"line_id": line, "amount_fen": fen}],
        },
    )


def order_row(**values) -> OrderRow:
    row = dict(
        id=1,
        external_id="A1",
        status="awaiting_payment",
        shop_id=None,
        attribution="none",
        share_code=None,
        buyer_reference=None,
        buyer_user_id=None,
        self_purchase=False,
        total_paid_fen=0,
        total_refunded_fen=0,
        paid_at=None,
        shipped_at=None,
        delivered_at=None,
        cancelled_at=None,
    )
    return OrderRow(**{**row, **values})


def plan_orders(*events, row: OrderRow | None = None, claims: OrderClaims | None = None, new=("e1",)):
    facts = {"A1": fold(events)}
    return engine.plan_orders(
        {"A1": row or order_row()},
        {"A1": list(new)},
        facts,
        PRODUCTS,
        {"A1": claims} if claims else {},
        RULES.policy.binding_days,
    )


def claims_for(*products: int, **values) -> OrderClaims:
    return OrderClaims(product_ids=frozenset(products), paid_at=PAID_AT, buyer_reference="phone:b", **values)


def test_an_order_with_no_new_events_is_idle_and_nothing_about_it_changes():
    plan = plan_orders(paid(("1", MASK.id, 10_000)), new=())
    assert (plan.outcome, plan.marks, plan.orders, plan.lines, plan.outbox) == ({"A1": "idle"}, {}, [], [], [])


def test_a_paid_order_on_a_shops_page_is_attributed_to_it_and_earns_on_the_products_it_carries():
    plan = plan_orders(paid(("1", MASK.id, 10_000), ("2", KETTLE.id, 5_000)), claims=claims_for(1, 3, named=SHOP))
    (order,) = plan.orders
    assert (order.status, order.shop_id, order.attribution, order.total_paid_fen) == ("paid", 20, "shop", 15_000)
    assert [(line.line_ref, line.supplier_id, line.earns) for line in plan.lines] == [("1", 5, True), ("2", 6, False)]
    assert plan.marks == {"e1": ("processed", None)}
    assert plan.outbox == [
        ("order.attributed", {"order_id": "A1", "shop_id": 20, "attribution": "shop", "self_purchase": False}, None)
    ]


def test_an_order_naming_an_unknown_product_is_quarantined_with_the_reason_and_nothing_else_changes():
    plan = plan_orders(paid(("1", 99, 10_000)), claims=claims_for(99, named=SHOP))
    assert plan.outcome == {"A1": "quarantined"}
    assert plan.marks == {"e1": ("quarantined", "unknown product 99")}
    assert (plan.orders, plan.lines, plan.outbox, plan.bindings) == ([], [], [], [])


def test_an_order_attributed_before_keeps_its_shop_and_its_lines_keep_their_stored_decision():
    row = order_row(shop_id=20, attribution="shop", status="paid")
    plan = plan_orders(paid(("1", MASK.id, 10_000)), DELIVERED, row=row)
    (order,) = plan.orders
    assert (order.status, order.shop_id, order.delivered_at) == ("delivered", 20, DELIVERED_AT)
    assert [line.earns for line in plan.lines] == [None]
    assert plan.outbox == []


def test_to_attribute_names_only_paid_orders_without_a_shop():
    facts = {"A1": fold([paid(("1", MASK.id, 100))]), "A2": fold([paid(("1", MASK.id, 100))]), "A3": fold([])}
    orders = {"A1": order_row(), "A2": order_row(id=2, shop_id=20), "A3": order_row(id=3)}
    assert list(engine.to_attribute(orders, facts)) == ["A1"]


def test_a_buyer_a_share_link_brought_is_bound_to_its_shop_for_the_binding_days():
    plan = plan_orders(
        paid(("1", MASK.id, 10_000), shop=None, code="Link1234"),
        claims=claims_for(1, code="Link1234", code_shop=SHOP),
    )
    (binding,) = plan.bindings
    assert (binding.buyer_reference, binding.shop_id, binding.share_code) == ("phone:b", 20, "Link1234")
    assert (binding.bound_at, binding.expires_at) == (PAID_AT, PAID_AT + dt.timedelta(days=7))


def commission(events, *, row: OrderRow, stored=(), claimed=(), tiers=None, changes=None, earns=True):
    facts = {row.external_id: fold(events)}
    payment = facts[row.external_id].payment
    line_ids = {(row.id, line.line_id): (100 + number, earns) for number, line in enumerate(payment.lines)}
    return engine.plan_commission(
        [row],
        facts,
        line_ids,
        {line.order_line_id: line for line in stored},
        set(claimed),
        tiers or {},
        changes or {},
        PRODUCTS,
        RULES,
    )


EARNING = order_row(shop_id=20, attribution="shop", status="paid", paid_at=PAID_AT)


def test_a_new_line_accrues_its_pool_at_the_rate_in_force_when_paid_split_by_the_tier_then():
    changes = {
        MASK.id: [
            RateChange(PAID_AT - dt.timedelta(days=1), 1, 1_500),
            RateChange(PAID_AT + dt.timedelta(days=1), 2, 2_000),
        ]
    }
    plan = commission([paid(("1", MASK.id, 10_000))], row=EARNING, tiers={(20, PAID_AT): "senior"}, changes=changes)
    (line,) = plan.new_lines
    assert (line.rate_bp, line.tier_code, line.owner_share_bp, line.hold_days) == (1_500, "senior", 6_500, 7)
    assert (line.pool_fen, line.owner_fen, line.platform_fen, line.revision) == (1_500, 975, 525, 1)
    assert [(move.kind, move.delta.pool) for move in plan.moves] == [("accrual", 1_500)]
    assert plan.updates == []


def test_a_line_paid_before_the_products_first_rate_change_takes_the_products_rate():
    changes = {MASK.id: [RateChange(PAID_AT + dt.timedelta(seconds=1), 1, 1_500)]}
    plan = commission([paid(("1", MASK.id, 10_000))], row=EARNING, changes=changes)
    assert [line.rate_bp for line in plan.new_lines] == [2_000]


def test_an_order_paid_while_the_shop_was_never_evaluated_earns_the_entry_tiers_share():
    plan = commission([paid(("1", MASK.id, 10_000))], row=EARNING)
    assert [(line.tier_code, line.owner_share_bp) for line in plan.new_lines] == [("new", 6_000)]


def test_apparel_is_held_fifteen_days_after_delivery_and_other_goods_seven():
    plan = commission([paid(("1", MASK.id, 10_000), ("2", SHIRT.id, 10_000)), DELIVERED], row=EARNING)
    assert [(line.hold_days, line.payable_at) for line in plan.new_lines] == [
        (7, DELIVERED_AT + dt.timedelta(days=7)),
        (15, DELIVERED_AT + dt.timedelta(days=15)),
    ]


def test_a_flagged_self_purchase_plans_no_commission():
    plan = commission([paid(("1", MASK.id, 10_000))], row=dataclasses.replace(EARNING, self_purchase=True))
    assert (plan.new_lines, plan.moves) == ([], [])


def test_a_line_of_a_product_its_shop_does_not_carry_gets_no_commission_line():
    plan = commission([paid(("1", KETTLE.id, 10_000))], row=EARNING, earns=False)
    assert (plan.new_lines, plan.moves) == ([], [])


def stored_line(**values) -> LineRow:
    line = dict(
        id=7,
        order_line_id=100,
        order_id=1,
        shop_id=20,
        supplier_id=5,
        product_id=MASK.id,
        rate_bp=2_000,
        tier_code="new",
        owner_share_bp=6_000,
        hold_days=7,
        paid_at=PAID_AT,
        stage="pending",
        payable_at=None,
        pool_fen=2_000,
        owner_fen=1_200,
        platform_fen=800,
        revision=1,
    )
    return LineRow(**{**line, **values})


def test_a_line_that_already_holds_its_target_plans_nothing_so_a_replay_posts_nothing():
    plan = commission([paid(("1", MASK.id, 10_000))], row=EARNING, stored=[stored_line()])
    assert (plan.new_lines, plan.updates, plan.moves) == ([], [], [])


def test_delivery_sets_the_payable_date_alone_and_moves_no_money():
    stored = stored_line()
    plan = commission([paid(("1", MASK.id, 10_000)), DELIVERED], row=EARNING, stored=[stored])
    assert [(line.payable_at, moved) for line, moved in plan.updates] == [(DELIVERED_AT + dt.timedelta(days=7), False)]
    assert plan.moves == []
    assert stored.payable_at is None  # what was loaded is left as it was


def test_a_partial_refund_reverses_the_difference_and_a_cancellation_withdraws_the_rest_and_the_date():
    delivered = stored_line(payable_at=DELIVERED_AT + dt.timedelta(days=7))
    plan = commission([paid(("1", MASK.id, 10_000)), DELIVERED, refunded("1", 4_000)], row=EARNING, stored=[delivered])
    assert [(move.kind, move.delta.pool, move.delta.owner) for move in plan.moves] == [("reversal", -800, -480)]
    plan = commission([paid(("1", MASK.id, 10_000)), DELIVERED, CANCELLED], row=EARNING, stored=[delivered])
    ((line, moved),) = plan.updates
    assert (line.pool_fen, line.payable_at, line.revision, moved) == (0, None, 2, True)


def test_a_refund_of_a_line_a_batch_claimed_is_a_clawback_and_the_line_keeps_its_payable_date():
    claimed = stored_line(stage="available", payable_at=DELIVERED_AT + dt.timedelta(days=7))
    plan = commission(
        [paid(("1", MASK.id, 10_000)), DELIVERED, refunded("1", 10_000)], row=EARNING, stored=[claimed], claimed={7}
    )
    assert [(move.kind, move.delta.pool) for move in plan.moves] == [("clawback", -2_000)]
    assert [line.payable_at for line, _ in plan.updates] == [DELIVERED_AT + dt.timedelta(days=7)]


def test_only_earning_lines_without_a_commission_line_want_a_rate_in_force():
    facts = {"A1": fold([paid(("1", MASK.id, 100), ("2", SHIRT.id, 100), ("3", KETTLE.id, 100))])}
    line_ids = {(1, "1"): (100, True), (1, "2"): (101, True), (1, "3"): (102, False)}
    assert engine.to_price([EARNING], facts, line_ids, stored={101}) == {(MASK.id, PAID_AT)}
    assert engine.to_price([order_row(paid_at=PAID_AT)], facts, line_ids, stored=set()) == set()


def test_a_moves_posting_takes_the_pool_from_the_supplier_and_gives_owner_and_platform_their_shares():
    plan = commission([paid(("1", MASK.id, 10_000))], row=EARNING)
    plan.new_lines[0].id = 42  # as the write fills it in
    (posting,), (event,) = engine.commission_postings(plan.moves)
    assert (posting.reference, posting.kind, posting.memo) == ("commission-line:42:1", "accrual", "订单 A1")
    assert [(entry.account, entry.amount) for entry in posting.lines] == [
        ("supplier:5:payable", 2_000),
        ("shop:20:pending", -1_200),
        ("platform:revenue", -800),
    ]
    assert (event[0], event[1]["commission_line_id"], event[1]["delta_pool_fen"], event[2]) == (
        "commission.accrued",
        42,
        2_000,
        5,
    )


def test_the_engine_plans_without_loading_a_database_driver_or_flask():
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, distro.commission.engine; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'sqlmodel', 'psycopg', 'flask'}))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "[]"
