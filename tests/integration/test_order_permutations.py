import uuid

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from distro.auth.models import Role
from distro.commission import services
from distro.commission.models import CommissionLine, Order
from distro.ledger import services as ledger
from tests.factories import commission_rules, make_product, make_shop, make_supplier, make_user, paid

# (webhook-id, type, data); data is filled in with the world's product ids.
EVENTS = ["paid", "delivered", "partial_refund", "full_refund"]


def event_data(name, tea_id, shirt_id):
    return {
        "paid": ("order.paid", paid("P1", "perm", [("1", tea_id, 12_800), ("2", shirt_id, 11_800)])),
        "delivered": ("order.delivered", {"order_id": "P1", "delivered_at": "2026-11-25T10:00:00+08:00"}),
        "partial_refund": (
            "order.refunded",
            {
                "order_id": "P1",
                "refund_id": "r1",
                "refunded_at": "2026-11-26T10:00:00+08:00",
                "lines": [{"line_id": "1", "amount_fen": 3_333}],
            },
        ),
        "full_refund": (
            "order.refunded",
            {
                "order_id": "P1",
                "refund_id": "r2",
                "refunded_at": "2026-11-27T10:00:00+08:00",
                "lines": [{"line_id": "2", "amount_fen": 11_800}],
            },
        ),
    }[name]


def final_state(session, shop_id, supplier_id):
    order = session.scalars(sa.select(Order).where(Order.external_id == "P1")).one()
    lines = session.execute(
        sa.select(
            CommissionLine.pool_fen, CommissionLine.owner_fen, CommissionLine.platform_fen, CommissionLine.payable_at
        ).order_by(CommissionLine.order_line_id)
    ).all()
    balances = ledger.balances(
        session, [f"shop:{shop_id}:pending", "platform:revenue", f"supplier:{supplier_id}:payable"]
    )
    return order.status, order.total_refunded_fen, [tuple(line) for line in lines], balances


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    order=st.permutations(EVENTS),
    duplicates=st.lists(st.tuples(st.sampled_from(EVENTS), st.booleans()), max_size=4),
)
def test_any_arrival_order_with_duplicates_gives_the_same_state_and_money(app, connection, order, duplicates):
    # Each delivery: the event's own webhook-id (a redelivery), or a fresh id with the same content.
    arrivals = [(name, f"evt-{name}") for name in order]
    arrivals += [(name, f"evt-{name}" if same_id else f"evt-{name}-{uuid.uuid4().hex}") for name, same_id in duplicates]
    savepoint = connection.begin_nested()  # each example starts from an empty world and leaves nothing
    try:
        with Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False) as work:
            supplier_user, supplier = make_supplier(work, app)
            tea = make_product(work, app, supplier_user, price_fen=12_800, other_platform_price_fen=16_800)
            shirt = make_product(
                work,
                app,
                supplier_user,
                category="apparel_sports",
                price_fen=11_800,
                other_platform_price_fen=19_900,
                commission_rate_bp=3_500,
            )
            tea_id, shirt_id = tea.id, shirt.id
            shop_id = make_shop(work, app, make_user(work, Role.SHOP_OWNER), slug="perm", carrying=[tea, shirt]).id
            supplier_id = supplier.id
            for name, event_id in arrivals:
                event_type, data = event_data(name, tea_id, shirt_id)
                services.store_event(session=work, event_id=event_id, event_type=event_type, order_ref="P1", data=data)
                services.process_order(session=work, order_ref="P1", rules=commission_rules(app))
                assert ledger.trial_balance(work)["total"] == 0
                assert ledger.unbalanced_postings(work) == []
            state = final_state(work, shop_id, supplier_id)
    finally:
        savepoint.rollback()

    # tea: (12,800 − 3,333) × 20% = 1,893.4 → 1,893 = 1,136 + 757; shirt fully refunded: 0.
    assert state[0] == "delivered"
    assert state[1] == 3_333 + 11_800
    assert [line[:3] for line in state[2]] == [(1_893, 1_136, 757), (0, 0, 0)]
    assert state[3] == {
        f"shop:{shop_id}:pending": 1_136,
        "platform:revenue": 757,
        f"supplier:{supplier_id}:payable": 1_893,
    }
