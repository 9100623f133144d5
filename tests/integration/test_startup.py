import uuid

import pytest
import sqlalchemy as sa

from distro.app import create_app
from distro.migrate import DatabaseNotMigrated
from distro.settings import ConfigurationError
from tests.conftest import _admin_execute, _with_database


def test_the_app_refuses_an_unmigrated_database_and_says_what_to_do(server_urls):
    name = f"distro_empty_{uuid.uuid4().hex[:8]}"
    _admin_execute(server_urls["database"], f'CREATE DATABASE "{name}"')
    try:
        url = _with_database(server_urls["database"], name)
        with pytest.raises(DatabaseNotMigrated, match="distro migrate"):
            create_app({"DATABASE_URL": url, "REDIS_URL": server_urls["redis"]})
    finally:
        sa.create_engine(url).dispose()
        _admin_execute(server_urls["database"], f'DROP DATABASE "{name}" WITH (FORCE)')


def test_the_app_refuses_the_default_secret_outside_development(database_url, server_urls):
    with pytest.raises(ConfigurationError, match="DISTRO_SECRET_KEY"):
        create_app({"ENV": "production", "DATABASE_URL": database_url, "REDIS_URL": server_urls["redis"]})
