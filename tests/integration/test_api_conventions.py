from alembic import command
from alembic.script import ScriptDirectory

from distro.app import create_app
from distro.auth.models import Role
from distro.migrate import alembic_config, head_revision
from tests.factories import bearer, make_user

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
