"""API 密钥 as an admin meets it at 1366×768: making a key for a supplier's ERP, its secret shown once with a copy
button (gone when the page is opened again), and revoking it after a confirmation; each page passes axe-core."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlmodel import Session

from distro.auth.models import Role
from distro.db import engine_for
from tests.browser.conftest import LiveServer
from tests.browser.owner import check_accessibility, save_screen, sign_in
from tests.factories import make_user


def test_an_admin_makes_a_key_sees_its_secret_once_and_revokes_it(desk: Page, live_server: LiveServer):
    with Session(engine_for(live_server.database_url), expire_on_commit=False) as session:
        admin = make_user(session, Role.ADMIN)
        erp = make_user(session, Role.SUPPLIER)
    sign_in(desk, live_server, admin.email)
    desk.get_by_role("navigation", name="控制台导航").get_by_role("link", name="API 密钥").click()
    expect(desk.get_by_role("heading", name="API 密钥", exact=True)).to_be_visible()
    desk.get_by_role("link", name="创建密钥").click()

    desk.get_by_label("名称").fill("仓储 ERP")
    desk.get_by_role("radio", name="供货商").check()
    desk.get_by_label("代表的账号").fill(erp.email)
    desk.get_by_label("shipments:read").check()
    desk.get_by_label("shipments:write").check()
    check_accessibility(desk)
    save_screen(desk, "console-admin-keys-new")
    desk.get_by_role("button", name="创建", exact=True).click()

    expect(desk.get_by_role("heading", name="API 密钥已创建")).to_be_visible()
    expect(desk.get_by_role("alert")).to_contain_text("密钥只显示这一次")
    secret = desk.locator("#client-secret").inner_text()
    assert secret.startswith("dsk_")
    desk.context.grant_permissions(["clipboard-read", "clipboard-write"])
    desk.get_by_role("button", name="复制密钥").click()
    expect(desk.get_by_role("button", name="已复制")).to_be_visible()
    assert desk.evaluate("() => navigator.clipboard.readText()") == secret
    check_accessibility(desk)
    save_screen(desk, "console-admin-keys-created")

    desk.goto(desk.url)  # opening the page again: a blank form, the secret nowhere
    expect(desk.get_by_role("heading", name="创建 API 密钥")).to_be_visible()
    expect(desk.get_by_text(secret)).to_have_count(0)
    desk.goto(live_server.url + "/console/admin/keys")
    row = desk.get_by_role("row").filter(has_text="仓储 ERP")
    expect(row).to_contain_text("从未使用")
    expect(desk.get_by_text(secret)).to_have_count(0)
    check_accessibility(desk)
    save_screen(desk, "console-admin-keys")

    row.get_by_role("link", name="吊销 仓储 ERP").click()
    expect(desk.get_by_text("确定吊销“仓储 ERP”")).to_be_visible()
    check_accessibility(desk)
    desk.get_by_role("button", name="确认吊销").click()
    expect(desk).to_have_url(live_server.url + "/console/admin/keys")
    expect(desk.get_by_role("row").filter(has_text="仓储 ERP")).to_contain_text("已吊销")
