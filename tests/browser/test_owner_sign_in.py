"""A shop owner signs in on a 375×667 phone, finds their shop, and buys in it: the order knows it is theirs."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from sqlmodel import Session

from distro.auth.phones import attach_verified_phone
from distro.db import engine_for
from distro.storefront.models import Checkout
from tests.browser.conftest import LiveServer, SkuListing, Trade
from tests.browser.screen import field_font_sizes, fill_the_buy_form, text_colours, too_faint
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

OWNER_PHONE = "13800000031"


@pytest.fixture
def owner_phone(live_server: LiveServer, trade: Trade) -> str:
    """The shared owner's phone, verified (as the owner did by SMS code)."""
    with Session(engine_for(live_server.database_url)) as session:
        attach_verified_phone(
            session=session, user_id=trade.owner.id, phone=OWNER_PHONE, secret=live_server.app.config["SECRET_KEY"]
        )
    return OWNER_PHONE


def test_an_owner_signs_in_on_the_phone_and_an_order_in_their_own_shop_is_known_as_theirs(
    page: Page, live_server: LiveServer, sku_listing: SkuListing, trade: Trade, owner_phone: str
):
    page.goto(live_server.url + "/my")
    expect(page.get_by_role("heading", name="店主登录")).to_be_visible()
    page.get_by_label("手机号或邮箱").fill("138 0000 0031")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("手机号或密码不正确")).to_be_visible()
    expect(page.get_by_label("密码")).to_have_attribute("aria-invalid", "true")
    assert not too_faint(text_colours(page)) and all(size >= 16 for _, size in field_font_sizes(page))

    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=f"你好，{trade.owner.display_name}")).to_be_visible()
    expect(page.get_by_text("已登录 138****0031")).to_be_visible()

    page.locator(f'a[href="{sku_listing.shop_path}"]').click()  # one of the owner's shops, listed on the home
    page.get_by_role("link", name=sku_listing.title).first.click()
    page.get_by_role("radio", name=sku_listing.skus[0][0], exact=False).first.check()
    fill_the_buy_form(page, quantity="1", name="王五", phone="13900002222", address="浙江省杭州市西湖区文三路1号")
    page.get_by_role("button", name="立即购买").click()
    page.get_by_role("button", name="确认支付（演示）").click()
    expect(page.get_by_role("heading", name="已付款，待发货")).to_be_visible()

    token = page.url.rstrip("/").rsplit("/", 1)[1]
    with Session(engine_for(live_server.database_url)) as session:
        checkout = session.scalars(sa.select(Checkout).where(Checkout.access_token == token)).one()
        assert checkout.buyer_user_id == trade.owner.id

    page.goto(live_server.url + "/my/me")
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("heading", name="店主登录")).to_be_visible()
    page.goto(live_server.url + "/my")
    expect(page.get_by_role("heading", name="店主登录")).to_be_visible()
