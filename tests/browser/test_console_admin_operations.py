"""The admin's operations pages as an admin meets them at 1366×768: searching the audit log by actor, reprocessing a
quarantined order event once its shop exists, the delivery log and the system status; each screen passes axe-core."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from distro.audit import AuditEntry
from distro.auth.models import Role
from distro.commission import event_store
from distro.commission import services as commission
from distro.db import engine_for
from distro.outbound import services as outbound
from tests.browser.conftest import LiveServer
from tests.browser.owner import check_accessibility, save_screen, sign_in
from tests.factories import commission_rules, make_product, make_shop, make_supplier, make_user, paid


@pytest.fixture(scope="module")
def operations(live_server: LiveServer) -> dict:
    """An admin; a finance user's audit entries; an order event quarantined for its unknown shop; a delivery."""
    app = live_server.app
    with Session(engine_for(live_server.database_url), expire_on_commit=False) as session:
        admin, finance = make_user(session, Role.ADMIN), make_user(session, Role.FINANCE)
        session.add_all(
            AuditEntry(
                actor_id=finance.id,
                action="settlement_batch.approve",
                subject_type="settlement_batch",
                subject_id=number,
                after={"status": "approved"},
                created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=number),
            )
            for number in (1, 2)
        )
        session.commit()
        supplier_user, _ = make_supplier(session, app)
        product = make_product(
            session, app, supplier_user, price_fen=12_800, other_platform_price_fen=16_800, commission_rate_bp=2_000
        )
        event_store.store_event(
            session=session,
            event_id="evt_ops_late_shop",
            event_type="order.paid",
            order_ref="OPS1",
            data=paid("OPS1", "ops-late", [("1", product.id, 12_800)]),
        )
        commission.process_order(session=session, order_ref="OPS1", rules=commission_rules(app, session))
        make_shop(session, app, slug="ops-late", carrying=[product])  # the cause, fixed after the fact
        outbound.create_subscription(
            session=session,
            user_id=admin.id,
            supplier_id=None,
            url="https://erp.example.cn/distro",
            event_types=["order.paid"],
        )
        outbound.emit_many(session, [("order.paid", {"order_id": "OPS1"}, None)])
        session.commit()
    return {"admin": admin, "finance": finance}


def open_menu(desk: Page, label: str) -> None:
    desk.get_by_role("navigation", name="控制台导航").get_by_role("link", name=label).click()
    expect(desk.get_by_role("heading", level=1, name=label)).to_be_visible()


def test_an_admin_searches_the_audit_log_by_actor(desk: Page, live_server: LiveServer, operations: dict):
    sign_in(desk, live_server, operations["admin"].email)
    open_menu(desk, "审计日志")
    desk.get_by_label("操作人（账户编号或邮箱）").fill(operations["finance"].email)
    desk.get_by_role("button", name="搜索").click()
    rows = desk.get_by_role("row").filter(has_text="settlement_batch.approve")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("settlement_batch #1")
    check_accessibility(desk)
    save_screen(desk, "console-admin-audit")


def test_an_admin_reprocesses_a_quarantined_event_once_its_shop_exists(
    desk: Page, live_server: LiveServer, operations: dict
):
    sign_in(desk, live_server, operations["admin"].email)
    open_menu(desk, "异常订单事件")
    row = desk.get_by_role("row").filter(has_text="evt_ops_late_shop")
    expect(row).to_contain_text("订单指定的店铺“ops-late”不存在。")
    expect(row).to_contain_text("该店铺现已存在，可以重新处理。")
    check_accessibility(desk)
    save_screen(desk, "console-admin-order-events")
    row.get_by_role("button", name="重新处理").click()
    expect(desk.get_by_role("row").filter(has_text="evt_ops_late_shop")).to_contain_text("已重新处理成功。")


def test_an_admin_opens_the_delivery_log(desk: Page, live_server: LiveServer, operations: dict):
    sign_in(desk, live_server, operations["admin"].email)
    open_menu(desk, "推送记录")
    expect(desk.get_by_role("row").filter(has_text="https://erp.example.cn/distro").first).to_contain_text("待重试")
    check_accessibility(desk)
    save_screen(desk, "console-admin-deliveries")


def test_an_admin_opens_the_system_status(desk: Page, live_server: LiveServer, operations: dict):
    sign_in(desk, live_server, operations["admin"].email)
    open_menu(desk, "系统状态")
    expect(desk.get_by_role("row").filter(has_text="PostgreSQL 数据库")).to_contain_text("正常")
    expect(desk.get_by_role("heading", name="任务队列")).to_be_visible()
    check_accessibility(desk)
    save_screen(desk, "console-admin-health")
