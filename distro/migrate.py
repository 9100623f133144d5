"""Alembic, driven from distro: apply migrations and tell whether a database is current."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from distro.db import engine_for
from distro.settings import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


class DatabaseNotMigrated(RuntimeError):
    """The database schema is not at the revision this code expects."""


def alembic_config(database_url: str) -> Config:
    """Alembic configuration for distro's migrations on database_url."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply every migration up to revision."""
    command.upgrade(alembic_config(database_url), revision)


def make_revision(database_url: str, message: str) -> None:
    """Autogenerate a new migration from the difference between the models and the database."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)


def head_revision() -> str | None:
    """The newest migration in the code."""
    return ScriptDirectory.from_config(alembic_config("postgresql://unused")).get_current_head()


def current_revision(database_url: str) -> str | None:
    """The revision the database is at (None when never migrated)."""
    with engine_for(database_url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def ensure_current(database_url: str) -> None:
    """Raise DatabaseNotMigrated with instructions unless the database is at the code's head revision."""
    current, head = current_revision(database_url), head_revision()
    if current != head:
        state = "has never been migrated" if current is None else f"is at revision {current}"
        raise DatabaseNotMigrated(
            f"The database {state}, but this code needs revision {head}. Run `distro migrate` first."
        )
