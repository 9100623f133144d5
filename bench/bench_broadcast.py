"""A campaign's start told to 1,000,000 owners: the time until every owner can see it in 消息 (publish, then sample
owners' inboxes read until each shows it) against writing one message row per owner (INSERT ... SELECT into an
indexed table, the per-owner design); 消息's p95 over HTTP to the production web server with 1,440 broadcasts in
the owner's 90 days (16 hourly slots a day) against the same page before they were there; and the click burst
right after the start: 100,000 share clicks at concurrency 64 through granian (seconds taken, p99) against a bare
Flask redirect under the same server settings, every click counted once the buffers flushed and the fold ran.

The owners are loaded set-based (generate_series). The burst is paced as it would come (request n at n × 60 s /
100,000, on whichever of the 64 connections is free), each redirect's latency counted from when it was sent.
DISTRO_BENCH_BROADCAST_OWNERS sets the owners (default 1,000,000), DISTRO_BENCH_BURST_CLICKS the
burst (default 100,000).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time

import redis
import sqlalchemy as sa
from sqlmodel import Session

from bench import bench_share
from bench.bench_pool import percentile
from bench.harness import (
    Row,
    bench_redis_url,
    free_port,
    peak_rss_mb,
    raw_connection,
    reset_peak_rss,
    timer,
    wait_until_up,
    web_server,
)
from bench.http_pages import page_cookie, timed
from bench.load import Load
from distro.app import create_app
from distro.auth.models import Role
from distro.broadcasts import fanout, services
from distro.db import engine_for, session_scope
from distro.owner import messages
from distro.queue import get_queue
from distro.share import services as share_services
from tests.factories import make_user

OWNERS = int(os.environ.get("DISTRO_BENCH_BROADCAST_OWNERS", "1000000"))
PAST_BROADCASTS = 16 * 90
SAMPLES = 100
"""Owners whose inboxes are read after publishing, spread over the owner ids."""
ROUNDS = 40
BURST = int(os.environ.get("DISTRO_BENCH_BURST_CLICKS", "100000"))
BURST_CONCURRENCY = 64
BURST_SECONDS = 60
WARMUP = 10 * bench_share.LINKS
TITLE = "10点整点秒杀开始"


def progress(message: str) -> None:
    print(f"  [broadcast] {message}", file=sys.stderr, flush=True)


def _load_owners(url: str) -> None:
    """OWNERS - 1 more owners, joined over the last 100 days, set-based; then VACUUM ANALYZE."""
    with raw_connection(url) as connection:
        start = time.perf_counter()
        rows = connection.execute(
            "INSERT INTO users (email, display_name, password_hash, roles, is_active, created_at) "
            "SELECT 'owner' || g || '@bench.cn', '店主', 'x', ARRAY['shop_owner']::varchar[], true, "
            f"now() - interval '100 days' + g * interval '1 second' FROM generate_series(1, {OWNERS - 1}) g"
        ).rowcount
        connection.commit()
        progress(f"load owners: {rows:,} in {time.perf_counter() - start:.1f} s")
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE users")


def _load_past_broadcasts(url: str) -> None:
    """PAST_BROADCASTS broadcasts, an hourly slot's each, over the last 90 days; then ANALYZE."""
    with raw_connection(url) as connection:
        connection.execute(
            "INSERT INTO broadcasts (key, kind, title, body, link_path, visible_from, created_at, planned_at) "
            "SELECT 'campaign:past-' || g || ':start', 'campaign.started', '整点秒杀 ' || g, '限时特价，快去分享。', "
            f"'/my/pool', now() - g * interval '89 days' / {PAST_BROADCASTS}, now(), now() "
            f"FROM generate_series(1, {PAST_BROADCASTS}) g"
        )
        connection.commit()
        connection.autocommit = True
        connection.execute("ANALYZE broadcasts")


def _per_owner_baseline(url: str) -> float:
    """Seconds to write one message row per owner into an inbox table indexed by owner, as a design with a row
    per owner must at each broadcast."""
    with raw_connection(url) as connection:
        connection.execute(
            "CREATE TABLE bare_owner_messages (owner_id bigint, broadcast_id bigint, at timestamptz, "
            "read boolean NOT NULL DEFAULT false)"
        )
        connection.execute("CREATE INDEX ON bare_owner_messages (owner_id, at)")
        connection.commit()
        with timer() as elapsed:
            connection.execute(
                "INSERT INTO bare_owner_messages (owner_id, broadcast_id, at) "
                "SELECT id, 1, now() FROM users WHERE 'shop_owner' = ANY(roles)"
            )
            connection.commit()
        connection.execute("DROP TABLE bare_owner_messages")
        connection.commit()
    return elapsed()


def _publish_until_seen(url: str, connection: redis.Redis) -> float:
    """Seconds from publishing a campaign's start until each of SAMPLES owners, spread over the ids, sees it in
    their inbox (read as the page reads it); the fan-out's plan job is taken off the queue unrun."""
    with session_scope(url) as session:
        ids = (
            session.execute(
                sa.text("SELECT id FROM users WHERE 'shop_owner' = ANY(roles) AND id % :step = 0 ORDER BY id LIMIT :n"),
                {"step": max(OWNERS // SAMPLES, 1), "n": SAMPLES},
            )
            .scalars()
            .all()
        )
    with timer() as elapsed, session_scope(url) as session:
        broadcast = services.publish(
            session=session,
            key="campaign:bench:start",
            kind="campaign.started",
            title=TITLE,
            body="云南普洱茶限时 ¥59，佣金 30%，快去分享。",
            link_path="/my/pool",
            visible_from=dt.datetime.now(dt.UTC),
        )
        waiting = set(ids)
        while waiting:
            for owner_id in list(waiting):
                inbox = messages.open_inbox(session=session, owner_id=owner_id, page=1)
                if any(m.kind == "broadcast" and m.subject_id == broadcast.id for m in inbox.messages):
                    waiting.discard(owner_id)
    get_queue("default", connection).remove(fanout.plan_job_id(broadcast.id))  # type: ignore[arg-type]
    return elapsed()


def _burst(port: int, codes: list[str]) -> tuple[float, float]:
    """(seconds, p99 ms) of BURST redirects at BURST_CONCURRENCY paced over BURST_SECONDS, after a warm-up of every
    link."""
    load = Load(port, BURST_CONCURRENCY)
    bench_share._get_all(load, [f"/s/{codes[n % len(codes)]}" for n in range(WARMUP)])
    seconds = load.run(
        "GET",
        lambda n: f"/s/{codes[n % len(codes)]}",
        lambda _: (b"", bench_share.REDIRECT_HEADERS),
        range(BURST),
        expect=302,
        rate=BURST / BURST_SECONDS,
    )
    p99 = percentile(load.latencies, 0.99) * 1000
    load.close()
    return seconds, p99


def run(url: str) -> list[Row]:
    redis_url = bench_redis_url()
    os.environ["DISTRO_DATABASE_URL"], os.environ["DISTRO_REDIS_URL"] = url, redis_url  # for publish's queue
    app = create_app({"DATABASE_URL": url, "REDIS_URL": redis_url})
    connection = redis.Redis.from_url(redis_url)
    with Session(engine_for(url)) as session:
        measured = make_user(session, Role.SHOP_OWNER, email="measured@bench.cn")
        measured.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=100)  # sees every broadcast of 90 days
        session.add(measured)
        session.commit()
    codes = [code for _, code in bench_share._links(url, app)]
    _load_owners(url)
    env = {**os.environ}
    ports = {"distro": free_port(), "bare": free_port()}
    servers = {
        "distro": web_server(app.config, ports["distro"], "distro.wsgi:app", env),
        "bare": web_server(app.config, ports["bare"], "bench.bare_redirect:app", env),
    }
    try:
        for port in ports.values():
            wait_until_up(port, "/s/unknown")
        page = {"Cookie": page_cookie(ports["distro"], "measured@bench.cn")}
        for rounds in (3, ROUNDS):
            before_ms = timed(ports["distro"], ("/my/messages",), page, rounds, "消息".encode())
        _load_past_broadcasts(url)
        bare_seconds = _per_owner_baseline(url)
        progress(f"one row per owner ({OWNERS:,}): {bare_seconds:.1f} s")
        bench_share._flush(connection)
        reset_peak_rss()
        seen_seconds = _publish_until_seen(url, connection)
        publish_mb = peak_rss_mb()  # publishing ran in this process, as a web request would
        progress(f"published and seen by {SAMPLES} sampled owners in {seen_seconds:.2f} s")
        burst_seconds, burst_p99 = _burst(ports["distro"], codes)
        progress(f"burst: {BURST:,} in {burst_seconds:.1f} s, p99 {burst_p99:.1f} ms")
        bare_seconds_burst, bare_p99 = _burst(ports["bare"], codes)
        for rounds in (3, ROUNDS):
            after_ms = timed(ports["distro"], ("/my/messages",), page, rounds, TITLE.encode())
        progress(f"消息 p50 {percentile(before_ms, 0.5):.1f} ms before, {percentile(after_ms, 0.5):.1f} ms with")
        web_mb = peak_rss_mb(servers["distro"].pid)
    finally:
        for server in servers.values():
            server.terminate()
        for server in servers.values():
            server.wait(timeout=30)
    sent = WARMUP + BURST
    with session_scope(url) as session:
        while share_services.fold_clicks(session=session, connection=connection):
            pass
        counted = session.scalar(sa.text("SELECT coalesce(sum(clicks), 0) FROM share_click_counts")) or 0
    bench_share._flush(connection)
    if counted != sent:
        raise RuntimeError(f"{sent - counted} of {sent} clicks were lost")
    engine_for(url).dispose()
    millions = f"{OWNERS / 1_000_000:g}M"
    return [
        Row(
            f"campaign start seen by all {millions} owners",
            seen_seconds,
            "s",
            bare_seconds,
            f"a message row per owner ({millions})",
            publish_mb,
        ),
        Row(
            f"inbox 消息 p95 with {PAST_BROADCASTS + 1:,} broadcasts, HTTP",
            percentile(after_ms, 0.95),
            "ms",
            percentile(before_ms, 0.95),
            "the same page before them",
            web_mb,
        ),
        Row(
            f"click burst {BURST // 1000}k in {BURST_SECONDS} s (c={BURST_CONCURRENCY}): seconds taken",
            burst_seconds,
            "s",
            bare_seconds_burst,
            bench_share.BARE,
            web_mb,
        ),
        Row(
            f"click burst redirect p99 (c={BURST_CONCURRENCY}, paced)",
            burst_p99,
            "ms",
            bare_p99,
            bench_share.BARE,
            web_mb,
        ),
        Row("click burst clicks counted (0 lost)", float(counted), "clicks", float(sent), "clicks sent", web_mb),
    ]
