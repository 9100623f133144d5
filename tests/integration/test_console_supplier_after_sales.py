"""售后 in the supplier console: the buyers' open refund and return requests on the supplier's orders, approved (in
full or in part) or refused with a reason, each refusal said in Chinese on its field; another supplier's request is
not found."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from distro.pages import csrf_token_in
from distro.storefront.models import AfterSalesRequest, Checkout
from tests.console_supplier import paid_order, sign_in
from tests.factories import make_product, make_shop, make_supplier

PAGE = "/console/supplier/after-sales"


@pytest.fixture
def world(app, session):
    """A supplier's shipped order of ¥59.00 whose buyer asks for a refund of all of it."""
    user, _ = make_supplier(session, app)
    product = make_product(session, app, user, title="玻尿酸精华 30ml")
    shop = make_shop(session, app, carrying=[product])
    order = paid_order(session, shop, product, order_ref="DSASK000001")
    order.status, order.shipped_at, order.carrier, order.tracking_number = (
        "shipped",
        dt.datetime.now(dt.UTC),
        "顺丰速运",
        "SF1",
    )
    request = AfterSalesRequest(checkout_id=order.id, kind="refund", reason="漏发了一瓶", requested_fen=5_900)
    session.add(request)
    session.commit()
    return {"user": user, "order": order, "request": request}


def decide(client, request_id: int, **form):
    token = csrf_token_in(client.get(PAGE).get_data(as_text=True))
    return client.post(f"{PAGE}/{request_id}/decision", data={"csrf_token": token, **form})


def test_the_open_requests_are_listed_with_what_the_buyer_asked(client, world):
    sign_in(client, world["user"])
    page = client.get(PAGE).get_data(as_text=True)
    assert "DSASK000001" in page and "仅退款" in page and "漏发了一瓶" in page and "¥59.00" in page


def test_approving_part_of_a_refund_records_it_on_the_order(client, session, world):
    sign_in(client, world["user"])
    answer = decide(client, world["request"].id, decision="approve", amount="20.50")
    assert answer.status_code == 303
    session.expire_all()
    order = session.get_one(Checkout, world["order"].id)
    assert order.refunded_fen == 2_050 and order.status == "shipped"
    assert session.get_one(AfterSalesRequest, world["request"].id).status == "approved"
    approved = client.get(PAGE + "?status=approved").get_data(as_text=True)
    assert "已同意，退款 ¥20.50" in approved


@pytest.mark.parametrize(
    ("form", "field", "said"),
    [
        ({"decision": "refuse"}, "reason", "请填写拒绝理由"),
        ({"decision": "approve", "amount": "60"}, "amount", "退款金额须大于0，且不超过订单还可退的金额"),
        ({"decision": "approve", "amount": "abc"}, "amount", "请填写金额"),
    ],
)
def test_a_decision_that_breaks_a_rule_is_refused_in_chinese_on_its_field(client, session, world, form, field, said):
    sign_in(client, world["user"])
    answer = decide(client, world["request"].id, **form)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422 and f'id="{field}-error-{world["request"].id}">{said}' in text
    session.expire_all()
    assert session.get_one(AfterSalesRequest, world["request"].id).status == "requested"


def test_another_suppliers_request_is_not_found(client, app, session, world):
    other, _ = make_supplier(session, app)
    sign_in(client, other)
    assert "DSASK000001" not in client.get(PAGE).get_data(as_text=True)
    assert decide(client, world["request"].id, decision="refuse", reason="不同意").status_code == 404
    count = session.scalar(
        sa.select(sa.func.count()).select_from(AfterSalesRequest).where(AfterSalesRequest.status == "requested")
    )
    assert count == 1
