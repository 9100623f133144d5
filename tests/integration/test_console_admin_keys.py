"""API 密钥 in the admin console: the list of clients, making one (its secret shown once, never again), revoking
one after a confirmation, Chinese messages on bad input, and only for admins."""

from __future__ import annotations

import re

import sqlalchemy as sa

from distro.auth import clients
from distro.auth.client_models import ApiClient
from distro.auth.models import Role
from distro.pages import csrf_token_in
from tests.factories import PASSWORD, make_supplier, make_user

KEYS = "/console/admin/keys"


def sign_in(http, user) -> None:
    assert http.post("/login", data={"login": user.email, "password": PASSWORD}).status_code == 303


def create(http, **form):
    token = csrf_token_in(http.get(f"{KEYS}/new").get_data(as_text=True))
    return http.post(f"{KEYS}/new", data={"csrf_token": token, **form})


def test_an_admin_makes_a_key_for_a_supplier_s_erp_and_sees_its_secret_once(client, app, session):
    admin = make_user(session, Role.ADMIN)
    supplier_user, _ = make_supplier(session, app)
    sign_in(client, admin)
    answer = create(
        client, name="某某 ERP", role="supplier", account=supplier_user.email, scopes=["shipments:read", "orders:write"]
    )
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    page = answer.get_data(as_text=True)
    secret = re.search(r'id="client-secret">([^<]+)<', page).group(1)
    made = session.execute(sa.select(ApiClient).where(ApiClient.name == "某某 ERP")).scalar_one()
    assert made.secret_hash == clients.hash_secret(secret) and made.user_id == supplier_user.id
    assert made.scopes == ["orders:write", "shipments:read"] and made.role == "supplier"
    assert "只显示这一次" in page
    listing = client.get(KEYS).get_data(as_text=True)
    assert "某某 ERP" in listing and made.client_id in listing and secret not in listing
    assert "从未使用" in listing and "供货商" in listing


def test_a_key_for_an_account_without_the_role_is_refused_in_chinese_and_nothing_is_made(client, session):
    admin = make_user(session, Role.ADMIN)
    owner = make_user(session, Role.SHOP_OWNER)
    sign_in(client, admin)
    answer = create(client, name="ERP", role="finance", account=owner.email, scopes=["settlement:read"])
    assert answer.status_code == 422
    assert "这个账号没有所选的角色" in answer.get_data(as_text=True)
    assert session.execute(sa.select(sa.func.count()).select_from(ApiClient)).scalar_one() == 0


def test_a_form_without_a_name_or_any_scope_says_what_to_fill(client, session):
    admin = make_user(session, Role.ADMIN)
    sign_in(client, admin)
    no_name = create(client, name=" ", role="admin", account=admin.email, scopes=["accounts:read"])
    assert no_name.status_code == 422 and "请填写名称" in no_name.get_data(as_text=True)
    no_scope = create(client, name="运维脚本", role="admin", account=admin.email)
    assert no_scope.status_code == 422 and "请至少选择一项权限" in no_scope.get_data(as_text=True)
    unknown = create(client, name="运维脚本", role="admin", account="nobody@example.cn", scopes=["accounts:read"])
    assert "没有使用这个邮箱的账号" in unknown.get_data(as_text=True)


def test_an_admin_revokes_a_key_after_confirming_and_its_token_stops(client, app, session):
    admin = make_user(session, Role.ADMIN)
    supplier_user, _ = make_supplier(session, app)
    made = clients.create_client(
        session=session,
        name="旧 ERP",
        role=Role.SUPPLIER,
        scopes=["shipments:read"],
        account_email=supplier_user.email,
        admin_id=admin.id,
    )
    sign_in(client, admin)
    asking = client.get(f"{KEYS}/{made.client.id}/revoke").get_data(as_text=True)
    assert "确定吊销“旧 ERP”" in asking
    answer = client.post(f"{KEYS}/{made.client.id}/revoke", data={"csrf_token": csrf_token_in(asking)})
    assert answer.status_code == 303 and answer.headers["Location"] == KEYS
    session.refresh(made.client)
    assert made.client.revoked_at is not None and made.client.revoked_by == admin.id
    assert "已吊销" in client.get(KEYS).get_data(as_text=True)


def test_revoking_without_the_form_s_token_changes_nothing(client, app, session):
    admin = make_user(session, Role.ADMIN)
    made = clients.create_client(
        session=session,
        name="脚本",
        role=Role.ADMIN,
        scopes=["accounts:read"],
        account_email=admin.email,
        admin_id=admin.id,
    )
    sign_in(client, admin)
    assert client.post(f"{KEYS}/{made.client.id}/revoke", data={"csrf_token": ""}).status_code == 400
    session.refresh(made.client)
    assert made.client.revoked_at is None


def test_an_unknown_key_is_the_console_s_404(client, session):
    sign_in(client, make_user(session, Role.ADMIN))
    assert client.get(f"{KEYS}/999999/revoke").status_code == 404


def test_only_admins_see_api_keys(client, session):
    sign_in(client, make_user(session, Role.FINANCE))
    assert client.get(KEYS).status_code == 403
    assert client.get(f"{KEYS}/new").status_code == 403


def test_the_list_pages_newest_first_from_the_last_key_shown(client, session):
    admin = make_user(session, Role.ADMIN)
    for number in range(3):
        clients.create_client(
            session=session,
            name=f"系统{number}",
            role=Role.ADMIN,
            scopes=["accounts:read"],
            account_email=admin.email,
            admin_id=admin.id,
        )
    sign_in(client, admin)
    newest = session.execute(sa.select(sa.func.max(ApiClient.id))).scalar_one()
    after = client.get(f"{KEYS}?after={newest}").get_data(as_text=True)
    assert "系统1" in after and "系统0" in after and "系统2" not in after
