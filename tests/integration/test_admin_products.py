"""Admins take down one product, and restore it: out of the pool and every shop at once, owners told."""

import pytest
import sqlalchemy as sa

from distro.audit import AuditEntry
from distro.auth.models import Role, User
from distro.outbound import services as outbound
from distro.outbound.models import Delivery
from tests.factories import bearer, make_product, make_shop, make_supplier, make_user

PROBLEM = "application/problem+json"


@pytest.fixture
def world(app, session):
    """A supplier's mask carried by two shops (with another product), an admin with an integration subscribed."""
    supplier_user, _ = make_supplier(session, app)
    mask = make_product(session, app, supplier_user)
    tea = make_product(session, app, supplier_user)
    owners = [make_user(session, Role.SHOP_OWNER) for _ in range(2)]
    shops = [
        make_shop(session, app, owner, slug=slug, carrying=[mask, tea])
        for owner, slug in zip(owners, ("shop-ta", "shop-tb"), strict=True)
    ]
    admin = make_user(session, Role.ADMIN)
    subscribed = client_subscription(app, session, admin)
    return {
        "supplier_user": supplier_user,
        "mask": mask,
        "tea": tea,
        "owners": owners,
        "shops": shops,
        "admin": admin,
        "sub": subscribed,
    }


def client_subscription(app, session, admin):
    """The admin's integration (the one that tells owners), subscribed to product events."""
    return outbound.create_subscription(
        session=session,
        user_id=admin.id,
        supplier_id=None,
        url="https://hooks.example.cn/distro",
        event_types=["product.taken_down", "product.restored"],
    )


def act(client, app, world, action, caller=None, reason="假冒商品"):
    return client.post(
        f"/api/v1/admin/products/{world['mask'].id}/{action}",
        json={"reason": reason},
        headers=bearer(app, caller or world["admin"]),
    )


def on_shop_page(client, slug):
    return [product["id"] for product in client.get(f"/api/v1/public/shops/{slug}").get_json()["products"]]


def in_pool(client, app, world):
    return [product["id"] for product in client.get("/api/v1/pool", headers=bearer(app, world["owners"][0])).get_json()]


def test_a_product_taken_down_leaves_the_pool_and_every_shop_at_once_and_its_owners_are_told(
    app, client, session, world
):
    mask, tea = world["mask"].id, world["tea"].id
    assert sorted(in_pool(client, app, world)) == sorted([mask, tea])

    taken = act(client, app, world, "take-down", reason="假冒品牌")

    assert taken.status_code == 200
    assert (taken.get_json()["in_pool"], taken.get_json()["takedown_reason"]) == (False, "假冒品牌")
    assert in_pool(client, app, world) == [tea]
    for slug in ("shop-ta", "shop-tb"):
        assert on_shop_page(client, slug) == [tea]
    assert client.get(f"/shop/shop-ta/p/{mask}").status_code == 404
    listed = client.get(f"/api/v1/shops/{world['shops'][0].id}/products", headers=bearer(app, world["owners"][0]))
    [shown] = [item["product"] for item in listed.get_json() if item["product"]["id"] == mask]
    assert (shown["in_pool"], shown["takedown_reason"]) == (False, "假冒品牌")
    [delivery] = session.scalars(sa.select(Delivery).where(Delivery.subscription_id == world["sub"].id)).all()
    assert delivery.event_type == "product.taken_down"
    assert delivery.payload["data"] == {
        "product_id": mask,
        "supplier_id": world["mask"].supplier_id,
        "title": world["mask"].title,
        "reason": "假冒品牌",
        "shop_ids": sorted(shop.id for shop in world["shops"]),
    }
    [entry] = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "product.taken_down")).all()
    assert (entry.actor_id, entry.subject_id, entry.after["reason"]) == (world["admin"].id, mask, "假冒品牌")


def test_the_supplier_cannot_bring_a_taken_down_product_back_and_an_admin_restores_it(app, client, session, world):
    mask = world["mask"].id
    act(client, app, world, "take-down")
    supplier = bearer(app, world["supplier_user"])
    for step in ("delist", "list"):
        assert client.post(f"/api/v1/supplier/products/{mask}/{step}", headers=supplier).status_code == 200
    assert mask not in in_pool(client, app, world)

    restored = act(client, app, world, "restore", reason="品牌授权已核实")

    assert (restored.status_code, restored.get_json()["in_pool"], restored.get_json()["takedown_reason"]) == (
        200,
        True,
        None,
    )
    assert mask in in_pool(client, app, world) and mask in on_shop_page(client, "shop-tb")
    events = session.scalars(sa.select(Delivery.event_type).where(Delivery.subscription_id == world["sub"].id))
    assert sorted(events) == ["product.restored", "product.taken_down"]


def test_taking_down_or_restoring_twice_changes_nothing_the_second_time(app, client, session, world):
    for action, reason in (
        ("take-down", "第一次"),
        ("take-down", "第二次"),
        ("restore", "恢复"),
        ("restore", "再恢复"),
    ):
        assert act(client, app, world, action, reason=reason).status_code == 200
    entries = session.scalars(
        sa.select(AuditEntry)
        .where(
            AuditEntry.subject_type == "product",
            AuditEntry.subject_id == world["mask"].id,
            AuditEntry.action.in_(["product.taken_down", "product.restored"]),
        )
        .order_by(AuditEntry.id)
    ).all()
    assert [(entry.action, entry.after["reason"]) for entry in entries] == [
        ("product.taken_down", "第一次"),
        ("product.restored", "恢复"),
    ]
    assert session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 2


@pytest.mark.parametrize("action", ["take-down", "restore"])
def test_a_product_action_needs_a_reason_an_admin_and_not_the_products_own_supplier(
    app, client, session, world, action
):
    missing = client.post(
        f"/api/v1/admin/products/{world['mask'].id}/{action}", json={"reason": ""}, headers=bearer(app, world["admin"])
    )
    assert (missing.status_code, missing.content_type) == (422, PROBLEM)
    assert [(e["field"], e["rule"]) for e in missing.get_json()["errors"]] == [("reason", "required")]
    for caller in (world["owners"][0], world["supplier_user"]):
        assert act(client, app, world, action, caller=caller).status_code == 403
    supplier_admin = session.get(User, world["supplier_user"].id)
    supplier_admin.roles = ["supplier", "admin"]
    session.commit()
    assert act(client, app, world, action, caller=supplier_admin).status_code == 403
    session.refresh(world["mask"])
    assert (world["mask"].taken_down_at, session.scalar(sa.select(sa.func.count()).select_from(Delivery))) == (None, 0)
