"""Attribution through share links and buyer bindings, analytics, and the whole flow end to end."""

import datetime as dt
import threading
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
import sqlalchemy as sa
from rq.serializers import JSONSerializer
from sqlmodel import Session
from werkzeug.serving import make_server

from distro.auth.models import Role
from distro.clock import BUSINESS_TZ
from distro.commission import services
from distro.commission.models import CommissionLine, Order
from distro.db import engine_for
from distro.pages import csrf_token_in
from distro.queue import get_queue
from distro.share import services as share_services
from distro.share.models import ShareLink
from tests.factories import (
    bearer,
    commission_rules,
    make_product,
    make_shop,
    make_supplier,
    make_user,
    paid,
    post_event,
)
from tests.integration.workers import BurstWorker

PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.40"


@pytest.fixture
def two_shops(app, session):
    supplier_user, _ = make_supplier(session, app)
    product = make_product(session, app, supplier_user, price_fen=10_000, other_platform_price_fen=12_000)
    first = make_shop(session, app, slug="first", carrying=[product])
    second = make_shop(session, app, slug="second", carrying=[product])
    links = {}
    for shop, code in ((first, "FirstAaa"), (second, "SecondBb")):
        session.add(ShareLink(code=code, shop_id=shop.id, channel="wechat_chat", created_by=shop.owner_id))
    session.commit()
    links = {"first": "FirstAaa", "second": "SecondBb"}
    return {"product": product, "first": first, "second": second, "links": links}


def pay(client, app, session, order_id, paid_at, **attribution):
    shop = attribution.pop("shop", None)
    data = paid(
        order_id,
        shop,
        [("1", attribution.pop("product_id"), 10_000)],
        paid_at=paid_at.isoformat(),
        buyer={"reference": "buyer-mei"},
        **attribution,
    )
    post_event(client, app, "order.paid", data)
    services.process_order(session=session, order_ref=order_id, rules=commission_rules(app, session))
    return session.scalars(sa.select(Order).where(Order.external_id == order_id)).one()


def test_a_share_code_attributes_the_order_and_binds_the_buyer_for_seven_days(client, app, session, two_shops):
    start = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)
    product_id = two_shops["product"].id
    first = pay(client, app, session, "O1", start, product_id=product_id, share_code="FirstAaa")
    assert (first.shop_id, first.attribution) == (two_shops["first"].id, "share_code")
    later = pay(client, app, session, "O2", start + dt.timedelta(days=6), product_id=product_id)
    assert (later.shop_id, later.attribution) == (two_shops["first"].id, "binding")
    expired = pay(client, app, session, "O3", start + dt.timedelta(days=8), product_id=product_id)
    assert (expired.shop_id, expired.attribution) == (None, "none")


def test_the_last_click_wins_the_binding(client, app, session, two_shops):
    start = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)
    product_id = two_shops["product"].id
    pay(client, app, session, "O1", start, product_id=product_id, share_code="FirstAaa")
    pay(client, app, session, "O2", start + dt.timedelta(days=1), product_id=product_id, share_code="SecondBb")
    # An older purchase processed late does not take the buyer back.
    pay(client, app, session, "O0", start - dt.timedelta(days=1), product_id=product_id, share_code="FirstAaa")
    rebound = pay(client, app, session, "O3", start + dt.timedelta(days=2), product_id=product_id)
    assert (rebound.shop_id, rebound.attribution) == (two_shops["second"].id, "binding")


def test_analytics_show_clicks_orders_gmv_and_conversion_by_channel_day_and_product(client, app, session, redis):
    supplier_user, _ = make_supplier(session, app)
    product = make_product(session, app, supplier_user, price_fen=10_000, other_platform_price_fen=12_000)
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner, slug="stats", carrying=[product])
    session.add(
        ShareLink(code="StatsWxA", shop_id=shop.id, product_id=None, channel="wechat_moments", created_by=owner.id)
    )
    session.commit()
    for visitor in range(4):
        app.test_client().get("/s/StatsWxA", headers={"User-Agent": f"{PHONE_UA} v{visitor}"})
    app.extensions["distro.clicks"].flush()
    share_services.fold_clicks(session=session, connection=redis)
    today = dt.datetime.now(dt.UTC)
    pay(client, app, session, "S1", today, product_id=product.id, share_code="StatsWxA")
    pay(client, app, session, "S2", today, product_id=product.id, shop="stats")
    report = client.get(f"/api/v1/analytics/shops/{shop.id}", headers=bearer(app, owner)).get_json()
    by_channel = {row["channel"]: row for row in report["by_channel"]}
    assert by_channel["wechat_moments"] == {
        "channel": "wechat_moments",
        "clicks": 4,
        "unique_clicks": 4,
        "orders": 1,
        "gmv_fen": 10_000,
        "net_gmv_fen": 10_000,
        "conversion_bp": 2_500,
    }
    assert (by_channel["direct"]["orders"], by_channel["direct"]["gmv_fen"]) == (1, 10_000)
    shanghai_today = today.astimezone(BUSINESS_TZ).date().isoformat()
    assert [(row["day"], row["orders"]) for row in report["by_day"]] == [(shanghai_today, 2)]
    assert [(row["product"], row["orders"]) for row in report["by_product"]] == [(product.id, 2)]
    supplier_report = client.get("/api/v1/analytics/supplier", headers=bearer(app, supplier_user)).get_json()
    assert sum(row["orders"] for row in supplier_report["by_channel"]) == 2
    stranger = make_user(session, Role.SHOP_OWNER)
    assert client.get(f"/api/v1/analytics/shops/{shop.id}", headers=bearer(app, stranger)).status_code == 404


def test_click_landing_buy_demo_payment_and_commission_end_to_end(committed_db, server_urls, redis, monkeypatch):
    """Over real HTTP: a WeChat click, the landing page, the buy form, the demo cashier, the provider's
    signed order.paid to /webhooks/orders, an RQ worker, and commission for the right shop and channel."""
    from distro.app import create_app

    server_app = create_app({"DATABASE_URL": committed_db, "REDIS_URL": server_urls["redis"]})
    server = make_server("127.0.0.1", 0, server_app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    server_app.config["PUBLIC_BASE_URL"] = base
    monkeypatch.setenv("DISTRO_PUBLIC_BASE_URL", base)  # the payment job reads the environment, as in production
    threading.Thread(target=server.serve_forever, daemon=True).start()
    engine = engine_for(committed_db)
    try:
        with Session(engine) as session:
            supplier_user, _ = make_supplier(session, server_app)
            product = make_product(
                session,
                server_app,
                supplier_user,
                price_fen=5_900,
                other_platform_price_fen=9_900,
                commission_rate_bp=3_500,
            )
            owner = make_user(session, Role.SHOP_OWNER)
            shop = make_shop(session, server_app, owner, slug="e2e")
            decoy = make_shop(session, server_app, slug="decoy")
            from distro.shops import services as shop_services
            from distro.shops.rules import ShopPolicy

            for target in (shop, decoy):
                shop_services.add_product(
                    session=session,
                    owner_id=target.owner_id,
                    shop_id=target.id,
                    product_id=product.id,
                    reason="",
                    policy=ShopPolicy.from_settings(server_app.config),
                )
            link = share_services.create_link(
                session=session, owner_id=owner.id, shop_id=shop.id, channel="wechat_moments", product_id=product.id
            )
            shop_id, code, product_id = shop.id, link.code, product.id

        jar = CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        browser.addheaders = [("User-Agent", PHONE_UA)]
        landing = browser.open(f"{base}/s/{code}")
        assert landing.url == f"{base}/shop/e2e/p/{product_id}"
        page = landing.read().decode()
        assert "立即购买" in page
        form = {"quantity": "2", "name": "李四", "phone": "13900001111", "address": "杭州市西湖区文三路1号"}
        form["csrf_token"] = csrf_token_in(page)
        cashier = browser.open(f"{base}/shop/e2e/p/{product_id}/buy", data=urllib.parse.urlencode(form).encode())
        cashier_page = cashier.read().decode()
        assert "演示支付" in cashier_page
        token = cashier.url.rsplit("/", 1)[1]
        confirm = urllib.parse.urlencode({"csrf_token": csrf_token_in(cashier_page)}).encode()
        done = browser.open(f"{base}/pay/demo/{token}/confirm", data=confirm)
        assert "已付款，待发货" in done.read().decode()

        # The provider's job sends order.paid over HTTP; the webhook enqueues processing; fold the clicks.
        for _ in ("sends order.paid", "processes it"):
            BurstWorker([get_queue("default", redis)], connection=redis, serializer=JSONSerializer).work(burst=True)
        server_app.extensions["distro.clicks"].flush()
        with Session(engine) as session:
            share_services.fold_clicks(session=session, connection=redis)
            order = session.scalars(sa.select(Order)).one()
            assert (order.shop_id, order.attribution, order.share_code) == (shop_id, "share_code", code)
            line = session.scalars(sa.select(CommissionLine)).one()
            # 2 × 5,900 × 35% = 4,130 → owner 60% = 2,478
            assert (line.shop_id, line.pool_fen, line.owner_fen) == (shop_id, 4_130, 2_478)
            from distro.share.analytics import breakdown

            today = dt.datetime.now(BUSINESS_TZ).date()
            rows = breakdown(session, scope="shop", scope_id=shop_id, dimension="channel", start=today, end=today)
            assert [(row["channel"], row["clicks"], row["orders"], row["gmv_fen"]) for row in rows] == [
                ("wechat_moments", 1, 1, 11_800)
            ]
    finally:
        server.shutdown()
