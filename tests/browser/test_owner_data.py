"""数据 on a 375×667 phone in WeChat: the owner opens 数据 from 我的, reads the month's figures by day, channel and
product as charts (and tables), and chooses another period, which htmx swaps in without leaving the page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from distro.share.models import ClickCount, ShareLink
from tests.browser.conftest import LiveServer
from tests.browser.money_owner import assert_light_and_own, money_owner, refusals, session_on
from tests.browser.owner import check_accessibility, save_screen, sign_in, small_tap_targets
from tests.browser.screen import text_colours, too_faint
from tests.owner_money import SHANGHAI, Trade

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sharer(live_server: LiveServer) -> Iterator[Trade]:
    """Clicks on a WeChat link and a Weibo link over the last weeks, an order through each, one on the shop's page."""
    today = dt.datetime.now(SHANGHAI).date()
    with session_on(live_server) as session:
        trade = money_owner(live_server, session)
        for channel, clicks in (("wechat_chat", (12, 5)), ("weibo", (7, 3))):
            code = trade.link(channel)
            link_id = session.scalar(sa.select(ShareLink.id).where(ShareLink.code == code))
            for days_ago in (0, 2, 12):
                session.add(
                    ClickCount(
                        link_id=link_id,
                        day=today - dt.timedelta(days=days_ago),
                        clicks=clicks[0],
                        unique_clicks=clicks[1],
                    )
                )
            session.commit()
            paid_at = dt.datetime.combine(today, dt.time(0, 5), SHANGHAI)
            trade.order(f"{channel}-1", 39_900, paid_at=paid_at, share_code=code, buyer=channel)
        trade.order(
            "direct-1", 19_900, paid_at=dt.datetime.combine(today, dt.time(0, 1), SHANGHAI) - dt.timedelta(days=3)
        )
        yield trade


def test_an_owner_reads_the_figures_and_chooses_another_period(page: Page, live_server: LiveServer, sharer: Trade):
    refused = refusals(page)
    sign_in(page, live_server, sharer.owner.email)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的").click()
    page.get_by_role("link", name="数据").click()
    expect(page.get_by_role("heading", name="数据", level=1)).to_be_visible()
    periods = page.get_by_role("navigation", name="时间范围")
    expect(periods.get_by_role("link", name="近 30 天")).to_have_attribute("aria-current", "true")
    expect(page.locator(".totals")).to_contain_text("点击57")
    expect(page.locator(".chart canvas")).to_have_count(3)
    channels = page.get_by_role("table", name="各渠道的点击、访客、订单、成交额和转化率")
    expect(channels.get_by_role("row", name="微信好友")).to_contain_text("36")
    expect(channels.get_by_role("row", name="微信好友")).to_contain_text("6.66%")
    check_accessibility(page)
    assert not small_tap_targets(page), small_tap_targets(page)
    assert not too_faint(text_colours(page)), too_faint(text_colours(page))
    save_screen(page, "owner-data")

    periods.get_by_role("link", name="近 7 天").click()
    expect(page).to_have_url(f"{live_server.url}/my/data?shop={sharer.shop.id}&days=7")
    expect(page.get_by_role("navigation", name="时间范围").get_by_role("link", name="近 7 天")).to_have_attribute(
        "aria-current", "true"
    )
    expect(page.locator(".totals")).to_contain_text("点击38")
    expect(page.locator(".chart canvas")).to_have_count(3)  # the new report's charts, drawn again
    check_accessibility(page)
    page.locator("section", has=page.get_by_role("heading", name="按渠道")).scroll_into_view_if_needed()
    save_screen(page, "owner-data-channels")
    assert refused == []


def test_the_data_page_with_its_charts_transfers_under_200_kb_all_from_distro(
    page: Page, live_server: LiveServer, sharer: Trade
):
    sign_in(page, live_server, sharer.owner.email)
    assert_light_and_own(page, live_server, "/my/data")


def test_the_data_page_in_english_fits_the_phone_without_scrolling_sideways(page: Page, live_server: LiveServer):
    # Busy figures, as a good month brings: English headers beside them once pushed the tables past 375 px.
    today = dt.datetime.now(SHANGHAI).date()
    with session_on(live_server) as session:
        busy = money_owner(live_server, session)
        code = busy.link("wechat_moments")
        link_id = session.scalar(sa.select(ShareLink.id).where(ShareLink.code == code))
        session.add(ClickCount(link_id=link_id, day=today, clicks=12_345, unique_clicks=6_789))
        session.commit()
        paid_at = dt.datetime.combine(today, dt.time(0, 5), SHANGHAI)
        for number in range(3):
            busy.order(f"busy-{number}", 4_567_800, paid_at=paid_at, share_code=code, buyer=f"buyer-{number}")
    sign_in(page, live_server, busy.owner.email)
    page.goto(f"{live_server.url}/my/me")
    page.get_by_role("button", name="English").click()
    page.goto(f"{live_server.url}/my/data?shop={busy.shop.id}")
    expect(page.get_by_role("heading", name="Data", level=1)).to_be_visible()
    expect(page.get_by_role("table", name="Clicks, visitors, orders, GMV and conversion by channel")).to_contain_text(
        "¥137,034.00"
    )
    edges = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth,"
        " ...Array.from(document.querySelectorAll('table'), table => table.getBoundingClientRect().right)]"
    )
    assert max(edges[:1] + edges[2:]) <= edges[1], edges  # neither the page nor a table reaches past the screen
