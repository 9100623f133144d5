"""An old link to a product its shop no longer sells tells the buyer so and leads to the shop, not to 找不到页面."""

import sqlalchemy as sa

from distro.clock import utcnow
from distro.suppliers.models import Product
from tests.integration import test_storefront_orders

world = test_storefront_orders.world  # the fixture, shared


def test_a_product_that_left_the_pool_names_itself_and_leads_to_the_shop(client, session, world):
    mask = world["mask"]
    session.execute(sa.update(Product).where(Product.id == mask.id).values(taken_down_at=utcnow()))
    session.commit()
    answer = client.get(f"/shop/shopb/p/{mask.id}")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 404
    assert mask.title in page and "已下架或暂停供货" in page
    assert 'href="/shop/shopb"' in page and "找不到页面" not in page


def test_a_product_the_shop_does_not_carry_leads_to_the_shop_and_an_unknown_one_is_not_found(client, world):
    serum = world["serum"]
    answer = client.get(f"/shop/shopa/p/{serum.id}")
    assert answer.status_code == 404 and serum.title in answer.get_data(as_text=True)
    assert 'href="/shop/shopa"' in answer.get_data(as_text=True)
    unknown = client.get("/shop/shopa/p/999999999")
    assert unknown.status_code == 404 and "找不到页面" in unknown.get_data(as_text=True)
