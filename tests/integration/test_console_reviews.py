"""供货商考核 (admins) and 考核 (suppliers): a month's reviews with their numbers, filtered by outcome; an admin
overrules a strike with a reason; a supplier sees its own measures, every review of its own and a banner."""

from __future__ import annotations

import datetime as dt

import pytest

from distro.auth.models import Role
from distro.quality import metrics, services
from distro.suppliers.models import Product, Supplier
from tests.factories import PASSWORD, make_product, make_supplier, make_user
from tests.integration.test_supplier_review import NOV_3, OCT, month_of_orders, review_of, run


def sign_in(client, user):
    client.post("/login", data={"login": user.email, "password": PASSWORD})


@pytest.fixture
def reviewed(app, session):
    """October reviewed: one supplier warned for refunds, one suspended at its third strike, one passed."""
    warned_user, warned = make_supplier(session, app)
    month_of_orders(session, make_product(session, app, warned_user), OCT, orders=40, refunded=8)
    struck_user, struck = make_supplier(session, app)
    product = make_product(session, app, struck_user)
    for month in (dt.date(2026, 8, 1), dt.date(2026, 9, 1)):
        month_of_orders(session, product, month, orders=40, late=10)
        run(
            session, app, month, now=dt.datetime.combine(month.replace(month=month.month + 1, day=3), dt.time(), dt.UTC)
        )
    month_of_orders(session, product, OCT, orders=40, late=10)
    good_user, good = make_supplier(session, app)
    month_of_orders(session, make_product(session, app, good_user), OCT, orders=40)
    run(session, app)
    return {"warned": (warned_user, warned), "struck": (struck_user, struck, product), "good": (good_user, good)}


def test_an_admin_sees_the_months_reviews_with_their_numbers_and_filters_by_outcome(client, session, reviewed):
    sign_in(client, make_user(session, Role.ADMIN))
    page = client.get("/console/admin/reviews?month=2026-10").get_data(as_text=True)
    warned, struck, good = reviewed["warned"][1], reviewed["struck"][1], reviewed["good"][1]
    for supplier in (warned, struck, good):
        assert supplier.company_name in page
    assert "20%" in page and "75%" in page and "三振出局，已暂停" in page

    warnings = client.get("/console/admin/reviews?month=2026-10&outcome=warning").get_data(as_text=True)
    assert f'/console/admin/suppliers/{warned.id}"' in warnings
    assert f'/console/admin/suppliers/{good.id}"' not in warnings


def test_a_bad_month_or_outcome_is_told_in_chinese_not_a_500(client, session, reviewed):
    sign_in(client, make_user(session, Role.ADMIN))
    answer = client.get("/console/admin/reviews?month=2026-13&outcome=nonsense")
    assert answer.status_code == 422
    assert "请输入月份" in answer.get_data(as_text=True) and "请选择考核结果" in answer.get_data(as_text=True)


def test_an_admin_overrules_a_suspension_with_a_reason_and_the_supplier_is_back_in_the_pool(client, session, reviewed):
    sign_in(client, make_user(session, Role.ADMIN))
    _, struck, product = reviewed["struck"]
    review = review_of(session, struck)
    form = client.get(f"/console/admin/reviews/{review.id}/overrule").get_data(as_text=True)
    assert "75%" in form and "撤销理由" in form

    refused = client.post(f"/console/admin/reviews/{review.id}/overrule", data={"reason": " "})
    assert refused.status_code == 422 and "请填写理由" in refused.get_data(as_text=True)

    answer = client.post(f"/console/admin/reviews/{review.id}/overrule", data={"reason": "延迟系快递停运"})
    assert answer.status_code == 303
    assert "已撤销该次考核结果" in client.get(answer.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert session.get(Supplier, struck.id).status == "approved"
    assert session.get(Product, product.id).supplier_active is True


def test_a_pass_cannot_be_overruled(client, session, reviewed):
    sign_in(client, make_user(session, Role.ADMIN))
    review = review_of(session, reviewed["good"][1])
    answer = client.post(f"/console/admin/reviews/{review.id}/overrule", data={"reason": "试试"})
    assert answer.status_code == 422 and "只有警告或暂停可以撤销" in answer.get_data(as_text=True)


def test_a_supplier_sees_its_measures_and_reviews_and_a_banner_but_not_the_admins_page(app, client, session, reviewed):
    user = reviewed["warned"][0]
    metrics.refresh_metrics(session=session, ship_within_hours=48, now=NOV_3)
    sign_in(client, user)
    page = client.get("/console/supplier/reviews").get_data(as_text=True)
    assert "2026-10" in page and "警告" in page and "退款率" in page and "20%" in page and "第 1 次" in page
    assert "近 30 天" in page and "10.0 小时" in page  # shipped 10 hours after payment
    assert "月度考核未达标（第 1 次）" in client.get("/console/supplier/products").get_data(as_text=True)
    assert client.get("/console/admin/reviews").status_code == 403
    others = services.supplier_reviews(session, reviewed["good"][1].id)
    assert reviewed["good"][1].company_name not in page and others


def test_a_supplier_whose_reviews_passed_sees_no_banner(client, session, reviewed):
    sign_in(client, reviewed["good"][0])
    page = client.get("/console/supplier/reviews").get_data(as_text=True)
    assert "达标" in page and "月度考核未达标" not in page


def test_a_month_with_too_few_orders_shows_no_rates_to_read_as_a_verdict(app, client, session):
    small_user, small = make_supplier(session, app)
    month_of_orders(session, make_product(session, app, small_user), OCT, orders=3, refunded=3)
    run(session, app)
    assert review_of(session, small).refund_bp == 10_000  # measured, over three orders
    sign_in(client, make_user(session, Role.ADMIN))
    row = client.get("/console/admin/reviews?month=2026-10").get_data(as_text=True).split(small.company_name)[1]
    row = row.split("</tr>")[0]
    assert "订单不足，未考核" in row and "100%" not in row and row.count("—") == 3
    sign_in(client, small_user)
    own = client.get("/console/supplier/reviews").get_data(as_text=True)
    assert "订单不足，未考核" in own and "100%" not in own.split("订单不足，未考核")[1].split("</tr>")[0]
