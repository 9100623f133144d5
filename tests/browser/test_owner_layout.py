"""The owner app's frame on a 375×667 phone in WeChat: the tab bar leads to every tab, everything is big enough to
tap and readable, each page is light and loads nothing from outside distro, and it can go on the home screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from distro.auth.models import Role
from distro.db import engine_for
from tests.browser.conftest import LiveServer
from tests.browser.owner import (
    PAGE_BUDGET,
    check_accessibility,
    save_screen,
    sign_in,
    small_tap_targets,
    traffic,
)
from tests.browser.screen import text_colours, too_faint
from tests.factories import make_user

pytestmark = pytest.mark.browser

TABS = (("首页", "/my"), ("选品", "/my/pool"), ("推广", "/my/promote"), ("收益", "/my/earnings"), ("我的", "/my/me"))


@pytest.fixture
def owner_login(live_server: LiveServer) -> str:
    with Session(engine_for(live_server.database_url)) as session:
        return make_user(session, Role.SHOP_OWNER).email


def test_an_owner_goes_round_the_tab_bar_and_every_tab_is_tappable_readable_and_accessible(
    page: Page, live_server: LiveServer, owner_login: str
):
    sign_in(page, live_server, owner_login)
    tab_bar = page.get_by_role("navigation", name="主导航")
    for label, path in TABS:
        tab_bar.get_by_role("link", name=label).click()
        expect(page).to_have_url(live_server.url + path)
        expect(tab_bar.get_by_role("link", name=label)).to_have_attribute("aria-current", "page")
        box = tab_bar.get_by_role("link", name=label).bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 44
        assert box["y"] + box["height"] <= 667  # the bar sits on the screen's bottom edge, in view
        assert not small_tap_targets(page), (path, small_tap_targets(page))
        assert not too_faint(text_colours(page)), (path, too_faint(text_colours(page)))
        check_accessibility(page)
        if path in ("/my", "/my/me"):
            save_screen(page, "owner-home" if path == "/my" else "owner-me")


def test_each_owner_page_transfers_under_200_kb_all_from_distro_itself(
    page: Page, live_server: LiveServer, owner_login: str
):
    sign_in(page, live_server, owner_login)
    for _, path in (*TABS, ("等级", "/my/tier"), ("数据", "/my/data"), ("消息", "/my/messages")):
        with traffic(page) as seen:
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
        assert seen.requests and not seen.off_origin(live_server.url), (path, seen.off_origin(live_server.url))
        assert seen.bytes_without_pictures() < PAGE_BUDGET, (path, seen.requests)
        assert any("/static/vendor/htmx-2.0.11/htmx.min.js" in url for url, _ in seen.requests), path


def test_the_app_can_be_added_to_the_home_screen(page: Page, live_server: LiveServer, owner_login: str):
    sign_in(page, live_server, owner_login)
    href = page.locator('link[rel="manifest"]').get_attribute("href")
    manifest = page.request.get(live_server.url + str(href)).json()
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/my"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    assert page.evaluate("() => typeof htmx === 'object' && htmx.config.allowEval === false")
