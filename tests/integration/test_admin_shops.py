"""Admins suspend, reinstate and close shops: its pages, links, attribution and payouts follow at once."""

import datetime as dt

import pytest
import sqlalchemy as sa

from distro.audit import AuditEntry
from distro.auth.models import Role, User
from distro.auth.phones import attach_verified_phone
from distro.commission import release
from distro.commission import services as commission
from distro.commission.models import CommissionLine, Order
from distro.ledger import services as ledger
from distro.settlement import batches, computing
from distro.settlement.models import Payout, SettlementClaim
from distro.share.models import ShareLink
from distro.storefront.models import Checkout
from tests.factories import (
    PASSWORD,
    bearer,
    commission_rules,
    make_product,
    make_shop,
    make_supplier,
    make_user,
    paid,
    post_event,
)
from tests.page_forms import csrf_token_in

PROBLEM = "application/problem+json"
PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.40"
BUYER = {"quantity": "1", "name": "李四", "phone": "139 0000 1111", "address": "杭州市西湖区文三路1号"}
LATER = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def world(app, session):
    """Shop meimei carrying a mask, with a share link to the shop and one to the mask; an admin."""
    supplier_user, _ = make_supplier(session, app)
    mask = make_product(session, app, supplier_user, price_fen=100_000, other_platform_price_fen=120_000)
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner, slug="meimei", carrying=[mask])
    session.add(ShareLink(code="MeiShop1", shop_id=shop.id, channel="wechat_chat", created_by=owner.id))
    session.add(ShareLink(code="MeiMask1", shop_id=shop.id, channel="weibo", created_by=owner.id, product_id=mask.id))
    session.commit()
    return {"admin": make_user(session, Role.ADMIN), "owner": owner, "shop": shop, "mask": mask}


def act(client, app, world, action, caller=None, **body):
    body.setdefault("reason", "刷单")
    return client.post(
        f"/api/v1/admin/shops/{world['shop'].id}/{action}", json=body, headers=bearer(app, caller or world["admin"])
    )


def order(client, app, session, order_id, product, paid_at, **claims):
    """An order.paid for product at paid_at, processed; the order as distro keeps it."""
    shop = claims.pop("shop", None)
    data = paid(order_id, shop, [("1", product.id, 100_000)], paid_at=paid_at.isoformat(), **claims)
    assert post_event(client, app, "order.paid", data).status_code == 200
    commission.process_order(session=session, order_ref=order_id, rules=commission_rules(app, session))
    return session.scalars(sa.select(Order).where(Order.external_id == order_id)).one()


def commission_of(session, order):
    return session.scalars(sa.select(CommissionLine).where(CommissionLine.order_id == order.id)).all()


def test_a_suspended_shops_pages_say_so_in_chinese_and_take_no_orders(app, client, session, world):
    product_page = f"/shop/meimei/p/{world['mask'].id}"
    opened = client.get(product_page)  # the buyer opened the page, and its buy form, before the suspension
    form = {**BUYER, "csrf_token": csrf_token_in(opened.get_data(as_text=True))}

    suspended = act(client, app, world, "suspend", reason="售假")

    assert (suspended.status_code, suspended.get_json()["status"]) == (200, "suspended")
    for page in ("/shop/meimei", product_page):
        response = client.get(page)
        assert (response.status_code, response.mimetype) == (404, "text/html")
        assert "暂停营业" in response.get_data(as_text=True)
    bought = client.post(f"{product_page}/buy", data=form, headers={"User-Agent": PHONE_UA})
    assert (bought.status_code, "暂停营业" in bought.get_data(as_text=True)) == (404, True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Checkout)) == 0
    api = client.get("/api/v1/public/shops/meimei")
    assert (api.status_code, api.content_type, api.get_json()["shop_status"]) == (404, PROBLEM, "suspended")
    own = client.get(f"/api/v1/shops/{world['shop'].id}", headers=bearer(app, world["owner"])).get_json()
    assert (own["status"], own["status_reason"], own["payouts_frozen"]) == ("suspended", "售假", True)


def test_a_signed_in_owner_sees_on_their_home_that_their_shop_was_suspended_and_why(app, client, session, world):
    owner = world["owner"]
    attach_verified_phone(session=session, user_id=owner.id, phone="13800000041", secret=app.config["SECRET_KEY"])
    assert client.post("/login", data={"login": "13800000041", "password": PASSWORD}).status_code == 303
    assert "暂停营业" not in client.get("/my").get_data(as_text=True)

    act(client, app, world, "suspend", reason="售假")

    home = client.get("/my").get_data(as_text=True)
    assert "暂停营业" in home and "原因：售假" in home and "恢复营业后再结算打款" in home


def test_a_closed_shops_pages_are_gone_for_good(app, client, session, world):
    assert act(client, app, world, "close", reason="店主多次违规").status_code == 200
    page = client.get("/shop/meimei")
    assert (page.status_code, "已关闭" in page.get_data(as_text=True)) == (410, True)
    api = client.get("/api/v1/public/shops/meimei")
    assert (api.status_code, api.content_type, api.get_json()["shop_status"]) == (410, PROBLEM, "closed")


def test_a_suspended_shops_share_links_land_on_its_closed_page(app, client, session, world):
    followed = client.get("/s/MeiShop1", headers={"User-Agent": PHONE_UA})  # a link followed before, and cached
    assert (followed.status_code, followed.headers["Location"]) == (302, "/shop/meimei")
    act(client, app, world, "suspend")

    for code, page in (("MeiShop1", "/shop/meimei"), ("MeiMask1", f"/shop/meimei/p/{world['mask'].id}")):
        response = client.get(f"/s/{code}", headers={"User-Agent": PHONE_UA})
        assert (response.status_code, response.headers["Location"]) == (302, page)
        landed = client.get(page)
        assert (landed.status_code, "暂停营业" in landed.get_data(as_text=True)) == (404, True)


def test_a_suspended_shop_is_attributed_no_new_orders_and_a_reinstated_one_only_those_paid_since(
    app, client, session, world
):
    mask, shop = world["mask"], world["shop"]
    act(client, app, world, "suspend")
    during = dt.datetime.now(dt.UTC)
    named = order(client, app, session, "S1", mask, during, shop="meimei")
    referred = order(client, app, session, "S2", mask, during, share_code="MeiMask1", buyer={"reference": "mei-fan"})
    for unattributed in (named, referred):
        assert (unattributed.shop_id, unattributed.attribution) == (None, "none")
        assert commission_of(session, unattributed) == []
    assert session.execute(sa.text("SELECT count(*) FROM buyer_bindings")).scalar() == 0

    act(client, app, world, "reinstate", reason="申诉通过")
    late = order(client, app, session, "S3", mask, during, shop="meimei")  # paid while suspended, told late
    since = order(client, app, session, "S4", mask, dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1), shop="meimei")
    assert (late.shop_id, commission_of(session, late)) == (None, [])
    assert since.shop_id == shop.id and len(commission_of(session, since)) == 1


def earn_and_release(client, app, session, world, order_id):
    """An order of ¥1,000 through the shop, delivered long ago and its commission released to available."""
    post_event(
        client,
        app,
        "order.paid",
        paid(order_id, "meimei", [("1", world["mask"].id, 100_000)], paid_at="2026-10-01T10:00:00+08:00"),
    )
    post_event(client, app, "order.delivered", {"order_id": order_id, "delivered_at": "2026-10-02T10:00:00+08:00"})
    commission.process_order(session=session, order_ref=order_id, rules=commission_rules(app, session))
    release.release_due_commission(session=session, now=LATER)


def with_payee(client, app, owner):
    payee = {"kind": "wechat", "account_name": "王小美", "account_number": "wxid_meimei"}
    assert client.post("/api/v1/payee-accounts", headers=bearer(app, owner), json=payee).status_code == 201


def payouts_to(session, world, maker):
    batch = batches.create_batch(session=session, cutoff_at=None, created_by=maker.id)
    assert computing.compute_batch(session=session, batch_id=batch.id, minimum_fen=100) == "computed"
    return session.scalars(
        sa.select(Payout.amount_fen).where(Payout.batch_id == batch.id, Payout.shop_id == world["shop"].id)
    ).all()


@pytest.mark.parametrize(
    ("action", "body", "paid_out"),
    [("suspend", {}, False), ("close", {}, False), ("close", {"pay_earned": True}, True)],
)
def test_a_stopped_shops_commission_is_paid_out_only_as_its_action_says(
    app, client, session, world, action, body, paid_out
):
    maker = make_user(session, Role.FINANCE)
    with_payee(client, app, world["owner"])
    earn_and_release(client, app, session, world, "E1")
    available = ledger.balance(session, f"shop:{world['shop'].id}:available")
    assert available > 0

    act(client, app, world, action, **body)

    assert payouts_to(session, world, maker) == ([available] if paid_out else [])
    claimed = session.scalar(sa.select(sa.func.count()).select_from(SettlementClaim))
    assert claimed == (1 if paid_out else 0)


def test_a_suspended_shops_commission_goes_through_its_hold_and_is_paid_once_it_is_reinstated(
    app, client, session, world
):
    maker = make_user(session, Role.FINANCE)
    with_payee(client, app, world["owner"])
    post_event(client, app, "order.paid", paid("E1", "meimei", [("1", world["mask"].id, 100_000)]))
    post_event(client, app, "order.delivered", {"order_id": "E1", "delivered_at": "2026-11-23T10:00:00+08:00"})
    commission.process_order(session=session, order_ref="E1", rules=commission_rules(app, session))
    act(client, app, world, "suspend")

    release.release_due_commission(session=session, now=LATER)  # the hold passes while it is suspended
    available = ledger.balance(session, f"shop:{world['shop'].id}:available")
    assert available > 0
    assert payouts_to(session, world, maker) == []
    act(client, app, world, "reinstate", reason="核查无误")
    assert payouts_to(session, world, maker) == [available]


def test_each_shop_action_done_twice_changes_nothing_the_second_time(app, client, session, world):
    for action, reason in (
        ("suspend", "第一次"),
        ("suspend", "第二次"),
        ("reinstate", "解除"),
        ("reinstate", "又解除"),
    ):
        assert act(client, app, world, action, reason=reason).status_code == 200
    closed = act(client, app, world, "close", reason="关店")
    again = act(client, app, world, "close", reason="再关", pay_earned=True)
    assert again.status_code == 200
    assert (again.get_json()["status_reason"], again.get_json()["payouts_frozen"]) == ("关店", True)
    assert closed.get_json() == again.get_json()
    entries = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.subject_type == "shop", AuditEntry.action != "shop.opened")
    ).all()
    assert [(entry.action, entry.actor_id, entry.after["reason"]) for entry in entries] == [
        ("shop.suspend", world["admin"].id, "第一次"),
        ("shop.reinstate", world["admin"].id, "解除"),
        ("shop.close", world["admin"].id, "关店"),
    ]


def test_a_closed_shop_stays_closed(app, client, session, world):
    act(client, app, world, "close")
    for action in ("reinstate", "suspend"):
        refused = act(client, app, world, action)
        assert (refused.status_code, refused.content_type) == (409, PROBLEM)


@pytest.mark.parametrize("action", ["suspend", "reinstate", "close"])
def test_a_shop_action_needs_a_reason_and_an_admin_who_is_not_its_owner(app, client, session, world, action):
    missing = client.post(
        f"/api/v1/admin/shops/{world['shop'].id}/{action}", json={}, headers=bearer(app, world["admin"])
    )
    assert (missing.status_code, missing.content_type) == (422, PROBLEM)
    assert [(e["field"], e["rule"]) for e in missing.get_json()["errors"]] == [("reason", "required")]
    assert act(client, app, world, action, caller=world["owner"]).status_code == 403
    owner_admin = session.get(User, world["owner"].id)
    owner_admin.roles = ["shop_owner", "admin"]
    session.commit()
    assert act(client, app, world, action, caller=owner_admin).status_code == 403
    session.refresh(world["shop"])
    assert world["shop"].status == "active"
