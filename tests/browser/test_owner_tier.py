"""等级 on a 375×667 phone in WeChat: the owner opens 等级 from 我的 and sees the tier, this month against the next
tier and against keeping this one as progress bars a screen reader reads, and the history drawn by ECharts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.money_owner import assert_light_and_own, money_owner, refusals, session_on
from tests.browser.owner import check_accessibility, save_screen, sign_in, small_tap_targets
from tests.browser.screen import text_colours, too_faint
from tests.owner_money import SHANGHAI, Trade, sales_this_month

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def senior(live_server: LiveServer) -> Iterator[Trade]:
    """A shop raised to 资深掌柜 for October after 新晋 in September, with ¥1,500 of sales this month."""
    with session_on(live_server) as session:
        trade = money_owner(live_server, session)
        for month, old, new, gmv_fen, orders, buyers in (
            (9, "new", "new", 120_000, 6, 4),
            (10, "new", "senior", 600_000, 25, 12),
        ):
            first_day = dt.datetime(2026, month + 1, 1, 2, tzinfo=SHANGHAI)
            trade.move_tier(
                dt.date(2026, month, 1),
                old,
                new,
                effective_from=first_day,
                gmv_fen=gmv_fen,
                orders=orders,
                buyers=buyers,
            )
        trade.shop.tier_code = "senior"
        session.commit()
        sales_this_month(trade)
        yield trade


def test_an_owner_sees_the_tier_the_months_progress_and_the_history(page: Page, live_server: LiveServer, senior: Trade):
    refused = refusals(page)
    sign_in(page, live_server, senior.owner.email)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的").click()
    page.get_by_role("link", name="等级").click()
    expect(page.get_by_role("heading", name="等级", level=1)).to_be_visible()
    expect(page.locator(".tier-now")).to_have_text("资深掌柜")
    next_tier = page.locator("section", has=page.get_by_role("heading", name="升到精英掌柜"))
    keep = page.locator("section", has=page.get_by_role("heading", name="保持资深掌柜"))
    expect(next_tier.get_by_role("progressbar", name="销售额")).to_have_attribute("aria-valuenow", "5")
    expect(next_tier.get_by_role("progressbar", name="订单")).to_have_attribute("aria-valuenow", "3")
    expect(keep.get_by_role("progressbar", name="销售额")).to_have_attribute("aria-valuenow", "30")
    expect(keep.get_by_role("progressbar", name="买家")).to_have_attribute("aria-valuetext", "已完成 20%")
    expect(keep).to_contain_text("还差 ¥3,500.00")
    history = page.locator("section", has=page.get_by_role("heading", name="等级记录"))
    expect(history.locator(".chart canvas")).to_have_count(1)  # drawn by ECharts
    expect(history.get_by_role("table", name="每月评定的等级和业绩").get_by_role("row")).to_have_count(3)
    check_accessibility(page)
    assert not small_tap_targets(page), small_tap_targets(page)
    assert not too_faint(text_colours(page)), too_faint(text_colours(page))
    save_screen(page, "owner-tier")
    history.scroll_into_view_if_needed()
    save_screen(page, "owner-tier-history")
    assert refused == []


def test_the_tier_page_with_its_chart_transfers_under_200_kb_all_from_distro(
    page: Page, live_server: LiveServer, senior: Trade
):
    sign_in(page, live_server, senior.owner.email)
    assert_light_and_own(page, live_server, "/my/tier")
