"""Database engine and sessions: one session per request, session_scope() for jobs and the CLI, and a second
session per request on the read replica (REPLICA_DATABASE_URL) for reads where staleness is harmless.

It imports no table. A session can flush any table loaded, since each table's module loads the tables its
foreign keys name; the composition roots (distro/app.py, distro/cli.py, distro/worker.py, migrations/env.py)
load every one (distro/models.py).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from functools import cache

import psycopg
import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlmodel import Session

SessionFactory = Callable[[], Session]

log = logging.getLogger(__name__)

REPLICA_RETRY_SECONDS = 5.0
"""After the replica refused a connection, reads meant for it go to the primary this long before it is tried again:
a replica that is away costs one refused connection per process every few seconds, not one per request."""
REPLICA_CONNECT_TIMEOUT_SECONDS = 2


@cache
def engine_for(url: str) -> sa.Engine:
    """Return the process-wide engine for a database URL (one pool per URL and process)."""
    # No pre-ping (a round trip on every checkout, on the webhook hot path); connections are
    # recycled hourly instead, and a request that meets a dead one fails once and is retried.
    return sa.create_engine(url, pool_recycle=3600, pool_size=10, max_overflow=20)


def warm_engine(url: str) -> None:
    """Load the database driver and learn the server's details once, in a process about to fork workers.

    Run before the first fork, it spares every forked process importing the driver and asking the
    server again (about 70 ms of CPU per RQ job). No connection stays open to cross the fork.
    """
    engine = engine_for(url)
    with engine.connect():
        pass
    engine.dispose()


@cache
def replica_engine_for(url: str) -> sa.Engine:
    """Return the process-wide engine for a read replica: each checkout pings it, so a connection the replica dropped
    when it stopped is replaced (or found refused) before a query runs on it."""
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        pool_recycle=3600,
        pool_size=10,
        max_overflow=20,
        connect_args={"connect_timeout": REPLICA_CONNECT_TIMEOUT_SECONDS},
    )


def use_replica(replica_url: str, down_until: float, now: float) -> bool:
    """Whether a read where staleness is harmless goes to the replica: one is set and it did not just refuse."""
    return bool(replica_url) and now >= down_until


class ReplicaReads:
    """Sessions on the read replica for one process, or None when reads go to the primary: no replica is set, or it
    refused a connection in the last REPLICA_RETRY_SECONDS (logged once each time it does)."""

    def __init__(self, replica_url: str) -> None:
        self.url = replica_url
        self.down_until = 0.0

    def session(self) -> Session | None:
        """A session holding a connection to the replica, or None: read on the primary."""
        if not use_replica(self.url, self.down_until, time.monotonic()):
            return None
        session = Session(replica_engine_for(self.url), expire_on_commit=False)
        try:
            session.connection()  # checks a connection out (pinged) now, so a refusal is known before any query
        except sa.exc.OperationalError as error:
            session.close()
            self.down_until = time.monotonic() + REPLICA_RETRY_SECONDS
            reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
            log.warning(
                "the read replica does not answer (%s): reads go to the primary, the replica is tried again in %.0f s",
                reason,
                REPLICA_RETRY_SECONDS,
            )
            return None
        return session


def init_app(app: Flask) -> None:
    """Give the app a session factory and a driver-connection lender on its database, the read replica's sessions,
    and close the request's sessions at teardown."""
    engine = engine_for(app.config["DATABASE_URL"])
    app.extensions["distro.session_factory"] = lambda: Session(engine, expire_on_commit=False)
    app.extensions["distro.driver_connection"] = AutocommitConnections(engine).lend
    app.extensions["distro.replica_reads"] = ReplicaReads(str(app.config.get("REPLICA_DATABASE_URL") or ""))

    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        close_request_session()


def close_request_session() -> None:
    """End the request's sessions, rolling back whatever its service did not commit."""
    for name in ("db_replica_session", "db_session"):
        session = g.pop(name, None)
        if session is not None:
            session.close()


def get_session() -> Session:
    """Return the current request's session, creating it on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["distro.session_factory"]()
    return g.db_session


def get_replica_session() -> Session:
    """Return the current request's session for reads where staleness is harmless (README, "A cluster on one
    machine", says which): on the read replica when one is set and answers, else the request's own session.

    Never for money: balances, the ledger, settlement, payouts, commission, deposits and dues read the primary.
    """
    if "db_replica_session" not in g:
        g.db_replica_session = current_app.extensions["distro.replica_reads"].session() or get_session()
    return g.db_replica_session


class AutocommitConnections:
    """Lends psycopg connections in autocommit, kept open between loans, for the webhook's group commit: its one
    statement commits on its own, with no BEGIN and COMMIT round trips and none of the ORM's work.

    Not the engine's pool: its checkout and checkin cost about 40 µs of the webhook's CPU per batch, and its
    connections go to ORM sessions too, so autocommit had to be set and unset on each loan. At most
    KEEP_IDLE are kept between loans (the group commit lends one at a time per process); one the server dropped,
    or broken mid-statement, is closed, not lent again.
    """

    KEEP_IDLE = 2

    def __init__(self, engine: sa.Engine) -> None:
        self.conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._idle: list[psycopg.Connection] = []
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def lend(self) -> Iterator[psycopg.Connection]:
        """A connection in autocommit, taken back afterwards (closed instead if it failed or is not idle)."""
        with self._lock:
            connection = self._idle.pop() if self._idle else None
        if connection is None:
            connection = psycopg.connect(self.conninfo, autocommit=True)
        try:
            yield connection
        except BaseException:
            connection.close()  # its state is unknown: a dropped connection, or a statement cut off
            raise
        if connection.closed or connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            connection.close()
            return
        with self._lock:
            if len(self._idle) < self.KEEP_IDLE:
                self._idle.append(connection)
                return
        connection.close()


@contextlib.contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """Open a session for a job or a CLI command; roll back whatever the caller did not commit."""
    if url is None:
        from distro.settings import current_settings

        url = current_settings()["DATABASE_URL"]
    session = Session(engine_for(url), expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()


def advisory_xact_lock(session: Session, key: str) -> bool:
    """Try to take a transaction-scoped advisory lock named by key; True when this session holds it."""
    return bool(session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(sa.func.hashtextextended(key, 0)))))


def wait_for_advisory_xact_lock(session: Session, key: str) -> None:
    """Take the transaction-scoped advisory lock named by key, waiting while another transaction holds it."""
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(key, 0))))
