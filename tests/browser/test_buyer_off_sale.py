"""A friend opening an old link to a product its shop no longer sells, on a 375×667 phone: the page names the product,
says it is off sale and leads to the shop's other products."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from sqlmodel import Session

from distro.auth.models import Role
from distro.clock import utcnow
from distro.db import engine_for
from distro.suppliers.models import Product
from tests.browser.conftest import LiveServer
from tests.browser.screen import on_screen
from tests.factories import make_product, make_shop, make_supplier, make_user

pytestmark = pytest.mark.browser


def test_an_old_link_to_a_product_taken_off_sale_leads_the_buyer_to_the_shop(page: Page, live_server: LiveServer):
    app = live_server.app
    with Session(engine_for(live_server.database_url)) as session:
        supplier_user, _ = make_supplier(session, app)
        tea = make_product(
            session, app, supplier_user, title="武夷岩茶 大红袍 100g", price_fen=16_800, other_platform_price_fen=19_800
        )
        kept = make_product(
            session, app, supplier_user, title="白瓷盖碗", price_fen=4_800, other_platform_price_fen=5_800
        )
        shop = make_shop(session, app, make_user(session, Role.SHOP_OWNER), slug="chashi", carrying=[tea, kept])
        session.execute(sa.update(Product).where(Product.id == tea.id).values(taken_down_at=utcnow()))
        session.commit()
        tea_id, shop_name = tea.id, shop.display_name

    response = page.goto(f"{live_server.url}/shop/chashi/p/{tea_id}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="武夷岩茶 大红袍 100g")).to_be_visible()
    expect(page.get_by_text("这件商品已下架或暂停供货，暂时无法购买。")).to_be_visible()
    to_shop = page.get_by_role("link", name=f"去 {shop_name} 看看其他商品")
    assert on_screen(to_shop) == {"inside": True, "reachable": True}  # no scrolling to find the way on
    to_shop.click()
    expect(page).to_have_url(f"{live_server.url}/shop/chashi")
    expect(page.get_by_text("白瓷盖碗")).to_be_visible()
    expect(page.get_by_text("武夷岩茶 大红袍 100g")).to_have_count(0)
