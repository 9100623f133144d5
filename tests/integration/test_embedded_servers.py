"""The embedded servers: each started only when its URL is unset, and keeping its data across restarts."""

import os
import tempfile
from pathlib import Path

import pytest
import redis as redis_lib
import sqlalchemy as sa

from distro import embedded
from distro.embedded import Started


def settings_for(var_dir: Path, *, database_url: str = "", redis_url: str = "") -> dict:
    return {"VAR_DIR": str(var_dir), "DATABASE_URL": database_url, "REDIS_URL": redis_url}


def query(url: str, *statements: str):
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.begin() as connection:
            results = [connection.execute(sa.text(statement)) for statement in statements]
            return results[-1].scalar() if results[-1].returns_rows else None
    finally:
        engine.dispose()


def test_with_both_urls_set_no_embedded_server_starts(tmp_path, database_url, server_urls):
    settings, started = embedded.start_missing(
        settings_for(tmp_path / "var", database_url=database_url, redis_url=server_urls["redis"])
    )
    assert started == Started(postgres=False, redis=False)
    assert (settings["DATABASE_URL"], settings["REDIS_URL"]) == (database_url, server_urls["redis"])
    assert not (tmp_path / "var").exists()


def test_with_only_the_database_url_set_only_the_embedded_redis_starts(tmp_path, database_url):
    var_dir = tmp_path / "var"
    settings, started = embedded.start_missing(settings_for(var_dir, database_url=database_url))
    try:
        assert started == Started(postgres=False, redis=True)
        assert settings["DATABASE_URL"] == database_url
        assert settings["REDIS_URL"].startswith(f"unix://{var_dir.resolve() / 'redis'}")
        assert redis_lib.Redis.from_url(settings["REDIS_URL"]).ping()
        assert not (var_dir / "postgres").exists()
    finally:
        embedded.stop_redis(var_dir)


def outside_pytest_temporary_root() -> tempfile.TemporaryDirectory:
    """A directory for an embedded PostgreSQL's data, where no other pytest session will close it.

    pytest makes its temporary root 0700 whenever a session starts; run as root, PostgreSQL runs as
    pgserver's own user, and initdb, pg_ctl and the server reach the data directory by absolute path.
    """
    return tempfile.TemporaryDirectory(prefix="distro-embedded-")


@pytest.fixture(scope="module")
def postgres_only(server_urls):
    """Resolution with only the Redis URL set: (var dir, resolved settings, what it started)."""
    with outside_pytest_temporary_root() as directory:
        var_dir = Path(directory) / "var"
        settings, started = embedded.start_missing(settings_for(var_dir, redis_url=server_urls["redis"]))
        yield var_dir, settings, started
        embedded.stop_postgres(var_dir)


def test_with_only_the_redis_url_set_only_the_embedded_postgresql_starts(postgres_only, server_urls):
    var_dir, settings, started = postgres_only
    assert started == Started(postgres=True, redis=False)
    assert settings["REDIS_URL"] == server_urls["redis"]
    assert query(settings["DATABASE_URL"], "SELECT current_database()") == embedded.DATABASE_NAME
    assert not (var_dir / "redis").exists()


def test_the_embedded_postgresql_keeps_its_data_across_a_restart(postgres_only):
    var_dir, settings, _ = postgres_only
    query(settings["DATABASE_URL"], "CREATE TABLE kept (note text)", "INSERT INTO kept VALUES ('重启后仍在')")
    embedded.stop_postgres(var_dir)
    assert not (var_dir / "postgres" / "postmaster.pid").exists()
    url, started = embedded.ensure_postgres(var_dir)
    assert started
    assert query(url, "SELECT note FROM kept") == "重启后仍在"


@pytest.mark.skipif(os.geteuid() != 0, reason="only as root does pgserver run PostgreSQL as a user of its own")
def test_the_embedded_postgresql_stops_cleanly_when_a_directory_above_it_closes_to_the_server_user():
    with outside_pytest_temporary_root() as directory:
        outer = Path(directory)
        var_dir = outer / "var"
        url, _ = embedded.ensure_postgres(var_dir)
        engine = sa.create_engine(url, poolclass=sa.NullPool)
        session = engine.connect()  # a session still open when it stops, as `distro run` has
        session.execute(sa.text("SELECT 1"))
        # What pytest does to its temporary root whenever a session starts, and pgserver undid at start.
        outer.chmod(0o700)
        try:
            embedded.stop_postgres(var_dir)
            log = (var_dir / "postgres" / "log").read_text()
            assert not (var_dir / "postgres" / "postmaster.pid").exists(), log
            assert "database system is shut down" in log and "abnormal" not in log, log
        finally:
            outer.chmod(0o755)
            embedded.stop_postgres(var_dir)
            session.invalidate()  # the server ended it; closing would try to roll back on it
            engine.dispose()


def test_the_embedded_redis_keeps_its_data_across_a_restart(tmp_path):
    var_dir = tmp_path / "var"
    url, _ = embedded.ensure_redis(var_dir)
    try:
        redis_lib.Redis.from_url(url).set("kept", "重启后仍在")
        embedded.stop_redis(var_dir)
        with pytest.raises(redis_lib.exceptions.ConnectionError):
            redis_lib.Redis.from_url(url).ping()
        url, started = embedded.ensure_redis(var_dir)
        assert started
        assert redis_lib.Redis.from_url(url).get("kept").decode() == "重启后仍在"
    finally:
        embedded.stop_redis(var_dir)
