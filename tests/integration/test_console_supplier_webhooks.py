"""Webhook in the supplier console: registering an endpoint with its URL and events (the signing secret shown once),
the list of the account's endpoints, and each endpoint's delivery log a page at a time; another account's endpoint
is not found."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from distro.console.lists import PAGE_SIZE
from distro.outbound import services
from distro.outbound.models import Delivery, Subscription
from distro.pages import csrf_token_in
from tests.console_supplier import sign_in
from tests.factories import make_supplier

PAGE = "/console/supplier/webhooks"


def register(client, **form):
    token = csrf_token_in(client.get(PAGE).get_data(as_text=True))
    return client.post(PAGE, data={"csrf_token": token, **form})


def test_registering_an_endpoint_shows_its_secret_once_and_lists_it(client, app, session):
    user, supplier = make_supplier(session, app)
    sign_in(client, user)
    answer = register(client, url="https://erp.example.cn/hooks", event_types=["order.paid", "product.taken_down"])
    text = answer.get_data(as_text=True)
    subscription = session.scalars(sa.select(Subscription).where(Subscription.user_id == user.id)).one()
    assert answer.status_code == 201 and subscription.secret in text and "只显示这一次" in text
    assert subscription.supplier_id == supplier.id
    assert subscription.event_types == ["order.paid", "product.taken_down"]
    again = client.get(PAGE).get_data(as_text=True)
    assert subscription.secret not in again
    assert "https://erp.example.cn/hooks" in again and "订单已付款（待发货）、商品被下架" in again


def test_a_bad_url_or_no_event_is_refused_in_chinese_on_its_field(client, app, session):
    user, _ = make_supplier(session, app)
    sign_in(client, user)
    answer = register(client, url="ftp://erp.example.cn/hooks")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="e-url">请填写以 http:// 或 https:// 开头的网址' in text
    assert 'id="e-event_types">请至少选择一个事件' in text and 'value="ftp://erp.example.cn/hooks"' in text
    assert (
        session.scalar(sa.select(sa.func.count()).select_from(Subscription).where(Subscription.user_id == user.id)) == 0
    )


def deliveries(session, subscription: Subscription, count: int) -> list[str]:
    """count deliveries to the endpoint, a minute apart, the newest first; their ids, newest first."""
    now = dt.datetime.now(dt.UTC)
    rows = [
        Delivery(
            id=f"00000000-0000-0000-0000-{number:012d}",
            subscription_id=subscription.id,
            event_type="order.paid",
            payload={"type": "order.paid"},
            status="dead" if number == 0 else "delivered",
            attempts=8 if number == 0 else 1,
            last_status_code=500 if number == 0 else 200,
            last_error=None,
            created_at=now - dt.timedelta(minutes=number),
        )
        for number in range(count)
    ]
    session.add_all(rows)
    session.commit()
    return [row.id for row in rows]


def test_an_endpoints_delivery_log_shows_status_attempts_and_answer_a_page_at_a_time(client, app, session):
    user, supplier = make_supplier(session, app)
    endpoint = services.create_subscription(
        session=session,
        user_id=user.id,
        supplier_id=supplier.id,
        url="https://erp.example.cn/h",
        event_types=["order.paid"],
    )
    ids = deliveries(session, endpoint, PAGE_SIZE + 1)
    sign_in(client, user)
    first = client.get(f"{PAGE}/{endpoint.id}/deliveries").get_data(as_text=True)
    assert ids[0] in first and ids[PAGE_SIZE - 1] in first and ids[PAGE_SIZE] not in first
    assert '<span class="status">已放弃</span></td>\n    <td class="num">8</td>\n    <td class="num">500</td>' in first
    assert f"after={ids[PAGE_SIZE - 1]}" in first
    second = client.get(f"{PAGE}/{endpoint.id}/deliveries?after={ids[PAGE_SIZE - 1]}").get_data(as_text=True)
    assert ids[PAGE_SIZE] in second and ids[0] not in second and "下一页" not in second


def test_another_accounts_endpoint_and_its_log_are_not_found(client, app, session):
    owner, supplier = make_supplier(session, app)
    theirs = services.create_subscription(
        session=session,
        user_id=owner.id,
        supplier_id=supplier.id,
        url="https://a.example.cn/h",
        event_types=["order.paid"],
    )
    user, _ = make_supplier(session, app)
    sign_in(client, user)
    assert client.get(f"{PAGE}/{theirs.id}/deliveries").status_code == 404
    assert "https://a.example.cn/h" not in client.get(PAGE).get_data(as_text=True)
