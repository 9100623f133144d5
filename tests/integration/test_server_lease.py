"""The lease on embedded servers that test sessions share: the last session out stops what sessions started."""

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_lib

from distro import embedded
from distro.embedded import ServerLease, Started


@pytest.fixture
def var_dir() -> Iterator[Path]:
    """A VAR_DIR outside pytest's temporary root, which pytest closes to PostgreSQL's own user (run as root)."""
    with tempfile.TemporaryDirectory(prefix="distro-lease-") as directory:
        var_dir = Path(directory) / "var"
        try:
            yield var_dir
        finally:  # whatever a failed test left running
            embedded.stop_started(var_dir, Started(postgres=True, redis=True))


def redis_answers(var_dir: Path) -> bool:
    try:
        return bool(redis_lib.Redis.from_url(f"unix://{var_dir.resolve() / 'redis' / 'redis.sock'}").ping())
    except (redis_lib.exceptions.ConnectionError, FileNotFoundError):
        return False


def postgres_runs(var_dir: Path) -> bool:
    return (var_dir / "postgres" / "postmaster.pid").exists()


def hold(var_dir: Path) -> ServerLease:
    """Take a lease and start (or find) both servers, as a test session does; record what it started."""
    lease = ServerLease(var_dir)
    _, started_postgres = embedded.ensure_postgres(var_dir, database="postgres")
    _, started_redis = embedded.ensure_redis(var_dir)
    lease.record(Started(postgres=started_postgres, redis=started_redis))
    return lease


def test_the_servers_a_session_started_are_stopped_when_the_last_session_using_them_ends(var_dir):
    first = hold(var_dir)
    second = hold(var_dir)  # another suite started meanwhile, finding the servers running
    assert first.release() == Started()
    assert postgres_runs(var_dir) and redis_answers(var_dir), "stopped under the session still using them"
    assert second.release() == Started(postgres=True, redis=True)
    assert not postgres_runs(var_dir) and not redis_answers(var_dir)


def test_a_server_that_was_running_before_any_session_is_left_running(var_dir):
    embedded.ensure_redis(var_dir)  # started by something else: `distro run`, a developer
    lease = ServerLease(var_dir)
    _, started = embedded.ensure_redis(var_dir)
    lease.record(Started(redis=started))
    assert lease.release() == Started()
    assert redis_answers(var_dir)


def test_what_a_session_that_died_started_is_stopped_by_the_next_one_to_end(var_dir):
    died = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [
            sys.executable,
            "-c",
            "import os, sys; from pathlib import Path; from distro import embedded\n"
            "var_dir = Path(sys.argv[1]); lease = embedded.ServerLease(var_dir)\n"
            "lease.record(embedded.Started(redis=embedded.ensure_redis(var_dir)[1])); os._exit(9)",
            str(var_dir),
        ],
        check=False,
    )
    assert died.returncode == 9 and redis_answers(var_dir)
    lease = ServerLease(var_dir)
    embedded.ensure_redis(var_dir)
    assert lease.release() == Started(redis=True)
    assert not redis_answers(var_dir)
