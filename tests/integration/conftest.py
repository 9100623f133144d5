"""Test fixtures: real PostgreSQL and Redis (embedded under var/test unless DISTRO_TEST_* URLs are set).

* One migrated template database per run (tests/conftest.py); the shared test database is cloned from it.
* ``session`` / ``client``: every test runs inside a transaction that is rolled back, the app's
  request sessions joining it through savepoints (warehouse's pattern).
* ``committed_db`` (tests/conftest.py): a fresh database cloned from the template, for tests that need
  real commits seen by other connections, processes or RQ workers.
* ``demo_database``: the demo data `distro run` loads, loaded once per module (seconds each time) into a database
  of its own; tests read it, and a test that writes works on a copy (``fresh_database(demo_database.url)``).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis as redis_lib
import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session

from distro.app import create_app
from distro.db import engine_for, session_scope
from distro.demo import load_demo_data
from tests.conftest import _admin_execute, _clone_counter, _with_database, clone_template, fresh_database
from tests.page_forms import PageFormClient

SHARED_DB = "distro_test"


@pytest.fixture(scope="session")
def database_url(template_url: str) -> str:
    """The shared test database (changes made in it are rolled back per test)."""
    return clone_template(template_url, SHARED_DB)


@pytest.fixture(autouse=True)
def _no_recent_processing_ask(monkeypatch: pytest.MonkeyPatch) -> None:
    # The web tier skips asks inside a window it remembers per process; Redis is flushed per test,
    # so the memory of an ask must go with it.
    from distro.commission import jobs

    monkeypatch.setattr(jobs, "_last_ask", -float("inf"))


@pytest.fixture(autouse=True)
def _no_throttle_counters(server_urls: dict[str, str]) -> None:
    # Throttle counters live in Redis for up to a day: each test starts without another's failed sign-ins,
    # sign-ups or API calls (from the same 127.0.0.1, and user ids that repeat from run to run).
    connection = redis_lib.Redis.from_url(server_urls["redis"])
    keys = list(connection.scan_iter("LIMITS:*", count=1000))
    if keys:
        connection.delete(*keys)
    connection.close()


@pytest.fixture(scope="session", autouse=True)
def _test_environment(server_urls: dict[str, str], database_url: str) -> Iterator[None]:
    # Jobs and CLI code read the URLs from the environment, as in production.
    saved = {key: os.environ.get(key) for key in ("DISTRO_DATABASE_URL", "DISTRO_REDIS_URL")}
    os.environ["DISTRO_DATABASE_URL"] = database_url
    os.environ["DISTRO_REDIS_URL"] = server_urls["redis"]
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def app(database_url: str, server_urls: dict[str, str]):
    """The distro app on the shared test database."""
    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": server_urls["redis"]})
    app.test_client_class = PageFormClient
    return app


@pytest.fixture
def connection(app, database_url: str) -> Iterator[sa.Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine_for(database_url).connect() as conn:
        transaction = conn.begin()
        yield conn
        transaction.rollback()


@pytest.fixture
def session(app, connection: sa.Connection) -> Iterator[Session]:
    """A session whose commits are savepoints inside the test's rolled-back transaction.

    The app's request sessions join the same transaction, so what a request commits is visible
    to the test and gone after it.
    """

    def factory() -> Session:
        return Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)

    originals = {name: app.extensions[name] for name in ("distro.session_factory", "distro.driver_connection")}
    app.extensions["distro.session_factory"] = factory
    # A statement the app runs on a driver connection joins the test's transaction too.
    app.extensions["distro.driver_connection"] = lambda: contextlib.nullcontext(connection.connection.driver_connection)
    with factory() as test_session:
        yield test_session
    app.extensions.update(originals)


@pytest.fixture
def client(app, session):
    """A test client whose requests run in the test's rolled-back transaction."""
    return app.test_client()


@pytest.fixture
def redis(server_urls: dict[str, str], app) -> Iterator[redis_lib.Redis]:
    """The test Redis, flushed before and after the test.

    The shared app's click buffer is written out first: clicks an earlier test left in it would
    otherwise reach Redis in the middle of this one.
    """
    connection = redis_lib.Redis.from_url(server_urls["redis"])
    app.extensions["distro.clicks"].flush()
    connection.flushdb()
    yield connection
    app.extensions["distro.clicks"].flush()
    connection.flushdb()


@pytest.fixture
def empty_db(server_urls: dict[str, str]) -> Iterator[str]:
    """A fresh database with no migrations applied, for tests that migrate data step by step."""
    name = f"distro_e_{os.getpid()}_{next(_clone_counter)}_{uuid.uuid4().hex[:6]}"
    url = _with_database(server_urls["database"], name)
    _admin_execute(url, f'CREATE DATABASE "{name}"')
    yield url
    engine_for(url).dispose()
    _admin_execute(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def committed_app(committed_db: str, server_urls: dict[str, str]):
    """The distro app on a committed_db database."""
    app = create_app({"DATABASE_URL": committed_db, "REDIS_URL": server_urls["redis"]})
    app.test_client_class = PageFormClient
    return app


@dataclass(frozen=True)
class DemoDatabase:
    """A committed database holding the demo data, and the app and first load that put it there."""

    url: str
    app: Flask
    loaded: bool
    """What the load into the empty database returned."""


@pytest.fixture(scope="module")
def demo_database(template_url: str, server_urls: dict[str, str]) -> Iterator[DemoDatabase]:
    """The demo data in a database of the module's own, its orders processed as `distro run` loads them.

    For reading: a test that changes it works on a copy, ``fresh_database(demo_database.url)``.
    """
    with fresh_database(template_url) as url, pytest.MonkeyPatch.context() as env:
        env.setenv("DISTRO_DATABASE_URL", url)
        app = create_app({"DATABASE_URL": url, "REDIS_URL": server_urls["redis"]})
        with session_scope(url) as session:
            loaded = load_demo_data(session=session, settings=app.config)
        engine_for(url).dispose()  # a database with connections open cannot be copied
        yield DemoDatabase(url, app, loaded)
