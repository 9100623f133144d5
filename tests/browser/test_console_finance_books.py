"""The finance console's books at 1366×768, as two finance users work them: one proposes an adjustment in yuan,
the other approves it, the ledger explorer shows its posting and balanced entries, and the month's report
downloads; every screen passes axe-core."""

from __future__ import annotations

import datetime as dt

from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from sqlmodel import Session

from distro.auth.models import Role
from distro.clock import BUSINESS_TZ
from distro.db import engine_for
from tests.browser.conftest import LiveServer
from tests.browser.owner import check_accessibility, save_screen, sign_in
from tests.factories import make_user


def test_one_finance_user_proposes_an_adjustment_another_approves_it_and_the_books_show_it(
    desk: Page, live_server: LiveServer
):
    with Session(engine_for(live_server.database_url), expire_on_commit=False) as session:
        maker, checker = make_user(session, Role.FINANCE), make_user(session, Role.FINANCE)

    sign_in(desk, live_server, maker.email)
    desk.get_by_role("navigation", name="控制台导航").get_by_role("link", name="概览").click()
    expect(desk.get_by_role("heading", name="财务概览")).to_be_visible()
    expect(desk.get_by_role("heading", name="待结算（售后期内）")).to_be_visible()
    check_accessibility(desk)
    save_screen(desk, "console-finance-dashboard")

    desk.get_by_role("navigation", name="控制台导航").get_by_role("link", name="调账").click()
    desk.get_by_role("link", name="提出调账").click()
    desk.get_by_label("调账原因").fill("十一月银行手续费入账")
    desk.get_by_label("第 1 行账户代码").fill("platform:adjustments")
    desk.get_by_label("第 1 行借方金额").fill("88.88")
    desk.get_by_label("第 2 行账户代码").fill("cash")
    desk.get_by_label("第 2 行贷方金额").fill("88.80")
    desk.get_by_role("button", name="提交审批").click()
    expect(desk.get_by_text("借方合计与贷方合计不相等")).to_be_visible()
    check_accessibility(desk)
    save_screen(desk, "console-finance-adjustment-refused")
    desk.get_by_label("第 2 行贷方金额").fill("88.88")
    desk.get_by_role("button", name="提交审批").click()
    expect(desk.get_by_text("这是你提出的调账，需由另一位财务同事审批")).to_be_visible()
    expect(desk.get_by_role("button", name="批准并记账")).to_have_count(0)
    check_accessibility(desk)
    adjustment_url = desk.url

    desk.get_by_role("button", name="退出登录").click()
    sign_in(desk, live_server, checker.email)
    desk.goto(adjustment_url)
    expect(desk.get_by_role("heading", name="待审批")).to_be_visible()
    check_accessibility(desk)
    save_screen(desk, "console-finance-adjustment-proposed")
    desk.get_by_role("button", name="批准并记账").click()
    expect(desk.get_by_role("heading", name="已批准")).to_be_visible()
    expect(desk.get_by_role("definition").filter(has_text=checker.display_name)).to_be_visible()

    desk.get_by_role("link", name="记账 #").click()
    expect(desk.get_by_role("heading", name="记账 #")).to_be_visible()
    entries = desk.get_by_role("table", name="分录")
    expect(entries.get_by_role("row", name="手工调整与核销 platform:adjustments ¥88.88")).to_be_visible()
    expect(entries.get_by_role("row", name="银行存款 cash ¥88.88")).to_be_visible()
    expect(desk.get_by_text("借贷平衡")).to_be_visible()
    expect(desk.get_by_role("button", name="提出冲正")).to_be_visible()
    check_accessibility(desk)
    save_screen(desk, "console-finance-posting")

    entries.get_by_role("link", name="银行存款").click()
    expect(desk.get_by_role("heading", name="银行存款")).to_be_visible()
    expect(desk.get_by_role("row", name="十一月银行手续费入账")).to_be_visible()
    check_accessibility(desk)
    save_screen(desk, "console-finance-account")

    desk.get_by_role("navigation", name="控制台导航").get_by_role("link", name="账簿").click()
    desk.get_by_label("账户类别").select_option(label="银行存款")
    desk.get_by_role("button", name="筛选").click()
    expect(desk.get_by_role("link", name="银行存款")).to_be_visible()
    check_accessibility(desk)
    save_screen(desk, "console-finance-ledger")

    desk.get_by_role("navigation", name="控制台导航").get_by_role("link", name="月度报表").click()
    this_month = dt.datetime.now(BUSINESS_TZ).strftime("%Y-%m")
    expect(desk.get_by_label("月份（YYYY-MM）")).to_have_value(this_month)
    expect(desk.get_by_role("heading", name="结算与应付店主")).to_be_visible()
    check_accessibility(desk)
    save_screen(desk, "console-finance-period")
    with desk.expect_download() as download:
        desk.get_by_role("link", name="下载 Excel").click()
    assert download.value.suggested_filename == f"distro-period-{this_month}.xlsx"
    with open(download.value.path(), "rb") as saved:  # a temporary name without .xlsx, which openpyxl wants
        workbook = load_workbook(saved)
    figures = {row[0]: row[1] for row in workbook["月度报表"].iter_rows(values_only=True) if row and row[0]}
    assert figures["月份"] == this_month and isinstance(figures["已打款"], (int, float))
