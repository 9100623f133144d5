"""平台管理 › 供货商审核 and 供货商: admins approve and reject applications, and suspend, reinstate or remove a supplier
after seeing how many products and shops it touches, all through the API's decision service."""

from __future__ import annotations

import pytest

from distro.auth.models import Role, User
from distro.suppliers.models import Product, Supplier
from tests.factories import PASSWORD, SUPPLIER_BAR, make_product, make_shop, make_supplier, make_user


def sign_in(client, user):
    client.post("/login", data={"login": user.email, "password": PASSWORD})


@pytest.fixture
def admin(client, session):
    admin = make_user(session, Role.ADMIN)
    sign_in(client, admin)
    return admin


def test_the_review_queue_lists_pending_applications_with_their_qualifications(client, app, session, admin):
    _, pending = make_supplier(session, app, approve=False)
    _, approved = make_supplier(session, app)
    page = client.get("/console/admin/applications").get_data(as_text=True)
    assert f"/console/admin/applications/{pending.id}/approve" in page
    assert f"/console/admin/applications/{approved.id}/approve" not in page
    assert "¥1,000,000.00" in page and "¥10,000.00" in page and "资质文件" in page


def test_the_review_queue_calls_the_declared_deposit_promised_not_paid(client, app, session, admin):
    """The application's deposit is what the applicant promised (承诺缴纳); what is paid is on the 保证金 pages."""
    make_supplier(session, app, approve=False)
    page = client.get("/console/admin/applications").get_data(as_text=True)
    assert '<th scope="row">承诺缴纳的保证金</th>' in page
    assert '<th scope="row">保证金</th>' not in page


def test_an_admin_approves_an_application_and_the_supplier_may_sell(client, app, session, admin):
    _, pending = make_supplier(session, app, approve=False)
    answer = client.post(f"/console/admin/applications/{pending.id}/approve")
    assert answer.status_code == 303
    session.refresh(pending)
    assert pending.status == "approved" and pending.decided_by == admin.id
    assert "已通过申请" in client.get(answer.headers["Location"]).get_data(as_text=True)


def test_rejecting_without_a_reason_is_refused_on_the_field_in_chinese_and_changes_nothing(client, app, session, admin):
    _, pending = make_supplier(session, app, approve=False)
    answer = client.post(f"/console/admin/applications/{pending.id}/reject", data={"reason": "   "})
    assert answer.status_code == 422
    assert f'id="reason-{pending.id}-error">请填写理由' in answer.get_data(as_text=True)
    session.refresh(pending)
    assert pending.status == "applied"


def test_a_rejection_keeps_its_reason_for_the_supplier(client, app, session, admin):
    _, pending = make_supplier(session, app, approve=False)
    answer = client.post(f"/console/admin/applications/{pending.id}/reject", data={"reason": "注册资本证明不清晰"})
    assert answer.status_code == 303
    session.refresh(pending)
    assert (pending.status, pending.status_reason) == ("rejected", "注册资本证明不清晰")


def test_deciding_twice_differently_is_refused_in_chinese_not_a_500(client, app, session, admin):
    _, pending = make_supplier(session, app, approve=False)
    client.post(f"/console/admin/applications/{pending.id}/reject", data={"reason": "资料不全"})
    answer = client.post(f"/console/admin/applications/{pending.id}/approve")
    assert answer.status_code == 409 and "当前状态不能这样处理" in answer.get_data(as_text=True)


def test_an_application_that_is_not_there_is_a_chinese_404(client, admin):
    assert client.post("/console/admin/applications/999999/approve").status_code == 404
    answer = client.get("/console/admin/suppliers/999999")
    assert answer.status_code == 404 and "找不到页面" in answer.get_data(as_text=True)


def test_the_suppliers_list_filters_by_status_and_searches_the_company_name(client, app, session, admin):
    _, approved = make_supplier(session, app)
    _, pending = make_supplier(session, app, approve=False)
    approved.company_name = "青岛海鲜直供有限公司"
    session.commit()
    by_status = client.get("/console/admin/suppliers?status=applied").get_data(as_text=True)
    assert f'/console/admin/suppliers/{pending.id}"' in by_status
    assert f'/console/admin/suppliers/{approved.id}"' not in by_status
    searched = client.get("/console/admin/suppliers?q=海鲜").get_data(as_text=True)
    assert "青岛海鲜直供有限公司" in searched and f'/console/admin/suppliers/{pending.id}"' not in searched
    assert client.get(f"/console/admin/suppliers?q={approved.id}").get_data(as_text=True).count("海鲜") == 1
    assert client.get("/console/admin/suppliers?status=nonsense").status_code == 422


def test_the_suppliers_list_pages_by_keyset_newest_first(client, app, session, admin):
    users = [
        User(email=f"bulk{n}@example.cn", display_name="批量", password_hash="x", roles=["supplier"]) for n in range(51)
    ]
    session.add_all(users)
    session.flush()
    suppliers = [Supplier(user_id=user.id, **SUPPLIER_BAR) for user in users]  # type: ignore[arg-type]
    session.add_all(suppliers)
    session.commit()
    ids = sorted(supplier.id for supplier in suppliers)
    first = client.get("/console/admin/suppliers?status=applied").get_data(as_text=True)
    assert f'/console/admin/suppliers/{ids[-1]}"' in first and f'/console/admin/suppliers/{ids[0]}"' not in first
    assert f"after={ids[1]}" in first and "下一页" in first
    second = client.get(f"/console/admin/suppliers?status=applied&after={ids[1]}").get_data(as_text=True)
    assert f'/console/admin/suppliers/{ids[0]}"' in second and "下一页" not in second


def test_suspending_shows_how_many_products_and_shops_it_touches_before_confirming(client, app, session, admin):
    supplier_user, supplier = make_supplier(session, app)
    products = [make_product(session, app, supplier_user) for _ in range(3)]
    make_shop(session, app, carrying=products[:2])
    make_shop(session, app, carrying=products[1:2])
    make_shop(session, app)  # carries nothing of theirs
    page = client.get(f"/console/admin/suppliers/{supplier.id}/suspend").get_data(as_text=True)
    assert "该供货商的 3 件商品（其中 3 件正在货源池）将立即离开货源池，2 家店铺将不再展示它们" in page
    session.refresh(supplier)
    assert supplier.status == "approved"  # seeing the effect changes nothing


def test_a_suspension_needs_a_reason_then_takes_the_products_out_of_the_pool(client, app, session, admin):
    supplier_user, supplier = make_supplier(session, app)
    product = make_product(session, app, supplier_user)
    refused = client.post(f"/console/admin/suppliers/{supplier.id}/suspend", data={"reason": ""})
    assert refused.status_code == 422 and "请填写理由" in refused.get_data(as_text=True)
    answer = client.post(f"/console/admin/suppliers/{supplier.id}/suspend", data={"reason": "多次发货超时"})
    assert answer.status_code == 303 and answer.headers["Location"].startswith(
        f"/console/admin/suppliers/{supplier.id}"
    )
    session.expire_all()
    assert (supplier.status, supplier.status_reason) == ("suspended", "多次发货超时")
    assert session.get(Product, product.id).in_pool is False  # type: ignore[union-attr]


def test_a_suspended_supplier_is_reinstated_and_a_removed_one_stays_removed(client, app, session, admin):
    _, supplier = make_supplier(session, app)
    client.post(f"/console/admin/suppliers/{supplier.id}/suspend", data={"reason": "抽检不合格"})
    assert (
        client.post(f"/console/admin/suppliers/{supplier.id}/reinstate", data={"reason": "复检合格"}).status_code == 303
    )
    assert session.get(Supplier, supplier.id).status == "approved"  # type: ignore[union-attr]
    assert client.post(f"/console/admin/suppliers/{supplier.id}/remove", data={"reason": "售假"}).status_code == 303
    answer = client.post(f"/console/admin/suppliers/{supplier.id}/reinstate", data={"reason": "申诉"})
    assert answer.status_code == 409 and "当前状态不能这样处理" in answer.get_data(as_text=True)


def test_an_admin_cannot_decide_on_their_own_supplier_account(client, app, session):
    both = make_user(session, Role.ADMIN, Role.SUPPLIER)
    _, own = make_supplier(session, app, user=both)
    sign_in(client, both)
    answer = client.post(f"/console/admin/suppliers/{own.id}/suspend", data={"reason": "自己"})
    assert answer.status_code == 403 and "不能处理你自己账户名下的对象" in answer.get_data(as_text=True)


def test_an_unknown_decision_is_a_404(client, app, session, admin):
    _, supplier = make_supplier(session, app)
    assert client.get(f"/console/admin/suppliers/{supplier.id}/approve").status_code == 404
    assert client.post(f"/console/admin/suppliers/{supplier.id}/explode", data={"reason": "x"}).status_code == 404


@pytest.mark.parametrize("path", ["/console/admin/applications", "/console/admin/suppliers"])
def test_an_account_without_the_admin_role_is_refused_with_a_403(client, session, path):
    sign_in(client, make_user(session, Role.FINANCE))
    assert client.get(path).status_code == 403
