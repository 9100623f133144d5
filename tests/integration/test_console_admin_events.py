"""异常订单事件 in the admin console: quarantined events with why and whether the cause is fixed, their payload, and
reprocessing through the API's own service."""

from __future__ import annotations

import sqlalchemy as sa

from distro.auth.models import Role
from distro.commission import event_store, services
from distro.commission.models import CommissionLine
from distro.console import admin_events_queries as queries
from distro.pages import csrf_token_in
from tests.factories import (
    PASSWORD,
    commission_rules,
    make_product,
    make_shop,
    make_supplier,
    make_user,
    paid,
    post_event,
)


def sign_in(client, user) -> None:
    client.post("/login", data={"login": user.email, "password": PASSWORD})


def quarantine(client, app, session, order_ref: str, data: dict, event_id: str) -> None:
    post_event(client, app, "order.paid", data, event_id=event_id)
    assert services.process_order(session=session, order_ref=order_ref, rules=commission_rules(app, session)) == (
        "quarantined"
    )


def tea(session, app):
    supplier_user, _ = make_supplier(session, app)
    return make_product(
        session, app, supplier_user, price_fen=12_800, other_platform_price_fen=16_800, commission_rate_bp=2_000
    )


def test_an_admin_sees_each_quarantined_event_with_why_in_chinese_and_its_payload(client, app, session):
    product = tea(session, app)
    quarantine(client, app, session, "Q1", paid("Q1", "later", [("1", product.id, 12_800)]), "evt_shop")
    quarantine(client, app, session, "Q2", paid("Q2", None, [("1", 987_654, 500)]), "evt_product")
    sign_in(client, make_user(session, Role.ADMIN))
    page = client.get("/console/admin/order-events").get_data(as_text=True)
    assert "evt_shop" in page and "evt_product" in page
    assert "订单指定的店铺“later”不存在" in page and "请先核对或开设该店铺" in page
    assert "订单中的商品 987654 不存在" in page and "unknown product 987654" in page
    assert "&#34;order_id&#34;: &#34;Q1&#34;" in page or '"order_id": "Q1"' in page  # the payload, indented


def test_the_page_says_when_the_missing_shop_now_exists_and_reprocessing_then_pays_commission(client, app, session):
    product = tea(session, app)
    quarantine(client, app, session, "Q1", paid("Q1", "later", [("1", product.id, 12_800)]), "evt_q")
    make_shop(session, app, slug="later", carrying=[product])
    sign_in(client, make_user(session, Role.ADMIN))
    page = client.get("/console/admin/order-events").get_data(as_text=True)
    assert "该店铺现已存在，可以重新处理" in page
    answer = client.post(
        "/console/admin/order-events/evt_q/reprocess",
        data={"csrf_token": csrf_token_in(page)},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200 and "已重新处理成功" in answer.get_data(as_text=True)
    assert event_store.get_event(session, "evt_q").status == "processed"
    assert session.scalar(sa.select(sa.func.count()).select_from(CommissionLine)) == 1
    assert "evt_q" not in client.get("/console/admin/order-events").get_data(as_text=True)


def test_reprocessing_an_event_whose_cause_remains_keeps_it_quarantined_and_says_so(client, app, session):
    product = tea(session, app)
    quarantine(client, app, session, "Q1", paid("Q1", "later", [("1", product.id, 12_800)]), "evt_q")
    sign_in(client, make_user(session, Role.ADMIN))
    token = csrf_token_in(client.get("/console/admin/order-events").get_data(as_text=True))
    answer = client.post(
        "/console/admin/order-events/evt_q/reprocess", data={"csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert answer.status_code == 200 and "重新处理后仍被隔离" in answer.get_data(as_text=True)
    plain = client.post("/console/admin/order-events/evt_q/reprocess", data={"csrf_token": token})
    assert plain.status_code == 303 and plain.headers["Location"] == "/console/admin/order-events"


def test_reprocessing_an_event_no_longer_quarantined_is_refused_in_chinese(client, app, session):
    product = tea(session, app)
    quarantine(client, app, session, "Q1", paid("Q1", "later", [("1", product.id, 12_800)]), "evt_q")
    make_shop(session, app, slug="later", carrying=[product])
    sign_in(client, make_user(session, Role.ADMIN))
    token = csrf_token_in(client.get("/console/admin/order-events").get_data(as_text=True))
    fragment = {"HX-Request": "true"}
    client.post("/console/admin/order-events/evt_q/reprocess", data={"csrf_token": token}, headers=fragment)
    again = client.post("/console/admin/order-events/evt_q/reprocess", data={"csrf_token": token}, headers=fragment)
    assert again.status_code == 200 and "这个事件已不在隔离中" in again.get_data(as_text=True)
    unknown = client.post("/console/admin/order-events/nope/reprocess", data={"csrf_token": token}, headers=fragment)
    assert unknown.status_code == 404 and "找不到页面" in unknown.get_data(as_text=True)


def test_the_list_pages_by_the_last_event_shown_and_an_unknown_one_is_a_404(client, app, session, monkeypatch):
    monkeypatch.setitem(queries.quarantined_page.__kwdefaults__, "size", 1)  # two events make two pages
    product = tea(session, app)
    quarantine(client, app, session, "Q1", paid("Q1", "a", [("1", product.id, 100)]), "evt_1")
    quarantine(client, app, session, "Q2", paid("Q2", "b", [("1", product.id, 100)]), "evt_2")
    sign_in(client, make_user(session, Role.ADMIN))
    first = client.get("/console/admin/order-events").get_data(as_text=True)
    assert "evt_2" in first and "evt_1" not in first and "after=evt_2" in first
    second = client.get("/console/admin/order-events?after=evt_2").get_data(as_text=True)
    assert "evt_1" in second and "evt_2" not in second and "下一页" not in second
    assert client.get("/console/admin/order-events?after=nope").status_code == 404
    assert client.get("/console/admin/order-events?after=%00").status_code == 404
    assert client.get("/console/admin/order-events?after=" + "x" * 300).status_code == 404


def test_only_admins_open_the_quarantine(client, session):
    sign_in(client, make_user(session, Role.FINANCE))
    assert client.get("/console/admin/order-events").status_code == 403
    assert client.post("/console/admin/order-events/x/reprocess").status_code in (400, 403)
