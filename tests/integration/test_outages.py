"""An outage of Redis delays `distro worker` and `distro cron`; it never ends them.

Each test starts the real processes against a Redis of its own (the embedded one, in a directory of
the test's), stops that Redis for a few seconds, starts it again at the same address and waits for the
outcome. Nothing here times anything: every wait is a poll with a generous deadline.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis as redis_lib
from rq import Queue
from rq.serializers import JSONSerializer
from sqlalchemy.engine import make_url

from distro import embedded
from distro.settings import PROJECT_ROOT
from tests.integration.outage_jobs import RAN, mark, read_database, sleep_then_mark

OUTAGE_SECONDS = 5
DEADLINE_SECONDS = 30


class Server:
    """The test's own embedded Redis, which the test stops and starts again at the same socket."""

    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir
        self.url, _ = embedded.ensure_redis(var_dir)

    def client(self) -> redis_lib.Redis:
        return redis_lib.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=5)

    def stop(self) -> None:
        embedded.stop_redis(self.var_dir)
        with pytest.raises(redis_lib.exceptions.ConnectionError):
            self.client().ping()

    def start(self) -> None:
        assert embedded.ensure_redis(self.var_dir) == (self.url, True)


@pytest.fixture
def redis_server() -> Iterator[Server]:
    # A short path outside pytest's temporary root: a unix socket's path may not be long.
    with tempfile.TemporaryDirectory(prefix="distro-outage-") as directory:
        server = Server(Path(directory) / "var")
        try:
            yield server
        finally:
            embedded.stop_redis(server.var_dir)


class Process:
    """A `distro` command run as production runs it, its output kept in a file to show on failure."""

    def __init__(self, args: list[str], redis_url: str, database_url: str, log: Path) -> None:
        self.log = log
        env = {
            **{key: value for key, value in os.environ.items() if not key.startswith("DISTRO_")},
            "DISTRO_REDIS_URL": redis_url,
            "DISTRO_DATABASE_URL": database_url,
        }
        with log.open("w") as output:
            self.popen = subprocess.Popen(  # noqa: S603 - our own command line
                [sys.executable, "-m", "distro.cli", *args],
                cwd=PROJECT_ROOT,  # the worker imports the test jobs from the tests package
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def assert_running(self) -> None:
        assert self.popen.poll() is None, f"exited with {self.popen.returncode}:\n{self.output()}"

    def stop(self) -> int:
        """SIGTERM, as honcho and process managers send it; the exit code."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            pytest.fail(f"did not stop on SIGTERM:\n{self.output()}")


@pytest.fixture
def start(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Process]]:
    """Start a `distro` command on a Redis (and by default the test database); kill what is left at the end."""
    started: list[Process] = []

    def start_process(*args: str, redis_url: str, database: str = database_url) -> Process:
        process = Process(list(args), redis_url, database, tmp_path / f"{args[0]}-{len(started)}.log")
        started.append(process)
        return process

    yield start_process
    for process in started:
        if process.popen.poll() is None:
            process.popen.kill()
            process.popen.wait()


def eventually(condition: Callable[[], object], process: Process, what: str) -> None:
    """Poll condition until it holds, failing with the process's output after DEADLINE_SECONDS."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        try:
            if condition():
                return
        except redis_lib.exceptions.ConnectionError:
            pass  # Redis is still loading, or not yet up
        process.assert_running()
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {DEADLINE_SECONDS} s:\n{process.output()}")
        time.sleep(0.2)


def ran(server: Server) -> set[str]:
    return {name.decode() for name in server.client().smembers(RAN)}


def outage(server: Server, process: Process) -> None:
    """Stop Redis for a few seconds, the process keeps running meanwhile, then start Redis again."""
    server.stop()
    time.sleep(OUTAGE_SECONDS)
    process.assert_running()
    server.start()


def assert_works_after_the_outage(server: Server, worker: Process) -> None:
    """A job enqueued now runs, and so does one scheduled a second ahead: the worker's RQ scheduler is back."""
    queue = Queue("default", connection=server.client(), serializer=JSONSerializer)
    queue.enqueue(mark, "after")
    queue.enqueue_in(dt.timedelta(seconds=1), mark, "scheduled")
    eventually(lambda: {"after", "scheduled"} <= ran(server), worker, "the jobs enqueued after the outage")


def test_an_idle_worker_rides_out_an_outage_of_redis_and_works_after_it(redis_server, start):
    worker = start("worker", redis_url=redis_server.url)
    Queue("default", connection=redis_server.client(), serializer=JSONSerializer).enqueue(mark, "before")
    eventually(lambda: "before" in ran(redis_server), worker, "the first job")

    outage(redis_server, worker)

    assert_works_after_the_outage(redis_server, worker)
    assert worker.stop() == 0, worker.output()


def test_a_worker_busy_with_a_job_when_redis_goes_rides_out_the_outage(redis_server, start):
    worker = start("worker", redis_url=redis_server.url)
    queue = Queue("default", connection=redis_server.client(), serializer=JSONSerializer)
    job = queue.enqueue(sleep_then_mark, "interrupted", 2)
    eventually(lambda: job.get_status(refresh=True) == "started", worker, "the long job starting")

    outage(redis_server, worker)  # the job ends while Redis is away, and cannot report it

    assert_works_after_the_outage(redis_server, worker)
    assert worker.stop() == 0, worker.output()


def test_a_worker_asked_to_stop_during_an_outage_stops(redis_server, start):
    worker = start("worker", redis_url=redis_server.url)
    Queue("default", connection=redis_server.client(), serializer=JSONSerializer).enqueue(mark, "before")
    eventually(lambda: "before" in ran(redis_server), worker, "the first job")
    redis_server.stop()

    assert worker.stop() == 0, worker.output()


class PostgresSocket:
    """The test PostgreSQL's unix socket, as a link in a directory of the test's that the test can empty."""

    def __init__(self, database_url: str, directory: Path) -> None:
        url = make_url(database_url)
        if "host" not in url.query:
            pytest.skip("the test PostgreSQL is not reached through a unix socket (DISTRO_TEST_DATABASE_URL)")
        self.server_socket = Path(str(url.query["host"])) / f".s.PGSQL.{url.port or 5432}"
        self.link = directory / self.server_socket.name
        self.url = url.set(query={"host": str(directory)}).render_as_string(hide_password=False)

    def cut(self) -> None:
        self.link.unlink()

    def restore(self) -> None:
        self.link.symlink_to(self.server_socket)


def test_a_worker_waits_for_postgresql_and_rides_out_its_outage(redis_server, start, database_url):
    # A unix socket's path may not be long: a directory next to the test's Redis.
    directory = redis_server.var_dir.parent / "pg"
    directory.mkdir()
    postgres = PostgresSocket(database_url, directory)
    queue = Queue("default", connection=redis_server.client(), serializer=JSONSerializer)

    worker = start("worker", redis_url=redis_server.url, database=postgres.url)  # PostgreSQL out of reach
    eventually(lambda: "PostgreSQL does not answer" in worker.output(), worker, "the warning")
    postgres.restore()
    queue.enqueue(read_database, "first")
    eventually(lambda: "first" in ran(redis_server), worker, "the first job")

    postgres.cut()
    during = queue.enqueue(read_database, "during")
    eventually(lambda: during.get_status(refresh=True) == "failed", worker, "the job failing without PostgreSQL")
    postgres.restore()
    queue.enqueue(read_database, "after")

    eventually(lambda: "after" in ran(redis_server), worker, "the job enqueued after the outage")
    assert worker.stop() == 0, worker.output()


def cron_enqueued(server: Server) -> list[str]:
    return Queue("periodic", connection=server.client(), serializer=JSONSerializer).get_job_ids()


def test_cron_rides_out_an_outage_of_redis_and_enqueues_its_next_slot_after_it(redis_server, start):
    cron = start("cron", "--config", "tests.integration.outage_jobs", redis_url=redis_server.url)
    eventually(lambda: cron_enqueued(redis_server), cron, "the first slot's job")

    outage(redis_server, cron)  # the one-second schedule falls due several times meanwhile
    # Whatever is queued now was there before the outage; what comes next the scheduler enqueued after it.
    Queue("periodic", connection=redis_server.client(), serializer=JSONSerializer).empty()

    eventually(lambda: cron_enqueued(redis_server), cron, "a slot's job after the outage")
    redis_server.stop()
    assert cron.stop() == 0, cron.output()  # stopping while Redis is away too


def test_a_run_releasing_its_coalescing_flag_while_redis_is_away_releases_it_when_redis_is_back(
    redis_server, monkeypatch
):
    # A flag left behind (Redis keeps it on disk) would skip every ask to process orders until it expired.
    import threading

    from distro.queue import enqueue_coalesced, release_coalesced

    monkeypatch.setenv("DISTRO_REDIS_URL", redis_server.url)
    assert enqueue_coalesced("outage-drill", mark) is True
    client = redis_server.client()
    assert client.exists("distro:queued:outage-drill")
    client.save()  # on disk, as Redis's own persistence would have it after the restart
    redis_server.stop()
    released: list[bool] = []
    releasing = threading.Thread(target=lambda: released.append(release_coalesced("outage-drill")))
    releasing.start()
    time.sleep(OUTAGE_SECONDS)  # the outage: how long it lasts is the test's doing, not a timing it checks
    redis_server.start()
    releasing.join(timeout=DEADLINE_SECONDS)
    assert released == [True]
    assert not client.exists("distro:queued:outage-drill")
    assert enqueue_coalesced("outage-drill", mark) is True  # the next ask starts a run at once
