"""服务承诺 as a supplier sets it at 1366×768 and an owner sees it on a 375×667 phone: the supplier promises 48-hour
shipping with a fixed compensation, and the badge shows on its product's card in the owner's pool."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from distro.auth.models import Role
from distro.db import engine_for
from tests.browser.conftest import LiveServer
from tests.browser.owner import check_accessibility, open_signed_in, save_screen, sign_in
from tests.factories import make_product, make_shop, make_supplier, make_user

pytestmark = pytest.mark.browser


def test_a_supplier_promises_48_hour_shipping_and_the_badge_shows_on_the_owners_pool_card(
    desk: Page, page: Page, live_server: LiveServer
):
    app = live_server.app
    word = f"承诺{secrets.token_hex(2)}"
    with Session(engine_for(live_server.database_url), expire_on_commit=False) as session:
        supplier_user, _ = make_supplier(session, app)
        make_product(session, app, supplier_user, title=f"{word} 高山绿茶 250g")
        owner = make_user(session, Role.SHOP_OWNER)
        make_shop(session, app, owner)

    sign_in(desk, live_server, supplier_user.email)
    desk.get_by_role("navigation", name="控制台导航").get_by_role("link", name="服务承诺").click()
    expect(desk.get_by_role("heading", name="服务承诺", exact=True)).to_be_visible()
    desk.get_by_label("付款后多久发货").select_option(label="48 小时内发货")
    desk.get_by_label("超时赔付方式").first.select_option(label="固定金额（元）")
    desk.get_by_label("赔付金额（元）或比例（%）").first.fill("10")
    desk.get_by_label("包换").select_option(label="7天包换")
    desk.get_by_role("button", name="保存承诺").click()
    expect(desk.get_by_role("status")).to_contain_text("服务承诺已保存")
    badges = desk.get_by_role("list", name="当前徽章")
    expect(badges.get_by_text("48小时发货 · 超时赔付")).to_be_visible()
    expect(badges.get_by_text("7天包换")).to_be_visible()
    check_accessibility(desk)
    save_screen(desk, "console-supplier-promises")

    open_signed_in(page, live_server, owner.email, f"/my/pool?q={word}")
    card = page.get_by_role("listitem").filter(has_text=f"{word} 高山绿茶")
    expect(card.get_by_role("list", name="服务承诺").get_by_text("48小时发货 · 超时赔付")).to_be_visible()
    expect(card.get_by_text("7天包换")).to_be_visible()
    check_accessibility(page)
    save_screen(page, "owner-pool-badge")
