"""平台管理 › 等级规则: admins see the tier table, save a new version of it (each broken rule said on its field, in
Chinese), and look at a month's evaluation (who would move, from → to) before running it."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from distro.auth.models import Role
from distro.clock import utcnow
from distro.commission import event_store
from distro.commission import services as commission
from distro.tiers import services
from distro.tiers.dry_run import would_evaluate
from distro.tiers.models import ShopTierChange, TierRuleSet
from distro.tiers.rules import previous_month
from tests.factories import PASSWORD, carry, commission_rules, make_product, make_shop, make_supplier, make_user, paid


def sign_in(client, user):
    client.post("/login", data={"login": user.email, "password": PASSWORD})


@pytest.fixture
def admin(client, session):
    admin = make_user(session, Role.ADMIN)
    sign_in(client, admin)
    return admin


def the_form(table) -> dict[str, str]:
    """The rules form as the page fills it for the table in force (share in percent, sales in yuan)."""
    form = {}
    for index, tier in enumerate(table.tiers):
        form |= {
            f"tiers.{index}.name": tier.name,
            f"tiers.{index}.name_en": tier.name_en,
            f"tiers.{index}.share_bp": str(tier.share_bp / 100),
            f"tiers.{index}.min_net_gmv_fen": str(tier.min_net_gmv_fen / 100),
            f"tiers.{index}.min_orders": str(tier.min_orders),
            f"tiers.{index}.min_buyers": str(tier.min_buyers),
        }
    return form


def in_force(app, session):
    return services.current_rules(session, app.config["TIERS"])


def versions(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(TierRuleSet))


def test_the_page_shows_the_table_in_force_in_percent_and_yuan(client, admin):
    page = client.get("/console/admin/tiers").get_data(as_text=True)
    assert "超级掌柜" in page and 'value="60"' in page and 'value="5000.00"' in page


def test_a_valid_table_is_saved_as_a_new_version(client, app, session, admin):
    form = the_form(in_force(app, session)) | {"tiers.1.share_bp": "62.5", "tiers.1.min_net_gmv_fen": "4000"}
    answer = client.post("/console/admin/tiers", data=form)
    assert answer.status_code == 303 and "已保存为新版本" in client.get(answer.headers["Location"]).get_data(
        as_text=True
    )
    senior = in_force(app, session).tiers[1]
    assert (senior.share_bp, senior.min_net_gmv_fen, senior.name) == (6250, 400_000, "资深掌柜")
    assert versions(session) == 1


def test_a_share_lower_than_the_tier_below_is_refused_on_its_field_and_nothing_is_saved(client, app, session, admin):
    form = the_form(in_force(app, session)) | {"tiers.2.share_bp": "50"}
    answer = client.post("/console/admin/tiers", data=form)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="tiers.2.share_bp-error">分成比例不能低于上一等级' in page and 'value="50"' in page
    assert versions(session) == 0


@pytest.mark.parametrize(
    ("field", "typed", "said"),
    [
        ("tiers.0.share_bp", "六十", "请填写百分比"),
        ("tiers.0.share_bp", "0", "分成比例须大于 0% 且小于 100%"),
        ("tiers.1.min_net_gmv_fen", "12.345", "请填写金额"),
        ("tiers.1.min_orders", "-1", "请填写不小于 0 的整数"),
        ("tiers.3.name", "", "请填写 1 到 20 个字"),
    ],
)
def test_each_bad_value_is_said_in_chinese_on_its_field(client, app, session, admin, field, typed, said):
    answer = client.post("/console/admin/tiers", data=the_form(in_force(app, session)) | {field: typed})
    assert answer.status_code == 422 and f'id="{field}-error">{said}' in answer.get_data(as_text=True)
    assert versions(session) == 0


MONTH = previous_month(utcnow())


def old_shop(session, app, tier):
    shop = make_shop(session, app)
    shop.created_at, shop.tier_code = dt.datetime(MONTH.year - 1, 1, 1, tzinfo=dt.UTC), tier
    session.commit()
    return shop


def sell(app, session, shop, product, order_id, fen, buyer):
    carry(session, shop, product)
    paid_at = f"{MONTH.isoformat()}T10:00:00+08:00"
    event_store.store_event(
        session=session,
        event_id=f"e-{order_id}",
        event_type="order.paid",
        order_ref=order_id,
        data=paid(order_id, shop.slug, [("1", product.id, fen)], paid_at=paid_at, buyer={"reference": buyer}),
    )
    commission.process_order(session=session, order_ref=order_id, rules=commission_rules(app, session))


@pytest.fixture
def shops(app, session):
    """A month in which one shop climbs to 资深, one falls from 超级 to 精英, one from 资深 to 新晋, one stays 新晋."""
    supplier_user, _ = make_supplier(session, app)
    product = make_product(session, app, supplier_user, price_fen=50_000, other_platform_price_fen=50_000)
    climber = old_shop(session, app, "new")
    for number in range(20):
        sell(app, session, climber, product, f"C{number}", 25_000, f"buyer-{number % 10}")
    return {
        "climber": climber,
        "super": old_shop(session, app, "super"),
        "senior": old_shop(session, app, "senior"),
        "still": old_shop(session, app, "new"),
    }


def test_the_dry_run_shows_who_would_move_and_writes_nothing(client, session, admin, shops):
    answer = client.get(f"/console/admin/tiers/evaluation?month={MONTH:%Y-%m}")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "将评定 4 家店铺，其中 3 家等级会变化" in page
    for shop in (shops["climber"], shops["super"], shops["senior"]):
        assert f'/console/admin/shops/{shop.id}"' in page
    assert f'/console/admin/shops/{shops["still"].id}"' not in page
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(ShopTierChange)) == 0
    assert shops["super"].tier_code == "super"


def test_the_dry_run_counts_what_the_evaluation_would_do(app, session, shops):
    table = in_force(app, session)
    dry = would_evaluate(session, month=MONTH, table=table, count_self_purchases=False)
    own = services.evaluate_month(session=session, month=MONTH, table=table, count_self_purchases=False, dry_run=True)
    assert dry.transitions == sorted((t["from"], t["to"], t["shops"]) for t in own["transitions"])
    assert sorted((m.shop_id, m.old_tier, m.new_tier) for m in dry.movers) == sorted(
        [
            (shops["climber"].id, "new", "senior"),
            (shops["super"].id, "super", "elite"),
            (shops["senior"].id, "senior", "new"),
        ]
    )
    climber = next(mover for mover in dry.movers if mover.shop_id == shops["climber"].id)
    assert (climber.net_gmv_fen, climber.orders, climber.buyers) == (500_000, 20, 10)


def test_running_the_evaluation_moves_the_shops_once(client, session, admin, shops):
    answer = client.post("/console/admin/tiers/evaluation", data={"month": f"{MONTH:%Y-%m}"})
    assert answer.status_code == 200 and "已评定 4 家店铺" in answer.get_data(as_text=True)
    session.expire_all()
    assert (shops["climber"].tier_code, shops["super"].tier_code) == ("senior", "elite")
    again = client.get(f"/console/admin/tiers/evaluation?month={MONTH:%Y-%m}").get_data(as_text=True)
    assert "这个月已经评定过" in again


@pytest.mark.parametrize("month", ["2026-13", "下个月", "1900-01"])
def test_a_month_that_is_not_one_is_said_in_chinese(client, admin, month):
    answer = client.get(f"/console/admin/tiers/evaluation?month={month}")
    assert answer.status_code == 422 and "请选择月份" in answer.get_data(as_text=True)


def test_a_month_not_over_cannot_be_dry_run_or_run(client, admin):
    this_month = utcnow().strftime("%Y-%m")
    answer = client.get(f"/console/admin/tiers/evaluation?month={this_month}")
    assert answer.status_code == 422 and "这个月还没有结束" in answer.get_data(as_text=True)
    assert client.post("/console/admin/tiers/evaluation", data={"month": this_month}).status_code == 422


def test_an_account_without_the_admin_role_is_refused_with_a_403(client, app, session):
    sign_in(client, make_user(session, Role.FINANCE))
    assert client.get("/console/admin/tiers").status_code == 403
    assert client.post("/console/admin/tiers", data=the_form(in_force(app, session))).status_code == 403
    assert client.post("/console/admin/tiers/evaluation", data={"month": f"{MONTH:%Y-%m}"}).status_code == 403
    assert versions(session) == 0
