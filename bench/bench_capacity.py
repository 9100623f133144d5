"""CPU per request of what buyers and owners do most (a product page, the owner app's home, a share click), through
granian, against a bare Flask 302 route under the same server: the page and click inputs of README's capacity model.

CPU, not rate: on a machine the load generator shares, the CPU a request costs each process (web server, PostgreSQL,
Redis) is what a capacity plan multiplies, and a busy machine distorts it less than it distorts a rate. The model's
other inputs come from `bench_ingestion` (CPU per webhook event) and `bench_settlement` (a batch's seconds).
"""

from __future__ import annotations

import os
import statistics
import sys

import psutil
import redis
from sqlmodel import Session

from bench.bench_share import BROWSER_UA
from bench.harness import (
    Row,
    bench_redis_url,
    cpu_seconds,
    free_port,
    peak_rss_mb,
    postgres_server_pid,
    wait_until_up,
    web_server,
)
from bench.http_pages import page_cookie
from bench.load import Load
from distro.app import create_app
from distro.auth.models import Role
from distro.db import engine_for
from distro.share import services as share_services
from distro.share.models import CHANNELS
from tests.factories import make_product, make_shop, make_supplier, make_user

REQUESTS = 3_000  # per timed round of each kind
ROUNDS = 3
WARMUP = 300
CONCURRENCY = 8
BARE = "bare Flask 302 route, CPU per request"


def _setup(url: str, app) -> tuple[str, str, str]:
    """A supplier's product in a shop whose owner has a share link; (product page path, share path, owner email)."""
    with Session(engine_for(url)) as session:
        supplier_user, _ = make_supplier(session, app)
        product = make_product(session, app, supplier_user, price_fen=5_900, other_platform_price_fen=9_900)
        owner = make_user(session, Role.SHOP_OWNER)
        shop = make_shop(session, app, owner, slug="bench-capacity", carrying=[product])
        link = share_services.create_link(
            session=session,
            owner_id=owner.id,  # type: ignore[arg-type]
            shop_id=shop.id,  # type: ignore[arg-type]
            channel=CHANNELS[0],
            product_id=product.id,
        )
        return f"/shop/{shop.slug}/p/{product.id}", f"/s/{link.code}", owner.email


def _cpu_per_request(
    port: int, path: str, headers: dict[str, str], expect: int, pids: dict[str, int]
) -> dict[str, float]:
    """Milliseconds of CPU each process spent per request, the median of ROUNDS timed rounds after a warm-up."""
    load = Load(port, CONCURRENCY)
    try:
        load.run("GET", path, lambda _: (b"", headers), range(WARMUP), expect=expect)
        samples: dict[str, list[float]] = {}
        for _ in range(ROUNDS):
            before = {name: cpu_seconds(pid) for name, pid in pids.items()}
            load.run("GET", path, lambda _: (b"", headers), range(REQUESTS), expect=expect)
            for name, pid in pids.items():
                spent = cpu_seconds(pid) - before[name]
                samples.setdefault(name, []).append(spent / REQUESTS * 1000)
    finally:
        load.close()
    return {name: statistics.median(values) for name, values in samples.items()}


def run(url: str) -> list[Row]:
    redis_url = bench_redis_url()
    app = create_app({"DATABASE_URL": url, "REDIS_URL": redis_url})
    product_path, share_path, owner_email = _setup(url, app)
    env = {**os.environ, "DISTRO_DATABASE_URL": url, "DISTRO_REDIS_URL": redis_url}
    browser = {"User-Agent": BROWSER_UA, "Accept": "text/html"}
    redis_pid = int(redis.Redis.from_url(redis_url).info("server")["process_id"])
    figures: dict[str, dict[str, float]] = {}

    port = free_port()
    server = web_server(app.config, port, "distro.wsgi:app", env)
    try:
        wait_until_up(port, "/healthz")
        pids = {"web": server.pid, "PostgreSQL": postgres_server_pid(url), "Redis": redis_pid}
        owner = {**browser, "Cookie": page_cookie(port, owner_email)}
        figures["buyer's product page"] = _cpu_per_request(port, product_path, browser, 200, pids)
        figures["owner app home (/my)"] = _cpu_per_request(port, "/my", owner, 200, pids)
        figures["share click (302)"] = _cpu_per_request(port, share_path, browser, 302, pids)
        web_peak = peak_rss_mb(server.pid)
        print(
            "  web processes' peak memory: "
            + ", ".join(f"{peak_rss_mb(child.pid):.0f} MB" for child in psutil.Process(server.pid).children()),
            file=sys.stderr,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)

    port = free_port()
    bare = web_server(app.config, port, "bench.bare_redirect:app", env)
    try:
        wait_until_up(port, "/s/x")
        baseline = _cpu_per_request(port, "/s/x", browser, 302, {"web": bare.pid})["web"]
    finally:
        bare.terminate()
        bare.wait(timeout=30)

    for label, cpu in figures.items():
        print(
            f"  {label}: CPU per request " + ", ".join(f"{name} {ms:.2f} ms" for name, ms in cpu.items()),
            file=sys.stderr,
        )
    return [
        Row(f"CPU per request: {label}", sum(cpu.values()), "ms", baseline, BARE, peak_mb=web_peak)
        for label, cpu in figures.items()
    ]
