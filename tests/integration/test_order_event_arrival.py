"""The same order events in another order store the same commission lines: through the real webhook and RQ
worker, on distro's own pages, and whenever the release job and a settlement batch run in between."""

import datetime as dt

import sqlalchemy as sa
from rq.serializers import JSONSerializer
from sqlmodel import Session

from distro.auth.models import Role
from distro.commission import jobs, release
from distro.commission import services as commission
from distro.db import engine_for
from distro.ledger import services as ledger
from distro.queue import get_queue
from distro.settlement import batches, computing
from distro.settlement.models import SettlementClaim
from distro.storefront import notices
from distro.storefront.models import Checkout
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
from tests.integration.test_storefront_orders import buy, webhook_sender
from tests.integration.workers import BurstWorker

LATER = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def cancelled(order_id: str) -> dict:
    return {"order_id": order_id, "cancelled_at": "2026-11-22T09:00:00+08:00"}


def lines_by_order(client, app, owner) -> dict[str, list[tuple]]:
    """The owner's commission lines as GET /commission/lines shows them, by order: what a line is and holds."""
    response = client.get("/api/v1/commission/lines", headers=bearer(app, owner))
    assert response.status_code == 200
    lines: dict[str, list[tuple]] = {}
    for line in response.get_json():
        shown = (line["status"], line["pool_fen"], line["owner_fen"], line["payable_at"])
        lines.setdefault(line["order_id"], []).append(shown)
    return lines


def test_paid_then_cancelled_and_cancelled_then_paid_leave_the_same_reversed_line_through_the_worker(
    committed_app, committed_db, redis, monkeypatch
):
    with Session(engine_for(committed_db), expire_on_commit=False) as session:
        supplier_user, supplier = make_supplier(session, committed_app)
        tea = make_product(session, committed_app, supplier_user, price_fen=12_800, other_platform_price_fen=16_800)
        owner = make_user(session, Role.SHOP_OWNER)
        shop = make_shop(session, committed_app, owner, slug="mei", carrying=[tea])
        tea_id, shop_id, supplier_id = tea.id, shop.id, supplier.id
    client = committed_app.test_client()
    queue = get_queue("default", redis)
    # A1 is paid, then cancelled; A2 gets the same two events the other way round.
    rounds = [
        [("order.paid", paid("A1", "mei", [("1", tea_id, 12_800)])), ("order.cancelled", cancelled("A2"))],
        [("order.cancelled", cancelled("A1")), ("order.paid", paid("A2", "mei", [("1", tea_id, 12_800)]))],
    ]
    for events in rounds:
        monkeypatch.setattr(jobs, "_last_ask", -float("inf"))  # the web tier asks afresh for each round
        for event_type, data in events:
            body, headers = signed_event(committed_app, event_type, data)
            assert client.post("/webhooks/orders", data=body, headers=headers).status_code == 200
        assert queue.count == 1
        BurstWorker([queue], connection=redis, serializer=JSONSerializer).work(burst=True)

    lines = lines_by_order(client, committed_app, owner)
    assert lines["A1"] == [("reversed", 0, 0, None)]
    assert lines["A2"] == lines["A1"]
    with Session(engine_for(committed_db)) as session:
        balances = ledger.balances(
            session, [f"shop:{shop_id}:pending", "platform:revenue", f"supplier:{supplier_id}:payable"]
        )
    assert set(balances.values()) == {0}


def test_a_page_order_cancelled_before_its_payment_notice_arrived_is_reversed_like_one_cancelled_after(
    client, app, session
):
    supplier_user, _ = make_supplier(session, app)
    mask = make_product(session, app, supplier_user, price_fen=2_000, other_platform_price_fen=3_000, stock=5)
    owner = make_user(session, Role.SHOP_OWNER)
    make_shop(session, app, owner, slug="shopb", carrying=[mask])
    send = webhook_sender(app, client)

    def process(order_ref):
        commission.process_order(session=session, order_ref=order_ref, rules=commission_rules(app, session))

    checkouts = {}
    for name in ("notice_first", "notice_late"):
        token = buy(client, "shopb", mask.id)
        assert client.post(f"/pay/demo/{token}/confirm").status_code == 303
        checkouts[name] = session.scalars(sa.select(Checkout).where(Checkout.access_token == token)).one()
    # The payment provider's notice (order.paid) reaches /webhooks/orders before the buyer cancels for one order,
    # and only after the cancellation for the other (Redis was down, the resend sweep came later).
    notices.deliver_payment_notices(session=session, send=send, order_refs=[checkouts["notice_first"].order_ref])
    process(checkouts["notice_first"].order_ref)
    for checkout in checkouts.values():
        assert client.post(f"/orders/{checkout.access_token}/cancel", data={"reason": "拍错了"}).status_code == 303
        process(checkout.order_ref)
    notices.deliver_payment_notices(session=session, send=send, order_refs=[checkouts["notice_late"].order_ref])
    process(checkouts["notice_late"].order_ref)

    lines = lines_by_order(client, app, owner)
    assert lines[checkouts["notice_late"].order_ref] == [("reversed", 0, 0, None)]
    assert lines[checkouts["notice_first"].order_ref] == lines[checkouts["notice_late"].order_ref]


def test_a_line_refunded_in_full_after_it_became_payable_is_reversed_and_no_batch_claims_it(client, app, session):
    supplier_user, _ = make_supplier(session, app)
    tea = make_product(session, app, supplier_user, price_fen=12_800, other_platform_price_fen=16_800)
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner, slug="mei", carrying=[tea])
    refund = {
        "refund_id": "r1",
        "refunded_at": "2026-12-05T10:00:00+08:00",
        "lines": [{"line_id": "1", "amount_fen": 12_800}],
    }
    delivered = {"delivered_at": "2026-11-25T10:00:00+08:00"}
    # A1 is refunded after the release job made its commission payable; A2 before the job ran.
    for order_id, refund_first in (("A1", False), ("A2", True)):
        post_event(client, app, "order.paid", paid(order_id, "mei", [("1", tea.id, 12_800)]))
        post_event(client, app, "order.delivered", {"order_id": order_id, **delivered})
        if refund_first:
            post_event(client, app, "order.refunded", {"order_id": order_id, **refund})
        commission.process_order(session=session, order_ref=order_id, rules=commission_rules(app, session))
        release.release_due_commission(session=session, now=LATER)
        post_event(client, app, "order.refunded", {"order_id": order_id, **refund})
        commission.process_order(session=session, order_ref=order_id, rules=commission_rules(app, session))

    finance = make_user(session, Role.FINANCE)
    batch = batches.create_batch(session=session, cutoff_at=None, created_by=finance.id)
    assert computing.compute_batch(session=session, batch_id=batch.id, minimum_fen=100) == "computed"
    assert session.scalar(sa.select(sa.func.count()).select_from(SettlementClaim)) == 0
    lines = lines_by_order(client, app, owner)
    assert lines["A1"] == [("reversed", 0, 0, None)]
    assert lines["A2"] == lines["A1"]
    assert ledger.balance(session, f"shop:{shop.id}:available") == 0
