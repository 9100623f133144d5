"""Orders taken on distro's own shop pages, through the pages: attributed to the page's shop, shipped,
received, cancelled, refunded, and paid out like any other order."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from distro.auth.models import Role
from distro.commission import release
from distro.commission import services as commission
from distro.commission.models import CommissionLine, Order, OrderEvent
from distro.outbound.models import Delivery
from distro.share.models import ShareLink
from distro.storefront import fulfilment, notices
from distro.storefront.models import Checkout
from distro.suppliers.models import Product, ProductSku
from tests.factories import (
    PASSWORD,
    bearer,
    commission_rules,
    make_product,
    make_shop,
    make_supplier,
    make_user,
    signed_event,
)

PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.40"
BUYER = {"quantity": "1", "name": "李四", "phone": "139 0000 1111", "address": "杭州市西湖区文三路1号"}


@pytest.fixture
def world(app, session):
    """A supplier's serum (with two SKUs) and mask; shop A carries only the mask, shop B both."""
    supplier_user, supplier = make_supplier(session, app)
    serum = make_product(
        session,
        app,
        supplier_user,
        price_fen=5_900,
        other_platform_price_fen=9_900,
        commission_rate_bp=3_500,
        skus=[{"name": "30ml", "price_fen": 5_900, "stock": 3}, {"name": "50ml", "price_fen": 8_900, "stock": 0}],
    )
    mask = make_product(session, app, supplier_user, price_fen=2_000, other_platform_price_fen=3_000, stock=5)
    owner_a, owner_b = make_user(session, Role.SHOP_OWNER), make_user(session, Role.SHOP_OWNER)
    shop_a = make_shop(session, app, owner_a, slug="shopa", carrying=[mask])
    shop_b = make_shop(session, app, owner_b, slug="shopb", carrying=[serum, mask])
    session.add(ShareLink(code="LinkOfAa", shop_id=shop_a.id, channel="wechat_chat", created_by=owner_a.id))
    session.commit()
    return {
        "supplier_user": supplier_user,
        "supplier": supplier,
        "serum": serum,
        "mask": mask,
        "shop_a": shop_a,
        "shop_b": shop_b,
    }


def buy(client, slug: str, product_id: int, **form) -> str:
    """Fill the buy form on a shop's product page as a phone would; the buyer's order token."""
    response = client.post(f"/shop/{slug}/p/{product_id}/buy", data={**BUYER, **form}, headers={"User-Agent": PHONE_UA})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


def pay(client, app, session, token: str) -> Checkout:
    """Confirm the demo payment, let the provider's notice reach /webhooks/orders, and process the order."""
    assert client.post(f"/pay/demo/{token}/confirm").status_code == 303
    checkout = session.scalars(sa.select(Checkout).where(Checkout.access_token == token)).one()
    notices.deliver_payment_notices(session=session, send=webhook_sender(app, client), order_refs=[checkout.order_ref])
    process(app, session, checkout.order_ref)
    return checkout


def webhook_sender(app, client):
    """The demo provider's notice, signed as it is, posted to /webhooks/orders through the app."""

    def send(event_id, event_type, data):
        body, headers = signed_event(app, event_type, data, event_id=event_id)
        return client.post("/webhooks/orders", data=body, headers=headers).status_code

    return send


def process(app, session, order_ref: str) -> str:
    return commission.process_order(session=session, order_ref=order_ref, rules=commission_rules(app, session))


def ship(session, world, checkout, carrier: str, tracking_number: str) -> None:
    """The supplier ships the order (as its shipping API does)."""
    parcel = {"order_ref": checkout.order_ref, "carrier": carrier, "tracking_number": tracking_number}
    fulfilment.ship(session=session, supplier_id=world["supplier"].id, shipments=[parcel])


def stock_of(session, product) -> int:
    """The product's stock as the database holds it now (not as this session last saw it)."""
    return session.scalar(sa.select(Product.stock).where(Product.id == product.id))


def lines_of(session, order_ref):
    order = session.scalars(sa.select(Order).where(Order.external_id == order_ref)).one()
    return order, session.scalars(sa.select(CommissionLine).where(CommissionLine.order_id == order.id)).all()


def test_a_sale_on_shop_bs_page_is_paid_to_b_though_the_buyer_came_by_shop_as_link(client, app, session, world):
    # The buyer followed shop A's link, then opened shop B's own page (a forwarded URL) and bought there.
    assert client.get("/s/LinkOfAa", headers={"User-Agent": PHONE_UA}).status_code == 302
    checkout = pay(client, app, session, buy(client, "shopb", world["serum"].id, sku="30ml"))
    assert checkout.share_code is None  # A's link did not bring this sale
    order, lines = lines_of(session, checkout.order_ref)
    assert (order.shop_id, order.attribution, order.share_code) == (world["shop_b"].id, "shop", None)
    # 5,900 × 35% = 2,065 to the pool, 60% of it to B's owner
    assert [(line.shop_id, line.pool_fen, line.owner_fen) for line in lines] == [(world["shop_b"].id, 2_065, 1_239)]


def test_a_page_order_through_the_shops_own_link_counts_on_that_link(client, app, session, world):
    assert client.get("/s/LinkOfAa", headers={"User-Agent": PHONE_UA}).status_code == 302
    checkout = pay(client, app, session, buy(client, "shopa", world["mask"].id))
    order, lines = lines_of(session, checkout.order_ref)
    assert (order.shop_id, order.attribution, order.share_code) == (world["shop_a"].id, "share_code", "LinkOfAa")
    assert [line.shop_id for line in lines] == [world["shop_a"].id]


def test_the_buyer_picks_a_sku_at_its_price_and_paying_takes_its_stock(client, app, session, world):
    page = client.get(f"/shop/shopb/p/{world['serum'].id}").get_data(as_text=True)
    assert "30ml" in page and "50ml" in page and "已售罄" in page
    checkout = pay(client, app, session, buy(client, "shopb", world["serum"].id, sku="30ml", quantity="2"))
    assert (checkout.sku, checkout.unit_price_fen, checkout.total_fen) == ("30ml", 5_900, 11_800)
    sku_stock = session.scalars(sa.select(ProductSku.stock).where(ProductSku.name == "30ml")).one()
    assert sku_stock == 1 and stock_of(session, world["serum"]) == 1
    order, _ = lines_of(session, checkout.order_ref)
    line_sku = session.execute(sa.text("SELECT sku FROM order_lines WHERE order_id = :id"), {"id": order.id})
    assert line_sku.scalar_one() == "30ml"


def test_a_sold_out_or_missing_sku_is_refused_in_chinese_and_nothing_is_ordered(client, session, world):
    sold_out = client.post(f"/shop/shopb/p/{world['serum'].id}/buy", data={**BUYER, "sku": "50ml"})
    assert sold_out.status_code == 422 and "50ml 已售罄" in sold_out.get_data(as_text=True)
    missing = client.post(f"/shop/shopb/p/{world['serum'].id}/buy", data=BUYER)
    assert missing.status_code == 422 and "请选择规格" in missing.get_data(as_text=True)
    too_many = client.post(f"/shop/shopb/p/{world['serum'].id}/buy", data={**BUYER, "sku": "30ml", "quantity": "4"})
    assert too_many.status_code == 422 and "仅剩 3 件" in too_many.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Checkout)) == 0


@pytest.mark.parametrize("typed", ["+86 139-0000-1111", "0086 13900001111", "139 0000 1111"])
def test_a_phone_typed_with_spaces_or_a_country_code_is_taken_as_its_eleven_digits(client, session, world, typed):
    buy(client, "shopa", world["mask"].id, phone=typed)
    assert session.scalars(sa.select(Checkout.buyer_phone)).one() == "13900001111"


def test_an_order_on_a_shop_page_is_shipped_received_and_becomes_payable_after_the_hold(client, app, session, world):
    token = buy(client, "shopb", world["mask"].id)
    checkout = pay(client, app, session, token)
    supplier = bearer(app, world["supplier_user"])
    to_ship = client.get("/api/v1/supplier/shipments", headers=supplier).get_json()
    assert [(row["order_ref"], row["buyer_phone"], row["address"]) for row in to_ship] == [
        (checkout.order_ref, "13900001111", BUYER["address"])
    ]
    shipped = client.post(
        "/api/v1/supplier/shipments/ship",
        json={
            "shipments": [{"order_ref": checkout.order_ref, "carrier": "顺丰速运", "tracking_number": "SF1234567890"}]
        },
        headers=supplier,
    )
    assert shipped.status_code == 200, shipped.get_json()
    page = client.get(f"/orders/{token}").get_data(as_text=True)
    assert "顺丰速运 SF1234567890" in page and "确认收货" in page
    assert client.post(f"/orders/{token}/receipt").status_code == 303
    process(app, session, checkout.order_ref)
    order, [line] = lines_of(session, checkout.order_ref)
    assert order.status == "delivered" and line.payable_at == order.delivered_at + dt.timedelta(days=7)
    release.release_due_commission(session=session, now=order.delivered_at + dt.timedelta(days=7, seconds=1))
    session.refresh(line)
    assert line.stage == "available"
    assert "已收货" in client.get(f"/orders/{token}").get_data(as_text=True)


def test_receipt_is_confirmed_automatically_ten_days_after_shipment(client, app, session, world):
    token = buy(client, "shopb", world["mask"].id)
    checkout = pay(client, app, session, token)
    ship(session, world, checkout, "中通快递", "ZT778899")
    shipped_at = session.get(Checkout, checkout.id).shipped_at
    assert fulfilment.auto_confirm_receipts(session=session, days=10, now=shipped_at + dt.timedelta(days=9)) == 0
    assert fulfilment.auto_confirm_receipts(session=session, days=10, now=shipped_at + dt.timedelta(days=10)) == 1
    assert fulfilment.auto_confirm_receipts(session=session, days=10, now=shipped_at + dt.timedelta(days=11)) == 0
    process(app, session, checkout.order_ref)
    order, [line] = lines_of(session, checkout.order_ref)
    assert (order.status, order.delivered_at) == ("delivered", shipped_at + dt.timedelta(days=10))
    assert line.payable_at == shipped_at + dt.timedelta(days=17)


def test_an_open_after_sales_request_holds_the_automatic_receipt(client, app, session, world):
    token = buy(client, "shopb", world["mask"].id)
    checkout = pay(client, app, session, token)
    ship(session, world, checkout, "中通快递", "ZT778899")
    assert (
        client.post(f"/orders/{token}/after-sales", data={"kind": "refund", "reason": "一直没收到"}).status_code == 303
    )
    later = session.get(Checkout, checkout.id).shipped_at + dt.timedelta(days=30)
    assert fulfilment.auto_confirm_receipts(session=session, days=10, now=later) == 0


def test_a_buyer_cancelling_before_shipment_reverses_the_commission_and_returns_the_stock(client, app, session, world):
    token = buy(client, "shopb", world["serum"].id, sku="30ml")
    checkout = pay(client, app, session, token)
    assert client.post(f"/orders/{token}/cancel", data={"reason": "拍错了"}).status_code == 303
    process(app, session, checkout.order_ref)
    order, [line] = lines_of(session, checkout.order_ref)
    assert (order.status, line.pool_fen, line.owner_fen) == ("cancelled", 0, 0)
    assert session.scalars(sa.select(ProductSku.stock).where(ProductSku.name == "30ml")).one() == 3
    assert stock_of(session, world["serum"]) == 3
    # Cancelling again changes nothing; a shipped order cannot be cancelled.
    assert client.post(f"/orders/{token}/cancel").status_code == 303
    assert stock_of(session, world["serum"]) == 3


def test_a_supplier_cancels_an_unshipped_order_with_a_reason_but_not_a_shipped_one(client, app, session, world):
    supplier = bearer(app, world["supplier_user"])
    first = pay(client, app, session, buy(client, "shopb", world["mask"].id))
    second = pay(client, app, session, buy(client, "shopb", world["mask"].id))
    cancelled = client.post(
        f"/api/v1/supplier/orders/{first.order_ref}/cancel", json={"reason": "缺货"}, headers=supplier
    )
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    client.post(
        "/api/v1/supplier/shipments/ship",
        json={"shipments": [{"order_ref": second.order_ref, "carrier": "EMS", "tracking_number": "EM123456"}]},
        headers=supplier,
    )
    refused = client.post(f"/api/v1/supplier/orders/{second.order_ref}/cancel", json={"reason": "x"}, headers=supplier)
    assert refused.status_code == 409 and refused.get_json()["detail"] == "订单已发货"


def test_an_approved_partial_refund_reduces_the_commission_and_a_refused_request_says_why(client, app, session, world):
    supplier = bearer(app, world["supplier_user"])
    token = buy(client, "shopb", world["serum"].id, sku="30ml", quantity="2")
    checkout = pay(client, app, session, token)
    ship(session, world, checkout, "顺丰速运", "SF0001")
    client.post(f"/orders/{token}/receipt")
    asked = client.post(f"/orders/{token}/after-sales", data={"kind": "return", "reason": "一瓶漏了"})
    assert asked.status_code == 303
    [request] = client.get("/api/v1/supplier/after-sales?status=requested", headers=supplier).get_json()
    assert (request["order_ref"], request["kind"], request["requested_fen"]) == (checkout.order_ref, "return", 11_800)
    approved = client.post(
        f"/api/v1/supplier/after-sales/{request['id']}/decision",
        json={"decision": "approve", "amount_fen": 5_900},
        headers=supplier,
    )
    assert approved.status_code == 200 and approved.get_json()["refunded_fen"] == 5_900
    process(app, session, checkout.order_ref)
    _, [line] = lines_of(session, checkout.order_ref)
    assert (line.pool_fen, line.owner_fen) == (2_065, 1_239)  # on the 5,900 left
    # Stock comes back only on a full refund.
    assert session.scalars(sa.select(ProductSku.stock).where(ProductSku.name == "30ml")).one() == 1

    client.post(f"/orders/{token}/after-sales", data={"kind": "refund", "reason": "另一瓶也不想要了"})
    second = client.get("/api/v1/supplier/after-sales?status=requested", headers=supplier).get_json()[0]
    no_reason = client.post(
        f"/api/v1/supplier/after-sales/{second['id']}/decision", json={"decision": "refuse"}, headers=supplier
    )
    assert no_reason.status_code == 422
    refused = client.post(
        f"/api/v1/supplier/after-sales/{second['id']}/decision",
        json={"decision": "refuse", "reason": "已超出质保范围"},
        headers=supplier,
    )
    assert refused.status_code == 200
    assert "供应商拒绝：已超出质保范围" in client.get(f"/orders/{token}").get_data(as_text=True)


def test_a_full_refund_reverses_all_commission_and_returns_the_stock(client, app, session, world):
    supplier = bearer(app, world["supplier_user"])
    token = buy(client, "shopb", world["mask"].id, quantity="2")
    checkout = pay(client, app, session, token)
    ship(session, world, checkout, "顺丰速运", "SF0002")
    client.post(f"/orders/{token}/after-sales", data={"kind": "refund", "reason": "不想要了"})
    [request] = client.get("/api/v1/supplier/after-sales", headers=supplier).get_json()
    client.post(
        f"/api/v1/supplier/after-sales/{request['id']}/decision", json={"decision": "approve"}, headers=supplier
    )
    process(app, session, checkout.order_ref)
    order, [line] = lines_of(session, checkout.order_ref)
    assert (order.status, line.pool_fen) == ("refunded", 0)
    assert stock_of(session, world["mask"]) == 5
    assert "已退款" in client.get(f"/orders/{token}").get_data(as_text=True)


def test_after_sales_is_refused_once_the_return_window_has_closed(client, app, session, world):
    token = buy(client, "shopb", world["mask"].id)
    checkout = pay(client, app, session, token)
    ship(session, world, checkout, "顺丰速运", "SF0003")
    nine_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=9)
    session.execute(sa.update(Checkout).where(Checkout.id == checkout.id).values(shipped_at=nine_days_ago))
    fulfilment.mark_delivered(
        session=session,
        supplier_id=world["supplier"].id,
        order_ref=checkout.order_ref,
        delivered_at=nine_days_ago + dt.timedelta(days=1),
    )
    late = client.post(f"/orders/{token}/after-sales", data={"kind": "refund", "reason": "不想要了"})
    assert late.status_code == 422 and "已超过7天售后期" in late.get_data(as_text=True)


def test_shipping_is_all_or_none_and_a_supplier_reaches_only_its_own_orders(client, app, session, world):
    mine = pay(client, app, session, buy(client, "shopb", world["mask"].id))
    other_user, _ = make_supplier(session, app)
    rows = [
        {"order_ref": mine.order_ref, "carrier": "顺丰速运", "tracking_number": "SF0004"},
        {"order_ref": "DSNOSUCH000", "carrier": "顺丰速运", "tracking_number": "SF0005"},
    ]
    refused = client.post(
        "/api/v1/supplier/shipments/ship", json={"shipments": rows}, headers=bearer(app, world["supplier_user"])
    )
    assert refused.status_code == 422
    assert [error["field"] for error in refused.get_json()["errors"]] == ["shipments.1.order_ref"]
    assert session.get(Checkout, mine.id).status == "paid"
    stranger = client.post(
        "/api/v1/supplier/shipments/ship", json={"shipments": rows[:1]}, headers=bearer(app, other_user)
    )
    assert stranger.status_code == 422 and session.get(Checkout, mine.id).status == "paid"
    done = client.post(
        "/api/v1/supplier/shipments/ship", json={"shipments": rows[:1]}, headers=bearer(app, world["supplier_user"])
    )
    again = client.post(
        "/api/v1/supplier/shipments/ship", json={"shipments": rows[:1]}, headers=bearer(app, world["supplier_user"])
    )
    assert (done.status_code, again.status_code) == (200, 200)
    assert (
        session.scalar(sa.select(sa.func.count()).select_from(OrderEvent).where(OrderEvent.type == "order.shipped"))
        == 1
    )


def test_the_order_reference_alone_does_not_open_the_buyers_order_page(client, app, session, world):
    token = buy(client, "shopb", world["mask"].id)
    checkout = session.scalars(sa.select(Checkout)).one()
    assert client.get(f"/orders/{checkout.order_ref}").status_code == 404
    assert client.post(f"/orders/{checkout.order_ref}/cancel").status_code == 404
    assert client.get(f"/orders/{token}").status_code == 200
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", token)


def test_a_paid_order_tells_the_suppliers_webhook_what_to_ship(client, app, session, world):
    supplier = bearer(app, world["supplier_user"])
    subscribed = client.post(
        "/api/v1/webhook-subscriptions",
        json={"url": "https://erp.example.com/hooks", "event_types": ["order.paid"]},
        headers=supplier,
    )
    assert subscribed.status_code == 201, subscribed.get_json()
    checkout = pay(client, app, session, buy(client, "shopb", world["mask"].id))
    [delivery] = session.scalars(sa.select(Delivery).where(Delivery.event_type == "order.paid")).all()
    assert delivery.payload["data"]["order_id"] == checkout.order_ref
    assert delivery.payload["data"]["address"] == BUYER["address"]


def test_an_owner_buying_on_their_own_page_with_their_own_phone_earns_nothing_under_flag(client, app, session, world):
    from distro.auth.phones import attach_verified_phone

    attach_verified_phone(
        session=session, user_id=world["shop_b"].owner_id, phone="13800000009", secret=app.config["SECRET_KEY"]
    )
    checkout = pay(client, app, session, buy(client, "shopb", world["mask"].id, phone="+86 138 0000 0009"))
    order, lines = lines_of(session, checkout.order_ref)
    assert (order.shop_id, order.self_purchase, lines) == (world["shop_b"].id, True, [])
    # Another buyer's order on the same page earns as usual.
    other = pay(client, app, session, buy(client, "shopb", world["mask"].id, phone="13800000010"))
    order, [line] = lines_of(session, other.order_ref)
    assert (order.self_purchase, line.owner_fen) == (False, 240)  # 2,000 × 20% = 400, 60% of it


def test_asking_for_after_sales_without_a_type_says_so_in_chinese(client, app, session, world):
    token = buy(client, "shopb", world["mask"].id)
    checkout = pay(client, app, session, token)
    ship(session, world, checkout, "顺丰速运", "SF0006")
    refused = client.post(f"/orders/{token}/after-sales", data={"reason": "不想要了"})
    assert refused.status_code == 422 and "请选择售后类型" in refused.get_data(as_text=True)
    asked = client.post(f"/orders/{token}/after-sales", data={"kind": "refund", "reason": "不想要了"})
    assert asked.headers["Location"].endswith(f"/orders/{token}#after-sales-history")


def sign_in(client, login: str, password: str = PASSWORD):
    """Sign in on the sign-in page as an owner does."""
    return client.post("/login", data={"login": login, "password": password})


def test_an_owner_signed_in_buying_on_their_own_page_with_another_phone_earns_nothing_under_flag(
    client, app, session, world
):
    from distro.auth.phones import attach_verified_phone

    owner_id = world["shop_b"].owner_id
    attach_verified_phone(session=session, user_id=owner_id, phone="13800000009", secret=app.config["SECRET_KEY"])
    assert sign_in(client, "138 0000 0009").status_code == 303
    # The phone on the order is a relative's: only the signed-in session says who is buying.
    checkout = pay(client, app, session, buy(client, "shopb", world["mask"].id, phone="13800000077"))
    assert checkout.buyer_user_id == owner_id
    order, lines = lines_of(session, checkout.order_ref)
    assert (order.shop_id, order.self_purchase, lines) == (world["shop_b"].id, True, [])
    # Signed out, the same order from the same phone is another buyer's and earns as usual.
    assert client.post("/logout").status_code == 303
    other = pay(client, app, session, buy(client, "shopb", world["mask"].id, phone="13800000077"))
    order, [line] = lines_of(session, other.order_ref)
    assert (other.buyer_user_id, order.self_purchase, line.owner_fen) == (None, False, 240)


def test_a_form_posted_without_its_page_token_is_refused_in_chinese_and_orders_nothing(client, session, world):
    refused = client.post(f"/shop/shopb/p/{world['mask'].id}/buy", data={**BUYER, "csrf_token": "forged"})
    assert refused.status_code == 400 and "页面已过期" in refused.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Checkout)) == 0


def test_the_sweep_sends_every_payment_notice_held_back_in_one_run_not_a_batch_a_minute(client, app, session, world):
    # Paid while Redis was away: no job sent the notices, so the sweep finds them all.
    refs = []
    for phone in ("13800000011", "13800000012", "13800000013"):
        token = buy(client, "shopb", world["mask"].id, phone=phone)
        assert client.post(f"/pay/demo/{token}/confirm").status_code == 303
        refs.append(session.scalars(sa.select(Checkout.order_ref).where(Checkout.access_token == token)).one())
    session.execute(sa.update(Checkout).values(notice_next_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    session.commit()
    sent = notices.deliver_due_payment_notices(session=session, send=webhook_sender(app, client), batch=2)
    assert sent == {"acknowledged": 3, "retry": 0}
    stored = session.scalars(sa.select(OrderEvent.order_ref).where(OrderEvent.order_ref.in_(refs))).all()
    assert sorted(stored) == sorted(refs)
