"""Share links: the public redirect at concurrency 16 through granian (redirects/s, p99) against a bare Flask
redirect route under the same server settings,
and folding 200,000 Redis clicks into PostgreSQL exactly once (clicks/s) against raw XRANGE + executemany."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass

import redis
import sqlalchemy as sa
from sqlmodel import Session

from bench.bench_ingestion import CONCURRENCY
from bench.harness import (
    Row,
    bench_redis_url,
    cpu_seconds,
    free_port,
    in_child,
    peak_rss_mb,
    raw_connection,
    timer,
    wait_until_up,
    web_server,
)
from bench.load import Load
from distro.app import create_app
from distro.auth.models import Role
from distro.clock import BUSINESS_TZ
from distro.db import engine_for, session_scope
from distro.queue import redis_for
from distro.share import services
from distro.share.models import CHANNELS
from distro.shops import services as shop_services
from distro.shops.rules import ShopPolicy
from tests.factories import make_product, make_shop, make_supplier, make_user

LINKS = 200
REDIRECTS = 20_000
ROUNDS = 3  # timed runs of each server, alternating
WARMUP = 10 * LINKS  # every link at least once per worker process, so the timed part runs on warm link caches
CLICKS = 200_000
DAYS = 7
BATCH = 50_000  # fold_clicks' default batch
PUSH_CHUNK = 5_000
BARE = "bare Flask 302 route"
BROWSER_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.40"
)


def _links(url: str, app) -> list[tuple[int, str]]:
    """An approved supplier, a product, an active shop carrying it and LINKS share links; (id, code) each."""
    with Session(engine_for(url)) as session:
        supplier_user, _ = make_supplier(session, app)
        product_id = make_product(session, app, supplier_user, price_fen=5_900, other_platform_price_fen=9_900).id
        owner = make_user(session, Role.SHOP_OWNER)
        shop = make_shop(session, app, owner, slug="bench-share")
        shop_services.add_product(
            session=session,
            owner_id=owner.id,
            shop_id=shop.id,
            product_id=product_id,
            reason="天天用",
            policy=ShopPolicy.from_settings(app.config),
        )
        links = [
            services.create_link(
                session=session,
                owner_id=owner.id,  # type: ignore[arg-type]
                shop_id=shop.id,  # type: ignore[arg-type]
                channel=CHANNELS[number % len(CHANNELS)],
                product_id=product_id if number % 2 else None,
            )
            for number in range(LINKS)
        ]
        return [(link.id, link.code) for link in links]  # type: ignore[misc]


def _flush(connection: redis.Redis) -> None:
    """Delete the keys this benchmark creates in the bench Redis: the click stream and the seen-markers."""
    connection.delete(services.CLICK_STREAM)
    batch: list[bytes] = []
    for key in connection.scan_iter(match="distro:click-seen:*", count=10_000):
        batch.append(key)
        if len(batch) >= 10_000:
            connection.unlink(*batch)
            batch.clear()
    if batch:
        connection.unlink(*batch)


@dataclass(frozen=True)
class Run:
    """Redirects per second and the 99th-percentile latency in milliseconds of one timed run."""

    rate: float
    p99_ms: float


REDIRECT_HEADERS = {"User-Agent": BROWSER_UA, "Accept": "text/html"}


def _get_all(load: Load, paths: list[str]) -> Run:
    """GET every path over load's keep-alive connections, never following the redirect; every answer
    must be a 302 with a Location."""
    seconds = load.run("GET", paths.__getitem__, lambda _: (b"", REDIRECT_HEADERS), range(len(paths)), expect=302)
    return Run(len(paths) / seconds, statistics.quantiles(load.latencies, n=100)[98] * 1000)


def _redirects(app, codes: list[str], env: dict[str, str], connection: redis.Redis) -> tuple[Run, Run, float]:
    """(share redirects, bare Flask redirects, the distro server's peak MB) over the same request mix and server
    settings: the median of ROUNDS alternating timed runs of each, both servers up throughout.

    Prints to stderr the CPU each participant spent per timed request, which a busy machine
    does not distort the way it distorts rates.
    """
    warmup = [f"/s/{codes[number % len(codes)]}" for number in range(WARMUP)]
    paths = [f"/s/{codes[number % len(codes)]}" for number in range(REDIRECTS)]
    redis_pid = int(connection.info("server")["process_id"])
    cpu: dict[str, list[float]] = {}
    runs: dict[str, list[Run]] = {"distro": [], "bare": []}

    def timed(server: subprocess.Popen, port: int, label: str) -> None:
        # Connections of their own each round, warmed first: a connection stays with one server
        # worker, so the warm-up warms the workers the timed run then meets.
        load = Load(port, CONCURRENCY)
        _get_all(load, warmup)

        def now() -> dict[str, float]:
            return {
                f"{label} web": cpu_seconds(server.pid),
                **({f"{label} Redis": cpu_seconds(redis_pid, with_children=False)} if label == "distro" else {}),
                f"{label} client": cpu_seconds(os.getpid(), with_children=False),
            }

        before = now()
        runs[label].append(_get_all(load, paths))
        after = now()
        load.close()
        for name in before:
            cpu.setdefault(name, []).append((after[name] - before[name]) / len(paths) * 1e6)

    _flush(connection)
    ports = {"distro": free_port(), "bare": free_port()}
    servers = {
        "distro": web_server(app.config, ports["distro"], "distro.wsgi:app", env),
        "bare": web_server(app.config, ports["bare"], "bench.bare_redirect:app", env),
    }
    try:
        for port in ports.values():
            wait_until_up(port, "/s/unknown")
        # Alternating rounds, the median of each side: a slow spell of the machine (they come and go
        # here) lands on one round of one side instead of deciding the ratio.
        for _ in range(ROUNDS):
            for label in ("distro", "bare"):
                timed(servers[label], ports[label], label)
        web_mb = peak_rss_mb(servers["distro"].pid)
    finally:
        for server in servers.values():
            server.terminate()
        for server in servers.values():
            server.wait(timeout=30)
    counted = connection.xlen(services.CLICK_STREAM)
    expected = ROUNDS * (WARMUP + REDIRECTS)
    if counted != expected:  # a redirect that silently failed to count would flatter the figure
        raise RuntimeError(f"{counted} clicks counted for {expected} redirects")
    print(
        "  redirect CPU per request (median of rounds): "
        + ", ".join(f"{name} {statistics.median(micros):.0f} µs" for name, micros in cpu.items()),
        file=sys.stderr,
    )

    def median_run(label: str) -> Run:
        return Run(
            statistics.median(run.rate for run in runs[label]), statistics.median(run.p99_ms for run in runs[label])
        )

    return median_run("distro"), median_run("bare"), web_mb


def _push_clicks(connection: redis.Redis, link_ids: list[int]) -> None:
    """CLICKS clicks the way the redirects' buffers record them, across the links and DAYS days, some visitors
    repeating."""
    now = dt.datetime.now(dt.UTC)
    clicks = [
        services.Click(
            link_ids[number % len(link_ids)],
            f"v:bench{number % 30_011}",
            now - dt.timedelta(days=number % DAYS, seconds=number % 3_600),
        )
        for number in range(CLICKS)
    ]
    for start in range(0, CLICKS, PUSH_CHUNK):
        services.record_clicks(connection, clicks[start : start + PUSH_CHUNK])
    if connection.xlen(services.CLICK_STREAM) != CLICKS:
        raise RuntimeError("the click stream does not hold the pushed clicks")


def _fold_baseline(url: str, connection: redis.Redis) -> float:
    """Seconds to read the stream with XRANGE in BATCH entries and executemany the same aggregated rows into an
    unindexed table: the raw work of a fold, without cursor, lock, upsert or trim. Leaves the stream intact."""
    with raw_connection(url) as database:
        database.execute("CREATE TABLE bare_click_counts (link_id bigint, day date, clicks bigint, uniques bigint)")
        database.commit()
        with timer() as elapsed:
            low = "-"
            while entries := connection.xrange(services.CLICK_STREAM, min=low, count=BATCH):
                clicks: Counter[tuple[int, dt.date]] = Counter()
                uniques: Counter[tuple[int, dt.date]] = Counter()
                for _, fields in entries:
                    key = (int(fields[b"l"]), dt.datetime.fromtimestamp(int(fields[b"t"]), BUSINESS_TZ).date())
                    clicks[key] += 1
                    uniques[key] += int(fields[b"u"])
                with database.cursor() as cursor:
                    cursor.executemany(
                        "INSERT INTO bare_click_counts (link_id, day, clicks, uniques) VALUES (%s, %s, %s, %s)",
                        [(link, day, clicks[link, day], uniques[link, day]) for link, day in sorted(clicks)],
                    )
                database.commit()
                low = f"({entries[-1][0].decode()}"
        total = database.execute("SELECT sum(clicks) FROM bare_click_counts").fetchone()[0]  # type: ignore[index]
    if total != CLICKS:
        raise RuntimeError(f"the baseline stored {total} of {CLICKS} clicks")
    return elapsed()


def _fold(url: str, redis_url: str) -> float:
    """Seconds for fold_clicks to drain the stream, looping as distro.share.jobs.fold_clicks does."""
    connection = redis_for(redis_url)
    with timer() as elapsed, session_scope(url) as session:
        folded = 0
        while batch := services.fold_clicks(session=session, connection=connection):
            folded += batch
    if folded != CLICKS:
        raise RuntimeError(f"fold_clicks folded {folded} of {CLICKS} clicks")
    with engine_for(url).connect() as database:
        total = database.execute(sa.text("SELECT sum(clicks) FROM share_click_counts")).scalar_one()
    if total != CLICKS:
        raise RuntimeError(f"share_click_counts holds {total} clicks, not {CLICKS}")
    return elapsed()


def run(url: str) -> list[Row]:
    redis_url = bench_redis_url()
    app = create_app({"DATABASE_URL": url, "REDIS_URL": redis_url})
    connection = redis_for(redis_url)
    links = _links(url, app)
    env = {**os.environ, "DISTRO_DATABASE_URL": url, "DISTRO_REDIS_URL": redis_url}
    try:
        redirects, bare_redirects, web_mb = _redirects(app, [code for _, code in links], env, connection)

        _flush(connection)
        _push_clicks(connection, [link_id for link_id, _ in links])
        bare_fold_seconds = _fold_baseline(url, connection)  # reads without trimming: the fold sees the same clicks
        # In a process of its own, as a worker's work horse runs the job: this one holds the redirects' and the
        # baseline's memory.
        fold_seconds, fold_mb = in_child(_fold, url, redis_url)
    finally:
        _flush(connection)

    return [
        Row("share redirect (c=16, granian)", redirects.rate, "redirects/s", bare_redirects.rate, BARE, web_mb),
        Row("share redirect p99 (c=16, granian)", redirects.p99_ms, "ms", bare_redirects.p99_ms, BARE, web_mb),
        Row(
            f"click fold ({CLICKS // 1000}k clicks)",
            CLICKS / fold_seconds,
            "clicks/s",
            CLICKS / bare_fold_seconds,
            "XRANGE + executemany, unindexed",
            fold_mb,
        ),
    ]
