import datetime as dt
import threading

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from distro.audit import AuditEntry
from distro.auth.models import Role, User
from distro.commission import event_store
from distro.commission import services as commission
from distro.commission.models import CommissionLine
from distro.db import engine_for
from distro.outbound.models import Delivery, Subscription
from distro.tiers import services
from distro.tiers.models import ShopTierChange
from distro.tiers.rules import build_tier_table, month_bounds, tier_for
from tests.factories import bearer, carry, commission_rules, make_product, make_shop, make_supplier, make_user, paid

OCTOBER = dt.date(2026, 10, 1)
AFTER_OCTOBER = dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC)
# Small thresholds so a handful of orders reach each tier: (code, share, net GMV fen, orders, buyers)
SMALL = [
    ("new", 6000, 0, 0, 0),
    ("senior", 6500, 10_000, 2, 2),
    ("elite", 7000, 20_000, 3, 3),
    ("super", 7500, 30_000, 4, 4),
]
TIERS = [
    {
        "code": code,
        "name": code,
        "name_en": code,
        "share_bp": share,
        "min_net_gmv_fen": gmv,
        "min_orders": orders,
        "min_buyers": buyers,
    }
    for code, share, gmv, orders, buyers in SMALL
]


@pytest.fixture
def product(app, session):
    supplier_user, _ = make_supplier(session, app)
    return make_product(
        session, app, supplier_user, price_fen=50_000, other_platform_price_fen=50_000, commission_rate_bp=2_000
    )


def old_shop(session, app, tier="new"):
    shop = make_shop(session, app)
    shop.created_at, shop.tier_code = dt.datetime(2026, 9, 1, tzinfo=dt.UTC), tier
    session.commit()
    return shop


def order(app, session, shop, product, order_id, fen, buyer, paid_at="2026-10-15T10:00:00+08:00"):
    carry(session, shop, product)
    event_store.store_event(
        session=session,
        event_id=f"e-{order_id}",
        event_type="order.paid",
        order_ref=order_id,
        data=paid(order_id, shop.slug, [("1", product.id, fen)], paid_at=paid_at, buyer={"reference": buyer}),
    )
    commission.process_order(session=session, order_ref=order_id, rules=commission_rules(app, session))


def evaluate(session, dry_run=False, month=OCTOBER):
    """Evaluate the month as the job does, with TIERS as the configured tiers (an admin's set, if any, wins)."""
    table = services.current_rules(session, TIERS)
    return services.evaluate_month(
        session=session, month=month, table=table, count_self_purchases=False, dry_run=dry_run, now=AFTER_OCTOBER
    )


@pytest.mark.parametrize(
    ("orders", "expected"),
    [
        ([], "new"),
        ([(5_000, "a"), (5_000, "b")], "senior"),  # exactly 10,000 fen, 2 orders, 2 buyers
        ([(5_000, "a"), (4_999, "b")], "new"),  # one fen short
        ([(10_000, "a"), (10_000, "a")], "new"),  # enough GMV and orders, one buyer short
        ([(10_000, "a"), (5_000, "b"), (5_000, "c")], "elite"),  # exactly 20,000, 3, 3
        ([(10_000, "a"), (10_000, "b"), (5_000, "c"), (5_000, "d")], "super"),  # exactly 30,000, 4, 4
    ],
)
def test_a_shop_reaches_the_highest_tier_whose_thresholds_it_meets_exactly(app, session, product, orders, expected):
    shop = old_shop(session, app)
    for number, (fen, buyer) in enumerate(orders):
        order(app, session, shop, product, f"T{number}", fen, buyer)
    evaluate(session)
    session.refresh(shop)
    assert shop.tier_code == expected


def test_a_refund_reduces_the_month_the_order_was_paid(app, session, product):
    shop = old_shop(session, app)
    order(app, session, shop, product, "T1", 5_000, "a")
    order(app, session, shop, product, "T2", 5_000, "b")
    event_store.store_event(
        session=session,
        event_id="refund",
        event_type="order.refunded",
        order_ref="T2",
        data={
            "order_id": "T2",
            "refund_id": "r",
            "refunded_at": "2026-11-03T10:00:00+08:00",
            "lines": [{"line_id": "1", "amount_fen": 1}],
        },
    )
    commission.process_order(session=session, order_ref="T2", rules=commission_rules(app, session))
    evaluate(session)
    change = session.scalars(sa.select(ShopTierChange)).one()
    assert (change.net_gmv_fen, change.new_tier) == (9_999, "new")


def test_a_shop_falls_at_most_one_tier_a_month(app, session, product):
    shop = old_shop(session, app, tier="super")
    evaluate(session)
    session.refresh(shop)
    assert shop.tier_code == "elite"
    change = session.scalars(sa.select(ShopTierChange)).one()
    assert (change.old_tier, change.new_tier, change.orders) == ("super", "elite", 0)


def test_the_23_59_59_order_on_the_months_last_day_counts_in_that_month(app, session, product):
    start, end = month_bounds(OCTOBER)
    assert (start, end) == (dt.datetime(2026, 9, 30, 16, tzinfo=dt.UTC), dt.datetime(2026, 10, 31, 16, tzinfo=dt.UTC))
    inside, outside = old_shop(session, app), old_shop(session, app)
    order(app, session, inside, product, "I1", 5_000, "a", paid_at="2026-10-31T23:59:59+08:00")
    order(app, session, inside, product, "I2", 5_000, "b", paid_at="2026-10-01T00:00:00+08:00")
    order(app, session, outside, product, "O1", 5_000, "a", paid_at="2026-11-01T00:00:00+08:00")
    order(app, session, outside, product, "O2", 5_000, "b", paid_at="2026-09-30T23:59:59+08:00")
    evaluate(session)
    tiers = dict(session.execute(sa.select(ShopTierChange.shop_id, ShopTierChange.new_tier)).all())
    assert (tiers[inside.id], tiers[outside.id]) == ("senior", "new")


def test_a_rerun_changes_nothing_and_the_dry_run_keeps_nothing(app, session, product):
    shop = old_shop(session, app)
    order(app, session, shop, product, "T1", 5_000, "a")
    order(app, session, shop, product, "T2", 5_000, "b")
    preview = evaluate(session, dry_run=True)
    assert preview["transitions"] == [{"from": "new", "to": "senior", "shops": 1}]
    session.refresh(shop)
    assert shop.tier_code == "new" and session.scalar(sa.select(sa.func.count()).select_from(ShopTierChange)) == 0
    assert evaluate(session)["shops_evaluated"] == 1
    assert evaluate(session)["shops_evaluated"] == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(ShopTierChange)) == 1


def test_a_new_tier_applies_to_orders_paid_after_it(app, session, product):
    shop = old_shop(session, app)
    order(app, session, shop, product, "T1", 5_000, "a")
    order(app, session, shop, product, "T2", 5_000, "b")
    evaluate(session)  # effective 2026-11-01T02:00Z
    order(app, session, shop, product, "LATE", 10_000, "c", paid_at="2026-10-31T12:00:00+08:00")
    order(app, session, shop, product, "NEXT", 10_000, "d", paid_at="2026-11-02T12:00:00+08:00")
    shares = dict(
        session.execute(
            sa.text(
                "SELECT o.external_id, c.tier_code || ':' || c.owner_share_bp FROM commission_lines c "
                "JOIN orders o ON o.id = c.order_id WHERE o.external_id IN ('LATE', 'NEXT')"
            )
        ).all()
    )
    assert shares == {"LATE": "new:6000", "NEXT": "senior:6500"}
    next_line = session.scalars(sa.select(CommissionLine).where(CommissionLine.tier_code == "senior")).one()
    assert next_line.owner_fen == 1_300  # 10,000 × 20% = 2,000; 65%


def test_two_evaluations_at_once_record_one_history(committed_app, committed_db):
    engine = engine_for(committed_db)
    with Session(engine) as session:
        for _ in range(3):
            shop = make_shop(session, committed_app)
            shop.created_at = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
        session.commit()
    barrier = threading.Barrier(2)
    results: list[int] = []

    def run() -> None:
        with Session(engine) as session:
            barrier.wait()
            results.append(evaluate(session)["shops_evaluated"])

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [0, 3]
    with Session(engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ShopTierChange)) == 3


def test_admins_change_the_rules_with_an_audit_trail_and_owners_cannot(client, app, session):
    admin, owner = make_user(session, Role.ADMIN), make_user(session, Role.SHOP_OWNER)
    assert client.put("/api/v1/admin/tier-rules", json={"tiers": TIERS}, headers=bearer(app, owner)).status_code == 403
    falling = [dict(tier) for tier in TIERS]
    falling[2]["share_bp"] = 6_000
    refused = client.put("/api/v1/admin/tier-rules", json={"tiers": falling}, headers=bearer(app, admin))
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0] == {
        "field": "tiers.2.share_bp",
        "rule": "non_decreasing",
        "message": "must not be lower than tier 1's",
    }
    assert client.put("/api/v1/admin/tier-rules", json={"tiers": TIERS}, headers=bearer(app, admin)).status_code == 200
    shown = client.get("/api/v1/tier-rules", headers=bearer(app, owner)).get_json()
    assert [tier["min_orders"] for tier in shown["tiers"]] == [0, 2, 3, 4]
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "tiers.rules_changed")).one()
    assert audit.actor_id == admin.id and audit.after["tiers"][1]["min_orders"] == 2


def test_owners_see_their_tier_progress_and_history_and_integrators_hear_of_changes(client, app, session, product):
    admin = make_user(session, Role.ADMIN)
    session.add(
        Subscription(
            user_id=admin.id, url="http://127.0.0.1:9/hook", secret="whsec_dGVzdA==", event_types=["tier.changed"]
        )
    )
    session.commit()
    client.put("/api/v1/admin/tier-rules", json={"tiers": TIERS}, headers=bearer(app, admin))
    shop = old_shop(session, app)
    order(app, session, shop, product, "T1", 5_000, "a")
    order(app, session, shop, product, "T2", 5_000, "b")
    evaluate(session)
    delivery = session.scalars(sa.select(Delivery)).one()
    assert (delivery.event_type, delivery.payload["data"]["to"]) == ("tier.changed", "senior")
    owner = session.get(User, shop.owner_id)
    standing = client.get(f"/api/v1/shops/{shop.id}/tier", headers=bearer(app, owner)).get_json()
    assert (standing["tier"], standing["next_tier"]["tier"]) == ("senior", "elite")
    history = standing["history"][0]
    assert (history["month"], history["from"], history["to"], history["orders"]) == ("2026-10-01", "new", "senior", 2)
    session.refresh(shop)
    assert shop.tier_code == "senior"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/admin/tier-evaluations", {"month": "0001-01-01"}, "month"),
        ("/api/v1/admin/tier-evaluations", {"month": "9999-12-31"}, "month"),
    ],
)
def test_a_month_too_far_off_to_evaluate_is_a_422_naming_it(client, app, session, path, body, field):
    admin = make_user(session, Role.ADMIN)
    response = client.post(path, json=body, headers=bearer(app, admin))
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert [error["field"] for error in response.get_json()["errors"]] == [field]
    assert session.scalar(sa.select(sa.func.count()).select_from(ShopTierChange)) == 0


@pytest.mark.parametrize(("field", "value"), [("min_orders", 2**31), ("min_buyers", 2**31), ("min_net_gmv_fen", 2**63)])
def test_a_tier_threshold_beyond_what_the_database_counts_is_a_422_and_changes_nothing(
    client, app, session, field, value
):
    admin = make_user(session, Role.ADMIN)
    before = client.get("/api/v1/tier-rules", headers=bearer(app, admin)).get_json()
    tiers = [dict(tier) for tier in TIERS]
    tiers[3][field] = value
    response = client.put("/api/v1/admin/tier-rules", json={"tiers": tiers}, headers=bearer(app, admin))
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert [(error["field"], error["rule"]) for error in response.get_json()["errors"]] == [
        (f"tiers.3.{field}", "range")
    ]
    assert client.get("/api/v1/tier-rules", headers=bearer(app, admin)).get_json() == before


@st.composite
def tier_tables(draw):
    """A valid tier table of 2 to 5 tiers, thresholds rising (or level) from one tier to the next."""
    size = draw(st.integers(2, 5))
    gmv, orders, buyers = (
        sorted(draw(st.lists(st.integers(0, limit), min_size=size, max_size=size))) for limit in (50_000, 6, 6)
    )
    return build_tier_table(
        [
            {
                "code": f"t{rank}",
                "name": f"t{rank}",
                "name_en": f"t{rank}",
                "share_bp": 5_000 + rank,
                "min_net_gmv_fen": gmv[rank],
                "min_orders": orders[rank],
                "min_buyers": buyers[rank],
            }
            for rank in range(size)
        ]
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    table=tier_tables(),
    # (the current tier's rank, a rank past the table's being a code it no longer has; net GMV; orders; buyers)
    shops=st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 60_000), st.integers(0, 8), st.integers(0, 8)),
        min_size=1,
        max_size=20,
    ),
)
def test_the_evaluations_sql_picks_each_shops_tier_as_tier_for_does(connection, table, shops):
    codes = [tier.code for tier in table.tiers]
    current = [codes[rank] if rank < len(codes) else "gone" for rank, _, _, _ in shops]
    source = (
        "(SELECT * FROM unnest(CAST(:ids AS bigint[]), CAST(:old AS varchar[]), CAST(:gmv AS bigint[]),"
        " CAST(:orders AS int[]), CAST(:buyers AS int[])) AS u(shop_id, old_tier, net_gmv, orders, buyers))"
    )
    chosen = connection.execute(
        sa.text(f"{services.choice_sql(source)} ORDER BY c.shop_id"),
        {
            **services.evaluation_params(table, OCTOBER, AFTER_OCTOBER, count_self_purchases=False),
            "ids": list(range(len(shops))),
            "old": current,
            "gmv": [shop[1] for shop in shops],
            "orders": [shop[2] for shop in shops],
            "buyers": [shop[3] for shop in shops],
        },
    ).all()
    assert [row.new_tier for row in chosen] == [
        tier_for(net_gmv_fen=gmv, orders=orders, buyers=buyers, current=code, table=table).code
        for code, (_, gmv, orders, buyers) in zip(current, shops, strict=True)
    ]
