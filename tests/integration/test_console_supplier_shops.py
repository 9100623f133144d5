"""分销店铺 in the supplier console: the shops carrying the supplier's products, newest first, with how many of them
each carries and what they sold there over 30 days (with its commission); never a shop carrying only another
supplier's goods."""

from __future__ import annotations

import datetime as dt
import re

from distro.console.supplier_shops import carrying_shops
from tests.console_supplier import sign_in, supplier_user_of
from tests.factories import make_product, make_shop, make_supplier
from tests.owner_money import new_trade

PAGE = "/console/supplier/shops"


def rows(page: str) -> list[list[str]]:
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    return [re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_each_carrying_shop_with_its_count_sales_net_of_refunds_and_commission(client, app, session):
    trade = new_trade(client, app, session, shop_name="小美好物")
    supplier_user = supplier_user_of(session, trade.product)
    soap = make_product(session, app, supplier_user, title="手工皂")
    now = dt.datetime.now(dt.UTC)
    trade.order("S1", 100_000, paid_at=now - dt.timedelta(days=2))
    trade.order("S2", 50_000, paid_at=now - dt.timedelta(days=1), buyer="b2")
    trade.refund("S2", 20_000)
    both = make_shop(session, app, name="阿花的店", carrying=[trade.product, soap])
    other_user, _ = make_supplier(session, app)
    make_shop(session, app, name="别家的店", carrying=[make_product(session, app, other_user)])
    sign_in(client, supplier_user)
    page = client.get(PAGE).get_data(as_text=True)
    assert "别家的店" not in page
    assert rows(page) == [
        [both.display_name, "营业中", "2", "0", "0", "¥0.00", "¥0.00"],
        [trade.shop.display_name, "营业中", "1", "2", "2", "¥1,300.00", "¥260.00"],
    ]


def test_the_shops_page_a_page_at_a_time_newest_first(app, session, client):
    trade = new_trade(client, app, session)
    later = [make_shop(session, app, carrying=[trade.product]) for _ in range(2)]
    first = carrying_shops(session, trade.product.supplier_id, after=None, size=2)
    assert [row["id"] for row in first.rows] == [later[1].id, later[0].id] and first.next_after == later[0].id
    second = carrying_shops(session, trade.product.supplier_id, after=first.next_after, size=2)
    assert [row["id"] for row in second.rows] == [trade.shop.id] and second.next_after is None


def test_a_supplier_no_shop_carries_yet_is_told_so(client, app, session):
    user, _ = make_supplier(session, app)
    sign_in(client, user)
    assert "还没有店铺在售你的商品" in client.get(PAGE).get_data(as_text=True)
