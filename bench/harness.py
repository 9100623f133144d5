"""What every benchmark shares: a fresh migrated database, a timer and the result row."""

from __future__ import annotations

import dataclasses
import http.client
import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from distro import embedded, migrate
from distro.cli import web_server_argv
from distro.db import engine_for
from distro.settings import PROJECT_ROOT

BENCH_DATABASE = "distro_bench"
T = TypeVar("T")


@dataclass(frozen=True)
class Row:
    """One figure: its value and the baseline measured in the same run."""

    name: str
    value: float
    unit: str
    baseline: float
    baseline_name: str
    peak_mb: float | None = None
    """The highest peak resident memory (MB) of the distro processes that produced the figure, where measured."""

    @property
    def ratio(self) -> float:
        """value / baseline."""
        return self.value / self.baseline if self.baseline else float("inf")


def with_peak(rows: list[Row], peak_mb: float) -> list[Row]:
    """The rows with peak_mb as their peak memory: the figures one process produced."""
    return [dataclasses.replace(row, peak_mb=peak_mb) for row in rows]


def fresh_database() -> str:
    """Recreate and migrate the benchmark database; return its URL.

    Uses DISTRO_BENCH_DATABASE_URL's server when set, else the embedded server under var/bench.
    """
    server = os.environ.get("DISTRO_BENCH_DATABASE_URL")
    if not server:
        server, _ = embedded.ensure_postgres(Path(PROJECT_ROOT / "var" / "bench"), database="postgres")
    admin = sa.create_engine(
        make_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{BENCH_DATABASE}"'))
    admin.dispose()
    url = make_url(server).set(database=BENCH_DATABASE).render_as_string(hide_password=False)
    # The database was dropped and made anew: connections pooled by an earlier benchmark are dead.
    engine_for(url).dispose()
    migrate.upgrade(url)
    # Write out what the previous benchmark left dirty (the tier load leaves gigabytes) before this one
    # runs: otherwise its commits queue behind that writeback and it measures its predecessor.
    with admin.connect() as connection:
        connection.execute(sa.text("CHECKPOINT"))
    return url


def load_set_based(
    url: str,
    steps: Sequence[tuple[str, str]],
    *,
    tables: Sequence[str],
    sequences: Sequence[str],
    log: Callable[[str], None],
    work_mem: str = "1GB",
) -> None:
    """Load a big benchmark's state: run its (label, SQL) steps with tables' foreign keys and plain indexes
    dropped, recreate them from their own definitions (which validates them), move the id sequences of
    `sequences` past their tables' ids, then VACUUM ANALYZE; each step's time goes to log.

    Inserting millions of rows into indexed, constrained tables costs several times building the indexes and
    checking the keys once afterwards; the steps are set-based SQL (generate_series, INSERT ... SELECT).
    """
    with raw_connection(url) as connection:
        connection.autocommit = True
        for setting in (f"work_mem = '{work_mem}'", f"maintenance_work_mem = '{work_mem}'", "synchronous_commit = off"):
            connection.execute(f"SET {setting}")
        foreign_keys = connection.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s) ORDER BY conrelid::regclass::text, conname",
            [list(tables)],
        ).fetchall()
        indexes = connection.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
            "WHERE indrelid::regclass::text = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')) "
            "ORDER BY 1",
            [list(tables)],
        ).fetchall()
        for table, name, _definition in foreign_keys:
            connection.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            connection.execute(f"DROP INDEX {name}")
        log(f"dropped {len(foreign_keys)} foreign keys and {len(indexes)} plain indexes for the load")

        def step(label: str, sql: str) -> None:
            start = time.perf_counter()
            cursor = connection.execute(sql)
            rows = f", {cursor.rowcount:,} rows" if cursor.rowcount >= 0 else ""
            log(f"{label}: {time.perf_counter() - start:.1f} s{rows}")

        for label, sql in steps:
            step(label, sql)
        for name, definition in indexes:
            step(f"index {name}", definition)
        for table, name, definition in foreign_keys:
            step(f"foreign key {name}", f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for table in sequences:
            connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        step("VACUUM ANALYZE", "VACUUM ANALYZE")


def bench_redis_url() -> str:
    """The benchmarks' Redis: DISTRO_BENCH_REDIS_URL when set, else the embedded server under var/bench."""
    url = os.environ.get("DISTRO_BENCH_REDIS_URL")
    if not url:
        url, _ = embedded.ensure_redis(Path(PROJECT_ROOT / "var" / "bench"))
    return url


@contextmanager
def timer() -> Iterator[Callable[[], float]]:
    """Measure wall-clock seconds of the with-block; call the yielded function after it."""
    start = time.perf_counter()
    elapsed: list[float] = []
    yield lambda: elapsed[0]
    elapsed.append(time.perf_counter() - start)


def raw_connection(url: str):
    """A plain psycopg connection for baselines (no ORM, no distro code)."""
    import psycopg

    return psycopg.connect(engine_for(url).url.set(drivername="postgresql").render_as_string(hide_password=False))


def copy_for_baseline(connection, table: str, *statements: str) -> None:
    """Make a baseline's copy of a table with statements, commit and VACUUM ANALYZE it."""
    for statement in statements:
        connection.execute(statement)
    connection.commit()
    connection.autocommit = True
    connection.execute(f"VACUUM ANALYZE {table}")
    connection.autocommit = False


def cpu_seconds(pid: int, *, with_children: bool = True) -> float:
    """User + system CPU seconds a process has used, with its live and reaped descendants unless told not to."""
    import psutil

    process = psutil.Process(pid)
    times = process.cpu_times()
    total = times.user + times.system
    if with_children:
        total += times.children_user + times.children_system
        for child in process.children(recursive=True):
            try:
                child_times = child.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += child_times.user + child_times.system
    return total


def peak_rss_mb(pid: int | None = None) -> float:
    """A process's peak resident memory so far in MB (VmHWM; this process when no pid), the highest of its live children
    included: granian and RQ run their work in children."""
    import psutil

    process = psutil.Process(pid)
    processes = [process, *process.children(recursive=True)]
    peaks = []
    for each in processes:
        try:
            status = Path(f"/proc/{each.pid}/status").read_text()
        except OSError:
            continue
        peaks += [int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:")]
    return max(peaks, default=0.0)


def in_child(function: Callable[..., T], /, *args: Any) -> tuple[T, float]:
    """Call function(*args) in a fresh Python process, as an RQ worker's work horse runs a job, and return its
    result and that process's peak resident memory in MB: the work's own figure, not that of what ran before it.

    function must be importable (defined at a module's top level); its arguments and result are pickled. The
    child may start children of its own (it is no daemon); an exception in it is raised here.
    """
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_call_measured, args=(sending, function, args))
    child.start()
    sending.close()
    try:
        succeeded, value = receiving.recv()
    except EOFError:
        child.join()
        raise RuntimeError(f"{function.__name__} died in its process (exit code {child.exitcode})") from None
    child.join()
    if not succeeded:
        raise value
    return value


def _call_measured(sending: Any, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        sending.send((True, (function(*args), peak_rss_mb())))
    except BaseException as error:  # handed to the parent, which raises it
        sending.send((False, RuntimeError(f"{function.__name__} failed in its process: {error!r}")))
        raise


def run_benchmark(name: str, url: str) -> list[Row]:
    """Run one benchmark module of bench/ (bench_<name>) on the database at url; return its rows."""
    import importlib

    return importlib.import_module(f"bench.{name}").run(url)


def reset_peak_rss() -> None:
    """Start this process's peak resident memory afresh from what it holds now (Linux's clear_refs), so that
    peak_rss_mb() after a job run here measures that job, not the benchmarks and loads before it."""
    Path("/proc/self/clear_refs").write_text("5")


def postgres_server_pid(url: str) -> int:
    """The pid of the (local) PostgreSQL server behind url: the parent of a backend."""
    import psutil

    with raw_connection(url) as connection:
        backend = connection.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        return psutil.Process(backend).ppid()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, path: str, deadline: float = 60) -> None:
    """Wait until a GET of path on the local port answers; RuntimeError after deadline seconds."""
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not start")


def web_server(config, port: int, target: str, env: dict[str, str]) -> subprocess.Popen:
    """The production web server as `distro web` runs it (granian, WEB_WORKERS × WEB_THREADS) on a local port."""
    argv = [*web_server_argv(config, bind=f"127.0.0.1:{port}", app=target), "--log-level", "warning"]
    return subprocess.Popen(argv, env=env, cwd=PROJECT_ROOT)
