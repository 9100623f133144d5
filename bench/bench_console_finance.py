"""The finance console's settlement batch page and its payouts list over a batch of 100,000 payouts: p95 server
time over HTTP to the production web server (granian as `distro web` runs it), signed in as a finance user, one
request at a time, against the API's calls for the same data in the same run (the batch, and a page of its
payouts with the bearer token; the API's pager counts the batch's payouts for its X-Pagination header).

The state is loaded set-based (generate_series, INSERT ... SELECT): PAYOUTS shops, each with an owner and a bank
payee account, and one approved batch paying every shop once: 1 payout in 50 failed (收款账户信息不符), 1 in 100
held (no payee account), half of the rest paid and half pending. Measured, each goal ≤ 100 ms at p95:

* the batch page (its figures, actions and the newest 50 payouts);
* the payouts list filtered to the failed ones (2,000 of them), the newest 50;
* the payouts list deep in the batch (?after= the middle payout), the next 50 (keyset: as fast as the first page).

DISTRO_BENCH_CONSOLE_PAYOUTS sets PAYOUTS (default 100,000).
"""

from __future__ import annotations

import os
import sys
import time

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
from bench.http_pages import bearer, page_cookie, timed
from distro.app import create_app
from distro.auth.models import Role
from distro.db import engine_for
from tests.factories import make_user

PAYOUTS = int(os.environ.get("DISTRO_BENCH_CONSOLE_PAYOUTS", "100000"))
ROUNDS = 40
PAGES = "/console/finance/batches"
BIG_TABLES = ("users", "shops", "payee_accounts", "payouts", "settlement_batches")


def progress(message: str) -> None:
    print(f"  [console finance] {message}", file=sys.stderr, flush=True)


def load_steps(maker_id: int, checker_id: int) -> list[tuple[str, str]]:
    """The set-based statements that load the state, in order (one transaction)."""
    return [
        (
            f"owners ({PAYOUTS:,})",
            "INSERT INTO users (email, display_name, password_hash, roles, is_active, created_at) "
            "SELECT 'owner' || g || '@bench.cn', '店主' || g, 'x', ARRAY['shop_owner']::varchar[], true, now() "
            f"FROM generate_series(1, {PAYOUTS}) g",
        ),
        (
            "their shops",
            "INSERT INTO shops (name, slug, owner_id, display_name, status, tier_code, created_at) "
            "SELECT 'shop ' || u.id, 'bench-shop-' || u.id, u.id, '小铺 ' || u.id, 'active', 'new', now() "
            "FROM users u WHERE u.email LIKE 'owner%@bench.cn' ORDER BY u.id",
        ),
        (
            "payee accounts (all but 1 in 100)",
            "INSERT INTO payee_accounts (owner_id, kind, account_name, account_number, bank_name, is_default,"
            " created_at) SELECT owner_id, 'bank', '王小美', '62220202' || lpad(id::text, 8, '0'), '工商银行', true,"
            " now() FROM shops WHERE id % 100 <> 0 ORDER BY id",
        ),
        (
            "an approved batch",
            "INSERT INTO settlement_batches (status, cutoff_at, created_by, approved_by, lines_claimed,"
            " claimed_owner_fen, payout_total_fen, payouts_count, held_count, created_at, computed_at, approved_at) "
            f"SELECT 'approved', now(), {maker_id}, {checker_id}, {PAYOUTS}, {PAYOUTS} * 10000, {PAYOUTS} * 10000,"
            f" {PAYOUTS}, {PAYOUTS // 100}, now(), now(), now()",
        ),
        (
            f"its payouts ({PAYOUTS:,}: 1 in 50 failed, 1 in 100 held, the rest half paid, half pending)",
            "INSERT INTO payouts (batch_id, shop_id, owner_id, payee_account_id, amount_fen, status,"
            " external_reference, failure_reason, resolved_at) "
            "SELECT (SELECT max(id) FROM settlement_batches), s.id, s.owner_id, a.id, 5000 + s.id % 10000,"
            " CASE WHEN a.id IS NULL THEN 'held' WHEN s.id % 50 = 1 THEN 'failed'"
            "      WHEN s.id % 2 = 0 THEN 'paid' ELSE 'pending' END,"
            " CASE WHEN a.id IS NOT NULL AND s.id % 50 <> 1 AND s.id % 2 = 0 THEN 'ICBC-' || s.id END,"
            " CASE WHEN a.id IS NOT NULL AND s.id % 50 = 1 THEN '收款账户信息不符' END,"
            " CASE WHEN a.id IS NOT NULL AND (s.id % 50 = 1 OR s.id % 2 = 0) THEN now() END "
            "FROM shops s LEFT JOIN payee_accounts a ON a.owner_id = s.owner_id AND a.is_default "
            "WHERE s.slug LIKE 'bench-shop-%' ORDER BY s.id",
        ),
    ]


def load(url: str, maker_id: int, checker_id: int) -> None:
    """Insert everything set-based in one transaction, then VACUUM ANALYZE."""
    with raw_connection(url) as connection:
        for label, statement in load_steps(maker_id, checker_id):
            start = time.perf_counter()
            rows = connection.execute(statement).rowcount
            progress(f"load {label}: {rows:,} rows in {time.perf_counter() - start:.1f} s")
        connection.commit()
        connection.autocommit = True
        for table in BIG_TABLES:
            connection.execute(f"VACUUM ANALYZE {table}")


def _batch(url: str) -> tuple[int, int]:
    """The batch's id and its middle payout's id."""
    with raw_connection(url) as connection:
        batch_id, middle = connection.execute(
            "SELECT batch_id, percentile_disc(0.5) WITHIN GROUP (ORDER BY id) FROM payouts GROUP BY batch_id"
        ).fetchone()
    return int(batch_id), int(middle)


def run(url: str) -> list[Row]:
    redis_url = bench_redis_url()
    app = create_app({"DATABASE_URL": url, "REDIS_URL": redis_url})
    with Session(engine_for(url), expire_on_commit=False) as session:
        maker = make_user(session, Role.FINANCE, email="maker@bench.cn")
        checker = make_user(session, Role.FINANCE, email="checker@bench.cn")
    load(url, maker.id, checker.id)  # type: ignore[arg-type]
    batch_id, middle = _batch(url)
    env = {**os.environ, "DISTRO_DATABASE_URL": url, "DISTRO_REDIS_URL": redis_url}
    port = free_port()
    server = web_server(app.config, port, "distro.wsgi:app", env)
    pages = {
        "batch page": (f"{PAGES}/{batch_id}", "付款编号"),
        "failed payouts": (f"{PAGES}/{batch_id}?status=failed", "收款账户信息不符"),
        "payouts deep page": (f"{PAGES}/{batch_id}?after={middle}", "付款编号"),
    }
    api_calls = (
        f"/api/v1/settlement/batches/{batch_id}",
        f"/api/v1/settlement/batches/{batch_id}/payouts?page_size=50",
    )
    rows = []
    try:
        wait_until_up(port, "/healthz")
        cookie = {"Cookie": page_cookie(port, checker.email)}
        api = {"Authorization": bearer(port, checker.email)}
        for warm_up in (True, False):  # the first requests load code and plans
            rounds = 3 if warm_up else ROUNDS
            page_ms = {
                name: timed(port, (path,), cookie, rounds, expect.encode()) for name, (path, expect) in pages.items()
            }
            api_ms = timed(port, api_calls, api, rounds, b"id")
        baseline = percentile(api_ms, 0.95)
        for name, samples in page_ms.items():
            label = f"console {name} p95 ({PAYOUTS // 1000:,}k payouts)"
            rows.append(Row(label, percentile(samples, 0.95), "ms", baseline, "API: batch + payouts page p95"))
            progress(f"{name}: p50 {percentile(samples, 0.5):.1f} ms, p95 {percentile(samples, 0.95):.1f} ms")
        progress(f"API batch + payouts page: p50 {percentile(api_ms, 0.5):.1f} ms, p95 {baseline:.1f} ms")
        rows = with_peak(rows, peak_rss_mb(server.pid))
    finally:
        server.terminate()
        server.wait(timeout=30)
    engine_for(url).dispose()
    return rows
