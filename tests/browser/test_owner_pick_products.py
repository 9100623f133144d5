"""选品 on a 375×667 phone in WeChat: an owner searches, filters and sorts the pool, sees what each product earns them,
picks three with reasons, and arranges their picks."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from distro.auth.models import Role
from distro.commission.calculator import line_commission
from distro.db import engine_for
from distro.demo_images import write_demo_images
from distro.money import format_cny
from distro.share.images import local_image_dir
from distro.tiers.services import current_rules
from distro.urls import LOCAL_IMAGE_PATH
from tests.browser.conftest import LiveServer
from tests.browser.owner import (
    PAGE_BUDGET,
    check_accessibility,
    open_signed_in,
    save_screen,
    small_tap_targets,
    traffic,
)
from tests.browser.screen import text_colours, too_faint
from tests.factories import make_product, make_shop, make_supplier, make_user

pytestmark = pytest.mark.browser

GOODS = (  # title, category, price in fen, commission in bp
    ("高山绿茶 250g", "food_health", 8_800, 2_000),
    ("手工红糖 500g", "food_health", 3_900, 1_500),
    ("亚麻围裙", "home_appliances", 5_900, 3_000),
)


@dataclass(frozen=True)
class Owner:
    login: str
    share_bp: int
    word: str
    """The word every title of this test's goods starts with, and no other product's: the search finds these alone
    in the pool the package's tests share."""

    def title(self, name: str) -> str:
        return f"{self.word} {name}"


@pytest.fixture
def owner(live_server: LiveServer) -> Owner:
    """A new owner with a shop, and the three products in the pool, each with a picture distro holds."""
    app = live_server.app
    word = f"云雾{secrets.token_hex(2)}"
    pictures = write_demo_images(local_image_dir(app.config), [(title, category) for title, category, *_ in GOODS])
    with Session(engine_for(live_server.database_url)) as session:
        supplier, _ = make_supplier(session, app)
        for (title, category, price, rate), picture in zip(GOODS, pictures, strict=True):
            make_product(
                session,
                app,
                supplier,
                title=f"{word} {title}",
                category=category,
                price_fen=price,
                other_platform_price_fen=price * 2,
                commission_rate_bp=rate,
                image_urls=[f"{LOCAL_IMAGE_PATH}{picture}"],
            )
        user = make_user(session, Role.SHOP_OWNER)
        make_shop(session, app, user, name=f"云雾小铺{user.id}")
        return Owner(user.email, current_rules(session, app.config["TIERS"]).entry.share_bp, word)


def check_the_screen(page: Page) -> None:
    assert not too_faint(text_colours(page)), too_faint(text_colours(page))
    assert not small_tap_targets(page), small_tap_targets(page)
    check_accessibility(page)


def card(page: Page, title: str):
    return page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=title))


def shows_in_order(page: Page, owner: Owner, *names: str) -> None:
    """The cards on the page are these, in this order (waiting for htmx to bring them)."""
    expect(page.locator("#pool-cards h3, #picks h3")).to_have_text([owner.title(name) for name in names])


def test_an_owner_searches_filters_and_sorts_the_pool_and_sees_what_each_product_earns_them(
    page: Page, live_server: LiveServer, owner: Owner
):
    open_signed_in(page, live_server, owner.login, "/my")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="选品").click()
    page.get_by_label("搜索商品").press_sequentially(owner.word)
    shows_in_order(page, owner, "亚麻围裙", "高山绿茶 250g", "手工红糖 500g")  # by commission, the default
    for title, _, price, rate in GOODS:
        earned = line_commission(price, rate, owner.share_bp).owner
        expect(card(page, owner.title(title)).locator(".figures")).to_have_text(
            re.compile(rf"{re.escape(format_cny(price))}\s+你赚 {re.escape(format_cny(earned))}")
        )
    check_the_screen(page)
    save_screen(page, "owner-pool")

    page.get_by_text("筛选", exact=True).click()
    page.get_by_label("类目").select_option(label="家居家电")
    shows_in_order(page, owner, "亚麻围裙")
    page.get_by_label("类目").select_option(label="全部类目")
    page.get_by_label("最高价（元）").fill("88")
    page.get_by_label("排序").select_option(label="价格低")
    shows_in_order(page, owner, "手工红糖 500g", "亚麻围裙", "高山绿茶 250g")
    page.get_by_label("最低价（元）").fill("50.5")
    page.get_by_role("button", name="搜索").click()
    shows_in_order(page, owner, "亚麻围裙", "高山绿茶 250g")
    assert re.search(r"min_price=50\.5", page.url)  # the address keeps the search, to share or come back to
    page.get_by_label("最低价（元）").fill("100")
    page.get_by_role("button", name="搜索").click()
    expect(page.get_by_text("最低价不能高于最高价")).to_be_visible()
    check_the_screen(page)


def test_an_owner_picks_three_goods_with_reasons_and_arranges_them(page: Page, live_server: LiveServer, owner: Owner):
    open_signed_in(page, live_server, owner.login, f"/my/pool?q={owner.word}")
    for title, reason in (
        ("高山绿茶 250g", "明前采摘，我家每天喝。"),
        ("手工红糖 500g", "老家的味道。"),
        ("亚麻围裙", ""),
    ):
        item = card(page, owner.title(title))
        item.get_by_text("加入小铺").click()
        item.get_by_label("推荐理由（选填，最多 200 字）").fill(reason)
        item.get_by_role("button", name="确认加入").click()
        expect(item.get_by_text("已加入小铺")).to_be_visible()
    check_the_screen(page)

    page.get_by_role("link", name="我的选品").click()
    expect(page.get_by_role("heading", name="已选 3 / 1000 件")).to_be_visible()
    shows_in_order(page, owner, "高山绿茶 250g", "手工红糖 500g", "亚麻围裙")
    expect(card(page, owner.title("高山绿茶 250g")).get_by_label("推荐理由")).to_have_value("明前采摘，我家每天喝。")
    page.get_by_role("button", name=f"上移：{owner.title('亚麻围裙')}").click()
    shows_in_order(page, owner, "高山绿茶 250g", "亚麻围裙", "手工红糖 500g")
    apron = card(page, owner.title("亚麻围裙"))
    apron.get_by_label("推荐理由").fill("纯亚麻，越洗越软。")
    apron.get_by_role("button", name="保存理由").click()
    expect(card(page, owner.title("亚麻围裙")).get_by_role("status")).to_have_text("理由已保存")
    page.get_by_role("button", name=f"移出小铺：{owner.title('手工红糖 500g')}").click()
    expect(page.get_by_role("heading", name="已选 2 / 1000 件")).to_be_visible()
    shows_in_order(page, owner, "高山绿茶 250g", "亚麻围裙")
    check_the_screen(page)
    save_screen(page, "owner-picks")

    page.reload()  # what the owner arranged is what the shop has
    shows_in_order(page, owner, "高山绿茶 250g", "亚麻围裙")
    expect(card(page, owner.title("亚麻围裙")).get_by_label("推荐理由")).to_have_value("纯亚麻，越洗越软。")


def test_the_pool_page_with_its_pictures_loads_only_from_distro_and_is_light_before_them(
    page: Page, live_server: LiveServer, owner: Owner
):
    open_signed_in(page, live_server, owner.login, "/my")
    for path in (f"/my/pool?q={owner.word}", "/my/picks", "/my/shop"):
        with traffic(page) as seen:
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
        assert not seen.off_origin(live_server.url), (path, seen.off_origin(live_server.url))
        assert seen.bytes_without_pictures() < PAGE_BUDGET, (path, seen.requests)
        pictures = [url for url, _ in seen.requests if "/images/" in url]
        assert not path.startswith("/my/pool") or len(pictures) == 3, (path, seen.requests)  # the cards' pictures
