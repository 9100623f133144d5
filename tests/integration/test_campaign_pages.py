"""Campaign pages: the admin's 活动 schedules a slot and decides proposals, the supplier's 活动 proposes for its own
goods and shows reasons, the owner's 正在热卖 lists what runs now with what the owner earns, and the landing page
shows the sale price crossed against the normal one and when the campaign ends."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from distro.auth.models import Role
from distro.campaigns.models import Campaign, CampaignItem
from distro.money import format_cny
from distro.share.models import ShareLink
from tests.factories import PASSWORD, bearer, make_product, make_shop, make_supplier, make_user
from tests.integration.test_campaigns import END, START, TODAY, Clock, campaign_body


def signed_in(client, user):
    assert client.post("/login", data={"login": user.email, "password": PASSWORD}).status_code == 303
    return user


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, TODAY)


@pytest.fixture
def world(app, session, clock):
    supplier_user, _ = make_supplier(session, app)
    tea = make_product(session, app, supplier_user, title="明前龙井", price_fen=10_000, commission_rate_bp=2_000)
    other_user, _ = make_supplier(session, app)
    theirs = make_product(session, app, other_user)
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner, slug="mei", carrying=[tea])
    admin = make_user(session, Role.ADMIN)
    return {"supplier_user": supplier_user, "tea": tea, "theirs": theirs, "owner": owner, "shop": shop, "admin": admin}


def slot_form(product_id: int, **overrides) -> dict:
    form = {
        "day": "2026-12-07",
        "hour": "10",
        "title": "整点秒杀",
        "text": "10 点开抢",
        "product_id": str(product_id),
        "sale_price_fen": "69",
        "rate_bp": "30",
    }
    form.update(overrides)
    return form


def test_an_admin_schedules_tomorrows_ten_oclock_slot_in_one_form(client, session, world):
    signed_in(client, world["admin"])
    page = client.get("/console/admin/campaigns").get_data(as_text=True)
    assert "排一个整点场" in page and 'value="2026-12-07"' in page
    response = client.post("/console/admin/campaigns", data=slot_form(world["tea"].id))
    assert response.status_code == 303
    campaign = session.scalars(sa.select(Campaign)).one()
    assert (campaign.status, campaign.starts_at, campaign.ends_at) == ("scheduled", START, END)
    item = session.scalars(sa.select(CampaignItem)).one()
    assert (item.sale_price_fen, item.rate_bp) == (6_900, 3_000)
    listed = client.get("/console/admin/campaigns").get_data(as_text=True)
    assert "整点秒杀" in listed and "已排期" in listed and "2026-12-07 10:00" in listed


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"hour": "23"}, "整点场次为 7 点至 22 点"),
        ({"sale_price_fen": "120"}, "活动价不能高于商品售价"),
        ({"rate_bp": "80"}, "佣金比例不能高于平台上限 50%"),
        ({"sale_price_fen": "", "rate_bp": ""}, "请填写活动价或活动佣金"),
        ({"day": "2026-12-05", "hour": "7"}, "不能排在已经过去的时间"),
    ],
)
def test_a_slot_that_cannot_be_is_refused_in_chinese_beside_its_field(client, world, changes, message):
    signed_in(client, world["admin"])
    response = client.post("/console/admin/campaigns", data=slot_form(world["tea"].id, **changes))
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_a_second_campaign_on_the_product_at_that_time_is_refused(client, world):
    signed_in(client, world["admin"])
    client.post("/console/admin/campaigns", data=slot_form(world["tea"].id))
    again = client.post("/console/admin/campaigns", data=slot_form(world["tea"].id))
    assert again.status_code == 422 and "该商品在这个时间已有活动" in again.get_data(as_text=True)


def test_a_supplier_proposes_an_admin_rejects_with_a_reason_and_the_supplier_reads_it(client, session, world):
    signed_in(client, world["supplier_user"])
    assert client.post("/console/supplier/campaigns", data=slot_form(world["tea"].id)).status_code == 303
    assert "待审核" in client.get("/console/supplier/campaigns").get_data(as_text=True)
    campaign_id = session.scalar(sa.select(Campaign.id))
    client.post("/logout")
    signed_in(client, world["admin"])
    assert "待审核" in client.get(f"/console/admin/campaigns/{campaign_id}").get_data(as_text=True)
    no_reason = client.post(f"/console/admin/campaigns/{campaign_id}/decision", data={"action": "reject"})
    assert no_reason.status_code == 422 and "请填写原因" in no_reason.get_data(as_text=True)
    decided = client.post(
        f"/console/admin/campaigns/{campaign_id}/decision", data={"action": "reject", "reason": "价格不够低"}
    )
    assert decided.status_code == 303
    client.post("/logout")
    signed_in(client, world["supplier_user"])
    mine = client.get("/console/supplier/campaigns").get_data(as_text=True)
    assert "未通过" in mine and "价格不够低" in mine


def test_a_supplier_cannot_propose_another_suppliers_goods_nor_open_the_admins_pages(client, world):
    signed_in(client, world["supplier_user"])
    assert client.post("/console/supplier/campaigns", data=slot_form(world["theirs"].id)).status_code == 404
    assert client.get("/console/admin/campaigns").status_code == 403


def test_an_admin_cannot_see_a_campaign_that_does_not_exist(client, world):
    signed_in(client, world["admin"])
    assert client.get("/console/admin/campaigns/999999").status_code == 404


def schedule(client, app, world):
    response = client.post(
        "/api/v1/admin/campaigns", json=campaign_body(world["tea"].id), headers=bearer(app, world["admin"])
    )
    assert response.status_code == 201


def test_the_landing_page_shows_the_sale_price_and_the_end_while_the_slot_runs(client, app, world, clock):
    schedule(client, app, world)
    url = f"/shop/mei/p/{world['tea'].id}"
    assert "活动价" not in client.get(url).get_data(as_text=True)
    clock.now = START + dt.timedelta(minutes=10)
    during = client.get(url).get_data(as_text=True)
    assert "活动价 ¥69.00" in during and "<del" in during and "原价 ¥100.00" in during
    assert "2026-12-07 11:00 结束" in during and "countdown" in during
    clock.now = END
    assert "活动价" not in client.get(url).get_data(as_text=True)


def test_the_owner_sees_what_is_on_sale_now_with_what_they_earn_and_shares_it_with_the_campaign(
    client, app, session, world, clock
):
    schedule(client, app, world)
    signed_in(client, world["owner"])
    assert "明前龙井" not in client.get("/my/hot").get_data(as_text=True)
    clock.now = START + dt.timedelta(minutes=10)
    page = client.get("/my/hot").get_data(as_text=True)
    # 30% of ¥69.00 is the pool; the entry tier's share of it is what the pool page's calculator gives.
    assert "明前龙井" in page and "¥69.00" in page and "30%" in page and "一键分享" in page
    shared = client.post(
        "/my/promote/links", data={"shop": world["shop"].id, "product": world["tea"].id, "channel": "wechat_moments"}
    )
    assert shared.status_code == 303
    kit = client.get(shared.headers["Location"]).get_data(as_text=True)
    assert "【整点秒杀·明前龙井】明前龙井" in kit and format_cny(6_900) in kit
    link = session.scalars(sa.select(ShareLink)).one()
    clock.now = END
    after = client.get(f"/my/promote/links/{link.id}").get_data(as_text=True)
    assert "【整点秒杀·明前龙井】" not in after and format_cny(10_000) in after
