"""推广 on a 375×667 phone in WeChat, as an owner does it: open 推广, pick a product and a channel, look at the poster
full screen, tap 一键复制 and paste, see the QR code and the short link; then, as a friend, follow the link to the
product's page."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, WECHAT_UA, Listing, LiveServer
from tests.browser.owner import (
    PAGE_BUDGET,
    check_accessibility,
    open_signed_in,
    save_screen,
    small_tap_targets,
    traffic,
)
from tests.browser.screen import text_colours, too_faint

pytestmark = pytest.mark.browser


def short_link_code(url: str) -> str:
    return re.search(r"/s/(\w+)/", url).group(1)  # type: ignore[union-attr]


def check_screen(page: Page) -> None:
    """What every 推广 screen holds to: tappable, readable, accessible."""
    assert not small_tap_targets(page), small_tap_targets(page)
    assert not too_faint(text_colours(page)), too_faint(text_colours(page))
    check_accessibility(page)


def test_an_owner_shares_a_product_to_moments_and_a_friend_follows_the_link_to_it(
    page: Page, browser: Browser, live_server: LiveServer, listing: Listing
):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    open_signed_in(page, live_server, listing.owner_login, "/my")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="推广").click()
    expect(page.get_by_role("heading", name="推广", exact=True)).to_be_visible()
    check_screen(page)
    save_screen(page, "owner-promote")

    page.get_by_label(listing.title).check()
    page.get_by_label("朋友圈").check()
    page.get_by_role("button", name="生成海报和文案").click()
    expect(page.get_by_role("heading", name=listing.title, level=2)).to_be_visible()
    expect(page.get_by_text("¥68.00", exact=True)).to_be_visible()
    check_screen(page)
    save_screen(page, "owner-promote-kit")

    page.get_by_role("link", name="全屏查看海报，长按保存").click()
    poster = page.get_by_role("img", name=f"海报：{listing.title}")
    expect(poster).to_be_visible()
    page.wait_for_function("() => document.querySelector('.poster-full').naturalWidth === 1080")
    box = poster.bounding_box()
    assert box is not None and box["width"] >= 300 and box["y"] + box["height"] <= PHONE["height"]  # whole, on screen
    expect(page.get_by_text("长按图片，选择「保存图片」")).to_be_visible()
    check_screen(page)
    save_screen(page, "owner-promote-poster")
    with page.expect_download() as downloading:
        page.get_by_role("link", name="下载海报").click()
    download = downloading.value
    assert download.suggested_filename == f"poster-{short_link_code(download.url)}.png"
    with Image.open(str(download.path())) as saved:
        assert saved.size == (1080, 1920)
    page.get_by_role("link", name="返回").click()

    page.get_by_role("button", name="一键复制").click()
    expect(page.locator("#copy-status")).to_have_text("已复制")
    short_link = page.get_by_role("textbox", name="短链接", exact=True).input_value()
    assert short_link.startswith(f"{live_server.url}/s/")
    pasted = page.evaluate("() => navigator.clipboard.readText()")
    assert pasted.startswith(f"【{listing.shop_name}】{listing.title} ¥68.00") and short_link in pasted

    qr = page.get_by_role("img", name=re.compile("^二维码"))
    expect(qr).to_be_visible()
    page.wait_for_function("() => document.querySelector('img.qr').complete")
    qr.evaluate("element => element.scrollIntoView({block: 'center'})")  # clear of the tab bar, as a thumb scrolls
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
    assert [found.text for found in decoded] == [short_link]
    sheet = page.locator("details[open]")
    expect(sheet.locator("summary")).to_have_text("朋友圈")
    expect(sheet.get_by_text("发朋友圈时选择海报图片，并粘贴文案")).to_be_visible()

    friend = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, user_agent=WECHAT_UA, locale="zh-CN")
    try:
        tab = friend.new_page()
        tab.goto(short_link)
        expect(tab).to_have_url(live_server.url + listing.product_path)
        expect(tab.get_by_role("heading", name=listing.title, level=1)).to_be_visible()
        expect(tab.get_by_text("我家每天早上都喝这款，酸度低，不苦。")).to_be_visible()
    finally:
        friend.close()


def test_an_owner_shares_the_whole_shop_on_weibo_then_switches_to_xiaohongshu_from_the_sheet(
    page: Page, live_server: LiveServer, listing: Listing
):
    open_signed_in(page, live_server, listing.owner_login, "/my/promote")
    page.get_by_role("button", name="生成海报和文案").click()
    expect(page.get_by_text("请选择发到哪里")).to_be_visible()  # no channel chosen yet: said on the field
    check_screen(page)
    page.get_by_label("整个店铺").check()
    page.get_by_label("微博").check()
    page.get_by_role("button", name="生成海报和文案").click()
    expect(page.get_by_role("heading", name=listing.shop_name, level=2)).to_be_visible()
    weibo_link = page.get_by_role("textbox", name="短链接", exact=True).input_value()
    weibo = page.locator("details[open]")
    expect(weibo.locator("summary")).to_have_text("微博")
    expect(weibo.get_by_role("link", name="打开微博分享")).to_have_attribute(
        "href", re.compile(r"^https://service\.weibo\.com/share/share\.php\?url=")
    )
    check_screen(page)

    page.get_by_text("小红书", exact=True).click()  # opens its part of the sheet
    expect(page.get_by_text("笔记里的链接点不开，买家扫海报上的二维码购买")).to_be_visible()
    page.get_by_role("button", name="换成发小红书的链接").click()
    expect(page.locator("details[open] summary")).to_have_text("小红书")
    assert page.get_by_role("textbox", name="短链接", exact=True).input_value() not in ("", weibo_link)
    check_screen(page)
    page.get_by_role("heading", name="怎么发").evaluate("element => element.scrollIntoView()")
    save_screen(page, "owner-promote-sheet")


def test_the_promote_pages_are_light_and_load_nothing_from_outside_distro(
    page: Page, live_server: LiveServer, listing: Listing
):
    open_signed_in(page, live_server, listing.owner_login, "/my/promote")
    page.get_by_label(listing.title).check()
    page.get_by_label("微信好友").check()
    page.get_by_role("button", name="生成海报和文案").click()
    expect(page.get_by_role("heading", name=listing.title, level=2)).to_be_visible()
    kit = page.url
    for path in ("/my/promote", kit.removeprefix(live_server.url), kit.removeprefix(live_server.url) + "/poster"):
        with traffic(page) as seen:
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
        assert seen.requests and not seen.off_origin(live_server.url), (path, seen.off_origin(live_server.url))
        # The poster is a picture of the product, as the product's own pictures are: it counts as one of them.
        rest = [(url, size) for url, size in seen.requests if not url.endswith("/poster.png")]
        assert sum(size for url, size in rest if "/images/" not in url) < PAGE_BUDGET, (path, seen.requests)
