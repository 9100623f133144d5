import datetime as dt

import pytest
import sqlalchemy as sa

from distro.audit import AuditEntry
from distro.auth.models import Role
from distro.shops.models import ShopProduct
from distro.suppliers import rates
from distro.suppliers.models import CommissionRate, Product, ProductSku, Supplier
from distro.suppliers.rules import rate_in_force
from tests.factories import SUPPLIER_BAR, bearer, make_product, make_shop, make_supplier, make_user

PROBLEM = "application/problem+json"


def rules_of(response):
    return [(error["field"], error["rule"]) for error in response.get_json()["errors"]]


def count(session, model):
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_an_application_that_falls_short_names_every_failed_rule_and_saves_nothing(client, app, session):
    user = make_user(session, Role.SUPPLIER)
    short = {
        **SUPPLIER_BAR,
        "registered_capital_fen": 99_999_999,
        "general_vat_taxpayer": False,
        "deposit_paid_fen": 999_999,
        "brand_chain_depth": 4,
    }
    response = client.post("/api/v1/supplier/application", json=short, headers=bearer(app, user))
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    assert rules_of(response) == [
        ("registered_capital_fen", "min_registered_capital"),
        ("general_vat_taxpayer", "general_vat_taxpayer"),
        ("deposit_paid_fen", "min_deposit"),
        ("brand_chain_depth", "brand_authorisation"),
    ]
    assert count(session, Supplier) == 0


def test_an_application_at_the_bar_waits_for_an_admin(client, app, session):
    user = make_user(session, Role.SUPPLIER)
    response = client.post("/api/v1/supplier/application", json=SUPPLIER_BAR, headers=bearer(app, user))
    assert response.status_code == 201
    assert response.get_json()["status"] == "applied"
    assert client.get("/api/v1/supplier/profile", headers=bearer(app, user)).get_json()["status"] == "applied"


def test_an_admin_approves_and_rejection_needs_a_reason(client, app, session):
    admin = make_user(session, Role.ADMIN)
    _, supplier = make_supplier(session, app, approve=False)
    url = f"/api/v1/admin/suppliers/{supplier.id}/decision"
    no_reason = client.post(url, json={"action": "reject"}, headers=bearer(app, admin))
    assert no_reason.status_code == 422
    assert rules_of(no_reason) == [("reason", "required")]
    approved = client.post(url, json={"action": "approve"}, headers=bearer(app, admin))
    assert approved.get_json()["status"] == "approved"
    again = client.post(url, json={"action": "approve"}, headers=bearer(app, admin))
    assert (again.status_code, again.get_json()["status"]) == (200, "approved")
    decisions = session.scalars(sa.select(AuditEntry.action).where(AuditEntry.subject_type == "supplier")).all()
    assert decisions.count("supplier.approve") == 1


def test_a_rejected_supplier_may_apply_again(client, app, session):
    admin = make_user(session, Role.ADMIN)
    user, supplier = make_supplier(session, app, approve=False)
    client.post(
        f"/api/v1/admin/suppliers/{supplier.id}/decision",
        json={"action": "reject", "reason": "资质不全"},
        headers=bearer(app, admin),
    )
    assert client.get("/api/v1/supplier/profile", headers=bearer(app, user)).get_json()["status_reason"] == "资质不全"
    again = client.post("/api/v1/supplier/application", json=SUPPLIER_BAR, headers=bearer(app, user))
    assert again.status_code == 201 and again.get_json()["status"] == "applied"


def test_a_supplier_cannot_approve_itself(client, app, session):
    user, supplier = make_supplier(session, app, approve=False)
    response = client.post(
        f"/api/v1/admin/suppliers/{supplier.id}/decision", json={"action": "approve"}, headers=bearer(app, user)
    )
    assert response.status_code == 403
    session.refresh(supplier)
    assert supplier.status == "applied"


def test_an_admin_who_is_also_the_supplier_cannot_decide_on_it(client, app, session):
    both = make_user(session, Role.ADMIN, Role.SUPPLIER)
    _, supplier = make_supplier(session, app, approve=False, user=both)
    response = client.post(
        f"/api/v1/admin/suppliers/{supplier.id}/decision", json={"action": "approve"}, headers=bearer(app, both)
    )
    assert response.status_code == 403
    session.refresh(supplier)
    assert supplier.status == "applied"


def test_only_an_approved_supplier_creates_products(client, app, session):
    user, _ = make_supplier(session, app, approve=False)
    response = client.post(
        "/api/v1/supplier/products",
        json={
            "title": "大米",
            "category": "food_health",
            "price_fen": 100,
            "other_platform_price_fen": 100,
            "commission_rate_bp": 1000,
        },
        headers=bearer(app, user),
    )
    assert response.status_code == 403
    assert count(session, Product) == 0


def test_a_new_product_enters_the_pool_with_its_rate_and_skus(client, app, session):
    user, _ = make_supplier(session, app)
    response = client.post(
        "/api/v1/supplier/products",
        json={
            "title": "五常大米",
            "category": "food_health",
            "price_fen": 6900,
            "other_platform_price_fen": 8900,
            "commission_rate_bp": 1500,
            "skus": [{"name": "5kg", "price_fen": 6900, "stock": 7}, {"name": "10kg", "price_fen": 8900, "stock": 3}],
        },
        headers=bearer(app, user),
    )
    assert response.status_code == 201
    product = response.get_json()
    assert product["in_pool"] is True and product["stock"] == 10
    assert [sku["name"] for sku in product["skus"]] == ["5kg", "10kg"]
    assert product["category_name"] == "食品保健"
    history = session.scalars(sa.select(CommissionRate).where(CommissionRate.product_id == product["id"])).all()
    assert [(rate.rate_bp, rate.previous_rate_bp) for rate in history] == [(1500, None)]


# Field values a product may not take, each with the (field, rule) a 422 names.
BAD_PRODUCT_FIELDS = [
    ({"title": "枸" * 61}, [("title", "length")]),
    ({"description": "好" * 2001}, [("description", "length")]),
    ({"stock": -1}, [("stock", "range")]),
    (
        {"skus": [{"name": "大", "price_fen": 3990, "stock": 1}, {"name": "大", "price_fen": 3000, "stock": 2}]},
        [("skus", "unique")],
    ),
    ({"skus": [{"name": "大", "price_fen": 3990, "stock": -2}]}, [("skus.0.stock", "range")]),
    # Beyond what the columns hold: stock is a PostgreSQL integer, fen a bigint (these were 500s).
    ({"stock": 2**31}, [("stock", "range")]),
    ({"skus": [{"name": "大", "price_fen": 3990, "stock": 2**31}]}, [("skus.0.stock", "range")]),
    ({"other_platform_price_fen": 2**63}, [("other_platform_price_fen", "range")]),
    ({"skus": [{"name": "大", "price_fen": 2**63, "stock": 1}]}, [("skus.0.price_fen", "range")]),
    ({"image_urls": ["https://img.example.com/" + "a" * 480 + ".png"]}, [("image_urls.0", "length")]),
]


@pytest.mark.parametrize("field", ["registered_capital_fen", "deposit_paid_fen"])
def test_an_application_amount_beyond_bigint_is_a_422_and_saves_nothing(client, app, session, field):
    user = make_user(session, Role.SUPPLIER)
    response = client.post(
        "/api/v1/supplier/application", json={**SUPPLIER_BAR, field: 2**63}, headers=bearer(app, user)
    )
    assert response.status_code == 422 and response.content_type == PROBLEM
    assert rules_of(response) == [(field, "range")]
    assert count(session, Supplier) == 0


def test_product_rules_are_refused_with_the_field_and_rule(client, app, session):
    user, _ = make_supplier(session, app)
    base = {
        "title": "枸杞",
        "category": "food_health",
        "price_fen": 3990,
        "other_platform_price_fen": 5900,
        "commission_rate_bp": 2500,
    }
    cases = [
        ({"price_fen": 6000}, [("price_fen", "price_above_other_platforms")]),
        (
            {"skus": [{"name": "大", "price_fen": 5901, "stock": 1}]},
            [("skus.0.price_fen", "price_above_other_platforms")],
        ),
        ({"commission_rate_bp": 499}, [("commission_rate_bp", "rate_floor")]),
        ({"commission_rate_bp": 5001}, [("commission_rate_bp", "rate_cap")]),
        ({"category": "weapons"}, [("category", "one_of")]),
        ({"price_fen": 0}, [("price_fen", "range")]),
        ({"price_fen": 39.9}, [("price_fen", "integer")]),
        ({"title": None}, [("title", "not_null")]),
        *BAD_PRODUCT_FIELDS,
    ]
    for change, expected in cases:
        response = client.post("/api/v1/supplier/products", json={**base, **change}, headers=bearer(app, user))
        assert response.status_code == 422 and response.content_type == PROBLEM, change
        assert rules_of(response) == expected, change
    assert count(session, Product) == count(session, ProductSku) == 0


def test_a_supplier_cannot_see_or_change_another_suppliers_product(client, app, session):
    owner_user, _ = make_supplier(session, app)
    other_user, _ = make_supplier(session, app)
    product = make_product(session, app, owner_user)
    headers = bearer(app, other_user)
    assert client.get(f"/api/v1/supplier/products/{product.id}", headers=headers).status_code == 404
    assert (
        client.patch(f"/api/v1/supplier/products/{product.id}", json={"price_fen": 1}, headers=headers).status_code
        == 404
    )
    assert (
        client.put(
            f"/api/v1/supplier/products/{product.id}/commission-rate", json={"rate_bp": 4000}, headers=headers
        ).status_code
        == 404
    )
    assert client.post(f"/api/v1/supplier/products/{product.id}/delist", headers=headers).status_code == 404
    session.refresh(product)
    assert (product.price_fen, product.commission_rate_bp, product.status) == (10_000, 2_000, "listed")


def test_a_rate_change_is_a_new_row_for_orders_paid_after_it(client, app, session):
    user, _ = make_supplier(session, app)
    product = make_product(session, app, user, commission_rate_bp=2000)
    before_change = dt.datetime.now(dt.UTC)
    response = client.put(
        f"/api/v1/supplier/products/{product.id}/commission-rate", json={"rate_bp": 3000}, headers=bearer(app, user)
    )
    assert response.status_code == 201
    assert response.get_json()["previous_rate_bp"] == 2000
    history = client.get(f"/api/v1/supplier/products/{product.id}/commission-rates", headers=bearer(app, user))
    assert [(row["rate_bp"], row["previous_rate_bp"]) for row in history.get_json()] == [(3000, 2000), (2000, None)]
    now = dt.datetime.now(dt.UTC)
    changes = rates.rate_changes(session, [product.id], before_change, now)[product.id]
    assert rate_in_force(changes, before_change) == 2000
    assert rate_in_force(changes, now) == 3000
    session.refresh(product)
    assert product.commission_rate_bp == 3000
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "product.commission_rate")).one()
    assert (audit.actor_id, audit.before, audit.after) == (user.id, {"rate_bp": 2000}, {"rate_bp": 3000})


def test_an_out_of_bounds_rate_change_changes_nothing(client, app, session):
    user, _ = make_supplier(session, app)
    product = make_product(session, app, user, commission_rate_bp=2000)
    response = client.put(
        f"/api/v1/supplier/products/{product.id}/commission-rate", json={"rate_bp": 100}, headers=bearer(app, user)
    )
    assert response.status_code == 422 and rules_of(response) == [("rate_bp", "rate_floor")]
    assert count(session, CommissionRate) == 1


def test_a_supplier_previews_what_a_rate_costs_per_sale(client, app, session):
    user, _ = make_supplier(session, app)
    product = make_product(session, app, user, price_fen=12_800, other_platform_price_fen=16_800)
    response = client.post(
        "/api/v1/supplier/commission-preview",
        json={"rate_bp": 2000, "product_id": product.id},
        headers=bearer(app, user),
    )
    preview = response.get_json()
    assert preview["cost_per_sale_fen"] == 2_560 and preview["supplier_receives_fen"] == 10_240
    assert [(tier["tier_name"], tier["owner_fen"]) for tier in preview["by_tier"]] == [
        ("新晋掌柜", 1_536),
        ("资深掌柜", 1_664),
        ("精英掌柜", 1_792),
        ("超级掌柜", 1_920),
    ]
    assert all(tier["owner_fen"] + tier["platform_fen"] == 2_560 for tier in preview["by_tier"])


def test_owners_cannot_set_rates_or_touch_supplier_endpoints(client, app, session):
    supplier_user, _ = make_supplier(session, app)
    product = make_product(session, app, supplier_user)
    owner = make_user(session, Role.SHOP_OWNER)
    response = client.put(
        f"/api/v1/supplier/products/{product.id}/commission-rate", json={"rate_bp": 5000}, headers=bearer(app, owner)
    )
    assert response.status_code == 403
    assert (
        client.patch(
            f"/api/v1/supplier/products/{product.id}", json={"price_fen": 1}, headers=bearer(app, owner)
        ).status_code
        == 403
    )
    session.refresh(product)
    assert (product.commission_rate_bp, product.price_fen) == (2_000, 10_000)


def test_a_suspended_suppliers_products_leave_the_pool_and_every_shop_at_once(client, app, session):
    admin = make_user(session, Role.ADMIN)
    supplier_user, supplier = make_supplier(session, app)
    product = make_product(session, app, supplier_user)
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner, slug="mei-shop")
    client.post(f"/api/v1/shops/{shop.id}/products", json={"product_id": product.id}, headers=bearer(app, owner))
    assert [p["id"] for p in client.get("/api/v1/public/shops/mei-shop").get_json()["products"]] == [product.id]

    decision = client.post(
        f"/api/v1/admin/suppliers/{supplier.id}/decision",
        json={"action": "suspend", "reason": "质检不合格"},
        headers=bearer(app, admin),
    )
    assert decision.status_code == 200
    assert client.get("/api/v1/public/shops/mei-shop").get_json()["products"] == []
    assert client.get("/api/v1/pool", headers=bearer(app, owner)).get_json() == []
    listed = client.get(f"/api/v1/shops/{shop.id}/products", headers=bearer(app, owner)).get_json()
    assert listed[0]["product"]["in_pool"] is False

    client.post(
        f"/api/v1/admin/suppliers/{supplier.id}/decision", json={"action": "reinstate"}, headers=bearer(app, admin)
    )
    assert [p["id"] for p in client.get("/api/v1/public/shops/mei-shop").get_json()["products"]] == [product.id]
    assert count(session, ShopProduct) == 1


def test_a_delisted_product_leaves_the_pool_and_the_shop_page(client, app, session):
    supplier_user, _ = make_supplier(session, app)
    product = make_product(session, app, supplier_user)
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner, slug="delist-shop")
    client.post(f"/api/v1/shops/{shop.id}/products", json={"product_id": product.id}, headers=bearer(app, owner))
    client.post(f"/api/v1/supplier/products/{product.id}/delist", headers=bearer(app, supplier_user))
    assert client.get("/api/v1/public/shops/delist-shop").get_json()["products"] == []
    client.post(f"/api/v1/supplier/products/{product.id}/list", headers=bearer(app, supplier_user))
    assert len(client.get("/api/v1/public/shops/delist-shop").get_json()["products"]) == 1


def test_a_product_out_of_stock_is_not_in_the_pool(client, app, session):
    supplier_user, _ = make_supplier(session, app)
    product = make_product(session, app, supplier_user)
    response = client.patch(
        f"/api/v1/supplier/products/{product.id}", json={"stock": 0}, headers=bearer(app, supplier_user)
    )
    assert response.get_json()["in_pool"] is False


def test_a_bad_product_edit_is_refused_and_changes_nothing(client, app, session):
    user, _ = make_supplier(session, app)
    product = make_product(session, app, user, title="枸杞", price_fen=3990, other_platform_price_fen=5900, stock=10)
    for change, expected in BAD_PRODUCT_FIELDS:
        response = client.patch(f"/api/v1/supplier/products/{product.id}", json=change, headers=bearer(app, user))
        assert response.status_code == 422 and response.content_type == PROBLEM, change
        assert rules_of(response) == expected, change
    session.refresh(product)
    assert (product.title, product.description, product.stock) == ("枸杞", "", 10)
    assert count(session, ProductSku) == 0


def test_a_rate_above_the_cap_is_refused_and_changes_nothing(client, app, session):
    user, _ = make_supplier(session, app)
    product = make_product(session, app, user, commission_rate_bp=2000)
    response = client.put(
        f"/api/v1/supplier/products/{product.id}/commission-rate", json={"rate_bp": 5001}, headers=bearer(app, user)
    )
    assert response.status_code == 422 and response.content_type == PROBLEM
    assert rules_of(response) == [("rate_bp", "rate_cap")]
    session.refresh(product)
    assert product.commission_rate_bp == 2000 and count(session, CommissionRate) == 1


def test_a_preview_needs_a_rate_within_bounds_and_a_price(client, app, session):
    user, _ = make_supplier(session, app)
    cases = [
        ({"rate_bp": 499, "price_fen": 10_000}, [("rate_bp", "rate_floor")]),
        ({"rate_bp": 5001, "price_fen": 10_000}, [("rate_bp", "rate_cap")]),
        ({"rate_bp": 2000}, [("price_fen", "required")]),
        ({"rate_bp": 6000}, [("rate_bp", "rate_cap"), ("price_fen", "required")]),
        ({"rate_bp": 2000, "price_fen": 0}, [("price_fen", "range")]),
        ({"price_fen": 10_000}, [("rate_bp", "required")]),
    ]
    for body, expected in cases:
        response = client.post("/api/v1/supplier/commission-preview", json=body, headers=bearer(app, user))
        assert response.status_code == 422 and response.content_type == PROBLEM, body
        assert rules_of(response) == expected, body


def test_suspending_or_removing_a_supplier_needs_a_reason_and_changes_nothing_without_one(client, app, session):
    admin = make_user(session, Role.ADMIN)
    supplier_user, supplier = make_supplier(session, app)
    product = make_product(session, app, supplier_user)
    url = f"/api/v1/admin/suppliers/{supplier.id}/decision"
    for body in ({"action": "suspend"}, {"action": "remove"}, {"action": "remove", "reason": "  "}):
        response = client.post(url, json=body, headers=bearer(app, admin))
        assert response.status_code == 422 and response.content_type == PROBLEM, body
        assert rules_of(response) == [("reason", "required")], body
    session.refresh(supplier)
    session.refresh(product)
    assert (supplier.status, supplier.status_reason, product.in_pool) == ("approved", None, True)
    decisions = session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.subject_type == "supplier").order_by(AuditEntry.id)
    )
    assert list(decisions) == ["supplier.applied", "supplier.approve"]


def test_a_removed_suppliers_products_leave_the_pool_and_every_shop_for_good(client, app, session):
    admin = make_user(session, Role.ADMIN)
    supplier_user, supplier = make_supplier(session, app)
    product = make_product(session, app, supplier_user)
    other_user, _ = make_supplier(session, app)
    other = make_product(session, app, other_user)
    owners = [make_user(session, Role.SHOP_OWNER) for _ in range(2)]
    for owner, slug in zip(owners, ("shop-a", "shop-b"), strict=True):
        shop = make_shop(session, app, owner, slug=slug)
        for item in (product, other):
            client.post(f"/api/v1/shops/{shop.id}/products", json={"product_id": item.id}, headers=bearer(app, owner))

    url = f"/api/v1/admin/suppliers/{supplier.id}/decision"
    removed = client.post(url, json={"action": "remove", "reason": "假冒品牌授权"}, headers=bearer(app, admin))
    assert removed.status_code == 200
    assert (removed.get_json()["status"], removed.get_json()["status_reason"]) == ("removed", "假冒品牌授权")
    for slug in ("shop-a", "shop-b"):
        assert [p["id"] for p in client.get(f"/api/v1/public/shops/{slug}").get_json()["products"]] == [other.id]
    assert [p["id"] for p in client.get("/api/v1/pool", headers=bearer(app, owners[0])).get_json()] == [other.id]
    assert client.post(url, json={"action": "reinstate"}, headers=bearer(app, admin)).status_code == 409
    session.refresh(product)
    assert product.in_pool is False
