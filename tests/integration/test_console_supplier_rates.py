"""佣金设置 in the supplier console: a product's rate set with a live preview of what it costs and what each tier
earns (the API's commission-preview), its history, and refusals on the field."""

from __future__ import annotations

import sqlalchemy as sa

from distro.money import format_cny
from distro.suppliers.models import CommissionRate
from tests.factories import PASSWORD, bearer, make_product, make_supplier

HTMX = {"HX-Request": "true"}


def signed_in(client, user):
    assert client.post("/login", data={"login": user.email, "password": PASSWORD}).status_code == 303
    return user


def test_the_rates_menu_lists_each_product_with_the_rate_it_pays_now(client, session, app):
    user, _ = make_supplier(session, app)
    make_product(session, app, user, title="红茶", commission_rate_bp=1250)
    signed_in(client, user)
    page = client.get("/console/supplier/rates").get_data(as_text=True)
    assert "佣金设置" in page and "红茶" in page and "12.5%" in page and "平台下限 5%" in page


def test_the_preview_shows_what_the_api_previews_for_the_rate_typed(client, session, app):
    user, _ = make_supplier(session, app)
    product = make_product(session, app, user, price_fen=8990, other_platform_price_fen=9990)
    signed_in(client, user)
    from_api = client.post(
        "/api/v1/supplier/commission-preview",
        json={"rate_bp": 3000, "product_id": product.id},
        headers=bearer(app, user),
    ).get_json()
    fragment = client.post(
        f"/console/supplier/products/{product.id}/rate/preview", data={"rate_bp": "30"}, headers=HTMX
    )
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and text.startswith('<section id="rate-preview"')
    assert format_cny(from_api["cost_per_sale_fen"]) in text and format_cny(from_api["supplier_receives_fen"]) in text
    for split in from_api["by_tier"]:
        assert split["tier_name"] in text and format_cny(split["owner_fen"]) in text
    other = client.post(f"/console/supplier/products/{product.id}/rate/preview", data={"rate_bp": "10"}, headers=HTMX)
    assert format_cny(from_api["cost_per_sale_fen"]) not in other.get_data(as_text=True)


def test_a_rate_out_of_bounds_or_not_a_number_previews_as_a_chinese_message(client, session, app):
    user, _ = make_supplier(session, app)
    product = make_product(session, app, user)
    signed_in(client, user)
    high = client.post(f"/console/supplier/products/{product.id}/rate/preview", data={"rate_bp": "80"}, headers=HTMX)
    assert high.status_code == 422 and "佣金比例不能高于平台上限 50%" in high.get_data(as_text=True)
    typo = client.post(f"/console/supplier/products/{product.id}/rate/preview", data={"rate_bp": "2o"}, headers=HTMX)
    assert typo.status_code == 422 and "请填写佣金比例" in typo.get_data(as_text=True)
    fine = client.post(f"/console/supplier/products/{product.id}/rate/preview", data={"rate_bp": "12.34"}, headers=HTMX)
    assert fine.status_code == 200


def test_saving_a_rate_records_it_in_the_history_with_the_rate_it_replaced(client, session, app):
    user, _ = make_supplier(session, app)
    product = make_product(session, app, user, commission_rate_bp=2000)
    signed_in(client, user)
    answer = client.post(f"/console/supplier/products/{product.id}/rate", data={"rate_bp": "25"})
    assert answer.status_code == 303
    session.refresh(product)
    assert product.commission_rate_bp == 2500
    changes = session.execute(
        sa.select(CommissionRate).where(CommissionRate.product_id == product.id).order_by(CommissionRate.id)
    ).scalars()
    assert [(change.previous_rate_bp, change.rate_bp) for change in changes] == [(None, 2000), (2000, 2500)]
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "佣金已设为 25%" in page and "佣金变更记录" in page and page.count('<td class="num">20%</td>') == 2


def test_a_bad_rate_is_refused_on_the_field_and_the_rate_stays(client, session, app):
    user, _ = make_supplier(session, app)
    product = make_product(session, app, user, commission_rate_bp=2000)
    signed_in(client, user)
    for typed, message in (("1", "佣金比例不能低于平台下限 5%"), ("", "请填写佣金比例"), ("12.345", "请填写佣金比例")):
        answer = client.post(f"/console/supplier/products/{product.id}/rate", data={"rate_bp": typed})
        page = answer.get_data(as_text=True)
        assert answer.status_code == 422 and message in page and 'id="e-rate_bp"' in page
    session.refresh(product)
    assert product.commission_rate_bp == 2000


def test_another_suppliers_product_rate_is_not_found(client, session, app):
    other, _ = make_supplier(session, app)
    theirs = make_product(session, app, other, commission_rate_bp=2000)
    user, _ = make_supplier(session, app)
    signed_in(client, user)
    assert client.get(f"/console/supplier/products/{theirs.id}/rate").status_code == 404
    assert client.post(f"/console/supplier/products/{theirs.id}/rate", data={"rate_bp": "30"}).status_code == 404
    preview = client.post(f"/console/supplier/products/{theirs.id}/rate/preview", data={"rate_bp": "30"}, headers=HTMX)
    assert preview.status_code == 404
    session.refresh(theirs)
    assert theirs.commission_rate_bp == 2000
