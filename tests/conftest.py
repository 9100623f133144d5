"""Fixtures both the integration and the browser tests need: the test PostgreSQL and Redis, a migrated
template database, and fresh databases cloned from it.

Nothing here starts a server until a test asks for one, so the unit tests stay free of services.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import argon2
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from distro import embedded, migrate
from distro.auth import passwords
from distro.db import engine_for
from distro.settings import PROJECT_ROOT

TEMPLATE_DB = "distro_test_template"
_clone_counter = itertools.count()


def _admin_url(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _admin_execute(url: str, *statements: str) -> None:
    engine = sa.create_engine(_admin_url(url), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with engine.connect() as connection:
        for statement in statements:
            connection.execute(sa.text(statement))
    engine.dispose()


class _RememberingHasher(argon2.PasswordHasher):
    """Argon2id with the product's own parameters, each distinct hash or check worked out once per test run.

    An account's hash costs about 0.2 s of CPU by design, and the suite makes thousands of accounts with the same
    password: the first hash of a password is real and is handed to every later account given that password (the
    salt repeats, which only tests see), and a check of a password against a hash, a pure function, is answered as
    it was the first time. So every hash still comes from the product's hasher and every check still verifies it.
    """

    def __init__(self, real: argon2.PasswordHasher) -> None:
        super().__init__(
            real.time_cost, real.memory_cost, real.parallelism, real.hash_len, real.salt_len, real.encoding, real.type
        )
        self._hashes: dict[str | bytes, str] = {}
        self._checks: dict[tuple[str | bytes, str | bytes], Exception | None] = {}

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        if salt is not None:
            return super().hash(password, salt=salt)
        if password not in self._hashes:
            self._hashes[password] = super().hash(password)
        return self._hashes[password]

    def verify(self, hash: str | bytes, password: str | bytes):
        key = (hash, password)
        if key not in self._checks:
            try:
                super().verify(hash, password)
                self._checks[key] = None
            except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError) as error:
                self._checks[key] = error
        refusal = self._checks[key]
        if refusal is not None:
            raise type(refusal)(*refusal.args)
        return True


@pytest.fixture(scope="session", autouse=True)
def _argon2_once_per_password() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", _RememberingHasher(passwords._hasher))
        yield


@pytest.fixture(scope="session")
def server_urls() -> Iterator[dict[str, str]]:
    """URLs of the test PostgreSQL server (its 'postgres' database) and the test Redis.

    The embedded ones under var/test are stopped when the session ends, if a test session started them and no
    other session (another suite run at the same time) still uses them; ones found running otherwise are left.
    """
    var_dir = Path(PROJECT_ROOT / "var" / "test")
    database_url = os.environ.get("DISTRO_TEST_DATABASE_URL")
    redis_url = os.environ.get("DISTRO_TEST_REDIS_URL")
    lease = embedded.ServerLease(var_dir)
    try:
        if not database_url:
            database_url, started = embedded.ensure_postgres(var_dir, database="postgres")
            lease.record(embedded.Started(postgres=started))
        if not redis_url:
            redis_url, started = embedded.ensure_redis(var_dir)
            lease.record(embedded.Started(redis=started))
        yield {"database": database_url, "redis": redis_url}
    finally:
        lease.release()


@pytest.fixture(scope="session")
def template_url(server_urls: dict[str, str]) -> str:
    """A freshly migrated template database for this run."""
    url = _with_database(server_urls["database"], TEMPLATE_DB)
    _admin_execute(url, f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)', f'CREATE DATABASE "{TEMPLATE_DB}"')
    migrate.upgrade(url)
    engine_for(url).dispose()  # a template must have no open connections to be cloned
    return url


def clone_template(template: str, name: str) -> str:
    """Create database name as a copy of template's database (the migrated template, or one made from it); return
    its URL. The copy is a file copy, far quicker than loading the same rows again; the source must have no
    connections open meanwhile."""
    source = make_url(template).database
    _admin_execute(
        template,
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        f'CREATE DATABASE "{name}" TEMPLATE "{source}"',
    )
    return _with_database(template, name)


@contextlib.contextmanager
def fresh_database(template_url: str) -> Iterator[str]:
    """A new database cloned from the migrated template (or another made from it), its commits real; dropped on
    exit."""
    name = f"distro_t_{os.getpid()}_{next(_clone_counter)}_{uuid.uuid4().hex[:6]}"
    url = clone_template(template_url, name)
    try:
        yield url
    finally:
        engine_for(url).dispose()
        _admin_execute(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def committed_db(template_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, migrated database whose commits are real; jobs run in this test use it too."""
    with fresh_database(template_url) as url:
        monkeypatch.setenv("DISTRO_DATABASE_URL", url)
        yield url


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Count the browser tests (Chromium driven by Playwright) apart in the summary, so a run shows they ran."""
    counts: dict[str, int] = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        reports = terminalreporter.stats.get(outcome, [])
        browser = [report for report in reports if getattr(report, "nodeid", "").startswith("tests/browser/")]
        browser = [report for report in browser if report.when == "call" or outcome in ("skipped", "error")]
        if browser:
            counts[outcome] = len(browser)
    if counts:
        said = ", ".join(f"{count} {outcome}" for outcome, count in counts.items())
        terminalreporter.write_line(f"browser tests (Chromium at 375×667 and 1366×768): {said}")
