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

import psutil
import sqlalchemy as sa
from sqlmodel import Session

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
    processes = [web_server(app.config, port, "distro.wsgi:app", env)]
    processes += [
        subprocess.Popen(
            [sys.executable, "-m", "distro.cli", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(WORKERS)
    ]
    try:
        wait_until_up(port, "/healthz")
        server_pid = postgres_server_pid(url)

        def cpu_now() -> dict[str, float]:
            return {
                "web (granian)": cpu_seconds(processes[0].pid),
                "workers (RQ)": sum(cpu_seconds(process.pid) for process in processes[1:]),
                "PostgreSQL": cpu_seconds(server_pid),
                "bench client": cpu_seconds(os.getpid(), with_children=False),
            }

        engine = engine_for(url)
        names = ["web (granian)"] + [f"worker {number} (RQ)" for number in range(1, WORKERS + 1)]
        memory = PeakMemory({name: process.pid for name, process in zip(names, processes, strict=True)})

        def accrued() -> int:
            """How many commission lines exist, once no event waits: counting them all every 50 ms cost the server
            more CPU than an event's own insert, which the figures then charged to the system under test."""
            with engine.connect() as connection:
                if connection.execute(
                    sa.text("SELECT EXISTS (SELECT FROM order_events WHERE status = 'received')")
                ).scalar_one():
                    return 0  # still processing (its partial index answers at once)
                return connection.execute(sa.text("SELECT count(*) FROM commission_lines")).scalar_one()

        end_to_end: list[float] = []
        answered: list[float] = []
        cpu: dict[str, list[float]] = {}
        for round_number, numbers in enumerate(_rounds()):
            requests = _made(distro_event, numbers)
            cpu_before = cpu_now()
            start = time.perf_counter()
            ingest_seconds = _send_all(port, requests)
            while (done := accrued()) < numbers.stop:
                if time.perf_counter() - start > 600:
                    raise RuntimeError(f"{done} commission lines of {numbers.stop} after 10 minutes (0: events wait)")
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
            "  ingestion CPU per event (median of rounds): "
            + ", ".join(f"{name} {statistics.median(values):.2f} ms" for name, values in cpu.items())
            + f" ({os.cpu_count()} cores); peak memory: "
            + ", ".join(f"{name} {peak:.0f} MB" for name, peak in peaks.items()),
            file=sys.stderr,
        )
        with engine.connect() as connection:
            total = connection.execute(sa.text("SELECT sum(amount) FROM ledger_entries")).scalar_one()
        assert total == 0, "the ledger does not balance"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)

    with raw_connection(url) as connection:
        connection.execute("CREATE TABLE bare_events (id bigserial PRIMARY KEY, body text)")
        connection.commit()
    port = free_port()
    dsn = engine_for(url).url.set(drivername="postgresql").render_as_string(hide_password=False)
    bare = web_server(app.config, port, "bench.bare_app:app", {**env, "BARE_DATABASE_DSN": dsn})
    try:
        wait_until_up(port, "/")
        bare_rates = []
        for numbers in _rounds():
            requests = _made(distro_event, numbers)
            bare_rates.append(len(numbers) / _send_all(port, requests))
        bare_rates = bare_rates[1:]  # after the warm-up
    finally:
        bare.terminate()
        bare.wait(timeout=30)

    baseline = statistics.median(bare_rates)
    return [
        Row(
            "webhook ingestion end to end (c=16, granian)",
            statistics.median(end_to_end),
            "events/s",
            baseline,
            "bare 1-INSERT endpoint",
            max(peaks.values()),
        ),
        Row(
            "webhook ingestion, stored and answered (c=16)",
            statistics.median(answered),
            "events/s",
            baseline,
            "bare 1-INSERT endpoint",
            peaks["web (granian)"],
        ),
    ]
