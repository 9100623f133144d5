"""平台管理 › 用户: admins find accounts by role, standing and search; set roles, deactivate and reactivate an
account, and let an owner open more shops, through the API's services (an admin keeps its own admin role)."""

from __future__ import annotations

import pytest

from distro.auth.models import Role, User
from distro.clock import utcnow
from distro.phones import mask_phone, phone_reference
from tests.factories import PASSWORD, make_user


def sign_in(client, user):
    return client.post("/login", data={"login": user.email, "password": PASSWORD})


@pytest.fixture
def admin(client, session):
    admin = make_user(session, Role.ADMIN)
    sign_in(client, admin)
    return admin


def link(user) -> str:
    return f'/console/admin/users/{user.id}"'


def test_the_users_list_filters_by_role_and_standing_and_searches(client, session, admin):
    finance = make_user(session, Role.FINANCE, email="cashier@example.cn")
    owner = make_user(session, Role.SHOP_OWNER)
    owner.is_active = False
    session.commit()
    by_role = client.get("/console/admin/users?role=finance").get_data(as_text=True)
    assert link(finance) in by_role and link(owner) not in by_role
    stopped = client.get("/console/admin/users?active=no").get_data(as_text=True)
    assert link(owner) in stopped and link(finance) not in stopped
    found = client.get("/console/admin/users?q=cashier").get_data(as_text=True)
    assert link(finance) in found and link(owner) not in found
    assert client.get("/console/admin/users?role=king").status_code == 422


def test_an_admin_sets_an_accounts_roles_and_they_hold_at_once(client, session, admin):
    worker = make_user(session, Role.SHOP_OWNER)
    answer = client.post(
        f"/console/admin/users/{worker.id}/roles", data={"roles": ["shop_owner", "finance"], "reason": "入职财务"}
    )
    assert answer.status_code == 303
    session.expire_all()
    assert worker.roles == ["finance", "shop_owner"]


def test_an_account_needs_a_role_said_in_chinese(client, session, admin):
    worker = make_user(session, Role.SHOP_OWNER)
    answer = client.post(f"/console/admin/users/{worker.id}/roles", data={"reason": "x"})
    assert answer.status_code == 422 and "至少保留一个角色" in answer.get_data(as_text=True)


def test_an_admin_cannot_remove_its_own_admin_role(client, session, admin):
    answer = client.post(f"/console/admin/users/{admin.id}/roles", data={"roles": ["finance"]})
    assert answer.status_code == 422 and "不能移除你自己的管理员角色" in answer.get_data(as_text=True)
    session.expire_all()
    assert admin.roles == ["admin"]


def test_deactivating_needs_a_reason_then_ends_the_accounts_sign_ins(client, app, session, admin):
    worker = make_user(session, Role.FINANCE)
    other = app.test_client()
    sign_in(other, worker)
    assert other.get("/console").status_code == 200
    refused = client.post(f"/console/admin/users/{worker.id}/deactivate", data={"reason": ""})
    assert refused.status_code == 422 and "请填写理由" in refused.get_data(as_text=True)
    assert client.post(f"/console/admin/users/{worker.id}/deactivate", data={"reason": "离职"}).status_code == 303
    session.expire_all()
    assert worker.is_active is False
    assert other.get("/console").status_code == 302  # signed out: back to the sign-in page
    assert client.post(f"/console/admin/users/{worker.id}/reactivate", data={"reason": "返聘"}).status_code == 303
    session.expire_all()
    assert worker.is_active is True


def test_an_admin_cannot_deactivate_its_own_account(client, session, admin):
    answer = client.post(f"/console/admin/users/{admin.id}/deactivate", data={"reason": "试试"})
    assert answer.status_code == 403 and "不能停用或恢复你自己的账户" in answer.get_data(as_text=True)
    assert session.get(User, admin.id).is_active is True  # type: ignore[union-attr]


def test_an_owner_with_a_proven_record_is_allowed_more_shops(client, session, admin):
    owner = make_user(session, Role.SHOP_OWNER)
    refused = client.post(f"/console/admin/users/{owner.id}/shop-allowance", data={"max_shops": "500"})
    assert refused.status_code == 422 and "请填写 0 到 100 之间的整数" in refused.get_data(as_text=True)
    assert client.post(f"/console/admin/users/{owner.id}/shop-allowance", data={"max_shops": "3"}).status_code == 303
    session.expire_all()
    assert owner.max_shops == 3


def test_an_account_or_action_that_is_not_there_is_a_404(client, session, admin):
    assert client.get("/console/admin/users/999999").status_code == 404
    assert client.post("/console/admin/users/999999/deactivate", data={"reason": "x"}).status_code == 404
    assert client.post(f"/console/admin/users/{admin.id}/promote", data={"reason": "x"}).status_code == 404


def test_an_account_without_the_admin_role_is_refused_with_a_403(client, session):
    finance = make_user(session, Role.FINANCE)
    sign_in(client, finance)
    assert client.get("/console/admin/users").status_code == 403
    answer = client.post(f"/console/admin/users/{finance.id}/roles", data={"roles": ["admin"]})
    assert answer.status_code == 403
    session.expire_all()
    assert finance.roles == ["finance"]


def test_an_admin_finds_an_account_by_its_phone_typed_any_usual_way(client, app, session, admin):
    owner, other = make_user(session, Role.SHOP_OWNER), make_user(session, Role.SHOP_OWNER)
    owner.phone_reference = phone_reference("13912345678", str(app.config["SECRET_KEY"]))
    owner.phone_masked, owner.phone_verified_at = mask_phone("13912345678"), utcnow()
    session.commit()
    for typed in ("13912345678", "+86 139 1234 5678", "139-1234-5678"):
        found = client.get("/console/admin/users", query_string={"q": typed}).get_data(as_text=True)
        assert link(owner) in found and link(other) not in found, typed
    nobody = client.get("/console/admin/users", query_string={"q": "13900000000"}).get_data(as_text=True)
    assert link(owner) not in nobody
