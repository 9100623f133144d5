"""The admin console's 审计日志 page over 1,000,000 audit entries: p95 over HTTP to the production web server
(granian as `distro web` runs it) as a signed-in admin, one request at a time, for each kind of search the page
offers, against the same searches in the same run without migration 0022's audit log indexes (the table as it
was: its primary key and the (subject_type, subject_id, id) index only). The goal is ≤ 100 ms.

The state is loaded set-based (generate_series): ENTRIES entries over 365 days by 200 staff accounts, one of them
busy (a tenth of all entries) and one rare (100 entries); 20 actions (one rare: 1 in 1,000), 8 object types,
100,000 objects; before/after as small JSON documents. Each search reads its first page (50 entries, newest first);
"a deep page" follows the busy actor's list from an entry in the middle of it.

DISTRO_BENCH_AUDIT_ENTRIES sets ENTRIES (default 1,000,000).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
import urllib.parse

from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex
from sqlmodel import Session

from bench.bench_pool import percentile
from bench.harness import (
    Row,
    bench_redis_url,
    free_port,
    peak_rss_mb,
    raw_connection,
    wait_until_up,
    web_server,
    with_peak,
)
from bench.http_pages import page_cookie, timed
from distro.app import create_app
from distro.audit import AuditEntry
from distro.auth.models import Role
from distro.clock import BUSINESS_TZ
from distro.db import engine_for
from tests.factories import make_user

ENTRIES = int(os.environ.get("DISTRO_BENCH_AUDIT_ENTRIES", "1000000"))
STAFF = 200
ROUNDS = 40
BASELINE_ROUNDS = 10
NEW_INDEXES = ("ix_audit_log_created", "ix_audit_log_actor", "ix_audit_log_action", "ix_audit_log_subject_type")
"""Migration 0022's audit log indexes, as the model declares them (distro/audit.py)."""
EXPECT = "审计日志".encode()


def progress(message: str) -> None:
    print(f"  [console audit] {message}", file=sys.stderr, flush=True)


def load(url: str, busy: int, rare: int) -> None:
    """ENTRIES entries in one INSERT … SELECT, then VACUUM ANALYZE."""
    actions = ", ".join(f"'{kind}.action_{n}'" for n, kind in enumerate(["product", "shop", "user", "supplier"] * 5))
    first_staff = "(SELECT min(id) FROM users WHERE email LIKE 'staff%@bench.cn')"
    statement = (
        "INSERT INTO audit_log (actor_id, action, subject_type, subject_id, before, after, created_at) "
        f"SELECT CASE WHEN g % 10 = 0 THEN {busy} WHEN g % 10000 = 1 THEN {rare} ELSE {first_staff} + g % {STAFF} END, "
        f"CASE WHEN g % 1000 = 7 THEN 'settlement_batch.approve' ELSE (ARRAY[{actions}])[1 + g % 20] END, "
        "(ARRAY['product','shop','user','supplier','settlement_batch','payout','tier_rules','api_key'])[1 + g % 8], "
        "1 + (g::bigint * 7919) % 100000, jsonb_build_object('status', 'listed', 'n', g), "
        "jsonb_build_object('status', 'taken_down', 'n', g), "
        f"now() - interval '365 days' + (g::float / {ENTRIES}) * interval '365 days' "
        f"FROM generate_series(1, {ENTRIES}) g ORDER BY g"
    )
    with raw_connection(url) as connection:
        start = time.perf_counter()
        connection.execute(
            "INSERT INTO users (email, display_name, password_hash, roles, is_active, created_at) "
            f"SELECT 'staff' || g || '@bench.cn', '员工' || g, 'x', ARRAY['admin']::varchar[], true, now() "
            f"FROM generate_series(1, {STAFF}) g"
        )
        rows = connection.execute(statement).rowcount
        connection.commit()
        progress(f"load {rows:,} audit entries in {time.perf_counter() - start:.1f} s")
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE audit_log")
        connection.execute("VACUUM ANALYZE users")


def set_indexes(url: str, *, present: bool) -> None:
    """Create (from the model's declarations) or drop migration 0022's audit log indexes; ANALYZE."""
    with raw_connection(url) as connection:
        connection.autocommit = True
        start = time.perf_counter()
        for index in AuditEntry.__table__.indexes:  # type: ignore[attr-defined]
            if index.name not in NEW_INDEXES:
                continue
            if present:
                connection.execute(str(CreateIndex(index).compile(dialect=postgresql.dialect())))
            else:
                connection.execute(f"DROP INDEX IF EXISTS {index.name}")
        connection.execute("ANALYZE audit_log")
        progress(f"{'created' if present else 'dropped'} the indexes in {time.perf_counter() - start:.1f} s")


def searches(emails: dict[str, str], middle_id: int) -> dict[str, str]:
    """The page's searches by name: the query strings an admin's form sends."""

    def page(**args: object) -> str:
        return "/console/admin/audit?" + urllib.parse.urlencode(args)

    return {
        "newest, no filter": page(),
        "busy actor (a tenth)": page(actor=emails["busy"]),
        "rare actor (100)": page(actor=emails["rare"]),
        "rare action (1 in 1,000)": page(action="settlement_batch.approve"),
        "one object": page(subject_type="product", subject_id=8),
        "object type": page(subject_type="payout"),
        "a day 200 days ago": page(since=_day(200), until=_day(200)),
        "busy actor, last 30 days": page(actor=emails["busy"], since=_day(30)),
        "busy actor, a deep page": page(actor=emails["busy"], after=middle_id),
    }


def _day(days_ago: int) -> str:
    return (dt.datetime.now(BUSINESS_TZ) - dt.timedelta(days=days_ago)).date().isoformat()


def _middle_entry(url: str, busy: int) -> int:
    with raw_connection(url) as connection:
        row = connection.execute(
            "SELECT id FROM audit_log WHERE actor_id = %s ORDER BY created_at, id OFFSET %s LIMIT 1",
            (busy, ENTRIES // 20),
        ).fetchone()
        assert row is not None
        return int(row[0])


def run(url: str) -> list[Row]:
    redis_url = bench_redis_url()
    app = create_app({"DATABASE_URL": url, "REDIS_URL": redis_url})
    with Session(engine_for(url)) as session:
        accounts = {
            name: make_user(session, Role.ADMIN, email=f"{name}@bench.cn") for name in ("admin", "busy", "rare")
        }
        emails = {name: str(user.email) for name, user in accounts.items()}
        ids = {name: int(user.id or 0) for name, user in accounts.items()}
    load(url, ids["busy"], ids["rare"])
    paths = searches(emails, _middle_entry(url, ids["busy"]))
    env = {**os.environ, "DISTRO_DATABASE_URL": url, "DISTRO_REDIS_URL": redis_url}
    port = free_port()
    server = web_server(app.config, port, "distro.wsgi:app", env)
    rows = []
    try:
        wait_until_up(port, "/healthz")
        cookie = {"Cookie": page_cookie(port, emails["admin"])}
        timings: dict[bool, dict[str, list[float]]] = {}
        for indexed in (False, True):
            set_indexes(url, present=indexed)
            rounds = ROUNDS if indexed else BASELINE_ROUNDS
            timings[indexed] = {}
            for name, path in paths.items():
                timed(port, (path,), cookie, 2, EXPECT)  # the first requests load code and plans
                timings[indexed][name] = timed(port, (path,), cookie, rounds, EXPECT)
                progress(
                    f"{'with' if indexed else 'without'} 0022's indexes, {name}: "
                    f"p50 {percentile(timings[indexed][name], 0.5):.1f} ms"
                )
        scale = f"{ENTRIES / 1_000_000:g}M entries"
        for name in paths:
            rows.append(
                Row(
                    f"audit page p95, {name} ({scale}, HTTP)",
                    percentile(timings[True][name], 0.95),
                    "ms",
                    percentile(timings[False][name], 0.95),
                    "same search without 0022's indexes",
                )
            )
        every = [sample for samples in timings[True].values() for sample in samples]
        rows.append(
            Row(
                f"audit page p95, all searches ({scale}, HTTP)",
                percentile(every, 0.95),
                "ms",
                100.0,
                "the goal (≤ 100 ms)",
            )
        )
        rows = with_peak(rows, peak_rss_mb(server.pid))
    finally:
        server.terminate()
        server.wait(timeout=30)
    engine_for(url).dispose()
    return rows
