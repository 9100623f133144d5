"""The console as a finance user meets it at 1366×768: signing in leads to it, the sidebar shows their sections,
and the page passes axe-core."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlmodel import Session

from distro.auth.models import Role
from distro.db import engine_for
from tests.browser.conftest import LiveServer
from tests.browser.owner import check_accessibility, sign_in
from tests.factories import make_user


def test_a_finance_user_signs_in_and_lands_on_the_console_with_their_section(desk: Page, live_server: LiveServer):
    with Session(engine_for(live_server.database_url), expire_on_commit=False) as session:
        finance = make_user(session, Role.FINANCE)
    sign_in(desk, live_server, finance.email)
    expect(desk).to_have_url(live_server.url + "/console")
    expect(desk.get_by_role("heading", name="控制台")).to_be_visible()
    expect(desk.get_by_role("navigation", name="控制台导航").get_by_role("heading", name="财务")).to_be_visible()
    expect(desk.get_by_role("heading", name="平台管理")).to_have_count(0)
    check_accessibility(desk)
