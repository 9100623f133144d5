"""活动通知 on 我的: an owner chooses WeChat, SMS or no outside channel for campaign notices, by a form with its CSRF
token; SMS without a verified phone is refused on the field in Chinese."""

from __future__ import annotations

from distro.auth.models import Role
from distro.broadcasts import services
from distro.pages import csrf_token_in
from tests.factories import PASSWORD, make_user


def signed_in(client, session):
    owner = make_user(session, Role.SHOP_OWNER)
    client.post("/login", data={"login": owner.email, "password": PASSWORD})
    return owner


def test_an_owner_has_no_outside_channel_until_they_choose_one(client, session):
    owner = signed_in(client, session)
    page = client.get("/my/me").get_data(as_text=True)
    assert "活动通知" in page and 'value="none" checked' in page
    assert services.notify_choice(session, owner.id) == "none"  # type: ignore[arg-type]


def test_an_owner_chooses_wechat_and_sees_it_kept(client, session):
    owner = signed_in(client, session)
    token = csrf_token_in(client.get("/my/me").get_data(as_text=True))
    answer = client.post("/my/notify", data={"channel": "wechat", "csrf_token": token})
    assert answer.status_code == 303
    assert services.notify_choice(session, owner.id) == "wechat"  # type: ignore[arg-type]
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert 'value="wechat" checked' in page and "已保存：微信订阅消息" in page


def test_sms_without_a_verified_phone_is_refused_on_the_field(client, session):
    owner = signed_in(client, session)
    token = csrf_token_in(client.get("/my/me").get_data(as_text=True))
    answer = client.post("/my/notify", data={"channel": "sms", "csrf_token": token})
    assert answer.status_code == 422
    assert "短信通知需要先验证手机号" in answer.get_data(as_text=True)
    assert services.notify_choice(session, owner.id) == "none"  # type: ignore[arg-type]


def test_an_unknown_channel_or_none_at_all_is_refused_in_chinese(client, session):
    signed_in(client, session)
    token = csrf_token_in(client.get("/my/me").get_data(as_text=True))
    for data in ({"channel": "email"}, {}):
        answer = client.post("/my/notify", data={**data, "csrf_token": token})
        assert answer.status_code == 422 and "请选择通知方式" in answer.get_data(as_text=True)


def test_the_choice_needs_the_csrf_token(client, session):
    owner = signed_in(client, session)
    answer = client.post("/my/notify", data={"channel": "wechat", "csrf_token": "forged"})
    assert answer.status_code == 400
    assert services.notify_choice(session, owner.id) == "none"  # type: ignore[arg-type]
