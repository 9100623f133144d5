"""选品中心 on a 375×667 phone: an owner opens the ranked lists, sees why a product ranks, adds it to the shop and
prints a selection sheet of it with the QR code of their own link."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from distro.auth.models import Role
from distro.clock import utcnow
from distro.db import engine_for
from distro.selection import ranking
from tests.browser.conftest import LiveServer
from tests.browser.owner import check_accessibility, open_signed_in, save_screen
from tests.factories import make_product, make_shop, make_supplier, make_user
from tests.integration.test_selection_rankings import sell

pytestmark = pytest.mark.browser


@pytest.fixture
def ranked(live_server: LiveServer) -> tuple[str, str]:
    """A product that sold 500 units this week (first of 7天热销 in the package's pool), ranked by a run; an owner
    with a shop that does not carry it yet. Returns the owner's login and the product's title."""
    app = live_server.app
    title = f"爆款岩茶{secrets.token_hex(2)}"
    with Session(engine_for(live_server.database_url)) as session:
        supplier, _ = make_supplier(session, app)
        product = make_product(session, app, supplier, title=title, price_fen=12_800, other_platform_price_fen=15_000)
        sell(session, product, utcnow() - dt.timedelta(hours=3), "buyer-1", quantity=500, paid_fen=6_400_000)
        session.commit()
        ranking.refresh_rankings(session=session)
        owner = make_user(session, Role.SHOP_OWNER)
        make_shop(session, app, owner, name=f"选品小铺{owner.id}")
        return owner.email, title


def test_an_owner_sees_why_a_product_ranks_adds_it_and_prints_a_sheet(
    page: Page, live_server: LiveServer, ranked: tuple[str, str]
) -> None:
    login, title = ranked
    open_signed_in(page, live_server, login, "/my/pool")
    page.get_by_role("link", name="选品中心").click()
    expect(page.get_by_role("heading", name="选品中心")).to_be_visible()
    expect(page.get_by_role("link", name="7天热销")).to_have_attribute("aria-current", "page")
    card = page.locator("li.card", has_text=title)
    expect(card.get_by_text("第 1 名")).to_be_visible()
    expect(card.get_by_text("近7天售出 500 件")).to_be_visible()
    card.get_by_text("为什么上榜").click()
    expect(card.locator("dl")).to_contain_text("500")
    check_accessibility(page)
    save_screen(page, "owner-selection-center")

    card.get_by_role("button", name=f"把「{title}」加入小铺").click()
    expect(card.get_by_text("已加入小铺")).to_be_visible()

    page.get_by_role("link", name="打印选品单").click()
    expect(page.get_by_role("heading", name="打印选品单")).to_be_visible()
    page.get_by_label(title).check()
    check_accessibility(page)
    save_screen(page, "owner-selection-sheet")
    with page.expect_response(lambda answer: answer.request.method == "POST") as printed:
        page.get_by_role("button", name="生成选品单").click()
    assert printed.value.status == 200
    assert printed.value.headers["content-type"] == "image/png"
