"""The buyer's forms say what is wrong with a field as it is: an empty one is to be filled in, one too long or too
short states its limit; and nothing is ordered or asked for."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from distro.auth.models import Role
from distro.storefront.models import AfterSalesRequest, Checkout
from tests.factories import make_product, make_shop, make_supplier, make_user
from tests.integration.test_storefront_orders import BUYER, buy


@pytest.fixture
def mask(app, session) -> int:
    """A mask on shop xiaomei's page: its product id."""
    supplier_user, _ = make_supplier(session, app)
    product = make_product(session, app, supplier_user, price_fen=2_000, other_platform_price_fen=3_000, stock=5)
    make_shop(session, app, make_user(session, Role.SHOP_OWNER), slug="xiaomei", carrying=[product])
    session.commit()
    return product.id  # type: ignore[return-value]


def field_message(html: str, name: str) -> str:
    start = html.index(f'<div class="error" id="{name}-error">') + len(f'<div class="error" id="{name}-error">')
    return html[start : html.index("</div>", start)]


@pytest.mark.parametrize(
    ("field", "typed", "said"),
    [
        ("name", "", "请填写收货人姓名"),
        ("name", "李" * 41, "收货人姓名最多40个字"),
        ("name", "李" * 500, "收货人姓名最多40个字"),
        ("address", "", "请填写详细收货地址"),
        ("address", "文三路", "详细地址需5–300个字"),
        ("address", "路" * 301, "详细地址需5–300个字"),
        ("address", "路" * 5_000, "详细地址需5–300个字"),
    ],
)
def test_the_buy_form_says_fill_in_an_empty_field_and_states_the_limit_of_a_wrong_length_one(
    client, session, mask, field, typed, said
):
    answer = client.post(f"/shop/xiaomei/p/{mask}/buy", data={**BUYER, field: typed})
    assert answer.status_code == 422
    assert field_message(answer.get_data(as_text=True), field) == said
    assert session.scalar(sa.select(sa.func.count()).select_from(Checkout)) == 0


def test_a_buy_form_missing_its_fields_says_which_to_fill_in_in_chinese(client, session, mask):
    answer = client.post(f"/shop/xiaomei/p/{mask}/buy", data={"quantity": "1", "phone": BUYER["phone"]})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "Missing data" not in html
    assert (field_message(html, "name"), field_message(html, "address")) == ("请填写收货人姓名", "请填写详细收货地址")


def test_the_longest_name_and_address_the_form_takes_are_ordered(client, session, mask):
    buy(client, "xiaomei", mask, name="李" * 40, address="路" * 300)
    checkout = session.scalars(sa.select(Checkout)).one()
    assert (len(checkout.buyer_name), len(checkout.address)) == (40, 300)


@pytest.mark.parametrize(
    ("reason", "said"), [("", "请填写原因（2-200字）"), ("漏", "原因需2–200个字"), ("漏" * 201, "原因需2–200个字")]
)
def test_an_after_sales_reason_that_is_empty_or_a_wrong_length_is_refused_saying_which(
    client, session, mask, reason, said
):
    token = buy(client, "xiaomei", mask)
    answer = client.post(f"/orders/{token}/after-sales", data={"kind": "refund", "reason": reason})
    assert answer.status_code == 422
    assert said in answer.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(AfterSalesRequest)) == 0
