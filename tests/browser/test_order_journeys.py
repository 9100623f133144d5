"""A buyer's whole order on a shop's own page, on a 375×667 phone: picking a size and colour, paying, following
the parcel, confirming receipt, cancelling, and asking for a refund; the supplier's side through its API."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from sqlmodel import Session

from distro.db import engine_for
from distro.money import format_cny
from distro.suppliers.models import ProductSku
from tests.browser.conftest import LiveServer, Shortcuts, SkuListing
from tests.browser.screen import field_font_sizes, fill_the_buy_form, on_screen, text_colours, too_faint

pytestmark = pytest.mark.browser

BUY = "立即购买"
IN_VIEW = {"inside": True, "reachable": True}


def sku_radio(page: Page, listing: SkuListing, name: str):
    """The SKU's radio button, named as its label reads: name · price, and a note on its stock."""
    _, price, _ = listing.sku(name)
    return page.get_by_role("radio", name=re.compile(rf"^{re.escape(name)} · {re.escape(format_cny(price))}"))


def fill_in_the_buyer(page: Page, quantity: str = "1") -> None:
    fill_the_buy_form(page, quantity=quantity, name="李四", phone="13900001111", address="浙江省杭州市西湖区文三路1号")


def test_a_buyer_picks_a_sku_pays_and_sees_it_on_the_order_page(
    page: Page, live_server: LiveServer, sku_listing: SkuListing
):
    page.goto(live_server.url + sku_listing.product_path)
    # The price a buyer pays at least, marked 起 because the SKUs cost different amounts.
    expect(page.locator(".section .price")).to_have_text(f"{format_cny(12_900)}起")
    sold_out = sku_radio(page, sku_listing, "雾霾蓝 L")
    expect(sold_out).to_be_disabled()
    expect(page.locator("label", has=sold_out)).to_contain_text("已售罄")
    expect(page.locator("label", has=sku_radio(page, sku_listing, "燕麦色 L"))).to_contain_text("仅剩2件")

    sku_radio(page, sku_listing, "燕麦色 L").check()
    fill_in_the_buyer(page)
    page.get_by_role("button", name=BUY).click()

    expect(page.get_by_text("规格：燕麦色 L × 1")).to_be_visible()
    expect(page.get_by_text(f"应付：{format_cny(13_900)}")).to_be_visible()
    page.get_by_role("button", name="确认支付（演示）").click()

    expect(page.get_by_role("heading", name="已付款，待发货")).to_be_visible()
    expect(page.get_by_text(sku_listing.title)).to_be_visible()
    expect(page.get_by_text("规格：燕麦色 L")).to_be_visible()
    expect(page.get_by_text(f"{format_cny(13_900)} × 1")).to_be_visible()
    expect(page.get_by_text(f"实付 {format_cny(13_900)}")).to_be_visible()
    expect(page.get_by_text("已付款，等待供应商发货")).to_be_visible()
    # Nothing to confirm before the parcel leaves.
    expect(page.get_by_role("button", name="确认收货")).to_have_count(0)


def test_buying_without_choosing_a_sku_brings_the_sku_error_into_view(
    page: Page, live_server: LiveServer, sku_listing: SkuListing
):
    page.goto(live_server.url + sku_listing.product_path)
    fill_in_the_buyer(page, quantity="2")
    with page.expect_response(lambda response: response.request.method == "POST") as refused:
        page.get_by_role("button", name=BUY).click()
    assert refused.value.status == 422
    expect(page.get_by_role("group", name="规格")).to_have_attribute("aria-invalid", "true")
    error = page.get_by_text("请选择规格")
    expect(error).to_be_in_viewport()
    assert on_screen(error) == IN_VIEW
    # The first SKU the buyer can choose has the focus, and what they typed is still there.
    expect(sku_radio(page, sku_listing, "燕麦色 M")).to_be_focused()
    expect(page.get_by_label("数量")).to_have_value("2")
    expect(page.get_by_label("收货地址")).to_have_value("浙江省杭州市西湖区文三路1号")


def test_a_sku_that_sells_out_while_the_buyer_fills_the_form_is_refused_in_chinese(
    page: Page, live_server: LiveServer, sku_listing: SkuListing
):
    page.goto(live_server.url + sku_listing.product_path)
    sku_radio(page, sku_listing, "燕麦色 L").check()
    fill_in_the_buyer(page)
    with Session(engine_for(live_server.database_url)) as session:  # another buyer takes the last two
        session.execute(
            sa.update(ProductSku)
            .where(ProductSku.product_id == sku_listing.product_id, ProductSku.name == "燕麦色 L")
            .values(stock=0)
        )
        session.commit()
    page.get_by_role("button", name=BUY).click()

    error = page.get_by_text("燕麦色 L 已售罄")
    expect(error).to_be_in_viewport()
    assert on_screen(error) == IN_VIEW
    expect(sku_radio(page, sku_listing, "燕麦色 L")).to_be_disabled()
    expect(sku_radio(page, sku_listing, "燕麦色 M")).to_be_enabled()


def test_the_buyer_confirms_receipt_after_the_supplier_ships(page: Page, live_server: LiveServer, shortcuts: Shortcuts):
    order = shortcuts.paid_order("燕麦色 M")
    shortcuts.ship_everything_paid(carrier="顺丰速运", tracking_number="SF1402283746")
    page.goto(live_server.url + order)

    expect(page.get_by_role("heading", name="已发货")).to_be_visible()
    expect(page.get_by_text("物流：顺丰速运 SF1402283746")).to_be_visible()
    page.get_by_role("button", name="确认收货").click()

    expect(page.get_by_role("heading", name="已收货")).to_be_visible()
    expect(page.get_by_role("button", name="确认收货")).to_have_count(0)
    received = page.get_by_text(re.compile(r"^收货时间 ")).inner_text().removeprefix("收货时间 ")
    closes = dt.datetime.strptime(received, "%Y-%m-%d %H:%M") + dt.timedelta(days=15)  # clothing: 15 days
    expect(page.get_by_text(f"售后期至 {closes:%Y-%m-%d %H:%M}")).to_be_visible()
    expect(page.get_by_role("heading", name="申请售后")).to_be_visible()


def test_the_buyer_cancels_an_unshipped_order(
    page: Page, live_server: LiveServer, sku_listing: SkuListing, shortcuts: Shortcuts
):
    page.goto(live_server.url + shortcuts.paid_order("燕麦色 L", quantity=2))
    # Cancelling cannot be undone, so it takes two taps: one opens the form, the other confirms.
    expect(page.get_by_role("button", name="确认取消订单")).to_be_hidden()
    page.get_by_text("取消订单", exact=True).click()
    page.get_by_label("取消原因（选填）").fill("拍错尺码了")
    page.get_by_role("button", name="确认取消订单").click()

    expect(page.get_by_role("heading", name="已取消")).to_be_visible()
    expect(page.get_by_text(re.compile(r"您取消了订单：拍错尺码了$"))).to_be_visible()
    expect(page.get_by_text("取消订单", exact=True)).to_have_count(0)
    # The two jumpers are back on sale.
    page.goto(live_server.url + sku_listing.product_path)
    expect(page.locator("label", has=sku_radio(page, sku_listing, "燕麦色 L"))).to_contain_text("仅剩2件")


def test_the_buyer_asks_for_a_refund_and_sees_the_suppliers_answer(
    page: Page, live_server: LiveServer, shortcuts: Shortcuts
):
    order = shortcuts.paid_order("燕麦色 M")
    shortcuts.ship_everything_paid()
    page.goto(live_server.url + order)

    page.get_by_role("radio", name="仅退款").check()
    with page.expect_response(lambda response: response.request.method == "POST") as refused:
        page.get_by_role("button", name="提交申请").click()
    assert refused.value.status == 422
    reason = page.get_by_label("原因", exact=True)
    expect(reason).to_be_focused()
    assert on_screen(reason) == IN_VIEW
    assert on_screen(page.get_by_text("请填写原因（2-200字）")) == IN_VIEW
    expect(page.get_by_role("radio", name="仅退款")).to_be_checked()

    reason.fill("快递一直没到，不想要了")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("等待供应商处理")).to_be_visible()
    expect(page.get_by_text("售后：已有售后申请在处理中")).to_be_visible()
    expect(page.get_by_role("button", name="提交申请")).to_have_count(0)

    shortcuts.decide_open_requests("refuse", reason="物流显示已签收，请先联系快递")
    page.reload()
    expect(page.get_by_text("供应商拒绝：物流显示已签收，请先联系快递")).to_be_visible()
    expect(page.get_by_role("button", name="提交申请")).to_be_visible()  # the buyer may ask again


def test_asking_for_after_sales_without_choosing_a_type_is_stopped_before_it_is_sent(
    page: Page, live_server: LiveServer, shortcuts: Shortcuts
):
    order = shortcuts.paid_order("燕麦色 M")
    shortcuts.ship_everything_paid()
    page.goto(live_server.url + order)
    page.get_by_label("原因", exact=True).fill("尺码偏小")
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("radio", name="仅退款")).to_have_js_property("validity.valueMissing", True)
    assert posts == []


def test_the_order_page_has_a_way_back_to_the_shop(
    page: Page, live_server: LiveServer, sku_listing: SkuListing, shortcuts: Shortcuts
):
    page.goto(live_server.url + shortcuts.paid_order("燕麦色 M"))
    back = page.get_by_role("link", name=f"返回{sku_listing.shop_name}")
    assert on_screen(back) == IN_VIEW
    back.click()
    expect(page).to_have_url(live_server.url + sku_listing.shop_path)
    expect(page.get_by_role("heading", name=sku_listing.shop_name)).to_be_visible()
    expect(page.get_by_role("link", name=sku_listing.title)).to_be_visible()


def test_the_buy_bar_is_visible_without_scrolling_on_a_product_with_skus(
    page: Page, live_server: LiveServer, sku_listing: SkuListing
):
    page.goto(live_server.url + sku_listing.product_path)
    buy = page.get_by_role("button", name=BUY)
    assert on_screen(buy) == IN_VIEW
    expect(buy.locator("xpath=..")).to_contain_text(f"{format_cny(12_900)}起")
    assert page.evaluate("window.scrollY") == 0


def _product_with_skus(shortcuts: Shortcuts) -> str:
    return shortcuts.listing.product_path


def _paid(shortcuts: Shortcuts) -> str:
    return shortcuts.paid_order("燕麦色 M")


def _shipped(shortcuts: Shortcuts) -> str:
    order = shortcuts.paid_order("燕麦色 M")
    shortcuts.ship_everything_paid()
    return order


def _delivered_with_after_sales_history(shortcuts: Shortcuts) -> str:
    order = shortcuts.paid_order("燕麦色 M", quantity=2)
    shortcuts.ship_everything_paid()
    shortcuts.confirm_receipt(order)
    shortcuts.ask_after_sales(order, "return", "一件袖口脱线")
    shortcuts.decide_open_requests("approve", amount_fen=12_900)
    shortcuts.ask_after_sales(order, "refund", "另一件也想退")
    shortcuts.decide_open_requests("refuse", reason="另一件已穿过，不支持退款")
    return order


def _cancelled(shortcuts: Shortcuts) -> str:
    order = shortcuts.paid_order("燕麦色 M")
    shortcuts.cancel(order, "不想要了")
    return order


PAGE_STATES = {
    "product with SKUs": _product_with_skus,
    "paid": _paid,
    "shipped": _shipped,
    "delivered with after-sales history": _delivered_with_after_sales_history,
    "cancelled": _cancelled,
}


@pytest.mark.parametrize("state", PAGE_STATES)
def test_every_text_reaches_4_5_to_1_and_every_field_is_16px(
    page: Page, live_server: LiveServer, shortcuts: Shortcuts, state: str
):
    page.goto(live_server.url + PAGE_STATES[state](shortcuts))
    texts = text_colours(page)
    assert len(texts) > 5
    assert too_faint(texts) == []
    assert [(name, size) for name, size in field_font_sizes(page) if size < 16] == []
