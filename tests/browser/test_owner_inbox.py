"""消息 on a 375×667 phone in WeChat: the 我的 tab counts what is new; the owner opens 消息 and reads what happened to
their money and shop (an order, commission payable, a payout paid and one failed with its reason, a tier change, a
product taken down), and the count is gone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.money_owner import NOW, money_owner, session_on
from tests.browser.owner import check_accessibility, save_screen, sign_in, small_tap_targets
from tests.browser.screen import text_colours, too_faint
from tests.owner_money import Trade, a_month_of_news

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def told(live_server: LiveServer) -> Iterator[Trade]:
    with session_on(live_server) as session:
        trade = money_owner(live_server, session)
        a_month_of_news(trade, NOW, failure="收款账户已注销")
        yield trade


def test_the_tab_counts_what_is_new_and_the_owner_reads_it(page: Page, live_server: LiveServer, told: Trade):
    sign_in(page, live_server, told.owner.email)
    me = page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的")
    expect(me).to_contain_text("8")
    expect(me).to_have_accessible_name("我的 ，有 8 条未读")
    me.click()
    page.get_by_role("main").get_by_role("link", name="消息").click()
    expect(page.get_by_role("heading", name="消息", level=1)).to_be_visible()
    messages = page.locator("#messages > li")
    expect(messages).to_have_count(8)
    expect(messages.first).to_contain_text("商品被下架")
    expect(messages.first).to_contain_text("「云南小粒咖啡豆 中深烘焙 500g」已被平台下架：资质待复核。")
    expect(page.locator("li", has_text="打款失败")).to_contain_text("¥60.00 打款失败：收款账户已注销。")
    expect(page.locator("li", has_text="佣金已打款")).to_contain_text("已打到你的银行卡 **** 2233")
    expect(page.locator("li", has_text="等级变更")).to_contain_text("等级从新晋掌柜变为资深掌柜")
    expect(page.locator("li", has_text="好友通过你分享到朋友圈的链接下单 ¥1,000.00")).to_contain_text("新订单")
    expect(page.locator("li.message.unread")).to_have_count(8)
    expect(me.locator(".count")).to_have_count(0)  # opening the inbox read it
    check_accessibility(page)
    assert not small_tap_targets(page), small_tap_targets(page)
    assert not too_faint(text_colours(page)), too_faint(text_colours(page))
    save_screen(page, "owner-messages")
    page.reload()
    expect(page.locator("li.message.unread")).to_have_count(0)
