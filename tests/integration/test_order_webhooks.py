import datetime as dt
import json

import pytest
import sqlalchemy as sa

from distro.auth.models import Role
from distro.commission import release, services
from distro.commission.models import CommissionLine, Order, OrderEvent
from distro.db import AutocommitConnections
from distro.ledger import services as ledger
from distro.ledger.models import Posting
from distro.settlement.models import SettlementBatch, SettlementClaim
from tests.factories import (
    bearer,
    commission_rules,
    make_product,
    make_shop,
    make_supplier,
    make_user,
    paid,
    post_event,
    signed_event,
)

PROBLEM = "application/problem+json"


@pytest.fixture
def world(app, session):
    """An approved supplier with two products (20% and 35%), and an owner's shop 'mei'."""
    supplier_user, supplier = make_supplier(session, app)
    tea = make_product(
        session, app, supplier_user, price_fen=12_800, other_platform_price_fen=16_800, commission_rate_bp=2_000
    )
    shirt = make_product(
        session,
        app,
        supplier_user,
        category="apparel_sports",
        price_fen=5_900,
        other_platform_price_fen=9_900,
        commission_rate_bp=3_500,
    )
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner, slug="mei", carrying=[tea, shirt])
    return {
        "supplier": supplier,
        "supplier_user": supplier_user,
        "tea": tea,
        "shirt": shirt,
        "owner": owner,
        "shop": shop,
    }


def process(session, app, order_ref):
    return services.process_order(session=session, order_ref=order_ref, rules=commission_rules(app, session))


def shop_balances(session, shop, supplier):
    return ledger.balances(
        session,
        [f"shop:{shop.id}:pending", f"shop:{shop.id}:available", "platform:revenue", f"supplier:{supplier.id}:payable"],
    )


def owner_statuses(client, app, world):
    """The statuses of the shop owner's commission lines, as GET /commission/lines shows them."""
    lines = client.get("/api/v1/commission/lines", headers=bearer(app, world["owner"])).get_json()
    return [line["status"] for line in lines]


def count(session, model):
    query = sa.select(sa.func.count()).select_from(model)
    if model is Posting:  # the orders' postings, not the deposits the factories' suppliers paid in
        query = query.where(Posting.kind.not_like("deposit%"))
    return session.scalar(query)


def test_a_signed_event_is_stored_before_the_answer_and_a_duplicate_changes_nothing(client, app, session, world):
    body, headers = signed_event(
        app, "order.paid", paid("A1", "mei", [("1", world["tea"].id, 12_800)]), event_id="evt_1"
    )
    first = client.post("/webhooks/orders", data=body, headers=headers)
    assert first.status_code == 200 and first.get_json() == {"status": "stored", "id": "evt_1"}
    again = client.post("/webhooks/orders", data=body, headers=headers)
    assert again.status_code == 200 and again.get_json()["status"] == "duplicate"
    assert count(session, OrderEvent) == 1


def test_a_bad_signature_or_body_gets_4xx_problem_and_writes_nothing(client, app, session, world):
    body, headers = signed_event(app, "order.paid", paid("A1", "mei", [("1", world["tea"].id, 12_800)]))
    tampered = body.replace(b"12800", b"12801", 1)
    assert client.post("/webhooks/orders", data=tampered, headers=headers).status_code == 400
    old = signed_event(
        app,
        "order.paid",
        paid("A1", "mei", [("1", world["tea"].id, 1)]),
        timestamp=dt.datetime.now(dt.UTC).timestamp() - 301,
    )
    assert client.post("/webhooks/orders", data=old[0], headers=old[1]).status_code == 400
    unsigned = client.post("/webhooks/orders", data=body, headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 400 and unsigned.content_type == PROBLEM
    not_json = signed_event(app, "order.paid", {})
    raw = b"{not json"
    from distro.outbound.signing import sign

    broken = client.post(
        "/webhooks/orders",
        data=raw,
        headers=sign(raw, "evt_x", int(dt.datetime.now().timestamp()), app.config["ORDER_WEBHOOK_SECRETS"][0]),
    )
    assert broken.status_code == 400 and broken.get_json()["type"] == "urn:distro:problem:malformed-body"
    invalid = client.post("/webhooks/orders", data=not_json[0], headers=not_json[1])
    assert invalid.status_code == 422 and invalid.content_type == PROBLEM
    assert {"order_id", "paid_at", "buyer", "total_paid_fen", "lines"} <= {
        e["field"] for e in invalid.get_json()["errors"]
    }
    unknown_type = post_event(client, app, "order.teleported", {"order_id": "A1"})
    assert unknown_type.status_code == 422
    assert count(session, OrderEvent) == 0


def refused_field(response) -> str:
    """The one field a 422 problem names."""
    assert response.status_code == 422 and response.content_type == PROBLEM
    (error,) = response.get_json()["errors"]
    return error["field"]


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("lines", 0, "product_id"), 2**63, "lines.0.product_id"),
        (("lines", 0, "quantity"), 2**31, "lines.0.quantity"),
        (("lines", 0, "paid_fen"), 2**63, "lines.0.paid_fen"),
        (("total_paid_fen",), 2**63, "total_paid_fen"),
        (("buyer", "user_id"), 2**63, "buyer.user_id"),
        (("paid_at",), "9999-12-31T23:59:59-12:00", "paid_at"),
        (("paid_at",), "0001-01-01T00:00:00+08:00", "paid_at"),
        (("buyer", "reference"), "buyer\x00", "buyer.reference"),
        (("order_id",), "A\x001", "order_id"),
    ],
)
def test_an_event_the_database_cannot_hold_is_a_422_naming_the_field_and_stores_nothing(
    client, app, session, world, path, value, field
):
    data = paid("A1", "mei", [("1", world["tea"].id, 12_800)])
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert refused_field(post_event(client, app, "order.paid", data)) == field
    assert count(session, OrderEvent) == 0


@pytest.mark.parametrize("event_id", ["e" * 256, "evt\x00"])
def test_a_webhook_id_the_database_cannot_hold_is_a_422_and_stores_nothing(client, app, session, world, event_id):
    data = paid("A1", "mei", [("1", world["tea"].id, 12_800)])
    assert refused_field(post_event(client, app, "order.paid", data, event_id=event_id)) == "webhook-id"
    assert count(session, OrderEvent) == 0


def test_a_database_outage_gets_a_503_so_the_sender_retries(client, app, session, world, monkeypatch):
    dead = sa.create_engine("postgresql+psycopg://nobody@/nowhere?host=/nonexistent&connect_timeout=1")
    monkeypatch.setitem(app.extensions, "distro.driver_connection", AutocommitConnections(dead).lend)
    response = post_event(client, app, "order.paid", paid("A1", "mei", [("1", world["tea"].id, 12_800)]))
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.content_type == PROBLEM


def test_a_paid_order_accrues_commission_to_the_shop(client, app, session, world):
    post_event(
        client, app, "order.paid", paid("A1", "mei", [("1", world["tea"].id, 12_800), ("2", world["shirt"].id, 11_800)])
    )
    assert process(session, app, "A1") == "processed"
    order = session.scalars(sa.select(Order)).one()
    assert (order.status, order.shop_id, order.attribution) == ("paid", world["shop"].id, "shop")
    lines = session.scalars(sa.select(CommissionLine).order_by(CommissionLine.id)).all()
    # tea: 12,800 × 20% = 2,560 → 60% 1,536 / 1,024; shirt: 11,800 × 35% = 4,130 → 2,478 / 1,652
    assert [(line.pool_fen, line.owner_fen, line.platform_fen) for line in lines] == [
        (2_560, 1_536, 1_024),
        (4_130, 2_478, 1_652),
    ]
    assert [(line.rate_bp, line.tier_code, line.owner_share_bp) for line in lines] == [
        (2_000, "new", 6_000),
        (3_500, "new", 6_000),
    ]
    assert shop_balances(session, world["shop"], world["supplier"]) == {
        f"shop:{world['shop'].id}:pending": 4_014,
        f"shop:{world['shop'].id}:available": 0,
        "platform:revenue": 2_676,
        f"supplier:{world['supplier'].id}:payable": 6_690,
    }
    assert process(session, app, "A1") == "idle"
    assert count(session, Posting) == 2


def test_delivery_starts_the_hold_and_the_release_job_makes_commission_payable(client, app, session, world):
    post_event(
        client, app, "order.paid", paid("A1", "mei", [("1", world["tea"].id, 12_800), ("2", world["shirt"].id, 11_800)])
    )
    post_event(client, app, "order.delivered", {"order_id": "A1", "delivered_at": "2026-11-25T10:00:00+08:00"})
    process(session, app, "A1")
    delivered = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)
    tea, shirt = session.scalars(sa.select(CommissionLine).order_by(CommissionLine.id)).all()
    assert tea.payable_at == delivered + dt.timedelta(days=7)
    assert shirt.payable_at == delivered + dt.timedelta(days=15)  # apparel: 15-day window

    assert release.release_due_commission(session=session, now=delivered + dt.timedelta(days=8)) == 1
    shop_id = world["shop"].id
    assert ledger.balances(session, [f"shop:{shop_id}:pending", f"shop:{shop_id}:available"]) == {
        f"shop:{shop_id}:pending": 2_478,
        f"shop:{shop_id}:available": 1_536,
    }
    assert release.release_due_commission(session=session, now=delivered + dt.timedelta(days=8)) == 0
    assert release.release_due_commission(session=session, now=delivered + dt.timedelta(days=16)) == 1
    assert ledger.balance(session, f"shop:{shop_id}:available") == 4_014
    assert ledger.trial_balance(session)["total"] == 0


def test_a_partial_refund_before_settlement_reverses_the_difference(client, app, session, world):
    post_event(client, app, "order.paid", paid("A1", "mei", [("1", world["shirt"].id, 11_800)]))
    post_event(
        client,
        app,
        "order.refunded",
        {
            "order_id": "A1",
            "refund_id": "r1",
            "refunded_at": "2026-11-23T08:00:00+08:00",
            "lines": [{"line_id": "1", "amount_fen": 5_900}],
        },
    )
    process(session, app, "A1")
    line = session.scalars(sa.select(CommissionLine)).one()
    assert (line.pool_fen, line.owner_fen, line.platform_fen) == (2_065, 1_239, 826)
    post_event(
        client,
        app,
        "order.refunded",
        {
            "order_id": "A1",
            "refund_id": "r2",
            "refunded_at": "2026-11-24T08:00:00+08:00",
            "lines": [{"line_id": "1", "amount_fen": 5_900}],
        },
    )
    process(session, app, "A1")
    session.refresh(line)
    assert (line.pool_fen, line.owner_fen, line.platform_fen) == (0, 0, 0)
    assert owner_statuses(client, app, world) == ["reversed"]
    kinds = session.scalars(sa.select(Posting.kind).where(Posting.kind.not_like("deposit%")).order_by(Posting.id)).all()
    assert kinds == ["accrual", "reversal"]
    assert shop_balances(session, world["shop"], world["supplier"])[f"shop:{world['shop'].id}:pending"] == 0


def test_a_refund_after_settlement_is_a_clawback_that_can_take_the_balance_negative(client, app, session, world):
    post_event(client, app, "order.paid", paid("A1", "mei", [("1", world["tea"].id, 12_800)]))
    post_event(client, app, "order.delivered", {"order_id": "A1", "delivered_at": "2026-11-25T10:00:00+08:00"})
    process(session, app, "A1")
    release.release_due_commission(session=session, now=dt.datetime(2026, 12, 31, tzinfo=dt.UTC))
    shop_available = f"shop:{world['shop'].id}:available"
    # What a settlement batch does: claim the line and pay the available balance out.
    line = session.scalars(sa.select(CommissionLine)).one()
    batch = SettlementBatch(
        status="ready", cutoff_at=dt.datetime(2026, 12, 31, tzinfo=dt.UTC), created_by=world["supplier_user"].id
    )
    session.add(batch)
    session.flush()
    session.add(SettlementClaim(line_id=line.id, batch_id=batch.id))
    from distro.ledger.chart import EntryLine

    ledger.record_posting(
        session,
        reference="payout:test",
        kind="payout",
        lines=[EntryLine(shop_available, 1_536), EntryLine("cash", -1_536)],
    )
    session.commit()
    post_event(
        client,
        app,
        "order.refunded",
        {
            "order_id": "A1",
            "refund_id": "r1",
            "refunded_at": "2026-12-30T08:00:00+08:00",
            "lines": [{"line_id": "1", "amount_fen": 12_800}],
        },
    )
    process(session, app, "A1")
    assert ledger.balance(session, shop_available) == -1_536
    assert session.scalars(sa.select(Posting.kind).order_by(Posting.id.desc())).first() == "clawback"
    assert owner_statuses(client, app, world) == ["clawed_back"]
    assert ledger.trial_balance(session)["total"] == 0


def test_an_order_paid_before_a_rate_change_keeps_the_old_rate(client, app, session, world):
    # Paid after the product (and its first rate) was created, before the change: a time before the
    # product existed has no rate in force and would fall back to the product's current rate.
    paid_before = dt.datetime.now(dt.UTC)
    client.put(
        f"/api/v1/supplier/products/{world['tea'].id}/commission-rate",
        json={"rate_bp": 4_000},
        headers=bearer(app, world["supplier_user"]),
    )
    post_event(
        client, app, "order.paid", paid("A1", "mei", [("1", world["tea"].id, 10_000)], paid_at=paid_before.isoformat())
    )
    post_event(
        client,
        app,
        "order.paid",
        paid("A2", "mei", [("1", world["tea"].id, 10_000)], paid_at=dt.datetime.now(dt.UTC).isoformat()),
    )
    process(session, app, "A1")
    process(session, app, "A2")
    rates = session.scalars(sa.select(CommissionLine.rate_bp).order_by(CommissionLine.id)).all()
    assert rates == [2_000, 4_000]


def test_an_order_without_a_shop_earns_no_commission(client, app, session, world):
    post_event(client, app, "order.paid", paid("A1", None, [("1", world["tea"].id, 12_800)]))
    assert process(session, app, "A1") == "processed"
    order = session.scalars(sa.select(Order)).one()
    assert (order.status, order.attribution, order.shop_id) == ("paid", "none", None)
    assert count(session, CommissionLine) == 0 and count(session, Posting) == 0


def test_a_self_purchase_is_flagged_and_pays_nothing_by_default(client, app, session, world):
    post_event(
        client,
        app,
        "order.paid",
        paid("A1", "mei", [("1", world["tea"].id, 12_800)], buyer={"reference": "me", "user_id": world["owner"].id}),
    )
    process(session, app, "A1")
    assert session.scalars(sa.select(Order.self_purchase)).one() is True
    assert count(session, CommissionLine) == 0


def test_a_self_purchase_can_pay_at_its_own_rate(client, app, session, world, monkeypatch):
    monkeypatch.setitem(app.config, "SELF_PURCHASE_POLICY", "pay_own_rate")
    post_event(
        client,
        app,
        "order.paid",
        paid("A1", "mei", [("1", world["tea"].id, 12_800)], buyer={"reference": "me", "user_id": world["owner"].id}),
    )
    process(session, app, "A1")
    line = session.scalars(sa.select(CommissionLine)).one()
    assert (line.owner_share_bp, line.pool_fen, line.owner_fen) == (3_000, 2_560, 768)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (lambda w: paid("A1", "mei", [("1", 999_999, 100)]), "unknown product 999999"),
        (lambda w: paid("A1", "nobody", [("1", w["tea"].id, 100)]), "unknown shop 'nobody'"),
        (lambda w: {**paid("A1", "mei", [("1", w["tea"].id, 100)]), "total_paid_fen": 101}, "not the total paid"),
        (lambda w: paid("A1", None, [("1", w["tea"].id, 100)], share_code="zzz"), "unknown share code"),
    ],
)
def test_events_that_break_a_rule_are_quarantined_with_the_reason(client, app, session, world, data, reason):
    post_event(client, app, "order.paid", data(world))
    assert process(session, app, "A1") == "quarantined"
    event = session.scalars(sa.select(OrderEvent)).one()
    assert event.status == "quarantined" and reason in event.quarantine_reason
    assert count(session, CommissionLine) == 0 and count(session, Posting) == 0


def test_an_admin_lists_and_reprocesses_a_quarantined_event_once_its_cause_is_fixed(client, app, session, world):
    admin = make_user(session, Role.ADMIN)
    post_event(client, app, "order.paid", paid("A1", "later", [("1", world["tea"].id, 12_800)]), event_id="evt_q")
    process(session, app, "A1")
    listed = client.get("/api/v1/admin/order-events", headers=bearer(app, admin)).get_json()
    assert [(event["id"], event["quarantine_reason"]) for event in listed] == [("evt_q", "unknown shop 'later'")]
    assert (
        client.post("/api/v1/admin/order-events/evt_q/reprocess", headers=bearer(app, world["owner"])).status_code
        == 403
    )
    make_shop(session, app, slug="later", carrying=[world["tea"], world["shirt"]])
    again = client.post("/api/v1/admin/order-events/evt_q/reprocess", headers=bearer(app, admin))
    assert again.status_code == 200 and again.get_json()["status"] == "processed"
    assert count(session, CommissionLine) == 1


def test_owners_see_their_lines_and_balances_and_suppliers_what_they_owe(client, app, session, world):
    post_event(client, app, "order.paid", paid("A1", "mei", [("1", world["tea"].id, 12_800)]))
    process(session, app, "A1")
    lines = client.get("/api/v1/commission/lines", headers=bearer(app, world["owner"])).get_json()
    assert [(line["order_id"], line["status"], line["owner_fen"]) for line in lines] == [("A1", "pending", 1_536)]
    balances = client.get("/api/v1/commission/balances", headers=bearer(app, world["owner"])).get_json()
    assert balances == [
        {"shop_id": world["shop"].id, "shop_name": world["shop"].display_name, "pending_fen": 1_536, "available_fen": 0}
    ]
    stranger = make_user(session, Role.SHOP_OWNER)
    assert client.get("/api/v1/commission/lines", headers=bearer(app, stranger)).get_json() == []
    owed = client.get("/api/v1/supplier/commission/orders", headers=bearer(app, world["supplier_user"])).get_json()
    assert [(row["order_id"], row["commission_fen"]) for row in owed] == [("A1", 2_560)]


def test_one_fen_large_and_many_lines_always_split_exactly(client, app, session, world):
    lines = [(str(i), world["shirt"].id, fen) for i, fen in enumerate([1, 2, 3, 5, 7, 99, 10**11, 333, 1_001], 1)]
    lines += [(f"m{i}", world["tea"].id, 17 + i) for i in range(60)]
    post_event(client, app, "order.paid", paid("A1", "mei", lines))
    assert process(session, app, "A1") == "processed"
    for line in session.scalars(sa.select(CommissionLine)):
        assert line.owner_fen + line.platform_fen == line.pool_fen
    assert ledger.trial_balance(session)["total"] == 0
    assert ledger.unbalanced_postings(session) == []


def test_a_body_over_the_size_limit_is_refused_before_it_is_read_and_nothing_is_stored(client, app, session, world):
    body, headers = signed_event(app, "order.paid", paid("BIG", "mei", [("1", world["tea"].id, 12_800)]))
    padded = body + b" " * (app.config["MAX_CONTENT_LENGTH"] + 1 - len(body))  # still valid JSON, still signed wrong
    response = client.post("/webhooks/orders", data=padded, headers=headers)
    assert response.status_code == 413
    assert response.mimetype == PROBLEM and response.get_json()["status"] == 413
    assert count(session, OrderEvent) == 0


def test_an_order_event_sent_while_postgresql_drops_its_connection_gets_a_503_to_retry_and_then_is_stored(
    committed_app, committed_db
):
    client = committed_app.test_client()
    outside = sa.create_engine(committed_db, poolclass=sa.NullPool)

    def send(order_id: str, event_id: str):
        body, headers = signed_event(
            committed_app, "order.paid", paid(order_id, None, [("l1", 1, 100)]), event_id=event_id
        )
        return client.post("/webhooks/orders", data=body, headers=headers)

    assert send("DROP-1", "e1").status_code == 200
    # The server ends every connection it holds, as a restart or an outage does; the app's pool still lends them.
    with outside.connect() as admin:
        admin.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    refused = send("DROP-2", "e2")
    assert refused.status_code == 503 and refused.headers["Retry-After"]
    assert refused.mimetype == "application/problem+json"
    assert send("DROP-2", "e2").status_code == 200  # the sender's retry: the dead connection is not lent again
    with outside.connect() as admin:
        stored = admin.execute(sa.text("SELECT id FROM order_events ORDER BY id")).scalars().all()
    assert stored == ["e1", "e2"]


def test_an_owners_lines_page_and_count_cover_each_of_their_shops_and_none_of_anothers(client, app, session, world):
    from distro.shops.services import set_shop_allowance

    admin = make_user(session, Role.ADMIN)
    set_shop_allowance(session=session, user_id=world["owner"].id, max_shops=2, admin_id=admin.id)
    second = make_shop(session, app, world["owner"], slug="mei2", carrying=[world["tea"]])
    other_owner = make_user(session, Role.SHOP_OWNER)
    others = make_shop(session, app, other_owner, slug="other", carrying=[world["tea"]])
    for ref, slug in (("B1", "mei"), ("B2", "mei2"), ("B3", "mei2"), ("B4", "other")):
        post_event(client, app, "order.paid", paid(ref, slug, [("1", world["tea"].id, 12_800)]))
        process(session, app, ref)

    def page(query: str = "") -> tuple[list[str], int]:
        answer = client.get(f"/api/v1/commission/lines?page_size=2{query}", headers=bearer(app, world["owner"]))
        return [line["order_id"] for line in answer.get_json()], json.loads(answer.headers["X-Pagination"])["total"]

    assert page() == (["B3", "B2"], 3)
    assert page("&page=2") == (["B1"], 3)
    assert page(f"&shop_id={second.id}") == (["B3", "B2"], 2)
    assert page(f"&shop_id={others.id}") == ([], 0)
