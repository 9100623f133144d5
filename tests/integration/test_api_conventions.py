import json

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from distro.app import create_app
from distro.auth.models import Role
from distro.ledger.models import Adjustment
from distro.migrate import alembic_config, head_revision
from distro.settlement.models import PayeeAccount
from distro.validation import UNSTORABLE_TEXT
from tests.factories import bearer, make_product, make_supplier, make_user

PROBLEM = "application/problem+json"


def test_the_openapi_document_is_generated_from_the_schemas(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    adjustment = spec["paths"]["/api/v1/ledger/adjustments"]["post"]
    assert adjustment["security"] == [{"bearerAuth": []}]
    assert "requestBody" in adjustment
    assert "bearerAuth" in spec["components"]["securitySchemes"]
    assert "security" not in spec["paths"]["/api/v1/auth/token"]["post"]


def test_the_docs_page_loads_its_assets_locally(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert b"/api/docs/assets/swagger-ui-bundle.js" in page.data
    asset = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200
    asset.close()


def test_an_unknown_route_is_a_404_problem(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.content_type == PROBLEM
    assert set(response.get_json()) >= {"type", "title", "status", "detail"}


def test_a_body_that_is_not_json_is_a_400_problem(client):
    response = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.content_type == PROBLEM


def test_an_unknown_field_is_named_in_a_422_problem(client):
    response = client.post("/api/v1/auth/token", json={"grant_type": "password", "sneaky": 1})
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["type"] == "urn:distro:problem:validation-failed"
    assert {"field": "sneaky", "location": "json", "rule": "unknown", "message": "Unknown field."} in problem["errors"]


def test_lists_are_paginated_with_metadata(client, app, session):
    admin = make_user(session, Role.ADMIN)
    users = [make_user(session) for _ in range(4)]
    response = client.get("/api/v1/admin/users?page=2&page_size=2", headers=bearer(app, admin))
    assert response.status_code == 200
    newest_first = sorted([admin, *users], key=lambda user: user.id, reverse=True)
    assert [user["email"] for user in response.get_json()] == [user.email for user in newest_first[2:4]]
    assert '"total": 5' in response.headers["X-Pagination"]
    too_big = client.get("/api/v1/admin/users?page_size=1000", headers=bearer(app, admin))
    assert too_big.status_code == 422


def test_healthz_and_readyz_answer_when_all_is_up(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": "ok", "migrations": "ok", "redis": "ok"}


def not_ready(app) -> dict:
    """GET /readyz, which must be a 503 problem; return the problem."""
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.content_type == PROBLEM
    return response.get_json()


def test_readyz_is_a_503_problem_when_redis_is_unreachable(database_url, tmp_path):
    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": f"unix://{tmp_path}/no-redis.sock"})
    problem = not_ready(app)
    assert problem["checks"]["redis"].startswith("unreachable")
    assert problem["detail"] == "Not ready: redis; see checks."


def test_readyz_is_a_503_problem_naming_the_database_when_it_is_unreachable(server_urls, tmp_path):
    # A server socket directory where no PostgreSQL listens: the app starts (its migration check is
    # skipped, as if the database went away after start-up), and readiness must say so.
    nowhere = f"postgresql+psycopg://postgres@/distro?host={tmp_path}"
    app = create_app({"DATABASE_URL": nowhere, "REDIS_URL": server_urls["redis"]}, check_migrations=False)
    problem = not_ready(app)
    assert problem["checks"]["database"].startswith("unreachable")
    assert (problem["checks"]["migrations"], problem["checks"]["redis"]) == ("unknown", "ok")
    assert problem["detail"] == "Not ready: database, migrations; see checks."


def test_readyz_is_a_503_problem_when_the_database_was_never_migrated(empty_db, server_urls):
    app = create_app({"DATABASE_URL": empty_db, "REDIS_URL": server_urls["redis"]}, check_migrations=False)
    problem = not_ready(app)
    assert problem["checks"] == {
        "database": "ok",
        "migrations": f"never migrated; code needs {head_revision()}",
        "redis": "ok",
    }
    assert problem["detail"] == "Not ready: migrations; see checks."


def test_readyz_is_a_503_problem_when_the_database_falls_a_revision_behind_the_code(committed_app, committed_db):
    head = head_revision()
    previous = ScriptDirectory.from_config(alembic_config(committed_db)).get_revision(head).down_revision
    command.stamp(alembic_config(committed_db), previous)
    problem = not_ready(committed_app)
    assert problem["checks"]["migrations"] == f"at {previous}; code needs {head}"
    assert problem["checks"]["database"] == problem["checks"]["redis"] == "ok"


BEYOND_BIGINT = str(2**63)


@pytest.mark.parametrize(
    ("role", "method", "path"),
    [
        (Role.SHOP_OWNER, "GET", f"/api/v1/shops/{BEYOND_BIGINT}"),
        (Role.SHOP_OWNER, "POST", "/api/v1/shops/99999999999999999999/share-links"),
        (Role.SUPPLIER, "PATCH", f"/api/v1/supplier/products/{BEYOND_BIGINT}"),
        (Role.FINANCE, "POST", f"/api/v1/settlement/batches/{BEYOND_BIGINT}/approve"),
        (Role.FINANCE, "GET", f"/api/v1/ledger/postings/{BEYOND_BIGINT}"),
        (Role.ADMIN, "PUT", f"/api/v1/admin/users/{BEYOND_BIGINT}/roles"),
        (None, "GET", f"/shop/some-shop/p/{BEYOND_BIGINT}"),
    ],
)
def test_a_path_id_beyond_bigint_is_a_404_problem(client, app, session, role, method, path):
    headers = bearer(app, make_user(session, role)) if role else {}
    response = client.open(path, method=method, headers=headers, json={})
    assert response.status_code == 404
    assert response.content_type == PROBLEM


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (None, "/api/v1/public/shops/mei%00"),
        (Role.FINANCE, "/api/v1/ledger/accounts/cash%00"),
        (None, "/shop/mei%00"),
        (None, "/orders/DS%00"),
    ],
)
def test_a_nul_in_a_path_segment_is_a_404_problem(client, app, session, role, path):
    headers = bearer(app, make_user(session, role)) if role else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 404
    assert response.content_type == PROBLEM


UNSTORABLE = ["a\x00b", "a\ud800b"]  # PostgreSQL text refuses a NUL; UTF-8 cannot encode an unpaired surrogate


def payee_body(account_name: str) -> bytes:
    """A payee account registration as raw JSON (json.dumps escapes a lone surrogate, as a client would)."""
    return json.dumps({"kind": "bank", "account_name": account_name, "account_number": "6222000011112222"}).encode()


@pytest.mark.parametrize("text", UNSTORABLE)
def test_text_the_database_cannot_hold_in_a_json_body_is_a_422_naming_the_field_and_changes_nothing(
    client, app, session, text
):
    owner = make_user(session, Role.SHOP_OWNER)
    response = client.post(
        "/api/v1/payee-accounts", data=payee_body(text), content_type="application/json", headers=bearer(app, owner)
    )
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    assert response.get_json()["errors"] == [
        {"field": "account_name", "location": "json", "rule": "text", "message": UNSTORABLE_TEXT}
    ]
    assert session.scalar(sa.select(sa.func.count()).select_from(PayeeAccount)) == 0


@pytest.mark.parametrize("text", UNSTORABLE)
def test_text_the_database_cannot_hold_deep_in_a_body_is_named_by_its_path(client, app, session, text):
    supplier_user, _ = make_supplier(session, app)
    product = make_product(session, app, supplier_user)
    body = {"skus": [{"name": "大", "price_fen": 100, "stock": 1}, {"name": text, "price_fen": 100, "stock": 1}]}
    response = client.patch(
        f"/api/v1/supplier/products/{product.id}",
        data=json.dumps(body),
        content_type="application/json",
        headers=bearer(app, supplier_user),
    )
    assert response.status_code == 422
    assert [(error["field"], error["rule"]) for error in response.get_json()["errors"]] == [("skus.1.name", "text")]
    session.refresh(product)
    assert product.stock == 10


def test_a_nul_in_a_query_string_is_a_422_naming_the_parameter(client, app, session):
    owner = make_user(session, Role.SHOP_OWNER)
    response = client.get("/api/v1/pool?q=tea%00", headers=bearer(app, owner))
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    assert [(error["field"], error["location"]) for error in response.get_json()["errors"]] == [("q", "query")]


def test_a_page_beyond_bigint_is_an_empty_page(client, app, session):
    admin = make_user(session, Role.ADMIN)
    response = client.get(f"/api/v1/admin/users?page={BEYOND_BIGINT}", headers=bearer(app, admin))
    assert response.status_code == 200
    assert response.get_json() == []


def test_an_idempotency_key_the_database_cannot_hold_is_a_422_and_changes_nothing(client, app, session):
    finance = make_user(session, Role.FINANCE)
    response = client.post(
        "/api/v1/ledger/adjustments",
        json={
            "memo": "fix it",
            "entries": [{"account": "cash", "amount": 1}, {"account": "platform:adjustments", "amount": -1}],
        },
        headers={**bearer(app, finance), "Idempotency-Key": "key\x00"},
    )
    assert response.status_code == 422
    assert [(error["field"], error["rule"]) for error in response.get_json()["errors"]] == [("Idempotency-Key", "text")]
    assert session.scalar(sa.select(sa.func.count()).select_from(Adjustment)) == 0


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/v1/pool", "supplier_id"),
        ("/api/v1/pool", "shop_id"),
        ("/api/v1/pool", "max_price_fen"),
        ("/api/v1/commission/lines", "shop_id"),
    ],
)
def test_a_query_number_beyond_bigint_is_a_422_naming_the_parameter(client, app, session, path, parameter):
    owner = make_user(session, Role.SHOP_OWNER)
    response = client.get(path, query_string={parameter: BEYOND_BIGINT}, headers=bearer(app, owner))
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    refused = [(error["field"], error["location"], error["rule"]) for error in response.get_json()["errors"]]
    assert refused == [(parameter, "query", "range")]
