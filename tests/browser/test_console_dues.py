"""Supplier dues and distributors at 1366×768, as people work them: one finance user issues last month's statements,
sends a supplier its statement and records a remittance; another approves it, and the statement and the supplier's
payable account show the rest outstanding, which the supplier reads at 对账单. A supplier stops a shop carrying its
goods with a reason: they leave the shop's page. Every screen passes axe-core."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlmodel import Session

from distro.auth.models import Role
from distro.db import engine_for
from distro.ledger.chart import shop_account, supplier_account
from tests.browser.conftest import LiveServer
from tests.browser.owner import check_accessibility, save_screen, sign_in
from tests.dues_books import LAST_MONTH, in_month, post_at
from tests.factories import add_to_shop, make_product, make_shop, make_supplier, make_user


def test_finance_sends_a_statement_records_a_remittance_and_a_colleague_approves_it(
    desk: Page, live_server: LiveServer
):
    app = live_server.app
    with Session(engine_for(live_server.database_url), expire_on_commit=False) as session:
        supplier_user, supplier = make_supplier(session, app)
        shop = make_shop(session, app)
        owes, pending = supplier_account(supplier.id), shop_account(shop.id, "pending")
        during = in_month(LAST_MONTH)
        post_at(
            session,
            f"b{supplier.id}:a",
            "accrual",
            during,
            (owes, 12_345),
            (pending, -10_000),
            ("platform:revenue", -2_345),
        )
        post_at(session, f"b{supplier.id}:r", "reversal", during, (pending, 2_345), (owes, -2_345))
        maker, checker = make_user(session, Role.FINANCE), make_user(session, Role.FINANCE)
    month = LAST_MONTH.strftime("%Y-%m")

    sign_in(desk, live_server, maker.email)
    desk.get_by_role("navigation", name="控制台导航").get_by_role("link", name="供货商对账").click()
    expect(desk.get_by_label("月份（YYYY-MM）")).to_have_value(month)
    desk.get_by_role("button", name="生成对账单").click()
    desk.get_by_role("link", name=supplier.company_name).click()
    expect(desk.get_by_role("heading", name=f"对账单 {month}")).to_be_visible()
    figures = desk.get_by_role("table", name="对账单金额")
    expect(figures.get_by_role("row", name="本期应付佣金 ¥100.00")).to_be_visible()
    expect(figures.get_by_role("row", name="期末应付 ¥100.00")).to_be_visible()
    desk.get_by_role("button", name="发送给供货商").click()
    expect(desk.get_by_text("发送给供货商。")).to_be_visible()
    desk.get_by_label("回款金额（元）").fill("40.00")
    desk.get_by_label("银行流水号").fill("ICBC-20261201-778")
    desk.get_by_label("到账日期").fill("2026-12-01")
    desk.get_by_role("button", name="登记回款").click()
    expect(desk.get_by_text("这笔回款是你登记的，需由另一位财务同事复核入账")).to_be_visible()
    expect(desk.get_by_role("button", name="复核入账")).to_have_count(0)
    check_accessibility(desk)
    remittance_url = desk.url

    desk.get_by_role("button", name="退出登录").click()
    sign_in(desk, live_server, checker.email)
    desk.goto(remittance_url)
    desk.get_by_role("button", name="复核入账").click()
    expect(desk.get_by_role("heading", name="已入账")).to_be_visible()
    desk.get_by_role("link", name="查看对账单").click()
    summary = desk.get_by_role("definition")
    expect(summary.filter(has_text="¥60.00")).to_have_count(2)  # outstanding, and the payable account's balance
    check_accessibility(desk)
    save_screen(desk, "console-finance-dues")
    desk.get_by_role("link", name="¥60.00").click()
    expect(desk.get_by_role("row", name="供货商回款")).to_be_visible()

    desk.get_by_role("button", name="退出登录").click()
    sign_in(desk, live_server, supplier_user.email)
    desk.get_by_role("navigation", name="控制台导航").get_by_role("link", name="对账单").click()
    expect(desk.get_by_role("row", name=f"{month} ¥100.00 ¥100.00 ¥60.00")).to_be_visible()
    check_accessibility(desk)


def test_a_supplier_stops_a_shop_carrying_its_goods_with_a_reason(desk: Page, live_server: LiveServer):
    app = live_server.app
    with Session(engine_for(live_server.database_url), expire_on_commit=False) as session:
        supplier_user, _ = make_supplier(session, app)
        product = make_product(session, app, supplier_user, title="有机红枣 1kg")
        owner = make_user(session, Role.SHOP_OWNER)
        shop = make_shop(session, app, owner, name="阿枣")
        add_to_shop(session, app, owner, shop, product, reason="新疆的枣，甜")
        other_owner = make_user(session, Role.SHOP_OWNER)
        other = make_shop(session, app, other_owner, name="小美的枣")
        add_to_shop(session, app, other_owner, other, product, reason="好吃")

    desk.goto(f"{live_server.url}/shop/{shop.slug}")
    expect(desk.get_by_text("有机红枣 1kg")).to_be_visible()
    sign_in(desk, live_server, supplier_user.email)
    desk.get_by_role("navigation", name="控制台导航").get_by_role("link", name="分销店铺").click()
    desk.get_by_label(f"停止与{shop.display_name}合作的原因").fill("长期低于指导价宣传")
    desk.get_by_role("row").filter(has_text=shop.display_name).get_by_role("button", name="停止合作").click()
    expect(desk.get_by_text("已停止合作：长期低于指导价宣传")).to_be_visible()
    expect(desk.get_by_role("button", name=f"恢复与{shop.display_name}的合作")).to_be_visible()
    expect(desk.get_by_label(f"停止与{other.display_name}合作的原因")).to_be_visible()
    check_accessibility(desk)
    save_screen(desk, "console-supplier-distributors")
    desk.goto(f"{live_server.url}/shop/{shop.slug}")
    expect(desk.get_by_text("有机红枣 1kg")).to_have_count(0)
