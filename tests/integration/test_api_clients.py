"""The OAuth 2 client-credentials grant end to end: an admin's API client gets a short-lived token with its id and
secret, calls its account's routes within its scope, and stops at once when revoked; the password grant is as it
was."""

from __future__ import annotations

import base64

import sqlalchemy as sa

from distro.audit import AuditEntry
from distro.auth import clients, standing
from distro.auth.access import PUBLIC
from distro.auth.client_models import ApiClient
from distro.auth.models import Role
from tests.factories import PASSWORD, bearer, make_supplier, make_user

TOKEN = "/api/v1/auth/token"
SHIPMENTS = "/api/v1/supplier/shipments"
PROBLEM = "application/problem+json"


def make_client(session, account, role=Role.SUPPLIER, scopes=("shipments:read", "orders:read")):
    admin = make_user(session, Role.ADMIN)
    return clients.create_client(
        session=session, name="某某 ERP", role=role, scopes=scopes, account_email=account.email, admin_id=admin.id
    )


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def client_token(http, made, **form) -> dict:
    answer = http.post(
        TOKEN, data={"grant_type": "client_credentials", **form}, headers=basic(made.client.client_id, made.secret)
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def auth(token: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {token['access_token']}"}


def audited(session, made) -> list[str]:
    query = (
        sa.select(AuditEntry.action)
        .where(AuditEntry.subject_type == "api_client", AuditEntry.subject_id == made.client.id)
        .order_by(AuditEntry.id)
    )
    return list(session.execute(query).scalars())


def test_an_erp_trades_its_client_credentials_for_a_short_lived_token_and_reads_its_supplier_s_shipping_list(
    client, app, session
):
    supplier_user, _ = make_supplier(session, app)
    made = make_client(session, supplier_user)
    answer = client.post(
        TOKEN, data={"grant_type": "client_credentials"}, headers=basic(made.client.client_id, made.secret)
    )
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    token = answer.get_json()
    assert token["token_type"] == "Bearer" and token["expires_in"] == app.config["ACCESS_TOKEN_SECONDS"]
    assert token["scope"] == "orders:read shipments:read" and "refresh_token" not in token
    assert client.get(SHIPMENTS, headers=auth(token)).status_code == 200
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 403  # accounts:read was not granted
    session.refresh(made.client)
    assert made.client.last_used_at is not None
    assert audited(session, made) == ["api_client.created", "api_client.token"]


def test_a_revoked_client_s_live_token_is_refused_at_once_and_it_gets_no_new_one(client, app, session):
    supplier_user, _ = make_supplier(session, app)
    made = make_client(session, supplier_user)
    token = client_token(client, made)
    admin = make_user(session, Role.ADMIN)
    clients.revoke_client(session=session, client_id=made.client.id, admin_id=admin.id)
    refused = client.get(SHIPMENTS, headers=auth(token))
    assert refused.status_code == 401 and refused.mimetype == PROBLEM
    assert "revoked" in refused.get_json()["detail"]
    again = client.post(
        TOKEN, data={"grant_type": "client_credentials"}, headers=basic(made.client.client_id, made.secret)
    )
    assert again.status_code == 401 and again.get_json()["error"] == "invalid_client"
    assert audited(session, made)[-2:] == ["api_client.revoked", "api_client.refused"]


def test_a_wrong_secret_is_401_invalid_client_with_a_basic_challenge(client, app, session):
    supplier_user, _ = make_supplier(session, app)
    made = make_client(session, supplier_user)
    answer = client.post(
        TOKEN, data={"grant_type": "client_credentials"}, headers=basic(made.client.client_id, made.secret + "x")
    )
    assert answer.status_code == 401 and answer.mimetype == "application/json"
    assert answer.headers["WWW-Authenticate"] == 'Basic realm="distro"'
    assert answer.get_json()["error"] == "invalid_client"
    assert audited(session, made)[-1] == "api_client.refused"
    unknown = client.post(TOKEN, data={"grant_type": "client_credentials"}, headers=basic("dc_nosuchclient00000", "x"))
    assert unknown.status_code == 401 and unknown.get_json()["error"] == "invalid_client"


def test_the_client_may_send_its_id_and_secret_in_the_form_or_as_json_but_not_two_ways_at_once(client, app, session):
    supplier_user, _ = make_supplier(session, app)
    made = make_client(session, supplier_user)
    credentials = {"client_id": made.client.client_id, "client_secret": made.secret}
    form = client.post(TOKEN, data={"grant_type": "client_credentials", **credentials})
    assert form.status_code == 200 and form.get_json()["access_token"]
    as_json = client.post(TOKEN, json={"grant_type": "client_credentials", **credentials})
    assert as_json.status_code == 200 and as_json.get_json()["access_token"]
    both = client.post(
        TOKEN,
        data={"grant_type": "client_credentials", **credentials},
        headers=basic(made.client.client_id, made.secret),
    )
    assert both.status_code == 400 and both.get_json()["error"] == "invalid_request"
    none = client.post(TOKEN, data={"grant_type": "client_credentials"})
    assert none.status_code == 401 and none.get_json()["error"] == "invalid_client"


def test_a_call_beyond_the_token_s_scope_is_403_problem_and_changes_nothing(client, app, session):
    supplier_user, _ = make_supplier(session, app)
    made = make_client(session, supplier_user)
    token = client_token(client, made)
    shipping = {"shipments": [{"order_ref": "X1", "carrier": "顺丰", "tracking_number": "SF1"}]}
    answer = client.post(f"{SHIPMENTS}/ship", json=shipping, headers=auth(token))
    assert answer.status_code == 403 and answer.mimetype == PROBLEM
    assert "shipments:write" in answer.get_json()["detail"]


def test_a_token_may_ask_for_part_of_the_client_s_scope_and_nothing_beyond_it(client, app, session):
    supplier_user, _ = make_supplier(session, app)
    made = make_client(session, supplier_user)
    narrow = client_token(client, made, scope="orders:read")
    assert narrow["scope"] == "orders:read"
    assert client.get(SHIPMENTS, headers=auth(narrow)).status_code == 403
    beyond = client.post(
        TOKEN,
        data={"grant_type": "client_credentials", "scope": "orders:read settlement:read"},
        headers=basic(made.client.client_id, made.secret),
    )
    assert beyond.status_code == 400 and beyond.get_json()["error"] == "invalid_scope"


def test_a_client_acts_only_in_its_one_role_whatever_else_its_account_holds(client, app, session):
    both = make_user(session, Role.SUPPLIER, Role.FINANCE)
    make_supplier(session, app, user=both)
    made = make_client(session, both, scopes=("shipments:read", "settlement:read"))
    token = client_token(client, made)
    assert client.get(SHIPMENTS, headers=auth(token)).status_code == 200
    assert client.get("/api/v1/settlement/batches", headers=auth(token)).status_code == 403


def test_a_deactivated_account_s_clients_stop_and_get_no_token(client, app, session):
    supplier_user, _ = make_supplier(session, app)
    made = make_client(session, supplier_user)
    token = client_token(client, made)
    admin = make_user(session, Role.ADMIN)
    standing.deactivate(session=session, user_id=supplier_user.id, reason="合同到期", admin_id=admin.id)
    assert client.get(SHIPMENTS, headers=auth(token)).status_code == 401
    again = client.post(
        TOKEN, data={"grant_type": "client_credentials"}, headers=basic(made.client.client_id, made.secret)
    )
    assert again.status_code == 400 and again.get_json()["error"] == "unauthorized_client"


def test_the_password_grant_answers_as_before_and_a_form_takes_only_the_client_grant(client, session):
    owner = make_user(session, Role.SHOP_OWNER)
    pair = client.post(TOKEN, json={"grant_type": "password", "email": owner.email, "password": PASSWORD})
    assert pair.status_code == 200 and set(pair.get_json()) == {
        "access_token",
        "refresh_token",
        "token_type",
        "expires_in",
    }
    wrong = client.post(TOKEN, json={"grant_type": "password", "email": owner.email, "password": "wrong-password"})
    assert wrong.status_code == 401 and wrong.mimetype == PROBLEM
    form = client.post(TOKEN, data={"grant_type": "password", "email": owner.email, "password": PASSWORD})
    assert form.status_code == 400 and form.get_json()["error"] == "unsupported_grant_type"
    unknown = client.post(TOKEN, data={"grant_type": "authorization_code"})
    assert unknown.get_json()["error"] == "unsupported_grant_type"


def test_a_person_s_token_is_not_limited_by_any_scope(client, app, session):
    supplier_user, _ = make_supplier(session, app)
    assert client.get(SHIPMENTS, headers=bearer(app, supplier_user)).status_code == 200


def test_the_secret_is_stored_only_as_its_hash(session, app):
    supplier_user, _ = make_supplier(session, app)
    made = make_client(session, supplier_user)
    stored = session.execute(sa.select(ApiClient.secret_hash).where(ApiClient.id == made.client.id)).scalar_one()
    assert stored == clients.hash_secret(made.secret) and made.secret not in stored


def test_every_route_a_token_may_call_needs_a_scope_of_a_known_area(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not rule.rule.startswith("/api/v1/") or getattr(view, "access", PUBLIC) == PUBLIC:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert clients.route_scope(rule.endpoint, method) in clients.SCOPES, rule.rule


def test_the_contract_documents_the_form_body_and_the_rfc_6749_errors(client):
    operation = client.get("/api/openapi.json").get_json()["paths"][TOKEN]["post"]
    assert set(operation["requestBody"]["content"]) == {"application/json", "application/x-www-form-urlencoded"}
    for status in ("400", "401"):
        assert set(operation["responses"][status]["content"]) == {"application/json", PROBLEM}
