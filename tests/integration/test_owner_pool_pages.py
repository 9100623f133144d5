"""选品 on the app: the pool with the API's filters and sorts and what each product earns the owner, picking with a
reason, and arranging my picks."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
import sqlalchemy as sa

from distro.auth.models import Role
from distro.commission.calculator import line_commission
from distro.money import format_cny
from distro.shops.models import ShopProduct
from distro.suppliers.models import Product
from distro.tiers.services import current_rules
from tests.factories import PASSWORD, make_product, make_shop, make_supplier, make_user

HTMX = {"HX-Request": "true"}


@pytest.fixture
def owner_with_shop(client, session):
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, client.application, owner, name="小美的好物")
    assert client.post("/login", data={"login": owner.email, "password": PASSWORD}).status_code == 303
    return owner, shop


@pytest.fixture
def pool(client, session):
    """Three products of one supplier: coffee (¥68, 20%), tea (¥128.50, 15%), a jumper (¥129, 30%)."""
    supplier, _ = make_supplier(session, client.application)
    app = client.application
    return {
        "coffee": make_product(
            session, app, supplier, title="云南小粒咖啡豆", price_fen=6_800, other_platform_price_fen=8_000
        ),
        "tea": make_product(
            session,
            app,
            supplier,
            title="武夷岩茶大红袍",
            price_fen=12_850,
            other_platform_price_fen=15_000,
            commission_rate_bp=1_500,
        ),
        "jumper": make_product(
            session,
            app,
            supplier,
            title="羊毛混纺圆领毛衣",
            category="apparel_sports",
            price_fen=12_900,
            other_platform_price_fen=19_900,
            commission_rate_bp=3_000,
        ),
    }


def titles(html: str) -> list[str]:
    return re.findall(r"<h3>([^<]+)</h3>", html)


def test_each_card_shows_the_price_and_what_the_owner_earns_at_their_tier_by_the_accruing_calculator(
    client, session, owner_with_shop, pool
):
    page = client.get("/my/pool").get_data(as_text=True)
    assert titles(page) == ["羊毛混纺圆领毛衣", "云南小粒咖啡豆", "武夷岩茶大红袍"]  # by commission, the default
    tier_share = current_rules(session, client.application.config["TIERS"]).entry.share_bp
    for product in pool.values():
        earned = line_commission(product.price_fen, product.commission_rate_bp, tier_share).owner
        assert f"{format_cny(product.price_fen)}</span>" in page
        assert f'你赚 <span class="money">{format_cny(earned)}</span>' in page
    assert "¥128.50" in page and "佣金 15%" in page and "已选 0 / 1000 件" in page and "新晋掌柜" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=咖啡", ["云南小粒咖啡豆"]),
        ("category=apparel_sports", ["羊毛混纺圆领毛衣"]),
        ("min_price=100&max_price=128.5", ["武夷岩茶大红袍"]),
        ("min_rate=20", ["羊毛混纺圆领毛衣", "云南小粒咖啡豆"]),
        ("sort=price", ["云南小粒咖啡豆", "武夷岩茶大红袍", "羊毛混纺圆领毛衣"]),
        ("sort=-price&min_price=&max_price=", ["羊毛混纺圆领毛衣", "武夷岩茶大红袍", "云南小粒咖啡豆"]),
    ],
)
def test_the_pool_filters_and_sorts_as_the_api_does(client, owner_with_shop, pool, query, expected):
    assert titles(client.get(f"/my/pool?{query}").get_data(as_text=True)) == expected


def test_the_supplier_of_a_card_filters_the_pool_to_its_products(client, session, owner_with_shop, pool):
    other, _ = make_supplier(session, client.application)
    make_product(session, client.application, other, title="另一家的蜂蜜")
    page = client.get(f"/my/pool?supplier_id={pool['tea'].supplier_id}").get_data(as_text=True)
    assert "另一家的蜂蜜" not in page and len(titles(page)) == 3 and "看全部供货商" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("min_price=200&max_price=100", "最低价不能高于最高价"),
        ("min_price=12.345", "请填写金额，如 99 或 99.90"),
        ("max_price=abc", "请填写金额，如 99 或 99.90"),
        ("min_rate=120", "佣金比例在 0 到 100 之间"),
        ("min_rate=lots", "佣金比例在 0 到 100 之间"),
        ("sort=cheapest", "请选择排序"),
        ("category=weapons", "请选择类目"),
        ("page=0", "页码不对"),
        ("q=%00", "请勿输入特殊字符"),
    ],
)
def test_a_filter_the_pool_cannot_take_is_said_beside_it_in_chinese(client, owner_with_shop, pool, query, message):
    refused = client.get(f"/my/pool?{query}")
    assert refused.status_code == 422 and message in refused.get_data(as_text=True)


def test_htmx_gets_the_results_alone_and_the_next_page_as_cards_after_the_last(client, session, owner_with_shop, pool):
    supplier, _ = make_supplier(session, client.application)
    for number in range(20):
        make_product(session, client.application, supplier, title=f"挂面{number:02d}", commission_rate_bp=1_000)
    results = client.get("/my/pool", headers=HTMX).get_data(as_text=True)
    assert results.lstrip().startswith('<section id="pool-results"') and "<html" not in results
    assert len(titles(results)) == 20 and "加载更多" in results
    more = client.get("/my/pool?page=2", headers=HTMX).get_data(as_text=True)
    assert more.lstrip().startswith('<li class="card">') and len(titles(more)) == 3 and "加载更多" not in more


def test_an_owner_picks_a_product_with_a_reason_and_sees_it_picked(client, session, owner_with_shop, pool):
    _, shop = owner_with_shop
    form = {"product_id": pool["tea"].id, "shop_id": shop.id, "reason": "回甘很好", "next": "/my/pool?q=茶"}
    added = client.post("/my/picks", data=form)
    assert added.status_code == 303 and unquote(added.headers["Location"]) == "/my/pool?q=茶"
    assert session.get(ShopProduct, (shop.id, pool["tea"].id)).reason == "回甘很好"
    page = client.get("/my/pool?q=茶").get_data(as_text=True)
    assert "已在小铺" in page and "已选 1 / 1000 件" in page
    again = client.post("/my/picks", data=form, headers=HTMX)
    assert again.status_code == 422 and "这件商品已在你的小铺里" in again.get_data(as_text=True)
    elsewhere = client.post(
        "/my/picks", data={**form, "product_id": pool["coffee"].id, "next": "https://evil.example/"}
    )
    assert elsewhere.headers["Location"] == "/my/pool"


def test_a_pick_the_shop_cannot_take_is_refused_in_chinese(client, session, owner_with_shop, pool):
    _, shop = owner_with_shop
    long_reason = client.post(
        "/my/picks", data={"product_id": pool["tea"].id, "shop_id": shop.id, "reason": "好" * 201}
    )
    assert long_reason.status_code == 422 and "推荐理由最多 200 字" in long_reason.get_data(as_text=True)
    session.execute(sa.update(Product).where(Product.id == pool["coffee"].id).values(stock=0))
    session.commit()
    gone = client.post("/my/picks", data={"product_id": pool["coffee"].id, "shop_id": shop.id}, headers=HTMX)
    assert gone.status_code == 422 and "这件商品已不在货源池" in gone.get_data(as_text=True)
    theirs = make_shop(session, client.application)
    assert client.post("/my/picks", data={"product_id": pool["tea"].id, "shop_id": theirs.id}).status_code == 404


@pytest.mark.parametrize(
    ("field", "typed", "said"),
    [
        ("product_id", "0", "请选择商品"),
        ("product_id", "99999999999999999999", "请选择商品"),
        ("product_id", "abc", "请选择商品"),
        ("product_id", None, "请选择商品"),
        ("shop_id", "-1", "请选择店铺"),
        ("shop_id", "9223372036854775808", "请选择店铺"),
        ("shop_id", "一", "请选择店铺"),
    ],
)
def test_a_pick_form_with_a_product_or_shop_id_the_page_did_not_send_is_refused_in_chinese(
    client, session, owner_with_shop, pool, field, typed, said
):
    _, shop = owner_with_shop
    form = {"product_id": str(pool["tea"].id), "shop_id": str(shop.id), "reason": "回甘很好", field: typed}
    for headers in ({}, HTMX):
        answer = client.post("/my/picks", data={k: v for k, v in form.items() if v is not None}, headers=headers)
        page = answer.get_data(as_text=True)
        assert answer.status_code == 422 and said in page, page
        assert "Must be" not in page and "Not a valid" not in page and "Missing data" not in page
    assert session.get(ShopProduct, (shop.id, pool["tea"].id)) is None


def test_my_picks_are_reordered_given_new_reasons_and_removed(client, session, owner_with_shop, pool):
    _, shop = owner_with_shop
    for name in ("coffee", "tea", "jumper"):
        client.post("/my/picks", data={"product_id": pool[name].id, "shop_id": shop.id, "reason": name})
    base = f"/my/shop/{shop.id}/picks"

    def order() -> list[int]:
        return list(
            session.scalars(
                sa.select(ShopProduct.product_id).where(ShopProduct.shop_id == shop.id).order_by(ShopProduct.position)
            )
        )

    assert client.post(f"{base}/{pool['jumper'].id}/move", data={"step": "-1"}).status_code == 303
    assert order() == [pool["coffee"].id, pool["jumper"].id, pool["tea"].id]
    moved = client.post(f"{base}/{pool['coffee'].id}/move", data={"step": "1"}, headers=HTMX)
    assert moved.get_data(as_text=True).lstrip().startswith('<section id="picks"')
    assert order() == [pool["jumper"].id, pool["coffee"].id, pool["tea"].id]
    client.post(f"{base}/{pool['jumper'].id}/move", data={"step": "-1"})  # already first: stays
    assert order()[0] == pool["jumper"].id
    assert client.post(f"{base}/{pool['tea'].id}/move", data={"step": "5"}).status_code == 422
    client.post(f"{base}/{pool['tea'].id}/reason", data={"reason": "冲泡三次仍有回甘"})
    too_long = client.post(f"{base}/{pool['tea'].id}/reason", data={"reason": "好" * 201})
    assert too_long.status_code == 422 and "推荐理由最多 200 字" in too_long.get_data(as_text=True)
    client.post(f"{base}/{pool['coffee'].id}/remove")
    page = client.get(f"/my/picks?shop={shop.id}").get_data(as_text=True)
    assert titles(page) == ["羊毛混纺圆领毛衣", "武夷岩茶大红袍"] and "冲泡三次仍有回甘" in page
    assert "已选 2 / 1000 件" in page


def test_a_pick_taken_out_of_the_pool_shows_why_among_my_picks(client, session, owner_with_shop, pool):
    _, shop = owner_with_shop
    client.post("/my/picks", data={"product_id": pool["tea"].id, "shop_id": shop.id})
    session.execute(
        sa.update(Product)
        .where(Product.id == pool["tea"].id)
        .values(taken_down_at=sa.func.now(), takedown_reason="资质过期")
    )
    session.commit()
    page = client.get("/my/picks").get_data(as_text=True)
    assert "已下架，买家看不到：资质过期" in page


def test_another_owners_picks_cannot_be_touched(client, session, owner_with_shop, pool):
    other = make_user(session, Role.SHOP_OWNER)
    theirs = make_shop(session, client.application, other)
    session.add(ShopProduct(shop_id=theirs.id, product_id=pool["tea"].id, position=1, reason="他们的"))
    session.commit()
    base = f"/my/shop/{theirs.id}/picks/{pool['tea'].id}"
    for path, data in ((f"{base}/reason", {"reason": "我的"}), (f"{base}/move", {"step": "1"}), (f"{base}/remove", {})):
        assert client.post(path, data=data).status_code == 404, path
    assert session.get(ShopProduct, (theirs.id, pool["tea"].id)).reason == "他们的"


def test_the_pool_names_the_owners_tier_in_the_pages_language(client, session, owner_with_shop, pool):
    table = current_rules(session, client.application.config["TIERS"])
    english = client.get("/my/pool", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert table.entry.name_en in english and table.entry.name not in english
    assert table.entry.name in client.get("/my/pool").get_data(as_text=True)
