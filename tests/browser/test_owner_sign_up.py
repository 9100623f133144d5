"""A new shop owner signs up on a 375×667 phone in WeChat with a phone, the SMS code it gets and a password; an owner
who forgot the password sets a new one by SMS code."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from distro.auth.models import Role
from distro.auth.phones import attach_verified_phone
from distro.db import engine_for
from tests.browser.conftest import LiveServer
from tests.browser.owner import check_accessibility, save_screen, sign_in, small_tap_targets
from tests.browser.screen import field_font_sizes, text_colours, too_faint
from tests.factories import last_code, make_user

pytestmark = pytest.mark.browser

NEW_PHONE = "13700000051"
FORGETFUL_PHONE = "13700000052"
PASSWORD = "my-shop-password-1"


def check_the_screen(page: Page) -> None:
    assert not too_faint(text_colours(page)), too_faint(text_colours(page))
    assert not small_tap_targets(page), small_tap_targets(page)
    assert all(size >= 16 for _, size in field_font_sizes(page))
    check_accessibility(page)


def test_a_new_owner_signs_up_with_the_code_texted_to_their_phone_and_goes_on_to_open_a_shop(
    page: Page, live_server: LiveServer
):
    page.goto(live_server.url + "/login")
    page.get_by_role("link", name="用手机号注册，开一家小铺").click()
    expect(page.get_by_role("heading", name="注册成为店主")).to_be_visible()
    check_the_screen(page)

    page.get_by_label("手机号").fill("137 0000 0051")
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_text("验证码已发送至 137****0051，10 分钟内有效。")).to_be_visible()
    assert page.url == live_server.url + "/signup"  # asked in place, the form kept as typed
    page.get_by_label("短信验证码").fill("000000")
    page.get_by_label("昵称").fill("小美")
    page.get_by_label("设置密码").fill(PASSWORD)
    page.get_by_role("button", name="注册", exact=True).click()
    expect(page.get_by_text("验证码不正确")).to_be_visible()
    expect(page.get_by_label("短信验证码")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("短信验证码")).to_be_focused()  # the page brings the owner to what to put right
    check_the_screen(page)
    save_screen(page, "owner-sign-up")

    page.get_by_label("短信验证码").fill(last_code(NEW_PHONE))
    page.get_by_label("设置密码").fill(PASSWORD)
    page.get_by_role("button", name="注册", exact=True).click()
    expect(page.get_by_role("heading", name="开一家小铺")).to_be_visible()

    page.goto(live_server.url + "/my")
    expect(page.get_by_text("已登录 137****0051")).to_be_visible()


def test_an_owner_who_forgot_the_password_sets_a_new_one_by_sms_code_and_signs_in_with_it(
    page: Page, live_server: LiveServer
):
    with Session(engine_for(live_server.database_url), expire_on_commit=False) as session:
        owner = make_user(session, Role.SHOP_OWNER)
        secret = live_server.app.config["SECRET_KEY"]
        attach_verified_phone(session=session, user_id=owner.id, phone=FORGETFUL_PHONE, secret=secret)

    page.goto(live_server.url + "/login")
    page.get_by_role("link", name="忘记密码？").click()
    expect(page.get_by_role("heading", name="找回密码")).to_be_visible()
    page.get_by_label("手机号").fill(FORGETFUL_PHONE)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_text("如果 137****0052 已注册，验证码已发送")).to_be_visible()
    check_the_screen(page)
    save_screen(page, "owner-reset-password")
    page.get_by_label("短信验证码").fill(last_code(FORGETFUL_PHONE))
    page.get_by_label("新密码").fill(PASSWORD)
    page.get_by_role("button", name="重置密码").click()
    expect(page.get_by_text("密码已重置，请用新密码登录。")).to_be_visible()
    check_the_screen(page)

    sign_in(page, live_server, FORGETFUL_PHONE, PASSWORD)
    expect(page.get_by_role("heading", name=f"你好，{owner.display_name}")).to_be_visible()
