"""Pausing a real worker at a known point: hold a table lock and wait until the worker blocks on it."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import sqlalchemy as sa


@contextlib.contextmanager
def table_locked(engine: sa.Engine, table: str) -> Iterator[None]:
    """Hold an EXCLUSIVE lock on table (others can read, not write) until the block ends."""
    connection = engine.connect()
    transaction = connection.begin()
    connection.execute(sa.text(f'LOCK TABLE "{table}" IN EXCLUSIVE MODE'))
    try:
        yield
    finally:
        transaction.rollback()
        connection.close()


def wait_until_blocked(engine: sa.Engine, statement_fragment: str, timeout: float = 30) -> None:
    """Return once another session waits on a lock while running a statement containing statement_fragment."""
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as probe:
            waiting = probe.execute(
                sa.text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE :pattern"),
                {"pattern": f"%{statement_fragment}%"},
            ).scalar_one()
        if waiting:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing blocked on {statement_fragment!r} within {timeout} s")
        time.sleep(0.05)
