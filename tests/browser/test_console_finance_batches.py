"""Finance's settlement batches at 1366×768, as two finance users work them: A previews and creates a batch and
watches it computed, B approves it (A may not), A pays it through the demo rail, where one payout fails, and reads
the failure's reason and the reconciliation. Each screen passes axe-core.

The steps share one server over a database of their own (other browser tests' commission is not settled here),
and run in order, each going on from where the last left the batch.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
import redis as redis_lib
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from rq.serializers import JSONSerializer
from sqlmodel import Session
from werkzeug.serving import make_server

from distro.app import create_app
from distro.auth.models import Role
from distro.commission import release
from distro.commission import services as commission
from distro.db import engine_for
from distro.queue import get_queue
from distro.settlement import payees
from tests.browser.conftest import LiveServer
from tests.browser.owner import check_accessibility, save_screen, sign_in
from tests.conftest import fresh_database
from tests.factories import commission_rules, make_product, make_shop, make_supplier, make_user, paid, signed_event
from tests.integration.workers import BurstWorker

ACCOUNTS = ("6222020200113301", "6222020200110000", "6222020200113303")
"""The shops' payee accounts: the second ends in 0000, which the demo rail fails (收款账户信息不符)."""


@pytest.fixture(scope="module")
def finance_server(template_url: str, server_urls: dict[str, str]) -> Iterator[LiveServer]:
    """distro over a database of its own, paying through the demo rail; jobs run by the test's own worker."""
    with fresh_database(template_url) as database_url, pytest.MonkeyPatch.context() as env:
        env.setenv("DISTRO_DATABASE_URL", database_url)
        env.setenv("DISTRO_REDIS_URL", server_urls["redis"])
        app = create_app({"DATABASE_URL": database_url, "REDIS_URL": server_urls["redis"], "PAYOUT_RAIL": "demo"})
        server = make_server("127.0.0.1", 0, app, threaded=True)
        url = f"http://127.0.0.1:{server.server_port}"
        app.config["PUBLIC_BASE_URL"] = url
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield LiveServer(url=url, app=app, database_url=database_url)
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def journey(finance_server: LiveServer) -> dict:
    """Two finance users, and three shops with payee accounts whose commission is payable."""
    app, engine = finance_server.app, engine_for(finance_server.database_url)
    client = app.test_client()
    with Session(engine, expire_on_commit=False) as session:
        supplier_user, _ = make_supplier(session, app)
        product = make_product(
            session, app, supplier_user, price_fen=100_000, other_platform_price_fen=100_000, commission_rate_bp=1_000
        )
        for number, account in enumerate(ACCOUNTS):
            shop = make_shop(session, app, carrying=[product])
            payees.register_payee(
                session=session,
                owner_id=shop.owner_id,
                values={"kind": "bank", "account_name": "王小美", "account_number": account, "bank_name": "工商银行"},
            )
            lines = [("1", product.id, 100_000 * (number + 1))]
            for event_type, data in (
                ("order.paid", paid(f"F{number}", shop.slug, lines, paid_at="2026-10-01T10:00:00+08:00")),
                ("order.delivered", {"order_id": f"F{number}", "delivered_at": "2026-10-02T10:00:00+08:00"}),
            ):
                body, headers = signed_event(app, event_type, data)
                assert client.post("/webhooks/orders", data=body, headers=headers).status_code == 200
            commission.process_order(session=session, order_ref=f"F{number}", rules=commission_rules(app, session))
        release.release_due_commission(session=session, now=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
        maker, checker = make_user(session, Role.FINANCE), make_user(session, Role.FINANCE)
    return {"maker": maker.email, "checker": checker.email}


def run_jobs(server: LiveServer) -> None:
    """What a worker does: the queued jobs, here and now."""
    connection = redis_lib.Redis.from_url(server.app.config["REDIS_URL"])
    BurstWorker([get_queue("default", connection)], connection=connection, serializer=JSONSerializer).work(burst=True)


def test_finance_a_previews_and_creates_a_batch_and_watches_it_computed(
    desk: Page, finance_server: LiveServer, journey: dict
):
    sign_in(desk, finance_server, journey["maker"])
    desk.get_by_role("navigation", name="控制台导航").get_by_role("link", name="结算批次").click()
    expect(desk.get_by_role("heading", name="结算批次")).to_be_visible()
    check_accessibility(desk)
    desk.get_by_role("link", name="新建批次").click()
    desk.get_by_role("button", name="预览").click()
    preview = desk.locator("#preview")
    expect(preview.get_by_role("heading", name="预览：这个批次会认领和支付")).to_be_visible()
    expect(preview).to_contain_text("¥360.00")  # 6% of ¥1,000, ¥2,000 and ¥3,000
    check_accessibility(desk)
    save_screen(desk, "console-finance-batch-preview")
    desk.get_by_role("button", name="创建批次").click()
    expect(desk.get_by_text("排队等待计算")).to_be_visible()
    expect(desk.get_by_role("progressbar")).to_be_visible()
    check_accessibility(desk)
    save_screen(desk, "console-finance-batch-computing")
    journey["batch_path"] = desk.url.removeprefix(finance_server.url)
    run_jobs(finance_server)
    expect(desk.get_by_text("待审批", exact=True)).to_be_visible()  # the page reloads itself once computed
    expect(desk.get_by_role("progressbar")).to_have_count(0)
    expect(desk.locator(".figures")).to_contain_text("¥360.00")


def test_finance_a_may_not_approve_the_batch_and_b_approves_it(desk: Page, finance_server: LiveServer, journey: dict):
    sign_in(desk, finance_server, journey["maker"])
    desk.goto(finance_server.url + journey["batch_path"])
    desk.get_by_role("button", name="审批通过").click()
    expect(desk.get_by_role("alert")).to_contain_text("你创建了这个批次，不能自己审批")
    check_accessibility(desk)
    desk.context.clear_cookies()
    sign_in(desk, finance_server, journey["checker"])
    desk.goto(finance_server.url + journey["batch_path"])
    desk.get_by_role("button", name="审批通过").click()
    expect(desk.get_by_text("已审批", exact=True)).to_be_visible()
    expect(desk.get_by_role("button", name="通过演示通道付款")).to_be_visible()
    expect(desk.get_by_text("演示付款通道：不会真实转账")).to_be_visible()
    check_accessibility(desk)
    save_screen(desk, "console-finance-batch-approved")


def test_finance_a_pays_through_the_demo_rail_and_reads_why_one_payout_failed(
    desk: Page, finance_server: LiveServer, journey: dict
):
    sign_in(desk, finance_server, journey["maker"])
    desk.goto(finance_server.url + journey["batch_path"])
    desk.get_by_role("button", name="通过演示通道付款").click()
    expect(desk.get_by_text("正在通过付款通道付款")).to_be_visible()
    run_jobs(finance_server)
    expect(desk.get_by_text("部分付款", exact=True)).to_be_visible()
    desk.get_by_role("navigation", name="按付款状态筛选").get_by_role("link", name="付款失败").click()
    failed = desk.get_by_role("row").filter(has_text="收款账户信息不符")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("¥120.00")
    expect(desk.get_by_role("row").filter(has_text="DEMO-")).to_have_count(0)
    check_accessibility(desk)
    save_screen(desk, "console-finance-batch-failed-payout")
    with Session(engine_for(finance_server.database_url)) as session:
        assert session.scalar(sa.text("SELECT count(*) FROM payout_submissions")) == 3


def test_the_reconciliation_is_on_screen_and_ties_out(desk: Page, finance_server: LiveServer, journey: dict):
    sign_in(desk, finance_server, journey["maker"])
    desk.goto(finance_server.url + journey["batch_path"])
    desk.get_by_role("link", name="对账", exact=True).click()
    expect(desk.get_by_role("status")).to_have_text("对账平衡：计算、付款结果与账本一致。")
    failed_row = desk.get_by_role("table", name="付款结果：付款 = 已付款 + 失败退回 + 待结果 + 已取消").get_by_role(
        "row", name="失败退回"
    )
    expect(failed_row).to_contain_text("¥120.00")
    expect(desk.get_by_role("link", name="下载对账单 XLSX")).to_be_visible()
    check_accessibility(desk)
    save_screen(desk, "console-finance-batch-reconciliation")
