"""Owners sign up on the app with a phone, its SMS code and a password, and set a new password by SMS code when
they forget it (the demo SMS sender is the test double)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from distro.auth import phone_accounts
from distro.auth.models import PhoneCode, Role, User, WebSession
from distro.auth.phones import attach_verified_phone
from distro.auth.sms import DemoSmsSender
from distro.errors import ValidationFailed
from tests.factories import PASSWORD, codes_sent, last_code, make_user

PHONE = "13900001234"
NEW_PASSWORD = "a-new-password-2026"


def sign_up(client, **fields):
    form = {"phone": PHONE, "display_name": "小美", "password": PASSWORD, **fields}
    return client.post("/signup", data=form)


def an_owner_with_the_phone(app, session) -> User:
    owner = make_user(session, Role.SHOP_OWNER)
    return attach_verified_phone(session=session, user_id=owner.id, phone=PHONE, secret=app.config["SECRET_KEY"])


def test_a_new_owner_signs_up_with_a_texted_code_and_is_signed_in_with_a_verified_phone_and_no_email(
    app, client, session
):
    sent = client.post("/signup/code", data={"phone": "139 0000 1234", "display_name": "小美"})
    page = sent.get_data(as_text=True)
    assert sent.status_code == 202 and "验证码已发送至 139****1234" in page and 'value="小美"' in page
    signed_up = sign_up(client, code=last_code(PHONE))
    assert signed_up.status_code == 303 and signed_up.headers["Location"] == "/my/shop/new"
    assert client.get("/my").status_code == 200
    owner = session.scalars(sa.select(User).where(User.display_name == "小美")).one()
    assert owner.email is None and owner.roles == ["shop_owner"] and owner.phone_masked == "139****1234"
    assert owner.phone_verified_at is not None
    client.post("/logout")
    assert client.post("/login", data={"login": PHONE, "password": PASSWORD}).status_code == 303


def test_htmx_asking_for_a_code_gets_only_the_status_beside_the_phone_and_a_second_within_a_minute_waits(
    client, session
):
    htmx, before = {"HX-Request": "true"}, codes_sent(PHONE)
    sent = client.post("/signup/code", data={"phone": PHONE}, headers=htmx)
    assert sent.status_code == 202 and sent.get_data(as_text=True).lstrip().startswith('<div id="code-status"')
    again = client.post("/signup/code", data={"phone": PHONE}, headers=htmx)
    fragment = again.get_data(as_text=True)
    assert again.status_code == 429 and "发送太频繁，请" in fragment and "<html" not in fragment
    assert 0 < int(again.headers["Retry-After"]) <= 60 and codes_sent(PHONE) == before + 1


def test_a_phone_that_has_an_account_is_told_to_sign_in_and_no_code_goes_out(app, client, session):
    an_owner_with_the_phone(app, session)
    before = codes_sent(PHONE)
    refused = client.post("/signup/code", data={"phone": PHONE})
    assert refused.status_code == 422 and "该手机号已注册，请直接登录" in refused.get_data(as_text=True)
    assert codes_sent(PHONE) == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"code": "000000"}, "验证码不正确"),
        ({"code": "12"}, "请填写6位验证码"),
        ({"code": "123456", "password": "short"}, "密码至少 10 位"),
        ({"code": "123456", "display_name": ""}, "请填写昵称（最多60字）"),
        ({"code": "123456", "phone": "12345"}, "请填写11位手机号"),
        ({"code": "123456", "display_name": "小\x00美"}, "请勿输入特殊字符"),
    ],
)
def test_a_refused_sign_up_says_why_beside_the_field_in_chinese_and_opens_no_account(client, session, fields, message):
    client.post("/signup/code", data={"phone": PHONE})
    refused = sign_up(client, **fields)
    assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(User).where(User.display_name == "小美")) == 0


def test_a_short_password_does_not_spend_the_code(client, session):
    client.post("/signup/code", data={"phone": PHONE})
    code = last_code(PHONE)
    assert sign_up(client, code=code, password="short").status_code == 422
    assert sign_up(client, code=code).status_code == 303


def test_a_code_is_good_only_for_what_it_was_sent_for(app, session):
    owner = an_owner_with_the_phone(app, session)
    secret, sender = app.config["SECRET_KEY"], DemoSmsSender()
    phone_accounts.send_reset_code(session=session, phone=PHONE, secret=secret, sender=sender)
    codes = session.scalars(sa.select(PhoneCode).where(PhoneCode.user_id == owner.id)).all()
    assert [code.purpose for code in codes] == ["reset"]
    other = "13900005678"
    phone_accounts.send_sign_up_code(
        session=session, phone=other, secret=secret, sender=sender, now=dt.datetime.now(dt.UTC)
    )
    with pytest.raises(ValidationFailed) as refused:
        phone_accounts.reset_password(
            session=session, phone=other, code=last_code(other), password=NEW_PASSWORD, secret=secret
        )
    assert refused.value.errors[0].field == "code"


def test_a_forgotten_password_is_reset_by_code_and_every_old_sign_in_ends(app, client, session):
    an_owner_with_the_phone(app, session)
    old_phone = app.test_client()
    assert old_phone.post("/login", data={"login": PHONE, "password": PASSWORD}).status_code == 303
    sent = client.post("/password/reset/code", data={"phone": PHONE})
    assert sent.status_code == 202 and "如果 139****1234 已注册，验证码已发送" in sent.get_data(as_text=True)
    reset = client.post("/password/reset", data={"phone": PHONE, "code": last_code(PHONE), "password": NEW_PASSWORD})
    assert reset.status_code == 303 and reset.headers["Location"] == "/login?reset=1"
    assert "密码已重置" in client.get("/login?reset=1").get_data(as_text=True)
    assert old_phone.get("/my").status_code == 302
    assert client.post("/login", data={"login": PHONE, "password": PASSWORD}).status_code == 422
    assert client.post("/login", data={"login": PHONE, "password": NEW_PASSWORD}).status_code == 303
    assert session.scalar(sa.select(sa.func.count()).select_from(WebSession).where(WebSession.ended_at.is_(None))) == 1


def test_asking_a_reset_code_for_a_phone_without_an_account_answers_the_same_and_texts_nothing(client, session):
    before = codes_sent(PHONE)
    answer = client.post("/password/reset/code", data={"phone": PHONE})
    assert answer.status_code == 202 and "如果 139****1234 已注册，验证码已发送" in answer.get_data(as_text=True)
    assert codes_sent(PHONE) == before
    refused = client.post("/password/reset", data={"phone": PHONE, "code": "123456", "password": NEW_PASSWORD})
    assert refused.status_code == 422 and "请先获取验证码" in refused.get_data(as_text=True)


def test_wrong_reset_codes_lock_the_account_as_wrong_passwords_do(app, client, session):
    an_owner_with_the_phone(app, session)
    client.post("/password/reset/code", data={"phone": PHONE})
    for _ in range(5):
        wrong = client.post("/password/reset", data={"phone": PHONE, "code": "000000", "password": NEW_PASSWORD})
        assert wrong.status_code == 422
    locked = client.post("/password/reset", data={"phone": PHONE, "code": last_code(PHONE), "password": NEW_PASSWORD})
    assert locked.status_code == 429 and "尝试次数过多，请 15 分钟后再试" in locked.get_data(as_text=True)
    assert client.post("/login", data={"login": PHONE, "password": PASSWORD}).status_code == 429


def test_a_signed_in_owner_opening_sign_up_goes_home(client, session):
    owner = make_user(session, Role.SHOP_OWNER)
    client.post("/login", data={"login": owner.email, "password": PASSWORD})
    assert client.get("/signup").headers["Location"] == "/my"


def test_an_empty_sign_up_names_every_field_it_needs_in_chinese(client, session):
    refused = client.post("/signup", data={})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    for message in ("请填写11位手机号", "请填写6位验证码", "密码至少 10 位", "请填写昵称（最多60字）"):
        assert message in page
    english = client.post("/signup", data={}, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Enter an 11-digit mobile number" in english and "Enter the 6-digit code" in english
