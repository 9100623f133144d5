"""Alembic environment: distro's metadata, the URL from distro's settings (see distro/migrate.py)."""

from alembic import context
from sqlmodel import SQLModel

import distro.models  # noqa: F401  (registers every table on SQLModel.metadata)
from distro.db import engine_for
from distro.partitions.maintenance import compared

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    """Run migrations on a live connection (the only mode distro uses)."""
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    with engine_for(config.get_main_option("sqlalchemy.url")).connect() as connection:
        _run(connection)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True, include_name=compared)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
