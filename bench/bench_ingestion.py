"""Webhook ingestion end to end (sign → verify → store → accrue → ledger) at concurrency 16 through
granian (the production web server) with RQ workers, in events per second, against a bare endpoint doing one
INSERT under the same server.

Web server, workers, PostgreSQL and this load generator share the machine's cores, so stderr also
shows the CPU each of them spent per event: where a faster pipeline has to find its time.

Each round's requests are built and signed before its timer starts, for distro and the bare endpoint alike: a real
sender signs on its own machine, so its signing is no part of what this machine has to do per event."""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import psutil
import sqlalchemy as sa
from sqlmodel import Session

from bench import raw_pipeline
from bench.harness import (
    Row,
    bench_redis_url,
    cpu_seconds,
    free_port,
    peak_rss_mb,
    postgres_server_pid,
    raw_connection,
    wait_until_up,
    web_server,
)
from bench.load import Load
from distro.app import create_app
from distro.db import engine_for
from distro.outbound.signing import sign
from tests.factories import make_product, make_shop, make_supplier

EVENTS = 3_000  # per timed round
ROUNDS = 3  # the median round is reported: a slow spell of the machine then decides nothing
WARMUP_EVENTS = 300  # first connections, prepared statements, the first forked job: not what is measured
CONCURRENCY = 16
WORKERS = 2


def _made(make_request, numbers: range) -> dict[int, tuple[bytes, dict[str, str]]]:
    """Each number's request, built and signed now, before a round's clock starts (see the module's docstring)."""
    return {number: make_request(number) for number in numbers}


def _send_all(port: int, requests: dict[int, tuple[bytes, dict[str, str]]]) -> float:
    """Send the requests, in order of their numbers, at CONCURRENCY keep-alive connections; return the seconds
    taken."""
    load = Load(port, CONCURRENCY)
    try:
        return load.run("POST", "/webhooks/orders", requests.__getitem__, sorted(requests))
    finally:
        load.close()


class PeakMemory:
    """The highest peak resident memory (MB) of each named process, its children included, sampled every 0.2 s
    while it runs: an RQ work horse lives only as long as its job, so a reading at the end alone would miss it."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.peaks = dict.fromkeys(pids, 0.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self.read()

    def read(self) -> None:
        """Take a reading now."""
        for name, pid in self.pids.items():
            with contextlib.suppress(psutil.NoSuchProcess):  # it ended meanwhile: its last reading stands
                self.peaks[name] = max(self.peaks[name], peak_rss_mb(pid))

    def stop(self) -> dict[str, float]:
        """Take the last reading, stop sampling; the peaks by name."""
        self._stop.set()
        self._thread.join()
        self.read()
        return self.peaks


def _rounds() -> list[range]:
    """The event numbers of the warm-up, then of each timed round."""
    return [range(WARMUP_EVENTS)] + [
        range(WARMUP_EVENTS + number * EVENTS, WARMUP_EVENTS + (number + 1) * EVENTS) for number in range(ROUNDS)
    ]


def run(url: str) -> list[Row]:
    redis_url = bench_redis_url()
    app = create_app({"DATABASE_URL": url, "REDIS_URL": redis_url})
    with Session(engine_for(url)) as session:
        supplier_user, _ = make_supplier(session, app)
        product = make_product(session, app, supplier_user, price_fen=12_800, other_platform_price_fen=16_800)
        product_id = product.id
        make_shop(session, app, slug="bench", carrying=[product])
    secret = app.config["ORDER_WEBHOOK_SECRETS"][0]
    env = {**os.environ, "DISTRO_DATABASE_URL": url, "DISTRO_REDIS_URL": redis_url}

    def distro_event(number: int) -> tuple[bytes, dict[str, str]]:
        data = {
            "order_id": f"B{number}",
            "paid_at": "2026-11-22T08:00:00+08:00",
            "buyer": {"reference": "b"},
            "shop": "bench",
            "total_paid_fen": 12_800,
            "lines": [{"line_id": "1", "product_id": product_id, "quantity": 1, "paid_fen": 12_800}],
        }
        body = json.dumps({"type": "order.paid", "data": data}).encode()
        headers = sign(body, f"evt_{uuid.uuid4().hex}", int(time.time()), secret)
        return body, {**headers, "Content-Type": "application/json"}

    port = free_port()
    worker = [sys.executable, "-m", "distro.cli", "worker"]
    processes = [web_server(app.config, port, "distro.wsgi:app", env)] + [_quiet(worker, env) for _ in range(WORKERS)]
    engine = engine_for(url)

    def accrued() -> int:
        """How many commission lines exist, once no event waits: counting them all every 50 ms cost the server
        more CPU than an event's own insert, which the figures then charged to the system under test."""
        with engine.connect() as connection:
            if connection.execute(
                sa.text("SELECT EXISTS (SELECT FROM order_events WHERE status = 'received')")
            ).scalar_one():
                return 0  # still processing (its partial index answers at once)
            return connection.execute(sa.text("SELECT count(*) FROM commission_lines")).scalar_one()

    try:
        wait_until_up(port, "/healthz")
        distro = _end_to_end(url, port, distro_event, processes, accrued)
        with engine.connect() as connection:
            total = connection.execute(sa.text("SELECT sum(amount) FROM ledger_entries")).scalar_one()
        assert total == 0, "the ledger does not balance"
    finally:
        _stop(processes)

    def stored() -> int:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM bare_events")).scalar_one()

    with raw_connection(url) as connection:
        connection.execute("CREATE TABLE bare_events (id bigserial PRIMARY KEY, body text)")
        connection.execute(raw_pipeline.SETUP)
        connection.commit()
    dsn = engine_for(url).url.set(drivername="postgresql").render_as_string(hide_password=False)
    port = free_port()
    bare = web_server(app.config, port, "bench.bare_app:app", {**env, "BARE_DATABASE_DSN": dsn})
    try:
        wait_until_up(port, "/")
        bare_rate = _end_to_end(url, port, distro_event, [bare], stored, names=("bare endpoint", "")).answered
    finally:
        _stop([bare])

    def raw_processed() -> int:
        with engine.connect() as connection:
            if connection.execute(sa.text("SELECT EXISTS (SELECT FROM raw_events WHERE NOT processed)")).scalar_one():
                return 0
            return connection.execute(sa.text("SELECT count(*) FROM raw_commission_lines")).scalar_one()

    port = free_port()
    endpoint = {**env, "BARE_DATABASE_DSN": dsn, "BARE_TABLE": "raw_events"}
    processor = [sys.executable, "-m", "bench.raw_pipeline", dsn]
    processes = [web_server(app.config, port, "bench.bare_app:app", endpoint)]
    processes += [_quiet(processor, env) for _ in range(WORKERS)]
    try:
        wait_until_up(port, "/")
        raw = _end_to_end(url, port, distro_event, processes, raw_processed, names=("endpoint", "processor"))
    finally:
        _stop(processes)

    return [
        Row(
            "webhook ingestion end to end (c=16, granian)",
            distro.end_to_end,
            "events/s",
            raw.end_to_end,
            "raw SQL pipeline (bench/raw_pipeline.py)",
            max(distro.peaks.values()),
        ),
        Row(
            "webhook ingestion, stored and answered (c=16)",
            distro.answered,
            "events/s",
            bare_rate,
            "bare 1-INSERT endpoint",
            distro.peaks["web (granian)"],
        ),
        Row(
            "raw SQL pipeline end to end (the floor)",
            raw.end_to_end,
            "events/s",
            bare_rate,
            "bare 1-INSERT endpoint",
            max(raw.peaks.values()),
        ),
    ]


def _quiet(argv: list[str], env: dict[str, str]) -> subprocess.Popen:
    """A background process whose output is not wanted."""
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)


@dataclass(frozen=True)
class Measured:
    """A pipeline's median rates over the timed rounds, and its processes' peak memory by name."""

    end_to_end: float
    answered: float
    peaks: dict[str, float]


def _end_to_end(
    url: str,
    port: int,
    make_request,
    processes: list[subprocess.Popen],
    processed: Callable[[], int],
    names: tuple[str, str] = ("web (granian)", "RQ worker"),
) -> Measured:
    """Send each round's events to the web process at port and wait until processed() counts them all; print the
    CPU each process spent per event (the first of processes serves, the others process) and their peak memory."""
    web_name, worker_name = names
    workers_name = f"{worker_name}s"
    server_pid = postgres_server_pid(url)

    def cpu_now() -> dict[str, float]:
        workers = {workers_name: sum(cpu_seconds(process.pid) for process in processes[1:])} if processes[1:] else {}
        return {
            web_name: cpu_seconds(processes[0].pid),
            **workers,
            "PostgreSQL": cpu_seconds(server_pid),
            "bench client": cpu_seconds(os.getpid(), with_children=False),
        }

    worker_names = [f"{worker_name} {number}" for number in range(1, len(processes))]
    memory = PeakMemory(dict(zip([web_name, *worker_names], (process.pid for process in processes), strict=True)))
    end_to_end: list[float] = []
    answered: list[float] = []
    cpu: dict[str, list[float]] = {}
    for round_number, numbers in enumerate(_rounds()):
        requests = _made(make_request, numbers)
        cpu_before = cpu_now()
        start = time.perf_counter()
        ingest_seconds = _send_all(port, requests)
        while (done := processed()) < numbers.stop:
            if ended := [process.args for process in processes if process.poll() is not None]:
                raise RuntimeError(f"ended while events wait: {ended}")
            if time.perf_counter() - start > 600:
                raise RuntimeError(f"{done} of {numbers.stop} events processed after 10 minutes (0: events wait)")
            time.sleep(0.05)
        end_to_end_seconds = time.perf_counter() - start
        cpu_after = cpu_now()
        if round_number == 0:
            continue  # the warm-up
        end_to_end.append(len(numbers) / end_to_end_seconds)
        answered.append(len(numbers) / ingest_seconds)
        for name in cpu_before:
            cpu.setdefault(name, []).append((cpu_after[name] - cpu_before[name]) / len(numbers) * 1000)
    peaks = memory.stop()
    print(
        f"  {web_name}{f' + {workers_name}' if processes[1:] else ''}: CPU per event (median of rounds): "
        + ", ".join(f"{name} {statistics.median(values):.2f} ms" for name, values in cpu.items())
        + f" ({os.cpu_count()} cores); peak memory: "
        + ", ".join(f"{name} {peak:.0f} MB" for name, peak in peaks.items()),
        file=sys.stderr,
    )
    return Measured(statistics.median(end_to_end), statistics.median(answered), peaks)
