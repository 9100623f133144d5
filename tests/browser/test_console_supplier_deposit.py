"""保证金 as a supplier meets it at 1366×768: its goods are out of the pool until it pays; it pays the shortfall at
the demo cashier and comes back to 已缴清, the payment in its movements; the page passes axe-core."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlmodel import Session

from distro.auth.models import Role
from distro.db import engine_for
from distro.suppliers import services as supplier_services
from distro.suppliers.rules import SupplierAction
from tests.browser.conftest import LiveServer
from tests.browser.owner import check_accessibility, save_screen, sign_in
from tests.factories import make_product, make_supplier, make_user


def test_a_supplier_pays_its_deposit_at_the_demo_cashier_and_sees_it_paid(desk: Page, live_server: LiveServer):
    app = live_server.app
    with Session(engine_for(live_server.database_url), expire_on_commit=False) as session:
        user, supplier = make_supplier(session, app, approve=False)
        admin = make_user(session, Role.ADMIN)
        supplier_services.decide(
            session=session, supplier_id=supplier.id, action=SupplierAction.APPROVE, reason=None, admin_id=admin.id
        )
        make_product(session, app, user, title="云南古树普洱茶饼 357g")
    sign_in(desk, live_server, user.email)
    desk.get_by_role("navigation", name="控制台导航").get_by_role("link", name="保证金").click()
    expect(desk.get_by_role("heading", name="保证金", exact=True)).to_be_visible()
    expect(desk.get_by_text("保证金不足，还需补缴 ¥10,000.00")).to_be_visible()
    check_accessibility(desk)

    desk.get_by_role("button", name="缴纳保证金 ¥10,000.00").click()
    expect(desk.get_by_role("heading", name="演示收银台")).to_be_visible()
    expect(desk.get_by_text("这是演示收银台，不会真实扣款。")).to_be_visible()
    check_accessibility(desk)
    desk.get_by_role("button", name="确认支付（演示）").click()

    expect(desk.get_by_text("已缴清")).to_be_visible()
    expect(desk.get_by_text("你的商品可以在货源池销售。")).to_be_visible()
    movements = desk.get_by_role("table", name="保证金的每一笔收支")
    expect(movements.get_by_role("cell", name="缴纳保证金")).to_be_visible()
    expect(movements.get_by_role("cell", name="¥10,000.00")).to_be_visible()
    check_accessibility(desk)
    save_screen(desk, "console-supplier-deposit")
