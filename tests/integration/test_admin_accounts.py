"""Admins deactivate and reactivate accounts and change their roles, holding from the account's next request."""

import pytest
import sqlalchemy as sa

from distro.audit import AuditEntry
from distro.auth.models import RefreshToken, Role, WebSession
from distro.auth.phones import attach_verified_phone
from tests.factories import PASSWORD, bearer, make_user

PROBLEM = "application/problem+json"
PHONE = "13800000031"


def sign_in(client, user):
    """An API sign-in as the user would make it: (access token header, refresh token)."""
    response = client.post(
        "/api/v1/auth/token", json={"grant_type": "password", "email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    tokens = response.get_json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}, tokens["refresh_token"]


def refresh(client, refresh_token):
    return client.post("/api/v1/auth/token", json={"grant_type": "refresh_token", "refresh_token": refresh_token})


def audit_actions(session, user):
    query = sa.select(AuditEntry.action).where(AuditEntry.subject_type == "user", AuditEntry.subject_id == user.id)
    return session.scalars(query.order_by(AuditEntry.id)).all()


def test_a_deactivated_account_is_refused_on_its_next_request_though_its_token_has_not_expired(app, client, session):
    admin = make_user(session, Role.ADMIN)
    owner = make_user(session, Role.SHOP_OWNER)
    headers, refresh_token = sign_in(client, owner)
    assert client.get("/api/v1/me", headers=headers).status_code == 200

    deactivated = client.post(
        f"/api/v1/admin/users/{owner.id}/deactivate", json={"reason": "刷单"}, headers=bearer(app, admin)
    )

    assert (deactivated.status_code, deactivated.get_json()["is_active"]) == (200, False)
    refused = client.get("/api/v1/me", headers=headers)
    assert (refused.status_code, refused.content_type) == (401, PROBLEM)
    assert "deactivated" in refused.get_json()["detail"]
    assert refresh(client, refresh_token).status_code == 401
    revoked = session.scalars(sa.select(RefreshToken.revoked_at).where(RefreshToken.user_id == owner.id)).all()
    assert revoked and None not in revoked
    [entry] = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "user.deactivated")).all()
    assert (entry.actor_id, entry.subject_id, entry.after) == (
        admin.id,
        owner.id,
        {"is_active": False, "reason": "刷单"},
    )


def test_deactivating_ends_the_accounts_page_sessions_on_the_server(app, client, session):
    admin = make_user(session, Role.ADMIN)
    owner = make_user(session, Role.SHOP_OWNER)
    attach_verified_phone(session=session, user_id=owner.id, phone=PHONE, secret=app.config["SECRET_KEY"])
    assert client.post("/login", data={"login": PHONE, "password": PASSWORD}).status_code == 303
    assert client.get("/my").status_code == 200

    client.post(f"/api/v1/admin/users/{owner.id}/deactivate", json={"reason": "盗号"}, headers=bearer(app, admin))

    assert client.get("/my").headers["Location"].startswith("/login")
    assert session.scalars(sa.select(WebSession.ended_at).where(WebSession.user_id == owner.id)).one() is not None


def test_a_deactivated_owner_who_types_the_right_password_is_told_the_account_is_stopped(app, client, session):
    admin = make_user(session, Role.ADMIN)
    owner = make_user(session, Role.SHOP_OWNER)
    attach_verified_phone(session=session, user_id=owner.id, phone=PHONE, secret=app.config["SECRET_KEY"])
    client.post(f"/api/v1/admin/users/{owner.id}/deactivate", json={"reason": "盗号"}, headers=bearer(app, admin))

    page = client.post("/login", data={"login": PHONE, "password": PASSWORD})
    api = client.post("/api/v1/auth/token", json={"grant_type": "password", "email": owner.email, "password": PASSWORD})
    wrong = client.post("/login", data={"login": PHONE, "password": "not-" + PASSWORD})

    assert page.status_code == 422 and "账号已停用" in page.get_data(as_text=True)
    assert (api.status_code, api.get_json()["detail"]) == (401, "The account is deactivated.")
    assert "账号已停用" not in wrong.get_data(as_text=True)
    assert "手机号或密码不正确" in wrong.get_data(as_text=True)
    assert client.get("/my").status_code == 302


def test_deactivating_or_reactivating_twice_changes_nothing_the_second_time(app, client, session):
    admin = make_user(session, Role.ADMIN)
    owner = make_user(session, Role.SHOP_OWNER)
    url = f"/api/v1/admin/users/{owner.id}"
    for action in ("deactivate", "deactivate", "reactivate", "reactivate"):
        response = client.post(f"{url}/{action}", json={"reason": f"{action}原因"}, headers=bearer(app, admin))
        assert response.status_code == 200
    session.refresh(owner)
    assert owner.is_active is True
    assert audit_actions(session, owner) == ["user.deactivated", "user.reactivated"]


def test_a_reactivated_account_signs_in_again_but_the_tokens_it_had_stay_refused(app, client, session):
    admin = make_user(session, Role.ADMIN)
    owner = make_user(session, Role.SHOP_OWNER)
    old_headers, old_refresh = sign_in(client, owner)
    url = f"/api/v1/admin/users/{owner.id}"
    client.post(f"{url}/deactivate", json={"reason": "可疑登录"}, headers=bearer(app, admin))
    client.post(f"{url}/reactivate", json={"reason": "本人已核实"}, headers=bearer(app, admin))

    assert client.get("/api/v1/me", headers=old_headers).status_code == 401
    assert refresh(client, old_refresh).status_code == 401
    new_headers, _ = sign_in(client, owner)
    assert client.get("/api/v1/me", headers=new_headers).status_code == 200


def test_a_role_taken_away_is_refused_on_the_next_request_and_one_given_holds_at_once(app, client, session):
    admin = make_user(session, Role.ADMIN)
    user = make_user(session, Role.FINANCE, Role.SHOP_OWNER)
    headers, _ = sign_in(client, user)
    finance_page = "/api/v1/settlement/batches"
    assert client.get(finance_page, headers=headers).status_code == 200
    url = f"/api/v1/admin/users/{user.id}/roles"

    taken = client.put(url, json={"roles": ["shop_owner"], "reason": "调岗"}, headers=bearer(app, admin))
    assert taken.status_code == 200
    refused = client.get(finance_page, headers=headers)
    assert (refused.status_code, refused.content_type) == (403, PROBLEM)

    client.put(url, json={"roles": ["shop_owner", "finance"]}, headers=bearer(app, admin))
    assert client.get(finance_page, headers=headers).status_code == 200
    again = client.put(url, json={"roles": ["finance", "shop_owner"]}, headers=bearer(app, admin))
    assert again.status_code == 200
    [first, second] = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "user.roles")).all()
    assert (first.before, first.after) == (
        {"roles": ["finance", "shop_owner"]},
        {"roles": ["shop_owner"], "reason": "调岗"},
    )
    assert second.after == {"roles": ["finance", "shop_owner"], "reason": None}


@pytest.mark.parametrize("action", ["deactivate", "reactivate"])
@pytest.mark.parametrize("body", [{}, {"reason": "   "}])
def test_an_account_action_needs_a_reason_and_changes_nothing_without_one(app, client, session, action, body):
    admin = make_user(session, Role.ADMIN)
    owner = make_user(session, Role.SHOP_OWNER)
    response = client.post(f"/api/v1/admin/users/{owner.id}/{action}", json=body, headers=bearer(app, admin))
    assert (response.status_code, response.content_type) == (422, PROBLEM)
    assert [(e["field"], e["rule"]) for e in response.get_json()["errors"]] == [("reason", "required")]
    session.refresh(owner)
    assert owner.is_active is True
    assert audit_actions(session, owner) == []


@pytest.mark.parametrize("role", [Role.SHOP_OWNER, Role.SUPPLIER, Role.FINANCE])
def test_only_an_admin_deactivates_an_account(app, client, session, role):
    caller = make_user(session, role)
    owner = make_user(session, Role.SHOP_OWNER)
    response = client.post(
        f"/api/v1/admin/users/{owner.id}/deactivate", json={"reason": "看不顺眼"}, headers=bearer(app, caller)
    )
    assert (response.status_code, response.content_type) == (403, PROBLEM)
    session.refresh(owner)
    assert owner.is_active is True


def test_an_admin_cannot_deactivate_their_own_account(app, client, session):
    admin = make_user(session, Role.ADMIN)
    response = client.post(
        f"/api/v1/admin/users/{admin.id}/deactivate", json={"reason": "测试"}, headers=bearer(app, admin)
    )
    assert (response.status_code, response.content_type) == (403, PROBLEM)
    session.refresh(admin)
    assert admin.is_active is True
