"""平台管理 › 店铺: admins find shops by status and search, approve one waiting, and suspend, reinstate or close one
with a reason, through the API's moderation service."""

from __future__ import annotations

import pytest

from distro.auth.models import Role
from distro.shops.models import Shop
from tests.factories import PASSWORD, make_shop, make_user


def sign_in(client, user):
    client.post("/login", data={"login": user.email, "password": PASSWORD})


@pytest.fixture
def admin(client, session):
    admin = make_user(session, Role.ADMIN)
    sign_in(client, admin)
    return admin


def link(shop) -> str:
    return f'/console/admin/shops/{shop.id}"'


def test_the_shops_list_filters_by_status_and_searches_name_slug_or_id(client, app, session, admin):
    tea = make_shop(session, app, name="茶香小馆", slug="tea-house")
    other = make_shop(session, app, name="别家小店", slug="elsewhere")  # no digit a search by id could match
    other.status = "suspended"
    session.commit()
    suspended = client.get("/console/admin/shops?status=suspended").get_data(as_text=True)
    assert link(other) in suspended and link(tea) not in suspended
    for search in ("茶香", "tea-h", str(tea.id)):
        found = client.get(f"/console/admin/shops?q={search}").get_data(as_text=True)
        assert link(tea) in found and link(other) not in found
    assert client.get("/console/admin/shops?status=open").status_code == 422


def test_a_shop_waiting_for_approval_is_approved_and_opens(client, app, session, admin):
    shop = make_shop(session, app)
    shop.status = "pending_approval"
    session.commit()
    assert "通过开店" in client.get(f"/console/admin/shops/{shop.id}").get_data(as_text=True)
    answer = client.post(f"/console/admin/shops/{shop.id}/approve")
    assert answer.status_code == 303
    session.expire_all()
    assert shop.status == "active"
    again = client.post(f"/console/admin/shops/{shop.id}/approve")
    assert again.status_code == 409 and "当前状态不能这样处理" in again.get_data(as_text=True)


def test_a_suspension_needs_a_reason_and_then_freezes_the_shops_payouts(client, app, session, admin):
    shop = make_shop(session, app)
    refused = client.post(f"/console/admin/shops/{shop.id}/suspend", data={"reason": " "})
    assert refused.status_code == 422 and 'id="reason-suspend-error">请填写理由' in refused.get_data(as_text=True)
    answer = client.post(f"/console/admin/shops/{shop.id}/suspend", data={"reason": "刷单"})
    assert answer.status_code == 303
    session.expire_all()
    assert (shop.status, shop.status_reason, shop.payouts_frozen) == ("suspended", "刷单", True)
    assert "已暂停该店铺" in client.get(answer.headers["Location"]).get_data(as_text=True)


def test_a_suspended_shop_is_reinstated_and_a_closed_one_stays_closed(client, app, session, admin):
    shop = make_shop(session, app)
    client.post(f"/console/admin/shops/{shop.id}/suspend", data={"reason": "刷单"})
    assert client.post(f"/console/admin/shops/{shop.id}/reinstate", data={"reason": "申诉成立"}).status_code == 303
    session.expire_all()
    assert (shop.status, shop.payouts_frozen) == ("active", False)
    closed = client.post(f"/console/admin/shops/{shop.id}/close", data={"reason": "店主申请", "pay_earned": "on"})
    assert closed.status_code == 303
    session.expire_all()
    assert (shop.status, shop.payouts_frozen) == ("closed", False)  # paid what it earned
    answer = client.post(f"/console/admin/shops/{shop.id}/reinstate", data={"reason": "误关"})
    assert answer.status_code == 409 and "当前状态不能这样处理" in answer.get_data(as_text=True)


def test_closing_without_paying_what_it_earned_freezes_it_for_review(client, app, session, admin):
    shop = make_shop(session, app)
    assert client.post(f"/console/admin/shops/{shop.id}/close", data={"reason": "售假"}).status_code == 303
    session.expire_all()
    assert (shop.status, shop.payouts_frozen) == ("closed", True)


def test_an_admin_cannot_suspend_a_shop_of_their_own(client, app, session):
    both = make_user(session, Role.ADMIN, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner=both)
    sign_in(client, both)
    answer = client.post(f"/console/admin/shops/{shop.id}/suspend", data={"reason": "自查"})
    assert answer.status_code == 403 and "不能处理你自己账户名下的对象" in answer.get_data(as_text=True)
    assert session.get(Shop, shop.id).status == "active"  # type: ignore[union-attr]


def test_a_shop_or_an_action_that_is_not_there_is_a_404(client, app, session, admin):
    shop = make_shop(session, app)
    assert client.get("/console/admin/shops/999999").status_code == 404
    assert client.post("/console/admin/shops/999999/suspend", data={"reason": "x"}).status_code == 404
    assert client.post(f"/console/admin/shops/{shop.id}/delete", data={"reason": "x"}).status_code == 404


def test_an_account_without_the_admin_role_is_refused_with_a_403(client, app, session):
    owner = make_user(session, Role.SHOP_OWNER, Role.SUPPLIER)
    shop = make_shop(session, app, owner=owner)
    sign_in(client, owner)
    assert client.get("/console/admin/shops").status_code == 403
    assert client.post(f"/console/admin/shops/{shop.id}/close", data={"reason": "x"}).status_code == 403


def test_a_shops_page_names_its_tier_not_its_code(client, app, session, admin):
    shop = make_shop(session, app)
    page = client.get(f"/console/admin/shops/{shop.id}").get_data(as_text=True)
    assert "<td>新晋掌柜</td>" in page and f"<td>{shop.tier_code}</td>" not in page
