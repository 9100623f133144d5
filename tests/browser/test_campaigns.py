"""Campaigns as people meet them: an admin schedules tomorrow's 10:00 slot at 1366×768; on a 375×667 phone an owner
finds the running campaign under 正在热卖 and shares it, and a buyer sees the sale price and the countdown."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from distro.auth.models import Role
from distro.campaigns.models import Campaign, CampaignItem
from distro.clock import utcnow
from distro.db import engine_for
from tests.browser.conftest import LiveServer
from tests.browser.owner import check_accessibility, open_signed_in, sign_in
from tests.factories import make_product, make_shop, make_supplier, make_user


@pytest.fixture(scope="module")
def running(live_server: LiveServer) -> dict:
    """A tea of its own supplier in its own shop, on sale now in a campaign that started a minute ago (written as
    the test's data: the server's clock is the real one, and a campaign cannot be scheduled in the past)."""
    app = live_server.app
    with Session(engine_for(live_server.database_url), expire_on_commit=False) as session:
        supplier_user, _ = make_supplier(session, app)
        tea = make_product(
            session,
            app,
            supplier_user,
            title="明前龙井 250g",
            price_fen=12_800,
            other_platform_price_fen=16_800,
            commission_rate_bp=2_000,
        )
        owner = make_user(session, Role.SHOP_OWNER)
        shop = make_shop(session, app, owner, slug="chaye", carrying=[tea])
        admin = make_user(session, Role.ADMIN)
        now = utcnow()
        campaign = Campaign(
            title="整点秒杀",
            text="明前新茶，限时 1 小时",
            starts_at=now - dt.timedelta(minutes=1),
            ends_at=now + dt.timedelta(minutes=59),
            status="scheduled",
            created_by=admin.id,  # type: ignore[arg-type]
        )
        session.add(campaign)
        session.flush()
        session.add(CampaignItem(campaign_id=campaign.id, product_id=tea.id, sale_price_fen=8_800, rate_bp=3_000))  # type: ignore[arg-type]
        session.commit()
        return {"tea": tea, "owner": owner, "shop": shop, "admin": admin}


def test_an_admin_schedules_tomorrows_ten_oclock_slot(desk: Page, live_server: LiveServer, running: dict):
    with Session(engine_for(live_server.database_url), expire_on_commit=False) as session:
        supplier_user, _ = make_supplier(session, live_server.app)
        cups = make_product(session, live_server.app, supplier_user, title="白瓷茶杯 6 只装", price_fen=9_900)
    sign_in(desk, live_server, running["admin"].email)
    desk.goto(live_server.url + "/console/admin/campaigns")
    expect(desk.get_by_label("场次")).to_have_value("10")
    desk.get_by_label("活动标题").fill("茶具节")
    desk.get_by_label("推广文案").fill("10 点开抢，整套 79 元")
    desk.get_by_role("searchbox", name="商品").fill("白瓷")  # htmx offers the matches as the admin types
    choice = desk.get_by_label("白瓷茶杯 6 只装")
    expect(desk.locator("#product-choices")).to_contain_text(f"#{cups.id} · 售价 ¥99.00 · 当前佣金")
    choice.check()
    desk.get_by_label("活动价（元）").fill("79")
    desk.get_by_label("活动佣金（%）").fill("25")
    desk.get_by_role("button", name="排期").click()
    expect(desk.get_by_role("status")).to_have_text("已排期")
    row = desk.get_by_role("row").filter(has_text="茶具节")
    expect(row).to_contain_text("10:00")
    expect(row).to_contain_text("¥79.00")
    expect(row.get_by_text("已排期")).to_be_visible()
    check_accessibility(desk)


def test_an_owner_finds_the_running_campaign_and_shares_it(page: Page, live_server: LiveServer, running: dict):
    open_signed_in(page, live_server, running["owner"].email, "/my")
    page.get_by_role("link", name="正在热卖").click()
    expect(page.get_by_role("heading", name="明前龙井 250g")).to_be_visible()
    expect(page.get_by_text("¥88.00").first).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="一键分享 明前龙井 250g").click()
    expect(page.get_by_text("【整点秒杀】明前龙井 250g").first).to_be_visible()


def test_a_buyer_sees_the_sale_price_against_the_normal_one_and_the_countdown(
    page: Page, live_server: LiveServer, running: dict
):
    page.goto(f"{live_server.url}/shop/chaye/p/{running['tea'].id}")
    expect(page.get_by_text("活动价 ¥88.00")).to_be_visible()
    expect(page.get_by_text("原价 ¥128.00")).to_be_visible()
    expect(page.get_by_text("距结束")).to_be_visible()
    check_accessibility(page)
