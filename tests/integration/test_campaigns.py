"""Campaigns: scheduled and proposed through the API, their price at checkout and their rate at accrual read by
time (during the slot, and back to normal after it by itself), overlaps refused, the start hook run twice."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

import distro.clock
import distro.storefront.services
from distro.auth.models import Role, User
from distro.campaigns import jobs
from distro.campaigns.models import Campaign
from distro.campaigns.rules import slot
from distro.commission import services as commission
from distro.commission.models import CommissionLine
from distro.owner import earnings_queries
from distro.storefront.services import place_order
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

TOMORROW = dt.date(2026, 12, 7)
START, END = slot(TOMORROW, 10)  # 10:00–11:00 in Shanghai
TODAY = START - dt.timedelta(hours=20)
PROBLEM = "application/problem+json"


class Clock:
    """The test's clock: every reader of distro.clock.utcnow (and the storefront's) sees its time."""

    def __init__(self, monkeypatch, now: dt.datetime) -> None:
        self.now = now
        monkeypatch.setattr(distro.clock, "utcnow", lambda: self.now)
        monkeypatch.setattr(distro.storefront.services, "utcnow", lambda: self.now)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, TODAY)


@pytest.fixture
def world(app, session, clock):
    supplier_user, _ = make_supplier(session, app)
    tea = make_product(session, app, supplier_user, price_fen=10_000, commission_rate_bp=2_000)
    other_user, _ = make_supplier(session, app)
    theirs = make_product(session, app, other_user)
    shop = make_shop(session, app, slug="mei", carrying=[tea])
    admin = make_user(session, Role.ADMIN)
    return {"supplier_user": supplier_user, "tea": tea, "theirs": theirs, "shop": shop, "admin": admin}


def campaign_body(product_id: int, **overrides) -> dict:
    body = {
        "title": "整点秒杀·明前龙井",
        "text": "10 点开抢，限时 1 小时！",
        "starts_at": START.isoformat(),
        "ends_at": END.isoformat(),
        "items": [{"product_id": product_id, "sale_price_fen": 6_900, "rate_bp": 3_000}],
    }
    body.update(overrides)
    return body


def schedule(client, app, world, **overrides):
    return client.post(
        "/api/v1/admin/campaigns", json=campaign_body(world["tea"].id, **overrides), headers=bearer(app, world["admin"])
    )


def buy(session, world):
    return place_order(
        session=session,
        slug="mei",
        product_id=world["tea"].id,
        sku=None,
        quantity=2,
        name="王芳",
        phone="13800138000",
        address="杭州市西湖区文三路 1 号",
        share_code=None,
        provider_name="demo",
        secret="test",
    )


def test_an_admin_schedules_a_slot_and_any_account_sees_it_coming(client, app, session, world):
    response = schedule(client, app, world)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "scheduled"
    owner = make_user(session, Role.SHOP_OWNER)
    listed = client.get("/api/v1/campaigns", headers=bearer(app, owner)).get_json()
    assert [(c["title"], c["phase"], c["items"][0]["sale_price_fen"]) for c in listed] == [
        ("整点秒杀·明前龙井", "scheduled", 6_900)
    ]


def test_checkout_charges_the_sale_price_exactly_while_the_slot_runs(client, app, session, world, clock):
    campaign_id = schedule(client, app, world).get_json()["id"]
    clock.now = START - dt.timedelta(seconds=1)
    assert (buy(session, world).unit_price_fen, buy(session, world).campaign_id) == (10_000, None)
    clock.now = START
    during = buy(session, world)
    assert (during.unit_price_fen, during.total_fen, during.campaign_id) == (6_900, 13_800, campaign_id)
    clock.now = END
    assert buy(session, world).unit_price_fen == 10_000


def paid_at(order_id: str, world, at: dt.datetime) -> dict:
    return paid(order_id, "mei", [("1", world["tea"].id, 6_900)], paid_at=at.isoformat())


def test_accrual_uses_the_boosted_rate_for_orders_paid_during_the_slot_and_the_normal_one_after(
    client, app, session, world, clock
):
    schedule(client, app, world)
    clock.now = END + dt.timedelta(hours=1)
    for order_id, at in (("C1", START + dt.timedelta(minutes=5)), ("C2", END), ("C3", START - dt.timedelta(minutes=1))):
        assert post_event(client, app, "order.paid", paid_at(order_id, world, at)).status_code in (200, 202)
        commission.process_order(session=session, order_ref=order_id, rules=commission_rules(app, session))
    rates = session.execute(sa.select(CommissionLine.rate_bp).order_by(CommissionLine.id)).scalars().all()
    assert rates == [3_000, 2_000, 2_000]


def test_the_owners_earnings_line_names_the_campaign_whose_boosted_rate_it_earned(client, app, session, world, clock):
    schedule(client, app, world)
    clock.now = END + dt.timedelta(hours=1)
    for order_id, at in (("C1", START + dt.timedelta(minutes=5)), ("C2", END)):
        post_event(client, app, "order.paid", paid_at(order_id, world, at))
        commission.process_order(session=session, order_ref=order_id, rules=commission_rules(app, session))
    lines = earnings_queries.lines_page(session, world["shop"].owner_id, before=None).items
    assert [(line.rate_bp, line.campaign) for line in lines] == [(2_000, None), (3_000, "整点秒杀·明前龙井")]
    client.post("/login", data={"login": session.get(User, world["shop"].owner_id).email, "password": PASSWORD})
    html = client.get("/my/earnings").get_data(as_text=True)
    assert "活动「整点秒杀·明前龙井」佣金 30%" in html
    assert "佣金比例 20%" in html


def test_a_cancelled_campaign_stops_its_price_at_once(client, app, session, world, clock):
    campaign_id = schedule(client, app, world).get_json()["id"]
    clock.now = START + dt.timedelta(minutes=10)
    assert buy(session, world).unit_price_fen == 6_900
    response = client.post(
        f"/api/v1/admin/campaigns/{campaign_id}/decision",
        json={"action": "cancel", "reason": "供货商断货"},
        headers=bearer(app, world["admin"]),
    )
    assert response.get_json()["phase"] == "cancelled"
    assert buy(session, world).unit_price_fen == 10_000


def test_the_same_product_cannot_be_in_two_campaigns_at_the_same_time(client, app, world):
    assert schedule(client, app, world).status_code == 201
    half_past = START + dt.timedelta(minutes=30)
    response = schedule(
        client, app, world, starts_at=half_past.isoformat(), ends_at=(END + dt.timedelta(hours=1)).isoformat()
    )
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert [e["rule"] for e in response.get_json()["errors"]] == ["overlap"]
    next_slot = schedule(
        client, app, world, starts_at=END.isoformat(), ends_at=(END + dt.timedelta(hours=1)).isoformat()
    )
    assert next_slot.status_code == 201


def test_times_prices_and_rates_out_of_bounds_are_refused_by_rule(client, app, world):
    past = schedule(client, app, world, starts_at=(TODAY - dt.timedelta(hours=1)).isoformat())
    assert [e["rule"] for e in past.get_json()["errors"]] == ["not_in_past"]
    dear = schedule(client, app, world, items=[{"product_id": world["tea"].id, "sale_price_fen": 10_001}])
    assert [e["rule"] for e in dear.get_json()["errors"]] == ["sale_above_price"]
    greedy = schedule(client, app, world, items=[{"product_id": world["tea"].id, "rate_bp": 9_000}])
    assert [e["rule"] for e in greedy.get_json()["errors"]] == ["rate_cap"]


def test_a_supplier_proposes_for_its_own_goods_and_an_admin_approves(client, app, session, world):
    supplier = bearer(app, world["supplier_user"])
    proposed = client.post("/api/v1/supplier/campaigns", json=campaign_body(world["tea"].id), headers=supplier)
    assert proposed.status_code == 201 and proposed.get_json()["status"] == "proposed"
    assert client.get("/api/v1/campaigns", headers=supplier).get_json() == []
    decided = client.post(
        f"/api/v1/admin/campaigns/{proposed.get_json()['id']}/decision",
        json={"action": "approve"},
        headers=bearer(app, world["admin"]),
    )
    assert decided.get_json()["status"] == "scheduled"
    assert [c["id"] for c in client.get("/api/v1/campaigns", headers=supplier).get_json()] == [decided.get_json()["id"]]


def test_a_rejection_needs_a_reason_and_the_supplier_sees_it(client, app, world):
    supplier = bearer(app, world["supplier_user"])
    campaign_id = client.post(
        "/api/v1/supplier/campaigns", json=campaign_body(world["tea"].id), headers=supplier
    ).get_json()["id"]
    admin = bearer(app, world["admin"])
    url = f"/api/v1/admin/campaigns/{campaign_id}/decision"
    assert client.post(url, json={"action": "reject"}, headers=admin).status_code == 422
    assert client.post(url, json={"action": "reject", "reason": "售价不够低"}, headers=admin).status_code == 200
    mine = client.get("/api/v1/supplier/campaigns", headers=supplier).get_json()
    assert [(c["status"], c["phase"], c["reason"]) for c in mine] == [("rejected", "rejected", "售价不够低")]
    assert client.post(url, json={"action": "approve"}, headers=admin).status_code == 409


def test_a_supplier_cannot_propose_anothers_goods_nor_schedule_as_an_admin(client, app, world):
    supplier = bearer(app, world["supplier_user"])
    theirs = client.post("/api/v1/supplier/campaigns", json=campaign_body(world["theirs"].id), headers=supplier)
    assert theirs.status_code == 404
    assert (
        client.post("/api/v1/admin/campaigns", json=campaign_body(world["tea"].id), headers=supplier).status_code == 403
    )


def test_the_start_hook_announces_each_campaign_once_just_before_its_start_for_every_owner_to_read_at_it(
    client, app, session, world, clock
):
    from distro.broadcasts.models import Broadcast

    schedule(client, app, world)
    assert jobs.announce_due(session) == 0
    clock.now = START - jobs.ANNOUNCE_AHEAD - dt.timedelta(seconds=1)
    assert jobs.announce_due(session) == 0
    clock.now = START - dt.timedelta(seconds=30)  # the last run before the start
    assert jobs.announce_due(session) == 1
    clock.now = START
    assert jobs.announce_due(session) == 0
    assert session.scalar(sa.select(Campaign.announced_at)) == START - dt.timedelta(seconds=30)
    campaign_id = session.scalar(sa.select(Campaign.id))
    broadcasts = session.execute(sa.select(Broadcast)).scalars().all()
    assert [(b.key, b.kind, b.link_path, b.visible_from) for b in broadcasts] == [
        (f"campaign:{campaign_id}:start", "campaign", "/my/hot", START)
    ]


def test_a_campaign_no_run_saw_until_it_ended_is_marked_without_an_announcement(client, app, session, world, clock):
    from distro.broadcasts.models import Broadcast

    schedule(client, app, world)
    clock.now = END + dt.timedelta(minutes=1)
    assert jobs.announce_due(session) == 0
    assert session.scalar(sa.select(Campaign.announced_at)) == clock.now
    assert session.scalar(sa.select(sa.func.count()).select_from(Broadcast)) == 0


def test_an_order_placed_in_the_slot_keeps_its_sale_price_when_paid_after_it(client, app, session, world, clock):
    from distro.storefront.services import confirm_payment

    schedule(client, app, world)
    clock.now = START + dt.timedelta(minutes=59)
    placed = buy(session, world)
    clock.now = END + dt.timedelta(minutes=5)
    checkout, _ = confirm_payment(session=session, access_token=placed.access_token, provider="demo")
    assert (checkout.unit_price_fen, checkout.total_fen, checkout.paid_at) == (6_900, 13_800, clock.now)


def test_the_poster_carries_the_campaigns_title_and_price_only_while_it_runs(
    client, app, session, world, clock, tmp_path
):
    from distro.share import services as share
    from distro.share.images import LocalImageSource

    schedule(client, app, world)
    owner_id = world["shop"].owner_id
    link = share.create_link(
        session=session,
        owner_id=owner_id,
        shop_id=world["shop"].id,
        channel="wechat_moments",
        product_id=world["tea"].id,
    )
    images = LocalImageSource(app.config["PUBLIC_BASE_URL"], tmp_path)

    def card():
        return share.poster_card(session, link.code, share_url="https://example.cn/s/x", images=images)

    assert (card().title, card().price_fen) == (world["tea"].title, 10_000)
    clock.now = START
    assert (card().title, card().price_fen) == (f"【整点秒杀·明前龙井】{world['tea'].title}", 6_900)
    clock.now = END
    assert (card().title, card().price_fen) == (world["tea"].title, 10_000)
