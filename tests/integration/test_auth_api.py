import datetime as dt

import jwt
import pytest
import sqlalchemy as sa
from flask import Flask

from distro.auth.access import check_every_route_declares_access
from distro.auth.models import Role, User
from distro.ledger.models import Adjustment
from tests.factories import PASSWORD, bearer, make_user

PROBLEM = "application/problem+json"


def sign_in(client, email, password=PASSWORD):
    return client.post("/api/v1/auth/token", json={"grant_type": "password", "email": email, "password": password})


def test_a_new_shop_owner_signs_up_signs_in_and_sees_their_account(client):
    created = client.post(
        "/api/v1/auth/signup",
        json={"email": "Mei@Example.cn", "password": PASSWORD, "display_name": "王小美", "roles": ["shop_owner"]},
    )
    assert created.status_code == 201
    token = sign_in(client, "mei@example.cn")
    assert token.status_code == 200
    body = token.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.get_json()["display_name"] == "王小美"
    assert me.get_json()["roles"] == ["shop_owner"]


def test_sign_up_cannot_grant_finance_or_admin(client, session):
    response = client.post(
        "/api/v1/auth/signup",
        json={"email": "x@example.cn", "password": PASSWORD, "display_name": "x", "roles": ["finance"]},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "roles"
    assert session.query(User).count() == 0


def test_sign_up_names_each_bad_field_and_rule(client):
    response = client.post("/api/v1/auth/signup", json={"email": "not-an-email", "password": "short", "roles": []})
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    problem = response.get_json()
    fields = {(error["field"], error["rule"]) for error in problem["errors"]}
    assert ("email", "email") in fields
    assert ("display_name", "required") in fields
    assert ("roles", "length") in fields


def test_an_email_longer_than_the_column_is_a_422_and_creates_no_account(client, session):
    email = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".cn"  # a valid address of 313 characters
    response = client.post(
        "/api/v1/auth/signup",
        json={"email": email, "password": "long-enough-pw", "display_name": "y", "roles": ["supplier"]},
    )
    assert response.status_code == 422 and response.content_type == PROBLEM
    assert [(error["field"], error["rule"]) for error in response.get_json()["errors"]] == [("email", "length")]
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_a_short_password_is_refused(client):
    response = client.post(
        "/api/v1/auth/signup",
        json={"email": "y@example.cn", "password": "short", "display_name": "y", "roles": ["supplier"]},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"field": "password", "rule": "length", "message": "must be at least 10 characters"}
    ]


def test_an_email_is_taken_once_whatever_its_case(client, session):
    make_user(session, email="dup@example.cn")
    response = client.post(
        "/api/v1/auth/signup",
        json={"email": "DUP@example.cn", "password": PASSWORD, "display_name": "d", "roles": ["supplier"]},
    )
    assert response.status_code == 409


def test_a_wrong_password_gets_401_problem(client, session):
    make_user(session, email="owner@example.cn")
    response = sign_in(client, "owner@example.cn", "wrong-password-123")
    assert response.status_code == 401
    assert response.content_type == PROBLEM
    assert sign_in(client, "nobody@example.cn").status_code == 401


def test_a_refresh_token_rotates_and_its_reuse_revokes_the_sign_in(client, session):
    make_user(session, email="r@example.cn")
    first = sign_in(client, "r@example.cn").get_json()
    second = client.post(
        "/api/v1/auth/token", json={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert second.status_code == 200
    rotated = second.get_json()["refresh_token"]
    assert rotated != first["refresh_token"]

    reuse = client.post(
        "/api/v1/auth/token", json={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert reuse.status_code == 401
    after_reuse = client.post("/api/v1/auth/token", json={"grant_type": "refresh_token", "refresh_token": rotated})
    assert after_reuse.status_code == 401


def test_signing_out_revokes_the_refresh_token(client, session, app):
    user = make_user(session, email="out@example.cn")
    pair = sign_in(client, "out@example.cn").get_json()
    revoked = client.post(
        "/api/v1/auth/revoke", json={"refresh_token": pair["refresh_token"]}, headers=bearer(app, user)
    )
    assert revoked.status_code == 204
    again = client.post(
        "/api/v1/auth/token", json={"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]}
    )
    assert again.status_code == 401


def _token(app, **overrides):
    key_id, key = next(iter(app.config["JWT_KEYS"].items()))
    now = int(dt.datetime.now(dt.UTC).timestamp())
    payload = {"sub": "1", "roles": ["finance"], "iat": now, "exp": now + 600, "iss": "distro", "aud": "distro-api"}
    headers = {"kid": overrides.pop("kid", key_id)}
    algorithm = overrides.pop("alg", "HS256")
    key = overrides.pop("key", key)
    payload.update(overrides)
    payload = {name: value for name, value in payload.items() if value is not None}
    return jwt.encode(payload, key if algorithm != "none" else None, algorithm=algorithm, headers=headers)


@pytest.mark.parametrize(
    ("case", "overrides"),
    [
        ("alg none", {"alg": "none"}),
        ("wrong algorithm", {"alg": "HS512"}),
        ("wrong key", {"key": "an-attacker-key-0123456789abcdef0123"}),
        ("missing exp", {"exp": None}),
        ("expired", {"exp": int(dt.datetime.now(dt.UTC).timestamp()) - 3600}),
        ("wrong audience", {"aud": "another-api"}),
        ("wrong issuer", {"iss": "another-issuer"}),
        ("unknown kid", {"kid": "retired-key"}),
    ],
)
def test_a_bad_token_on_a_finance_route_gets_401_problem(client, app, case, overrides):
    response = client.get(
        "/api/v1/ledger/trial-balance", headers={"Authorization": f"Bearer {_token(app, **overrides)}"}
    )
    assert response.status_code == 401, case
    assert response.content_type == PROBLEM
    assert response.get_json()["status"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_valid_token_without_the_finance_role_gets_403_and_changes_nothing(client, app, session):
    owner = make_user(session, Role.SHOP_OWNER, Role.SUPPLIER)
    response = client.post(
        "/api/v1/ledger/adjustments",
        json={
            "memo": "steal",
            "entries": [{"account": "cash", "amount": -100}, {"account": "shop:1:available", "amount": 100}],
        },
        headers=bearer(app, owner),
    )
    assert response.status_code == 403
    assert response.content_type == PROBLEM
    assert session.query(Adjustment).count() == 0


def test_an_account_with_several_roles_passes_each_roles_checks(client, app, session):
    both = make_user(session, Role.FINANCE, Role.SHOP_OWNER)
    assert client.get("/api/v1/ledger/trial-balance", headers=bearer(app, both)).status_code == 200
    assert client.get("/api/v1/me", headers=bearer(app, both)).status_code == 200


def test_only_an_admin_creates_finance_accounts(client, app, session):
    admin = make_user(session, Role.ADMIN)
    finance = make_user(session, Role.FINANCE)
    new = {"email": "fin@example.cn", "password": PASSWORD, "display_name": "财务", "roles": ["finance"]}
    assert client.post("/api/v1/admin/users", json=new, headers=bearer(app, finance)).status_code == 403
    created = client.post("/api/v1/admin/users", json=new, headers=bearer(app, admin))
    assert created.status_code == 201
    assert created.get_json()["roles"] == ["finance"]


def test_an_admin_cannot_remove_their_own_admin_role(client, app, session):
    admin = make_user(session, Role.ADMIN)
    response = client.put(
        f"/api/v1/admin/users/{admin.id}/roles", json={"roles": ["finance"]}, headers=bearer(app, admin)
    )
    assert response.status_code == 422
    session.refresh(admin)
    assert admin.roles == ["admin"]


def test_every_api_route_declares_who_may_call_it(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            assert getattr(app.view_functions[rule.endpoint], "access", None), rule.rule


def test_an_api_route_without_an_access_rule_stops_the_app_from_starting():
    app = Flask(__name__)
    app.add_url_rule("/api/v1/forgotten", "forgotten", lambda: "open to all")
    with pytest.raises(RuntimeError, match="/api/v1/forgotten"):
        check_every_route_declares_access(app)
