"""A payee account's number is held to its kind's rule, by the API and by the owner app's form alike: a bank card
is 12 to 19 digits (spaces dropped), an Alipay account a mainland mobile number or an email address, a WeChat
account 4 to 40 of 0-9 A-Z a-z @ . _ + -; a number that breaks it is refused on the field and nothing is saved."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from distro.auth.models import Role
from distro.owner import earnings_queries as queries
from distro.settlement.models import PayeeAccount
from tests.factories import bearer, make_user
from tests.integration.test_owner_earnings_pages import add_payee, sign_in

REFUSED = [
    ("bank", "abcd"),
    ("bank", "62220202001"),  # 11 digits
    ("bank", "62220202001122334455"),  # 20 digits
    ("bank", "6222-0202-0011-2233"),
    ("alipay", "not-an-email"),
    ("alipay", "12800000001"),  # 12x is no mainland mobile prefix
    ("alipay", "1380000000"),  # 10 digits
    ("alipay", "xiaomei@"),
    ("wechat", "wx"),  # under 4 characters
]
TAKEN = [
    ("bank", "622202020011", "622202020011"),  # 12 digits: some older cards
    ("bank", "6222 0202 0011 2233 456", "6222020200112233456"),  # 19 digits typed in groups of four
    ("alipay", "13800000001", "13800000001"),
    ("alipay", "138 0000 0001", "13800000001"),
    ("alipay", "xiaomei@example.cn", "xiaomei@example.cn"),
    ("wechat", "wxid_meimei", "wxid_meimei"),
]


def accounts(session, owner) -> list[PayeeAccount]:
    return list(session.scalars(sa.select(PayeeAccount).where(PayeeAccount.owner_id == owner.id)))


def register(client, app, owner, kind: str, number: str):
    body = {"kind": kind, "account_name": "王小美", "account_number": number}
    return client.post("/api/v1/payee-accounts", headers=bearer(app, owner), json=body)


@pytest.mark.parametrize(("kind", "number"), REFUSED)
def test_the_api_refuses_an_account_number_its_kind_cannot_have_and_saves_nothing(client, app, session, kind, number):
    owner = make_user(session, Role.SHOP_OWNER)
    answer = register(client, app, owner, kind, number)
    assert answer.status_code == 422, answer.get_json()
    assert [error["field"] for error in answer.get_json()["errors"]] == ["account_number"]
    assert not accounts(session, owner)


@pytest.mark.parametrize(("kind", "typed", "kept"), TAKEN)
def test_the_api_takes_an_account_number_its_kind_can_have_keeping_it_without_spaces(
    client, app, session, kind, typed, kept
):
    owner = make_user(session, Role.SHOP_OWNER)
    answer = register(client, app, owner, kind, typed)
    assert answer.status_code == 201, answer.get_json()
    [account] = accounts(session, owner)
    assert (account.kind, account.account_number, account.is_default) == (kind, kept, True)


@pytest.mark.parametrize(
    ("kind", "number", "message"),
    [
        ("bank", "abcd", "请填写 12 到 19 位银行卡号（只填数字）"),
        ("bank", "6222 0202 001", "请填写 12 到 19 位银行卡号（只填数字）"),
        ("alipay", "not-an-email", "请填写支付宝账号：手机号或邮箱"),
        ("alipay", "138", "请填写支付宝账号：手机号或邮箱"),
        ("wechat", "wx", "请填写 4 到 40 位账号：数字、字母或 @ . _ + -，不要空格"),
    ],
)
def test_the_form_refuses_an_account_number_its_kind_cannot_have_on_the_field_in_chinese(
    client, session, kind, number, message
):
    owner = make_user(session, Role.SHOP_OWNER)
    sign_in(client, owner)
    answer = add_payee(client, {"kind": kind, "account_name": "王小美", "account_number": number})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert f'<p class="error" id="account_number-error">{message}</p>' in html
    assert 'id="account_name-error"' not in html and 'id="kind-error"' not in html
    assert not queries.payees(session, owner.id)  # type: ignore[arg-type]


def test_the_form_takes_a_bank_card_number_typed_in_groups_of_four_as_its_digits(client, session):
    owner = make_user(session, Role.SHOP_OWNER)
    sign_in(client, owner)
    typed = " 6222 0202 0011 2233 "
    form = {"kind": "bank", "account_name": "王小美", "account_number": typed, "bank_name": "工商银行"}
    assert add_payee(client, form).status_code == 303
    [account] = accounts(session, owner)
    assert (account.account_number, account.is_default) == ("6222020200112233", True)
