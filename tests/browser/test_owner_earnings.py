"""收益 on a 375×667 phone in WeChat, as an owner uses it: the money at each stage and what it means, the lines a
page at a time, the statements, and adding a payee account, with the field messages in Chinese."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from distro.money import format_cny
from tests.browser.conftest import LiveServer
from tests.browser.money_owner import NOW, money_owner, refusals, session_on
from tests.browser.owner import check_accessibility, save_screen, sign_in, small_tap_targets
from tests.browser.screen import text_colours, too_faint
from tests.owner_money import Trade

pytestmark = pytest.mark.browser

ORDERS = 22
"""More than a page of lines (20)."""


@pytest.fixture(scope="module")
def earner(live_server: LiveServer) -> Iterator[Trade]:
    """An owner with 22 orders of ¥100 (¥12.00 commission each): two paid out long ago, one payable, the rest
    pending; the last one refunded after its payout (clawed back)."""
    with session_on(live_server) as session:
        trade = money_owner(live_server, session)
        link = trade.link("wechat_moments")
        long_ago = NOW - dt.timedelta(days=40)
        for number in range(1, ORDERS + 1):
            paid_at = long_ago + dt.timedelta(hours=number)
            trade.order(f"E{number}", 10_000, paid_at=paid_at, share_code=link if number % 2 else None)
        for number in (1, 2):
            trade.deliver(f"E{number}", long_ago + dt.timedelta(days=2))
        trade.release(NOW)
        trade.payee("6222020200112233")
        trade.settle("paid")
        trade.refund("E2", 10_000)
        trade.deliver("E3", long_ago + dt.timedelta(days=3))
        trade.release(NOW)
        yield trade


def test_an_owner_sees_the_money_at_each_stage_and_what_each_means(page: Page, live_server: LiveServer, earner: Trade):
    refused = refusals(page)
    sign_in(page, live_server, earner.owner.email)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="收益").click()
    expect(page.get_by_role("heading", name="收益", level=1)).to_be_visible()
    stages = page.locator("dl.stages")
    for stage, fen in (("待结算", 19 * 1_200), ("可结算", 1_200 - 1_200), ("已打款", 2 * 1_200), ("已扣回", 1_200)):
        expect(stages.locator("div", has=page.locator("dt", has_text=stage)).locator("dd").first).to_have_text(
            format_cny(fen)
        )
    expect(page.get_by_text("确认收货 7 天后，佣金变为「可结算」。", exact=False)).to_be_visible()
    expect(page.get_by_text("可结算不足 ¥1.00 时，这一批不打款，金额结转到下一批，不会丢失。")).to_be_visible()
    check_accessibility(page)
    assert not small_tap_targets(page), small_tap_targets(page)
    assert not too_faint(text_colours(page)), too_faint(text_colours(page))
    save_screen(page, "owner-earnings")
    assert refused == []


def test_lines_show_product_channel_time_amount_and_status_and_load_a_page_more(
    page: Page, live_server: LiveServer, earner: Trade
):
    sign_in(page, live_server, earner.owner.email)
    page.goto(live_server.url + "/my/earnings")
    lines = page.locator("#lines > li.card")
    expect(lines).to_have_count(20)
    newest = lines.first
    expect(newest.get_by_role("heading", name="云南小粒咖啡豆 中深烘焙 500g")).to_be_visible()
    expect(newest).to_contain_text("店铺页面 · 下单 ")
    expect(newest).to_contain_text("¥12.00")
    expect(newest).to_contain_text("待结算")
    assert newest.locator("img.thumb").evaluate("img => img.complete && img.naturalWidth > 0")
    lines.nth(1).scroll_into_view_if_needed()
    page.get_by_role("link", name="加载更多").first.click()
    expect(lines).to_have_count(ORDERS)
    oldest = lines.nth(ORDERS - 1)
    expect(oldest).to_contain_text("朋友圈")
    expect(oldest).to_contain_text("已结算")
    expect(lines.nth(ORDERS - 2)).to_contain_text("已扣回")
    expect(lines.nth(ORDERS - 3)).to_contain_text("可结算")
    expect(page.locator("#lines").get_by_role("link", name="加载更多")).to_have_count(0)
    expect(page).to_have_url(live_server.url + "/my/earnings")  # htmx added the rows in place
    statements = page.locator("#statements > li")
    expect(statements.first).to_contain_text("¥24.00")
    expect(statements.first).to_contain_text("已打款")
    check_accessibility(page)


def test_an_owner_adds_a_payee_account_after_fixing_what_the_form_refused(
    page: Page, live_server: LiveServer, earner: Trade
):
    sign_in(page, live_server, earner.owner.email)
    page.goto(live_server.url + "/my/earnings")
    page.get_by_role("link", name="添加收款账户").click()
    expect(page.get_by_role("heading", name="添加收款账户")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("支付宝").check()
    page.get_by_label("账号").fill("13 8")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("请填写收款人姓名（最多 60 字）")).to_be_visible()
    expect(page.get_by_text("请填写支付宝账号：手机号或邮箱")).to_be_visible()
    expect(page.get_by_label("支付宝")).to_be_checked()
    expect(page.get_by_label("收款人姓名")).to_have_attribute("aria-invalid", "true")
    check_accessibility(page)
    assert not small_tap_targets(page), small_tap_targets(page)
    save_screen(page, "owner-payee-form")
    page.get_by_label("收款人姓名").fill("王小美")
    page.get_by_label("账号").fill("138 0000 0001")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(live_server.url + "/my/earnings#payees")
    payees = page.locator("#payees li")
    expect(payees.first).to_contain_text("支付宝 **** 0001")
    expect(payees.first).to_contain_text("默认")
    expect(payees.nth(1)).to_contain_text("银行卡 **** 2233")
