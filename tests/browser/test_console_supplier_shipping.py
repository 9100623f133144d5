"""The supplier console at 1366×768 as a supplier works it: ships a paid order by uploading a CSV file and sees it
shipped, marks it delivered, then opens 售后, 数据 (charts drawn) and Webhook (an endpoint registered, its secret shown
once); every screen passes axe-core."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlmodel import Session

from distro.db import engine_for
from tests.browser.conftest import LiveServer
from tests.browser.owner import check_accessibility, save_screen, sign_in
from tests.console_supplier import paid_order
from tests.factories import make_product, make_shop, make_supplier


def test_a_supplier_ships_by_file_marks_delivered_and_opens_analytics_and_webhooks(desk: Page, live_server: LiveServer):
    app = live_server.app
    with Session(engine_for(live_server.database_url), expire_on_commit=False) as session:
        user, _ = make_supplier(session, app)
        product = make_product(session, app, user, title="玻尿酸精华 30ml")
        shop = make_shop(session, app, carrying=[product])
        order = paid_order(session, shop, product, name="王小美", address="上海市浦东新区世纪大道100号8楼")
    sign_in(desk, live_server, user.email)
    desk.get_by_role("navigation", name="控制台导航").get_by_role("link", name="发货").click()
    expect(desk.get_by_role("heading", name="发货", exact=True)).to_be_visible()
    expect(desk.get_by_text("上海市浦东新区世纪大道100号8楼")).to_be_visible()
    check_accessibility(desk)
    save_screen(desk, "console-supplier-shipping")

    csv = f"order_ref,carrier,tracking_no\n{order.order_ref},顺丰速运,SF1234567890\n"
    desk.get_by_label("发货文件").set_input_files(
        files=[{"name": "发货.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    desk.get_by_role("button", name="上传并发货").click()
    expect(desk.get_by_role("status")).to_contain_text("发货 1 单")
    expect(
        desk.get_by_role("table", name="每行的发货结果").get_by_role("cell", name="已发货", exact=True)
    ).to_be_visible()
    check_accessibility(desk)
    save_screen(desk, "console-supplier-shipping-upload")

    desk.get_by_label("状态").select_option(label="已发货")
    desk.get_by_role("button", name="筛选").click()
    row = desk.get_by_role("row").filter(has_text=order.order_ref)
    expect(row).to_contain_text("SF1234567890")
    row.get_by_role("button", name="标记送达").click()
    expect(row).to_contain_text("已送达")
    expect(row.get_by_role("button", name="标记送达")).to_have_count(0)
    check_accessibility(desk)

    desk.get_by_role("link", name="售后").click()
    expect(desk.get_by_role("heading", name="售后", exact=True)).to_be_visible()
    check_accessibility(desk)
    save_screen(desk, "console-supplier-after-sales")

    desk.get_by_role("link", name="数据").click()
    expect(desk.get_by_role("heading", name="数据", exact=True)).to_be_visible()
    expect(desk.locator(".chart canvas").first).to_be_visible()
    desk.get_by_role("link", name="近 7 天").click()
    expect(desk.get_by_role("link", name="近 7 天")).to_have_attribute("aria-current", "true")
    check_accessibility(desk)
    save_screen(desk, "console-supplier-analytics")

    desk.get_by_role("link", name="Webhook").click()
    desk.get_by_label("接收地址（URL）").fill("https://erp.example.cn/distro/events")
    desk.get_by_label("订单已付款（待发货）").check()
    desk.get_by_role("button", name="添加").click()
    expect(desk.get_by_role("heading", name="已添加接收地址")).to_be_visible()
    expect(desk.locator("code.secret")).to_contain_text("whsec_")
    check_accessibility(desk)
    save_screen(desk, "console-supplier-webhooks")
    desk.get_by_role("link", name="查看投递记录").click()
    expect(desk.get_by_role("heading", name="投递记录")).to_be_visible()
    check_accessibility(desk)
