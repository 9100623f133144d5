"""An owner opens a shop on a 375×667 phone in WeChat: the name's rules answer as they type, then the shop gets a logo
and an introduction, and its own link and QR code are there to share."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlmodel import Session

from distro.auth.models import Role
from distro.db import engine_for
from tests.browser.conftest import LiveServer
from tests.browser.owner import check_accessibility, open_signed_in, save_screen, small_tap_targets
from tests.browser.screen import text_colours, too_faint
from tests.factories import make_user

pytestmark = pytest.mark.browser


def check_the_screen(page: Page) -> None:
    assert not too_faint(text_colours(page)), too_faint(text_colours(page))
    assert not small_tap_targets(page), small_tap_targets(page)
    check_accessibility(page)


def test_an_owner_opens_a_shop_seeing_the_name_rules_as_they_type_and_presents_it(
    page: Page, live_server: LiveServer, tmp_path: Path
):
    with Session(engine_for(live_server.database_url)) as session:
        login = make_user(session, Role.SHOP_OWNER).email
    open_signed_in(page, live_server, login, "/my")
    page.get_by_role("link", name="开一家小铺").click()
    expect(page.get_by_role("heading", name="开一家小铺")).to_be_visible()
    check_the_screen(page)

    name = page.get_by_label("店名")
    name.press_sequentially("美妆旗舰")
    expect(page.locator("#name-checks li.bad")).to_have_text("不含「旗舰」「专卖」")
    expect(page.get_by_text("买家看到的店名：美妆旗舰的小铺")).to_be_visible()
    check_the_screen(page)
    save_screen(page, "owner-open-shop")
    name.fill("")
    name.press_sequentially("小鹿的美妆铺")
    expect(page.locator("#name-checks li.ok")).to_have_count(4)
    expect(page.get_by_text("店名没有被使用")).to_be_visible()
    page.get_by_role("button", name="开店", exact=True).click()

    expect(page.get_by_text("开店成功！去选几件好物放进小铺吧。")).to_be_visible()
    expect(page.get_by_role("heading", name="小鹿的美妆铺的小铺")).to_be_visible()
    link = page.locator("#shop-url")
    assert str(link.get_attribute("href")).startswith(live_server.url + "/shop/")
    qr = page.get_by_role("img", name="扫码打开 小鹿的美妆铺的小铺")
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")

    logo = tmp_path / "logo.jpg"
    Image.new("RGB", (800, 600), "#e86a92").save(logo)
    page.get_by_label("店铺标志（PNG、JPEG 或 WebP，5 MB 以内）").set_input_files(logo)
    page.get_by_label("简介（最多 200 字）").fill("宝妈自用，只推荐自己用过的美妆好物。")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    expect(page.get_by_role("img", name="小铺的标志")).to_be_visible()
    check_the_screen(page)
    save_screen(page, "owner-shop")

    page.goto(str(link.get_attribute("href")))
    expect(page.get_by_text("宝妈自用，只推荐自己用过的美妆好物。")).to_be_visible()
