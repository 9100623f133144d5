"""A suspended supplier can read everything it had and change nothing: every write is a 403 naming the suspension."""

import pytest
import sqlalchemy as sa

from distro.auth.models import Role
from distro.outbound.models import Subscription
from distro.suppliers.models import Product
from tests.factories import SUPPLIER_BAR, bearer, make_product, make_supplier, make_user

PROBLEM = "application/problem+json"
NEW_PRODUCT = {
    "title": "新品面膜",
    "category": "beauty_personal_care",
    "price_fen": 5_000,
    "other_platform_price_fen": 6_000,
    "commission_rate_bp": 2_000,
}
SHIPMENT = {"order_ref": "D123", "carrier": "顺丰速运", "tracking_number": "SF1234567890"}

# Every write a supplier has, with a body its schema accepts ({product} is the supplier's own product).
WRITES = [
    ("post", "/api/v1/supplier/application", SUPPLIER_BAR),
    ("post", "/api/v1/supplier/products", NEW_PRODUCT),
    ("patch", "/api/v1/supplier/products/{product}", {"title": "改过的标题"}),
    ("post", "/api/v1/supplier/products/{product}/list", None),
    ("post", "/api/v1/supplier/products/{product}/delist", None),
    ("put", "/api/v1/supplier/products/{product}/commission-rate", {"rate_bp": 3_000}),
    ("post", "/api/v1/webhook-subscriptions", {"url": "https://erp.example.cn/hook", "event_types": ["order.paid"]}),
    ("post", "/api/v1/supplier/shipments/ship", {"shipments": [SHIPMENT]}),
    ("post", "/api/v1/supplier/orders/D123/delivered", {}),
    ("post", "/api/v1/supplier/orders/D123/cancel", {"reason": "缺货"}),
    ("post", "/api/v1/supplier/after-sales/1/decision", {"decision": "refuse", "reason": "不同意"}),
]
READS = [
    ("get", "/api/v1/supplier/profile", None),
    ("get", "/api/v1/supplier/products", None),
    ("get", "/api/v1/supplier/products/{product}", None),
    ("get", "/api/v1/supplier/products/{product}/commission-rates", None),
    ("post", "/api/v1/supplier/commission-preview", {"rate_bp": 2_500, "product_id": "{product}"}),
    ("get", "/api/v1/supplier/shipments", None),
    ("get", "/api/v1/supplier/after-sales", None),
    ("get", "/api/v1/supplier/commission/orders", None),
    ("get", "/api/v1/analytics/supplier", None),
    ("get", "/api/v1/webhook-subscriptions", None),
]


@pytest.fixture
def suspended(app, client, session):
    """A supplier with a product, suspended by an admin through the API: (its account, its product)."""
    user, supplier = make_supplier(session, app)
    product = make_product(session, app, user, title="老款面膜")
    admin = make_user(session, Role.ADMIN)
    decision = client.post(
        f"/api/v1/admin/suppliers/{supplier.id}/decision",
        json={"action": "suspend", "reason": "质检不合格"},
        headers=bearer(app, admin),
    )
    assert decision.status_code == 200
    return user, product


def call(client, app, user, product, method, path, body):
    if isinstance(body, dict):
        body = {key: product.id if value == "{product}" else value for key, value in body.items()}
    return getattr(client, method)(path.format(product=product.id), json=body, headers=bearer(app, user))


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_every_write_of_a_suspended_supplier_is_refused_naming_the_suspension(
    app, client, session, suspended, method, path, body
):
    user, product = suspended
    response = call(client, app, user, product, method, path, body)
    assert (response.status_code, response.content_type) == (403, PROBLEM)
    problem = response.get_json()
    assert (problem["supplier_status"], problem["status_reason"]) == ("suspended", "质检不合格")
    assert "suspended" in problem["detail"]
    session.refresh(product)
    assert (product.title, product.status, product.commission_rate_bp) == ("老款面膜", "listed", 2_000)
    assert session.scalar(sa.select(sa.func.count()).select_from(Product)) == 1
    assert session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 0


@pytest.mark.parametrize(("method", "path", "body"), READS, ids=[f"{m} {p}" for m, p, _ in READS])
def test_a_suspended_supplier_still_reads_what_it_has(app, client, suspended, method, path, body):
    user, product = suspended
    assert call(client, app, user, product, method, path, body).status_code == 200


def test_a_reinstated_supplier_changes_its_products_again(app, client, session, suspended):
    user, product = suspended
    admin = make_user(session, Role.ADMIN)
    supplier_id = client.get("/api/v1/supplier/profile", headers=bearer(app, user)).get_json()["id"]
    client.post(
        f"/api/v1/admin/suppliers/{supplier_id}/decision", json={"action": "reinstate"}, headers=bearer(app, admin)
    )
    changed = call(client, app, user, product, "patch", "/api/v1/supplier/products/{product}", {"title": "新款面膜"})
    assert (changed.status_code, changed.get_json()["title"]) == (200, "新款面膜")


def test_suspending_a_supplier_twice_changes_nothing_the_second_time(app, client, session, suspended):
    user, _ = suspended
    admin = make_user(session, Role.ADMIN)
    supplier_id = client.get("/api/v1/supplier/profile", headers=bearer(app, user)).get_json()["id"]
    again = client.post(
        f"/api/v1/admin/suppliers/{supplier_id}/decision",
        json={"action": "suspend", "reason": "另一个原因"},
        headers=bearer(app, admin),
    )
    assert (again.status_code, again.get_json()["status_reason"]) == (200, "质检不合格")
