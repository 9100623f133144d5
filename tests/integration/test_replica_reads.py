"""Reads where staleness is harmless go to the read replica (REPLICA_DATABASE_URL); money never does; a replica that
refuses connections leaves those reads on the primary, without an error.

The "replica" here is a second database cloned from the primary after the test's data was made, then changed, so a
page shows which of the two it read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from distro.app import create_app
from distro.auth.models import Role
from distro.db import engine_for, replica_engine_for
from tests.conftest import _admin_execute, _with_database, fresh_database
from tests.factories import PASSWORD, bearer, make_product, make_shop, make_supplier, make_user
from tests.page_forms import PageFormClient

PRIMARY_TITLE = "主库的云南咖啡豆"
REPLICA_TITLE = "从库的云南咖啡豆"
REFUSING_REPLICA = "postgresql+psycopg://nobody@127.0.0.1:1/distro"


@dataclass
class Databases:
    primary: str
    replica: str
    owner_id: int
    owner_email: str
    shop_id: int


@pytest.fixture
def databases(template_url: str, server_urls: dict[str, str]) -> Iterator[Databases]:
    """A primary with a supplier's coffee in the pool and an owner's shop, and its copy whose coffee is renamed."""
    with fresh_database(template_url) as primary:
        app = create_app({"DATABASE_URL": primary, "REDIS_URL": server_urls["redis"]})
        from sqlmodel import Session

        with Session(engine_for(primary), expire_on_commit=False) as session:
            supplier, _ = make_supplier(session, app)
            make_product(session, app, supplier, title=PRIMARY_TITLE)
            owner = make_user(session, Role.SHOP_OWNER)
            shop = make_shop(session, app, owner)
        engine_for(primary).dispose()  # a template must have no open connections to be copied
        name = f"{sa.make_url(primary).database}_replica"
        _admin_execute(primary, f'CREATE DATABASE "{name}" TEMPLATE "{sa.make_url(primary).database}"')
        replica = _with_database(primary, name)
        with engine_for(replica).begin() as connection:
            connection.execute(
                sa.text("UPDATE products SET title = :new WHERE title = :old"),
                {"new": REPLICA_TITLE, "old": PRIMARY_TITLE},
            )
        engine_for(replica).dispose()
        try:
            yield Databases(primary, replica, owner.id, owner.email, shop.id)  # type: ignore[arg-type]
        finally:
            replica_engine_for(replica).dispose()
            _admin_execute(primary, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _app(databases: Databases, server_urls: dict[str, str], replica_url: str):
    app = create_app(
        {"DATABASE_URL": databases.primary, "REDIS_URL": server_urls["redis"], "REPLICA_DATABASE_URL": replica_url}
    )
    app.test_client_class = PageFormClient
    return app


def _owner_headers(app, databases: Databases) -> dict[str, str]:
    from sqlmodel import Session

    from distro.auth.models import User

    with Session(engine_for(databases.primary)) as session:
        owner = session.get(User, databases.owner_id)
        return bearer(app, owner)


def _titles(answer) -> list[str]:
    return [item["title"] for item in answer.get_json()]


@contextlib.contextmanager
def _statements_on(engine: sa.Engine) -> Iterator[list[str]]:
    """The statements run on engine meanwhile."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def test_the_pool_api_reads_the_replica(databases, server_urls):
    app = _app(databases, server_urls, databases.replica)
    answer = app.test_client().get("/api/v1/pool", headers=_owner_headers(app, databases))
    assert answer.status_code == 200
    assert _titles(answer) == [REPLICA_TITLE]


def test_the_owners_pool_page_reads_the_replica(databases, server_urls):
    app = _app(databases, server_urls, databases.replica)
    client = app.test_client()
    assert client.post("/login", data={"login": databases.owner_email, "password": PASSWORD}).status_code == 303
    page = client.get("/my/pool")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert REPLICA_TITLE in text
    assert PRIMARY_TITLE not in text


def test_without_a_replica_the_pool_reads_the_primary(databases, server_urls):
    app = _app(databases, server_urls, "")
    answer = app.test_client().get("/api/v1/pool", headers=_owner_headers(app, databases))
    assert _titles(answer) == [PRIMARY_TITLE]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/commission/balances",
        "/api/v1/commission/lines",
        "/my/earnings",
        "/my/earnings/lines",
    ],
)
def test_money_is_never_read_on_the_replica(databases, server_urls, path):
    app = _app(databases, server_urls, databases.replica)
    client = app.test_client()
    assert client.post("/login", data={"login": databases.owner_email, "password": PASSWORD}).status_code == 303
    headers = _owner_headers(app, databases) if path.startswith("/api/") else {}
    with _statements_on(replica_engine_for(databases.replica)) as on_replica:
        answer = client.get(path, headers=headers)
    assert answer.status_code == 200
    assert on_replica == []


def test_a_replica_refusing_connections_leaves_the_pool_on_the_primary_without_an_error(databases, server_urls, caplog):
    app = _app(databases, server_urls, REFUSING_REPLICA)
    client = app.test_client()
    answer = client.get("/api/v1/pool", headers=_owner_headers(app, databases))
    assert answer.status_code == 200
    assert _titles(answer) == [PRIMARY_TITLE]
    assert "read replica does not answer" in caplog.text
    assert client.post("/login", data={"login": databases.owner_email, "password": PASSWORD}).status_code == 303
    assert PRIMARY_TITLE in client.get("/my/pool").get_data(as_text=True)
