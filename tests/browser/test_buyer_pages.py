"""A friend opening a shop owner's link on a phone: the shop, the product, the buy form, the demo cashier
and the order page, in Chromium at 375×667 as WeChat shows them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from distro.money import format_cny
from tests.browser.conftest import Listing, LiveServer
from tests.browser.screen import contrast_ratio, field_font_sizes, fill_the_buy_form, on_screen, text_colours, too_faint

pytestmark = pytest.mark.browser

BUY = "立即购买"


def test_contrast_ratio_follows_wcag():
    assert contrast_ratio([0, 0, 0], [255, 255, 255]) == pytest.approx(21)
    assert contrast_ratio([0x76, 0x76, 0x76], [255, 255, 255]) == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio([0x88, 0x88, 0x88], [255, 255, 255]) < 4.5


def test_the_buy_bar_is_visible_without_scrolling_on_a_375x667_phone(page: Page, live_server: LiveServer, listing):
    page.goto(live_server.url + listing.product_path)
    buy = page.get_by_role("button", name=BUY)
    expect(buy).to_be_in_viewport(ratio=1)
    assert on_screen(buy) == {"inside": True, "reachable": True}
    expect(buy.locator("xpath=..")).to_contain_text(format_cny(listing.price_fen))
    assert page.evaluate("window.scrollY") == 0


def test_at_the_end_of_the_page_the_last_field_is_clear_of_the_buy_bar(page: Page, live_server: LiveServer, listing):
    page.goto(live_server.url + listing.product_path)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    assert on_screen(page.get_by_label("收货地址")) == {"inside": True, "reachable": True}
    assert on_screen(page.get_by_role("button", name=BUY)) == {"inside": True, "reachable": True}


def test_after_an_invalid_submit_the_first_error_is_in_view(page: Page, live_server: LiveServer, listing: Listing):
    page.goto(live_server.url + listing.product_path)
    fill_the_buy_form(page, quantity="1", name="李四", phone="12345", address="杭州")
    with page.expect_response(lambda response: response.request.method == "POST") as refused:
        page.get_by_role("button", name=BUY).click()
    assert refused.value.status == 422
    phone = page.get_by_label("手机号")
    expect(phone).to_be_focused()
    assert on_screen(phone) == {"inside": True, "reachable": True}
    expect(page.get_by_text("请填写11位手机号")).to_be_in_viewport()
    expect(page.get_by_text("详细地址需5–300个字")).to_be_visible()  # "杭州" is too short
    # What the buyer typed is still there to correct.
    expect(page.get_by_label("收货人")).to_have_value("李四")


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("/shop/xiaomei/", "/shop/xiaomei"),
        ("/shop/xiaomei/?from=singlemessage", "/shop/xiaomei?from=singlemessage"),
        ("/shop/xiaomei/p/{product}/", "/shop/xiaomei/p/{product}"),
        ("/shop/xiaomei/p/{product}/buy", "/shop/xiaomei/p/{product}"),
        ("/shop/xiaomei/p/{product}/buy/", "/shop/xiaomei/p/{product}"),
    ],
)
def test_a_trailing_slash_shows_the_chinese_page(
    page: Page, live_server: LiveServer, listing: Listing, typed: str, canonical: str
):
    response = page.goto(live_server.url + typed.format(product=listing.product_id))
    assert response is not None
    assert (response.status, response.headers["content-type"]) == (200, "text/html; charset=utf-8")
    expect(page).to_have_url(live_server.url + canonical.format(product=listing.product_id))
    heading = listing.title if "/p/" in canonical else listing.shop_name
    expect(page.get_by_role("heading", name=heading)).to_be_visible()


def test_inputs_are_16px(page: Page, live_server: LiveServer, listing: Listing):
    page.goto(live_server.url + listing.product_path)
    sizes = field_font_sizes(page)
    assert [name for name, _ in sizes] == ["quantity", "name", "phone", "address"]
    assert [(name, size) for name, size in sizes if size < 16] == []


def test_every_text_has_contrast_of_at_least_4_5_to_1(page: Page, live_server: LiveServer, listing: Listing):
    pages = {}

    def read(name: str) -> None:
        pages[name] = text_colours(page)

    page.goto(live_server.url + listing.shop_path)
    read("shop")
    page.goto(live_server.url + listing.product_path)
    read("product")
    fill_the_buy_form(page, quantity="1", name="", phone="1", address="")
    page.get_by_role("button", name=BUY).click()
    expect(page.get_by_text("请填写11位手机号")).to_be_visible()
    read("product with errors")
    fill_the_buy_form(page, quantity="1", name="李四", phone="13900001111", address="杭州市西湖区文三路1号")
    page.get_by_role("button", name=BUY).click()
    expect(page.get_by_role("heading", name="演示支付")).to_be_visible()
    read("cashier")
    page.get_by_role("button", name="确认支付（演示）").click()
    expect(page.get_by_role("heading", name="已付款，待发货")).to_be_visible()
    read("order")

    assert {name: len(texts) > 3 for name, texts in pages.items()} == dict.fromkeys(pages, True)
    assert {name: too_faint(texts) for name, texts in pages.items()} == {name: [] for name in pages}


def test_a_buyer_opens_the_shop_fills_the_form_pays_at_the_demo_cashier_and_sees_the_order(
    page: Page, live_server: LiveServer, listing: Listing
):
    # The pages' Content-Security-Policy must refuse nothing they use (Chromium reports each refusal on the console).
    refused = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.goto(live_server.url + listing.shop_path)
    expect(page.get_by_role("heading", name=listing.shop_name)).to_be_visible()
    picture = page.locator("img.thumb").first
    expect(picture).to_be_visible()
    assert picture.evaluate("img => img.complete && img.naturalWidth > 0")
    page.get_by_role("link", name=listing.title).click()

    expect(page).to_have_url(live_server.url + listing.product_path)
    expect(page.get_by_role("heading", name=listing.title)).to_be_visible()
    fill_the_buy_form(page, quantity="2", name="李四", phone="13900001111", address="浙江省杭州市西湖区文三路1号")
    page.get_by_role("button", name=BUY).click()

    expect(page.get_by_role("heading", name="演示支付")).to_be_visible()
    expect(page.get_by_text("这是演示收银台，不会真实扣款。")).to_be_visible()
    expect(page.get_by_text(f"应付：{format_cny(2 * listing.price_fen)}")).to_be_visible()
    page.get_by_role("button", name="确认支付（演示）").click()

    expect(page.get_by_role("heading", name="已付款，待发货")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server.url)}/orders/[\w-]+$"))
    expect(page.get_by_text("收货人：李四（139****1111）")).to_be_visible()
    expect(page.get_by_text(f"实付 {format_cny(2 * listing.price_fen)}")).to_be_visible()
    assert refused == []
