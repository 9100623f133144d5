"""The selection center as owners, admins and suppliers use it: the API's lists and collections, the owner app's
选品中心 (why a product ranks, 加入小铺), the printable sheet with the owner's own QR links, the admins' zones and the
suppliers' ranks."""

from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa
from PIL import Image

from distro.auth.models import Role
from distro.clock import utcnow
from distro.commission.calculator import line_commission
from distro.selection import ranking
from distro.selection.models import Collection, CollectionProduct
from distro.selection.sheet import PAGE, cells, qr_box, qr_image
from distro.share.models import ShareLink
from distro.share.schemas import share_url
from distro.shops.models import ShopProduct
from distro.tiers.services import current_rules
from tests.factories import PASSWORD, bearer, make_product, make_shop, make_supplier, make_user
from tests.integration.test_selection_rankings import sell


def sign_in(client, user):
    assert client.post("/login", data={"login": user.email, "password": PASSWORD}).status_code == 303


def ranked_world(app, session):
    """Tea (sold 7 this week) and rice (3), of one supplier, ranked by a run; an owner whose shop carries rice."""
    supplier_user, supplier = make_supplier(session, app)
    tea = make_product(
        session, app, supplier_user, title="武夷岩茶大红袍", price_fen=12_800, other_platform_price_fen=15_000
    )
    rice = make_product(session, app, supplier_user, title="五常大米", price_fen=5_900, other_platform_price_fen=6_900)
    now = utcnow()
    for number in range(7):
        sell(session, tea, now - dt.timedelta(hours=2), f"t{number}")
    sell(session, rice, now - dt.timedelta(hours=2), "r1", quantity=3)
    ranking.refresh_rankings(session=session, now=now)
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner, name="小美的好物", carrying=[rice])
    return {
        "supplier_user": supplier_user,
        "supplier": supplier,
        "tea": tea,
        "rice": rice,
        "owner": owner,
        "shop": shop,
    }


def test_the_api_lists_a_ranking_with_each_products_numbers_and_what_the_owner_earns(client, app, session):
    world = ranked_world(app, session)
    answer = client.get("/api/v1/selection/lists/hot7", headers=bearer(app, world["owner"]))
    assert answer.status_code == 200
    items = answer.get_json()
    assert [(item["id"], item["rank"], item["units_7d"]) for item in items] == [
        (world["tea"].id, 1, 7),
        (world["rice"].id, 2, 3),
    ]
    entry = current_rules(session, app.config["TIERS"]).entry
    assert items[0]["you_earn_fen"] == line_commission(12_800, world["tea"].commission_rate_bp, entry.share_bp).owner
    by_category = client.get("/api/v1/selection/lists/hot7?category=digital", headers=bearer(app, world["owner"]))
    assert by_category.status_code == 200 and by_category.get_json() == []


def test_the_api_refuses_an_unknown_list_or_category_as_problems(client, app, session):
    world = ranked_world(app, session)
    unknown = client.get("/api/v1/selection/lists/cheapest", headers=bearer(app, world["owner"]))
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
    bad = client.get("/api/v1/selection/lists/hot7?category=cars", headers=bearer(app, world["owner"]))
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"


def test_the_api_lists_the_zones_and_a_zones_products_in_the_admins_order(client, app, session):
    world = ranked_world(app, session)
    zones = client.get("/api/v1/selection/collections", headers=bearer(app, world["owner"])).get_json()
    assert [zone["name"] for zone in zones][:3] == ["爆款区", "跨境区", "主播区"]
    hot = session.execute(sa.select(Collection).where(Collection.name == "爆款区")).scalar_one()
    session.add_all(
        [
            CollectionProduct(collection_id=hot.id, product_id=world["rice"].id, position=1),
            CollectionProduct(collection_id=hot.id, product_id=world["tea"].id, position=2),
        ]
    )
    session.flush()
    products = client.get(f"/api/v1/selection/collections/{hot.id}/products", headers=bearer(app, world["owner"]))
    assert [item["id"] for item in products.get_json()] == [world["rice"].id, world["tea"].id]
    missing = client.get("/api/v1/selection/collections/999999/products", headers=bearer(app, world["owner"]))
    assert missing.status_code == 404


def test_an_owner_sees_why_a_product_ranks_and_adds_it_to_the_shop(client, app, session):
    world = ranked_world(app, session)
    sign_in(client, world["owner"])
    page = client.get("/my/selection?tab=hot7")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "武夷岩茶大红袍" in html and "第 1 名" in html and "近7天售出 7 件" in html and "已在小铺" in html
    added = client.post(
        "/my/picks",
        data={
            "product_id": world["tea"].id,
            "shop_id": world["shop"].id,
            "reason": "",
            "next": "/my/selection?tab=hot7",
        },
    )
    assert added.status_code == 303 and added.headers["Location"].endswith("/my/selection?tab=hot7")
    assert session.get(ShopProduct, (world["shop"].id, world["tea"].id)) is not None


def test_the_owner_app_shows_a_zone_and_refuses_a_bad_category_in_chinese(client, app, session):
    world = ranked_world(app, session)
    sign_in(client, world["owner"])
    zone = session.execute(sa.select(Collection).where(Collection.name == "跨境区")).scalar_one()
    session.add(CollectionProduct(collection_id=zone.id, product_id=world["tea"].id, position=1))
    session.flush()
    page = client.get(f"/my/selection?tab=zone-{zone.id}")
    assert page.status_code == 200 and "武夷岩茶大红袍" in page.get_data(as_text=True)
    assert client.get("/my/selection?tab=zone-999999").status_code == 404
    bad = client.get("/my/selection?category=cars")
    assert bad.status_code == 422 and "请选择类目" in bad.get_data(as_text=True)


def test_the_printed_sheet_is_an_a4_png_whose_qr_code_is_the_owners_own_link_reused_next_time(client, app, session):
    world = ranked_world(app, session)
    sign_in(client, world["owner"])
    assert client.get("/my/selection/sheet").status_code == 200
    printed = client.post("/my/selection/sheet", data={"shop_id": world["shop"].id, "product_id": [world["rice"].id]})
    assert printed.status_code == 200 and printed.mimetype == "image/png"
    sheet = Image.open(io.BytesIO(printed.data))
    assert sheet.size == PAGE
    link = session.execute(
        sa.select(ShareLink).where(ShareLink.shop_id == world["shop"].id, ShareLink.product_id == world["rice"].id)
    ).scalar_one()
    assert link.channel == "qr" and link.created_by == world["owner"].id
    drawn = sheet.convert("RGB").crop(qr_box(cells(1)[0]))
    with app.app_context():
        url = share_url(link.code)
    assert drawn.tobytes() == qr_image(url).tobytes()
    again = client.post(
        "/my/selection/sheet", data={"shop_id": world["shop"].id, "product_id": [world["rice"].id], "format": "pdf"}
    )
    assert again.status_code == 200 and again.mimetype == "application/pdf" and again.data.startswith(b"%PDF")
    links = session.scalar(
        sa.select(sa.func.count()).select_from(ShareLink).where(ShareLink.shop_id == world["shop"].id)
    )
    assert links == 1


def test_the_sheet_prints_only_the_shops_products_and_says_so_in_chinese(client, app, session):
    world = ranked_world(app, session)
    sign_in(client, world["owner"])
    client.get("/my/selection/sheet")
    refused = client.post("/my/selection/sheet", data={"shop_id": world["shop"].id, "product_id": [world["tea"].id]})
    assert refused.status_code == 422 and "只能打印你小铺里的商品" in refused.get_data(as_text=True)
    empty = client.post("/my/selection/sheet", data={"shop_id": world["shop"].id})
    assert empty.status_code == 422 and "请至少选择一件商品" in empty.get_data(as_text=True)
    someone_elses = make_shop(session, app, name="别人的铺子")
    other = client.post("/my/selection/sheet", data={"shop_id": someone_elses.id, "product_id": [world["rice"].id]})
    assert other.status_code == 404


def test_an_admin_creates_fills_orders_and_deletes_a_zone(client, app, session):
    world = ranked_world(app, session)
    admin = make_user(session, Role.ADMIN)
    sign_in(client, admin)
    assert "爆款区" in client.get("/console/admin/collections").get_data(as_text=True)
    made = client.post("/console/admin/collections", data={"name": "年货节", "description": "过年囤货", "position": 4})
    assert made.status_code == 303
    zone_id = session.execute(sa.select(Collection.id).where(Collection.name == "年货节")).scalar_one()
    base = f"/console/admin/collections/{zone_id}"
    for product in (world["tea"], world["rice"]):
        assert client.post(f"{base}/products", data={"product_id": product.id}).status_code == 303
    twice = client.post(f"{base}/products", data={"product_id": world["tea"].id})
    assert twice.status_code == 422 and "这个商品已在专区里" in twice.get_data(as_text=True)
    assert client.post(f"{base}/products/{world['rice'].id}/move", data={"step": -1}).status_code == 303
    order = session.execute(
        sa.select(CollectionProduct.product_id)
        .where(CollectionProduct.collection_id == zone_id)
        .order_by(CollectionProduct.position)
    ).scalars()
    assert list(order) == [world["rice"].id, world["tea"].id]
    taken = client.post("/console/admin/collections", data={"name": "年货节"})
    assert taken.status_code == 422 and "已有同名专区" in taken.get_data(as_text=True)
    assert client.post(f"{base}/products/{world['tea'].id}/remove").status_code == 303
    assert client.post(base, data={"name": "年货大集", "description": "", "position": 5}).status_code == 303
    assert client.post(f"{base}/delete").status_code == 303
    session.expire_all()
    assert session.get(Collection, zone_id) is None


def test_a_supplier_sees_where_its_products_rank_and_no_one_elses(client, app, session):
    world = ranked_world(app, session)
    sign_in(client, world["supplier_user"])
    page = client.get("/console/supplier/rankings")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "武夷岩茶大红袍" in html and "7天热销" in html
    one = client.get(f"/console/supplier/rankings/{world['tea'].id}")
    assert one.status_code == 200 and "五常大米" not in one.get_data(as_text=True)
    other_user, _ = make_supplier(session, app)
    theirs = make_product(session, app, other_user, title="别家的货")
    assert client.get(f"/console/supplier/rankings/{theirs.id}").status_code == 404


def test_the_supplier_ranks_page_is_for_suppliers_only(client, app, session):
    world = ranked_world(app, session)
    sign_in(client, world["owner"])
    assert client.get("/console/supplier/rankings").status_code == 403
    assert client.get("/console/admin/collections").status_code == 403
