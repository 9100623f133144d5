"""Supplier reviews as people meet them at 1366×768: an admin finds the supplier a third strike suspended and
overrules the review with a reason; the supplier opens 考核 and sees its numbers and the overrule."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from distro.auth.models import Role
from distro.clock import utcnow
from distro.db import engine_for
from distro.quality import metrics, services
from tests.browser.conftest import LiveServer
from tests.browser.owner import check_accessibility, save_screen, sign_in
from tests.factories import make_product, make_supplier, make_user
from tests.integration.test_supplier_review import month_of_orders, sell

MONTHS = (dt.date(2025, 8, 1), dt.date(2025, 9, 1), dt.date(2025, 10, 1))


@pytest.fixture(scope="module")
def struck(live_server: LiveServer) -> dict:
    """A tea supplier late with a quarter of its orders three months running: warned twice, then suspended."""
    app = live_server.app
    with Session(engine_for(live_server.database_url), expire_on_commit=False) as session:
        user, supplier = make_supplier(session, app)
        supplier.company_name = "杭州龙井茶业有限公司"
        session.add(supplier)
        session.commit()
        tea = make_product(session, app, user, title="明前龙井 250g")
        for month in MONTHS:
            month_of_orders(session, tea, month, orders=40, late=10)
            session.commit()
            after = dt.datetime.combine(month.replace(month=month.month + 1, day=3), dt.time(), dt.UTC)
            services.review_month(session=session, period=month, settings=app.config, now=after)
        now = utcnow()
        for day in range(1, 60, 2):  # lately: shipped in 10 hours (one in 60), delivered in 3 days, a few refunded
            paid = now - dt.timedelta(days=day)
            sell(session, tea, paid, ship_hours=60 if day % 20 == 1 else 10, delivered_hours=72, refunded=day % 12 == 1)
        session.commit()
        metrics.refresh_metrics(session=session, ship_within_hours=48, now=now)
        admin = make_user(session, Role.ADMIN)
        session.commit()
        return {"supplier_user": user, "admin": admin}


def test_an_admin_overrules_the_review_that_suspended_a_supplier(desk: Page, live_server: LiveServer, struck: dict):
    sign_in(desk, live_server, struck["admin"].email)
    desk.goto(live_server.url + "/console/admin/reviews?month=2025-10")
    desk.get_by_label("考核结果", exact=True).select_option(label="三振出局，已暂停")
    desk.get_by_role("button", name="筛选").click()
    row = desk.get_by_role("row").filter(has_text="杭州龙井茶业有限公司")
    expect(row).to_contain_text("75%")
    expect(row).to_contain_text("准时发货率")
    check_accessibility(desk)
    save_screen(desk, "console-admin-reviews")

    row.get_by_role("link", name="撤销 杭州龙井茶业有限公司 的考核结果").click()
    expect(desk.get_by_role("heading", name="撤销考核结果：杭州龙井茶业有限公司")).to_be_visible()
    desk.get_by_label("撤销理由").fill("延迟系快递停运，非供货商原因")
    desk.get_by_role("button", name="确认撤销").click()

    expect(desk.get_by_role("status")).to_contain_text("已撤销该次考核结果")
    expect(desk.get_by_role("row").filter(has_text="杭州龙井茶业有限公司")).to_contain_text("已撤销")


def test_the_supplier_sees_its_reviews_on_its_console(desk: Page, live_server: LiveServer, struck: dict):
    sign_in(desk, live_server, struck["supplier_user"].email)
    desk.get_by_role("navigation", name="控制台导航").get_by_role("link", name="考核").click()
    expect(desk.get_by_role("heading", name="考核", exact=True)).to_be_visible()
    reviews = desk.get_by_role("region", name="考核记录")
    expect(reviews.get_by_role("row").filter(has_text="2025-08")).to_contain_text("警告")
    expect(reviews.get_by_role("row").filter(has_text="2025-10")).to_contain_text("75%")
    # Overruled when the admin's step ran first (the journey), else still the third strike.
    expect(reviews.get_by_role("row").filter(has_text="2025-10")).to_contain_text(re.compile("平台已撤销|第 3 次"))
    figures = desk.get_by_role("region", name="近期数据")
    expect(figures.get_by_role("row").filter(has_text="平均送达时长")).to_contain_text("72.0 小时")
    check_accessibility(desk)
    save_screen(desk, "console-supplier-review")
