import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from distro.auth.models import Role
from distro.commission import event_store, queries, release, services
from distro.commission.models import Order
from distro.commission.schemas import CommissionLineSchema
from distro.ledger import services as ledger
from tests.factories import commission_rules, make_product, make_shop, make_supplier, make_user, paid

# A release run long after every date below: each line due by then is moved to its shop's available balance.
RELEASED_AT = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def event_data(name, tea_id, shirt_id):
    """(type, data) of one of order P1's events; data is filled in with the world's product ids."""
    return {
        "paid": ("order.paid", paid("P1", "perm", [("1", tea_id, 12_800), ("2", shirt_id, 11_800)])),
        "shipped": ("order.shipped", {"order_id": "P1", "shipped_at": "2026-11-23T10:00:00+08:00"}),
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
        # An outside order system may cancel even a delivered order (a lost parcel, a dispute).
        "cancelled": ("order.cancelled", {"order_id": "P1", "cancelled_at": "2026-11-28T10:00:00+08:00"}),
    }[name]


def final_state(session, owner_id, shop_id, supplier_id):
    """The order, its lines as their owner sees them (GET /commission/lines), and the balances."""
    order = session.scalars(sa.select(Order).where(Order.external_id == "P1")).one()
    rows = session.execute(queries.owner_lines_query(owner_id)).all()
    shown = CommissionLineSchema(many=True).dump([row._mapping for row in rows])
    lines = sorted(
        (line["product_id"], line["status"], line["pool_fen"], line["owner_fen"], line["payable_at"]) for line in shown
    )
    balances = ledger.balances(
        session,
        [f"shop:{shop_id}:pending", f"shop:{shop_id}:available", "platform:revenue", f"supplier:{supplier_id}:payable"],
    )
    return order.status, order.total_refunded_fen, lines, balances


def run(app, connection, arrivals, release_after):
    """Store and process each arrival in turn in an empty world, the release job running after the given number of
    them and once at the end; the final state, every product id, and what is left after rolling the world back."""
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
            owner = make_user(work, Role.SHOP_OWNER)
            shop_id = make_shop(work, app, owner, slug="perm", carrying=[tea, shirt]).id
            ids = {"tea": tea.id, "shirt": shirt.id, "shop": shop_id, "supplier": supplier.id}
            for step, (name, event_id) in enumerate(arrivals):
                if step == release_after:
                    release.release_due_commission(session=work, now=RELEASED_AT)
                event_type, data = event_data(name, tea.id, shirt.id)
                event_store.store_event(
                    session=work, event_id=event_id, event_type=event_type, order_ref="P1", data=data
                )
                services.process_order(session=work, order_ref="P1", rules=commission_rules(app, work))
                assert ledger.trial_balance(work)["total"] == 0
                assert ledger.unbalanced_postings(work) == []
            release.release_due_commission(session=work, now=RELEASED_AT)
            return final_state(work, owner.id, shop_id, supplier.id), ids
    finally:
        savepoint.rollback()


def expected_refunds(ids):
    """paid, delivered, a partial refund of the tea, a full refund of the shirt."""
    delivered = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)
    # tea: (12,800 − 3,333) × 20% = 1,893.4 → 1,893 = 1,136 + 757, payable a week after delivery;
    # shirt: refunded in full, so reversed, and never payable.
    return (
        "delivered",
        3_333 + 11_800,
        sorted(
            [
                (ids["tea"], "payable", 1_893, 1_136, (delivered + dt.timedelta(days=7)).isoformat()),
                (ids["shirt"], "reversed", 0, 0, None),
            ]
        ),
        {
            f"shop:{ids['shop']}:pending": 0,
            f"shop:{ids['shop']}:available": 1_136,
            "platform:revenue": 757,
            f"supplier:{ids['supplier']}:payable": 1_893,
        },
    )


def expected_cancelled(ids):
    """paid, shipped, delivered, a partial refund, then cancelled by the order system: nothing is earned."""
    return (
        "cancelled",
        3_333,
        sorted([(ids["tea"], "reversed", 0, 0, None), (ids["shirt"], "reversed", 0, 0, None)]),
        {
            f"shop:{ids['shop']}:pending": 0,
            f"shop:{ids['shop']}:available": 0,
            "platform:revenue": 0,
            f"supplier:{ids['supplier']}:payable": 0,
        },
    )


CASES = {
    "refunds": (["paid", "delivered", "partial_refund", "full_refund"], expected_refunds),
    "cancelled": (["paid", "shipped", "delivered", "partial_refund", "cancelled"], expected_cancelled),
}


@pytest.mark.parametrize("case", sorted(CASES))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_arrival_order_with_duplicates_gives_the_same_line_statuses_and_money(app, connection, case, data):
    names, expected = CASES[case]
    order = data.draw(st.permutations(names), label="order")
    duplicates = data.draw(st.lists(st.tuples(st.sampled_from(names), st.booleans()), max_size=4), label="duplicates")
    # Each delivery: the event's own webhook-id (a redelivery), or a fresh id with the same content.
    arrivals = [(name, f"evt-{name}") for name in order]
    arrivals += [(name, f"evt-{name}" if same_id else f"evt-{name}-{uuid.uuid4().hex}") for name, same_id in duplicates]
    # The release job runs whenever it runs: between any two arrivals, or only after the last one.
    release_after = data.draw(st.integers(0, len(arrivals)), label="release_after")
    state, ids = run(app, connection, arrivals, release_after)
    assert state == expected(ids)
