"""服务承诺 as people see it: the supplier sets its promises in the console (refusals on the field, in Chinese) and
sees its breaches and what each cost; the badges show on the owner's pool cards, the selection center, the buyer's
landing page and the share poster, each from the same rule."""

from __future__ import annotations

import datetime as dt

from distro.auth.models import Role
from distro.clock import utcnow
from distro.promises import services
from distro.promises.enforcement import enforce_promises
from distro.promises.rules import Compensation, CompensationKind, PromiseBounds, PromiseTerms
from distro.selection import ranking
from distro.share.poster import render_poster
from tests.factories import PASSWORD, make_product, make_shop, make_supplier, make_user
from tests.integration.test_promises import order

SHIP_48 = PromiseTerms(ship_within_hours=48, ship_compensation=Compensation(CompensationKind.FIXED, 1000))
ALL = PromiseTerms(
    ship_within_hours=48,
    ship_compensation=Compensation(CompensationKind.FIXED, 1000),
    deliver_within_days=5,
    deliver_compensation=Compensation(CompensationKind.PERCENT, 1000),
    exchange_days=7,
    quality_inspection=True,
)


def sign_in(client, user):
    assert client.post("/login", data={"login": user.email, "password": PASSWORD}).status_code == 303


def test_a_supplier_promises_48_hour_shipping_and_sees_the_badge_it_earns(client, session, app):
    user, _ = make_supplier(session, app)
    sign_in(client, user)
    page = client.get("/console/supplier/promises").get_data(as_text=True)
    assert "服务承诺" in page and "还没有服务承诺" in page

    saved = client.post(
        "/console/supplier/promises",
        data={
            "ship_within_hours": "48",
            "ship_compensation_kind": "fixed",
            "ship_compensation": "10",
            "exchange_days": "7",
        },
    )
    assert saved.status_code == 303
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "48小时发货 · 超时赔付" in page and "7天包换" in page and "赔付 ¥10.00" in page
    assert services.own_promises(session, user.id) == PromiseTerms(
        ship_within_hours=48, ship_compensation=Compensation(CompensationKind.FIXED, 1000), exchange_days=7
    )


def test_promises_out_of_bounds_are_refused_on_their_field_in_chinese(client, session, app):
    user, _ = make_supplier(session, app)
    sign_in(client, user)
    no_compensation = client.post("/console/supplier/promises", data={"ship_within_hours": "48"})
    assert no_compensation.status_code == 422
    assert "承诺时限须写明超时赔付的金额或比例" in no_compensation.get_data(as_text=True)
    too_much = client.post(
        "/console/supplier/promises",
        data={"deliver_within_days": "5", "deliver_compensation_kind": "fixed", "deliver_compensation": "800"},
    )
    assert too_much.status_code == 422 and "固定赔付须在 ¥1.00 到 ¥500.00 之间" in too_much.get_data(as_text=True)
    typo = client.post(
        "/console/supplier/promises",
        data={"ship_within_hours": "48", "ship_compensation_kind": "percent", "ship_compensation": "1o"},
    )
    assert typo.status_code == 422 and "请填写比例" in typo.get_data(as_text=True)
    odd = client.post("/console/supplier/promises", data={"ship_within_hours": "36", "ship_compensation": "5"})
    assert odd.status_code == 422 and "发货时限只能是 24、48、72 小时" in odd.get_data(as_text=True)
    assert services.own_promises(session, user.id) is None


def test_a_supplier_sees_its_own_breaches_and_what_each_cost_and_no_one_elses(client, session, app):
    user, supplier = make_supplier(session, app)
    other_user, other = make_supplier(session, app)
    for who in (user, other_user):
        services.set_promises(session=session, user_id=who.id, terms=SHIP_48, bounds=PromiseBounds())
    paid = utcnow() + dt.timedelta(minutes=1)
    mine = order(session, supplier, make_product(session, app, user), paid_at=paid, ref="MINE-LATE-1")
    order(session, other, make_product(session, app, other_user), paid_at=paid, ref="THEIRS-LATE-1")
    enforce_promises(session, now=paid + dt.timedelta(hours=49), lookback_days=30)

    sign_in(client, user)
    page = client.get("/console/supplier/promises/breaches").get_data(as_text=True)
    assert mine.external_id in page and "超时发货" in page and "¥10.00" in page and "到期未完成" in page
    assert "THEIRS-LATE-1" not in page


def test_the_pool_card_and_the_selection_center_show_the_suppliers_badges(client, session, app):
    supplier_user, _ = make_supplier(session, app)
    promised = make_product(session, app, supplier_user, title="承诺好茶")
    services.set_promises(session=session, user_id=supplier_user.id, terms=ALL, bounds=PromiseBounds())
    plain_user, _ = make_supplier(session, app)
    make_product(session, app, plain_user, title="普通好米")
    owner = make_user(session, Role.SHOP_OWNER)
    make_shop(session, app, owner)
    ranking.refresh_rankings(session=session, now=utcnow())
    sign_in(client, owner)

    pool = client.get("/my/pool?q=承诺好茶").get_data(as_text=True)
    assert "48小时发货 · 超时赔付" in pool and "5天送达 · 超时赔付" in pool and "7天包换" in pool and "质检" in pool
    plain = client.get("/my/pool?q=普通好米").get_data(as_text=True)
    assert "普通好米" in plain and "超时赔付" not in plain
    selection = client.get("/my/selection?tab=new").get_data(as_text=True)
    assert promised.title in selection and "48小时发货 · 超时赔付" in selection


def test_the_landing_page_and_the_poster_carry_the_badges(client, session, app, tmp_path):
    from distro.share import services as share
    from distro.share.images import LocalImageSource

    supplier_user, _ = make_supplier(session, app)
    product = make_product(session, app, supplier_user, title="承诺好茶")
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner, carrying=[product])
    link = share.create_link(
        session=session, owner_id=owner.id, shop_id=shop.id, channel="wechat_moments", product_id=product.id
    )
    images = LocalImageSource(app.config["PUBLIC_BASE_URL"], tmp_path)
    plain_card = share.poster_card(session, link.code, share_url="https://example.cn/s/x", images=images)
    assert plain_card.badges == ()

    services.set_promises(session=session, user_id=supplier_user.id, terms=SHIP_48, bounds=PromiseBounds())
    landing = client.get(f"/shop/{shop.slug}/p/{product.id}").get_data(as_text=True)
    assert "48小时发货 · 超时赔付" in landing
    card = share.poster_card(session, link.code, share_url="https://example.cn/s/x", images=images)
    assert card.badges == ("48小时发货 · 超时赔付",)
    assert render_poster(card) != render_poster(plain_card)
