"""推送记录 in the admin console: every subscription's outbound deliveries with attempts, last answer and next try,
filtered by status and subscription, a page at a time."""

from __future__ import annotations

import html

import sqlalchemy as sa

from distro.auth.models import Role
from distro.clock import BUSINESS_TZ
from distro.console import admin_deliveries_queries as queries
from distro.outbound import services
from distro.outbound.models import Delivery
from tests.factories import PASSWORD, make_user


def sign_in(client, user) -> None:
    client.post("/login", data={"login": user.email, "password": PASSWORD})


class Answering:
    """A subscriber's endpoints: each URL answers its status code."""

    def __init__(self, codes: dict[str, int]) -> None:
        self.codes = codes

    def send(self, url, body, headers, timeout) -> int:
        return self.codes[url]


def deliveries(session):
    """Two subscriptions (one endpoint up, one answering 503) and one event each, tried once."""
    admin = make_user(session, Role.ADMIN)
    up = services.create_subscription(
        session=session,
        user_id=admin.id,
        supplier_id=None,
        url="https://up.example.cn/hook",
        event_types=["order.paid"],
    )
    down = services.create_subscription(
        session=session,
        user_id=admin.id,
        supplier_id=None,
        url="https://down.example.cn/hook",
        event_types=["tier.changed"],
    )
    services.emit_many(session, [("order.paid", {"order_id": "A1"}, None), ("tier.changed", {"shop_id": 1}, None)])
    session.commit()
    sender = Answering({up.url: 200, down.url: 503})
    services.deliver_due(session=session, sender=sender, max_attempts=5, timeout=1)
    return admin, up, down


def test_an_admin_sees_every_subscriptions_deliveries_with_attempts_answer_and_next_try(client, session):
    admin, _up, down = deliveries(session)
    sign_in(client, admin)
    page = html.unescape(client.get("/console/admin/deliveries").get_data(as_text=True))
    assert "https://up.example.cn/hook" in page and "https://down.example.cn/hook" in page
    assert "已送达" in page and "HTTP 200" in page
    assert "待重试" in page and "HTTP 503" in page
    retry = session.execute(sa.select(Delivery).where(Delivery.subscription_id == down.id)).scalar_one()
    assert retry.attempts == 1 and retry.next_attempt_at.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M") in page


def test_deliveries_filter_by_status_and_by_subscription(client, session):
    admin, up, _down = deliveries(session)
    sign_in(client, admin)
    pending = client.get("/console/admin/deliveries?status=pending").get_data(as_text=True)
    assert "tier.changed" in pending and "<code>order.paid</code>" not in pending
    one = client.get(f"/console/admin/deliveries?subscription={up.id}").get_data(as_text=True)
    assert "<code>order.paid</code>" in one and "<code>tier.changed</code>" not in one


def test_the_next_page_keeps_the_filters_and_an_unknown_subscription_or_delivery_is_a_404(client, session, monkeypatch):
    monkeypatch.setitem(queries.deliveries_page.__kwdefaults__, "size", 1)
    admin, _up, _down = deliveries(session)
    sign_in(client, admin)
    first = client.get("/console/admin/deliveries").get_data(as_text=True)
    link = html.unescape(first.split('class="pager"><a href="')[1].split('"')[0])
    second = client.get(link).get_data(as_text=True)
    assert "下一页" not in second
    assert {"order.paid", "tier.changed"} == {
        name for name in ("order.paid", "tier.changed") if f"<code>{name}</code>" in first + second
    }
    assert client.get("/console/admin/deliveries?subscription=999999").status_code == 404
    assert client.get("/console/admin/deliveries?after=nope").status_code == 404
    assert client.get("/console/admin/deliveries?after=%00").status_code == 400


def test_a_bad_filter_is_refused_in_chinese_and_only_admins_see_deliveries(client, session):
    admin, _, _ = deliveries(session)
    sign_in(client, admin)
    bad = client.get("/console/admin/deliveries?status=lost&subscription=x")
    assert bad.status_code == 400
    assert "请选择一个状态" in bad.get_data(as_text=True) and "请选择一个订阅" in bad.get_data(as_text=True)
    sign_in(client, make_user(session, Role.SUPPLIER))
    assert client.get("/console/admin/deliveries").status_code == 403
