import sqlalchemy as sa

from distro.auth.models import Role
from distro.commission.calculator import line_commission
from distro.shops.models import Shop, ShopProduct
from tests.factories import bearer, make_product, make_shop, make_supplier, make_user

PROBLEM = "application/problem+json"


def rules_of(response):
    return [(error["field"], error["rule"]) for error in response.get_json()["errors"]]


def shops_of(session, owner):
    return session.scalars(sa.select(Shop).where(Shop.owner_id == owner.id)).all()


def test_an_owner_opens_a_shop_with_the_system_suffix_and_a_slug(client, app, session):
    owner = make_user(session, Role.SHOP_OWNER)
    response = client.post("/api/v1/shops", json={"name": " 小美 好物 "}, headers=bearer(app, owner))
    assert response.status_code == 201
    shop = response.get_json()
    assert (shop["name"], shop["display_name"]) == ("小美 好物", "小美 好物的小铺")
    assert shop["status"] == "active" and shop["tier_name"] == "新晋掌柜"
    assert len(shop["slug"]) == 8


def test_shop_name_rules_are_refused_with_the_rule(client, app, session):
    make_shop(session, app, name="已有店铺")
    cases = [
        ("美", [("name", "length")]),
        ("美" * 21, [("name", "length")]),
        ("小美旗舰店", [("name", "forbidden_word")]),
        ("正品专卖", [("name", "forbidden_word")]),
        ("小美的小铺", [("name", "suffix")]),
        ("已有店铺", [("name", "unique")]),
    ]
    for name, expected in cases:
        owner = make_user(session, Role.SHOP_OWNER)
        response = client.post("/api/v1/shops", json={"name": name}, headers=bearer(app, owner))
        assert response.status_code == 422, name
        assert response.content_type == PROBLEM
        assert rules_of(response) == expected, name
        assert shops_of(session, owner) == []


def test_a_taken_or_malformed_slug_is_refused(client, app, session):
    make_shop(session, app, slug="taken")
    owner = make_user(session, Role.SHOP_OWNER)
    assert rules_of(
        client.post("/api/v1/shops", json={"name": "新店", "slug": "taken"}, headers=bearer(app, owner))
    ) == [("slug", "unique")]
    assert rules_of(
        client.post("/api/v1/shops", json={"name": "新店", "slug": "Bad Slug"}, headers=bearer(app, owner))
    ) == [("slug", "slug")]


def test_an_owner_has_one_shop_until_an_admin_allows_more(client, app, session):
    owner = make_user(session, Role.SHOP_OWNER)
    admin = make_user(session, Role.ADMIN)
    assert client.post("/api/v1/shops", json={"name": "第一家"}, headers=bearer(app, owner)).status_code == 201
    second = client.post("/api/v1/shops", json={"name": "第二家"}, headers=bearer(app, owner))
    assert second.status_code == 422 and rules_of(second) == [("owner", "shops_per_owner")]
    allowed = client.put(
        f"/api/v1/admin/users/{owner.id}/shop-allowance", json={"max_shops": 2}, headers=bearer(app, admin)
    )
    assert allowed.status_code == 200
    assert client.post("/api/v1/shops", json={"name": "第二家"}, headers=bearer(app, owner)).status_code == 201


def test_an_owner_cannot_raise_their_own_allowance(client, app, session):
    owner = make_user(session, Role.SHOP_OWNER)
    response = client.put(
        f"/api/v1/admin/users/{owner.id}/shop-allowance", json={"max_shops": 9}, headers=bearer(app, owner)
    )
    assert response.status_code == 403
    session.refresh(owner)
    assert owner.max_shops is None


def test_a_credit_score_below_700_cannot_open_a_shop(client, app, session, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_CREDIT_SCORE", 699)
    owner = make_user(session, Role.SHOP_OWNER)
    response = client.post("/api/v1/shops", json={"name": "信用不足"}, headers=bearer(app, owner))
    assert response.status_code == 422
    assert rules_of(response) == [("credit_score", "min_credit_score")]
    assert shops_of(session, owner) == []


def test_under_admin_approval_a_shop_waits_for_an_admin(client, app, session, monkeypatch):
    monkeypatch.setitem(app.config, "SHOP_ELIGIBILITY", "admin_approval")
    monkeypatch.setitem(app.config, "DEMO_CREDIT_SCORE", 0)
    owner, admin = make_user(session, Role.SHOP_OWNER), make_user(session, Role.ADMIN)
    shop = client.post("/api/v1/shops", json={"name": "待审核", "slug": "pending"}, headers=bearer(app, owner))
    assert shop.get_json()["status"] == "pending_approval"
    assert client.get("/api/v1/public/shops/pending").status_code == 404
    queue = client.get("/api/v1/admin/shops?status=pending_approval", headers=bearer(app, admin)).get_json()
    assert [item["slug"] for item in queue] == ["pending"]
    approved = client.post(f"/api/v1/admin/shops/{shop.get_json()['id']}/approve", headers=bearer(app, admin))
    assert approved.get_json()["status"] == "active"
    assert client.get("/api/v1/public/shops/pending").status_code == 200


def test_an_owner_picks_orders_explains_and_removes_products(client, app, session):
    supplier_user, _ = make_supplier(session, app)
    first, second, third = (make_product(session, app, supplier_user) for _ in range(3))
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner, slug="picks")
    headers = bearer(app, owner)
    for product in (first, second, third):
        added = client.post(
            f"/api/v1/shops/{shop.id}/products", json={"product_id": product.id, "reason": "好用"}, headers=headers
        )
        assert added.status_code == 201
    order = client.put(
        f"/api/v1/shops/{shop.id}/products/order",
        json={"product_ids": [third.id, first.id, second.id]},
        headers=headers,
    )
    assert order.status_code == 204
    reason = client.patch(
        f"/api/v1/shops/{shop.id}/products/{first.id}", json={"reason": "回购三次了"}, headers=headers
    )
    assert reason.get_json()["reason"] == "回购三次了"
    assert client.delete(f"/api/v1/shops/{shop.id}/products/{second.id}", headers=headers).status_code == 204
    page = client.get("/api/v1/public/shops/picks").get_json()
    assert [(item["id"], item["reason"]) for item in page["products"]] == [(third.id, "好用"), (first.id, "回购三次了")]


def test_shop_product_rules_are_refused_with_the_rule(client, app, session, monkeypatch):
    supplier_user, _ = make_supplier(session, app)
    products = [make_product(session, app, supplier_user) for _ in range(3)]
    delisted = make_product(session, app, supplier_user, stock=0)
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner)
    headers = bearer(app, owner)
    url = f"/api/v1/shops/{shop.id}/products"
    monkeypatch.setitem(app.config, "SHOP_MAX_PRODUCTS", 2)

    assert rules_of(client.post(url, json={"product_id": delisted.id}, headers=headers)) == [("product_id", "in_pool")]
    assert rules_of(client.post(url, json={"product_id": 999_999}, headers=headers)) == [("product_id", "in_pool")]
    assert rules_of(client.post(url, json={"product_id": products[0].id, "reason": "好" * 201}, headers=headers)) == [
        ("reason", "length")
    ]
    assert client.post(url, json={"product_id": products[0].id}, headers=headers).status_code == 201
    assert client.post(url, json={"product_id": products[0].id}, headers=headers).status_code == 409
    assert client.post(url, json={"product_id": products[1].id}, headers=headers).status_code == 201
    full = client.post(url, json={"product_id": products[2].id}, headers=headers)
    assert full.status_code == 422 and rules_of(full) == [("product_id", "max_products")]
    bad_order = client.put(f"{url}/order", json={"product_ids": [products[0].id]}, headers=headers)
    assert rules_of(bad_order) == [("product_ids", "permutation")]
    assert session.scalar(sa.select(sa.func.count()).select_from(ShopProduct)) == 2


def test_an_owner_cannot_change_supplier_fields_tier_or_status(client, app, session):
    supplier_user, _ = make_supplier(session, app)
    product = make_product(session, app, supplier_user)
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner)
    headers = bearer(app, owner)
    client.post(f"/api/v1/shops/{shop.id}/products", json={"product_id": product.id}, headers=headers)
    sneaky = client.patch(
        f"/api/v1/shops/{shop.id}/products/{product.id}",
        json={"reason": "ok", "price_fen": 1, "commission_rate_bp": 9000},
        headers=headers,
    )
    assert sneaky.status_code == 422
    assert set(rules_of(sneaky)) == {("price_fen", "unknown"), ("commission_rate_bp", "unknown")}
    tier = client.post(
        "/api/v1/shops",
        json={"name": "想当超级", "tier_code": "super", "status": "active"},
        headers=bearer(app, make_user(session, Role.SHOP_OWNER)),
    )
    assert set(rules_of(tier)) == {("tier_code", "unknown"), ("status", "unknown")}
    assert client.post(f"/api/v1/admin/shops/{shop.id}/approve", headers=headers).status_code == 403
    assert (
        client.post(
            "/api/v1/supplier/products",
            json={
                "title": "自制",
                "category": "other",
                "price_fen": 1,
                "other_platform_price_fen": 1,
                "commission_rate_bp": 900,
            },
            headers=headers,
        ).status_code
        == 403
    )
    session.refresh(product)
    session.refresh(shop)
    assert (product.price_fen, product.commission_rate_bp, shop.tier_code) == (10_000, 2_000, "new")


def test_an_owner_cannot_touch_another_owners_shop(client, app, session):
    supplier_user, _ = make_supplier(session, app)
    product = make_product(session, app, supplier_user)
    owner, intruder = make_user(session, Role.SHOP_OWNER), make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner)
    client.post(
        f"/api/v1/shops/{shop.id}/products",
        json={"product_id": product.id, "reason": "原话"},
        headers=bearer(app, owner),
    )
    headers = bearer(app, intruder)
    base = f"/api/v1/shops/{shop.id}"
    assert client.get(base, headers=headers).status_code == 404
    assert client.get(f"{base}/products", headers=headers).status_code == 404
    assert client.post(f"{base}/products", json={"product_id": product.id}, headers=headers).status_code == 404
    assert client.patch(f"{base}/products/{product.id}", json={"reason": "篡改"}, headers=headers).status_code == 404
    assert client.delete(f"{base}/products/{product.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/pool?shop_id={shop.id}", headers=headers).status_code == 404
    item = session.get(ShopProduct, (shop.id, product.id))
    assert item is not None and item.reason == "原话"


def test_the_pool_filters_sorts_and_pages(client, app, session):
    supplier_a, supplier_row_a = make_supplier(session, app)
    supplier_b, _ = make_supplier(session, app)
    rice = make_product(
        session,
        app,
        supplier_a,
        title="五常大米",
        price_fen=6_900,
        other_platform_price_fen=8_900,
        commission_rate_bp=1_500,
    )
    mask = make_product(
        session,
        app,
        supplier_a,
        title="补水面膜",
        category="beauty_personal_care",
        price_fen=5_900,
        other_platform_price_fen=9_900,
        commission_rate_bp=3_500,
    )
    mango = make_product(
        session,
        app,
        supplier_b,
        title="贵妃芒果",
        category="fresh_produce",
        price_fen=4_990,
        other_platform_price_fen=6_900,
        commission_rate_bp=2_000,
    )
    owner = make_user(session, Role.SHOP_OWNER)
    headers = bearer(app, owner)

    def ids(query):
        response = client.get(f"/api/v1/pool?{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()]

    assert ids("sort=commission") == [mask.id, mango.id, rice.id]
    assert ids("sort=price") == [mango.id, mask.id, rice.id]
    assert ids("sort=-price") == [rice.id, mask.id, mango.id]
    assert ids("sort=newest") == [mango.id, mask.id, rice.id]
    assert ids("category=fresh_produce") == [mango.id]
    assert ids("min_price_fen=5000&max_price_fen=6000") == [mask.id]
    assert ids("min_rate_bp=2000") == [mask.id, mango.id]
    assert ids(f"supplier_id={supplier_row_a.id}") == [mask.id, rice.id]
    assert ids("q=芒果") == [mango.id]
    assert ids("q=%25") == []  # a literal %, not a wildcard
    assert ids("sort=commission&page=2&page_size=2") == [rice.id]
    empty_range = client.get("/api/v1/pool?min_price_fen=6000&max_price_fen=5000", headers=headers)
    assert rules_of(empty_range) == [("min_price_fen", "range")]
    assert rules_of(client.get("/api/v1/pool?sort=cheapest", headers=headers)) == [("sort", "one_of")]


def test_pool_items_show_what_the_owner_earns_at_their_tier(client, app, session):
    supplier_user, _ = make_supplier(session, app)
    mask = make_product(
        session, app, supplier_user, price_fen=5_900, other_platform_price_fen=9_900, commission_rate_bp=3_500
    )
    owner = make_user(session, Role.SHOP_OWNER)
    headers = bearer(app, owner)
    no_shop = client.get("/api/v1/pool", headers=headers).get_json()[0]
    assert (no_shop["tier"], no_shop["you_earn_fen"]) == ("new", line_commission(5_900, 3_500, 6_000).owner)

    shop = make_shop(session, app, owner)
    shop.tier_code = "super"  # as the monthly evaluation would
    session.commit()
    item = client.get("/api/v1/pool", headers=headers).get_json()[0]
    assert item["id"] == mask.id
    assert (item["tier"], item["you_earn_fen"]) == ("super", line_commission(5_900, 3_500, 7_500).owner)
    assert item["you_earn_fen"] == 1_549


def test_the_public_shop_page_needs_no_token_and_hides_commission(client, app, session):
    supplier_user, _ = make_supplier(session, app)
    product = make_product(session, app, supplier_user, title="云南普洱")
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner, name="小美好物", slug="xiaomei")
    client.post(
        f"/api/v1/shops/{shop.id}/products",
        json={"product_id": product.id, "reason": "回甘明显"},
        headers=bearer(app, owner),
    )
    page = client.get("/api/v1/public/shops/xiaomei")
    assert page.status_code == 200
    body = page.get_json()
    assert body["display_name"] == "小美好物的小铺"
    assert body["products"] == [
        {
            "id": product.id,
            "title": "云南普洱",
            "description": "",
            "category": "food_health",
            "image_urls": [],
            "price_fen": 10_000,
            "reason": "回甘明显",
        }
    ]
    assert client.get("/api/v1/public/shops/nobody").status_code == 404


def test_every_shop_and_supplier_endpoint_is_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in [
        "/api/v1/shops",
        "/api/v1/pool",
        "/api/v1/public/shops/{slug}",
        "/api/v1/supplier/application",
        "/api/v1/supplier/products/{product_id}/commission-rate",
        "/api/v1/admin/suppliers/{supplier_id}/decision",
        "/api/v1/supplier/commission-preview",
        "/api/v1/shops/{shop_id}/products/order",
    ]:
        assert path in paths, path
