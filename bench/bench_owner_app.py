"""The owner app's pages over 100,000 products and 1,000,000 commission lines: 首页 (/my), 选品 (/my/pool) and
收益 (/my/earnings), p50/p95 over HTTP to the production web server (granian as `distro web` runs it) as a
signed-in owner, one request at a time (latency, not throughput), each against the API call for the same data in
the same run, with the owner's bearer token: GET /api/v1/shops for 首页, GET /api/v1/pool (a page of 20, sorted by
commission) for 选品, and for 收益 GET /api/v1/commission/lines (a page of 20) and the four API calls a client
makes for the page's data.

The state is loaded set-based (generate_series, INSERT ... SELECT): LINES commission lines (two per order) of
5,000 shops and two measured owners, 20 products of one supplier, then bench_pool's 100,000 products of 200
suppliers. The busy owner has a tenth of all lines (100,000), the usual owner 1,000. Of every ten lines one is
pending (undelivered), two payable, seven settled (claimed by a batch); half the orders came through the shop's
share links. The measured owners' ledger is posted line by line as order processing and the release job post it
(an accrual and a release per line), and each has twelve paid payouts and a bank payee account, so the page's
balances, statements and payees are real reads. The other shops have lines but no ledger (nothing reads it here).

The ledger's balance snapshots are taken once after loading, as the cron job (every 5 minutes) has taken them by
the time an owner looks; the measured reads are each balance's snapshot plus the entries after it.

收益 is everything the page shows: the balances, paid, paying and clawed back, the first 20 lines with their
product and channel, the statements and the payee accounts (the tab bar's unread count comes after, as its own
fragment, as it does on 首页). The API's page of lines also counts every line for its X-Pagination header.

DISTRO_BENCH_EARNINGS_LINES sets LINES (default 1,000,000; loading takes a few minutes).
"""

from __future__ import annotations

import os
import sys
import time

from sqlmodel import Session

from bench import bench_pool
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
from distro.ledger import snapshots
from tests.factories import make_shop, make_user

LINES = int(os.environ.get("DISTRO_BENCH_EARNINGS_LINES", "1000000"))
OWNERS = {"busy": LINES // 10, "usual": 1_000}
"""The measured owners and how many of the lines are theirs."""
OTHER_SHOPS = 5_000
PRODUCTS = 20
ROUNDS = 40
LINES_CALL = "/api/v1/commission/lines?page_size=20"
PAGE_DATA_CALLS = (
    LINES_CALL,
    "/api/v1/commission/balances",
    "/api/v1/settlement/statements?page_size=10",
    "/api/v1/payee-accounts",
)
"""What an API client asks for to show what the page shows (the payouts' sums aside)."""
POOL_PAGE = "/my/pool?sort=commission"
POOL_CALL = "/api/v1/pool?page_size=20&sort=commission"
"""选品's first page and the API's page of the pool for the same filter, sorted by what the owner earns."""
PAYOUTS = 12
BIG_TABLES = (
    "users",
    "shops",
    "orders",
    "order_lines",
    "commission_lines",
    "settlement_claims",
    "ledger_postings",
    "ledger_entries",
    "share_links",
    "payouts",
)


def progress(message: str) -> None:
    print(f"  [owner app] {message}", file=sys.stderr, flush=True)


def _shop_of_order(shops: dict[str, int]) -> str:
    """SQL: the shop of order g (1-based): the busy owner's first, then the usual one's, then the others in turn."""
    busy, usual = OWNERS["busy"] // 2, OWNERS["usual"] // 2
    first_other = "(SELECT min(id) FROM shops WHERE slug LIKE 'bench-other-%')"
    return (
        f"CASE WHEN g <= {busy} THEN {shops['busy']} WHEN g <= {busy + usual} THEN {shops['usual']} "
        f"ELSE {first_other} + g % {OTHER_SHOPS} END"
    )


def load_steps(shops: dict[str, int]) -> list[tuple[str, str]]:
    """The set-based statements that load the state, in order (one transaction)."""
    orders = LINES // 2
    measured = f"({shops['busy']}, {shops['usual']})"
    return [
        (
            "other owners",
            "INSERT INTO users (email, display_name, password_hash, roles, is_active, created_at) "
            "SELECT 'other' || g || '@bench.cn', '店主', 'x', ARRAY['shop_owner']::varchar[], true, now() "
            f"FROM generate_series(1, {OTHER_SHOPS}) g "
            "UNION ALL SELECT 'supplier@bench.cn', 'supplier', 'x', ARRAY['supplier']::varchar[], true, now()",
        ),
        (
            "their shops",
            "INSERT INTO shops (name, slug, owner_id, display_name, status, tier_code, created_at) "
            "SELECT 'other ' || u.id, 'bench-other-' || u.id, u.id, '小店 ' || u.id, 'active', 'new', now() "
            "FROM users u WHERE u.email LIKE 'other%@bench.cn' ORDER BY u.id",
        ),
        (
            "supplier and products",
            "WITH supplier AS ("
            "  INSERT INTO suppliers (company_name, registered_capital_fen, general_vat_taxpayer, deposit_paid_fen,"
            "  brand_chain_depth, traceable_purchase_record, user_id, status, created_at)"
            "  SELECT '供应商', 100000000, true, 1000000, 1, true, id, 'approved', now() FROM users"
            "  WHERE email = 'supplier@bench.cn' RETURNING id"
            ") INSERT INTO products (title, description, category, image_urls, price_fen, other_platform_price_fen,"
            " stock, supplier_id, status, supplier_active, commission_rate_bp, recent_sales, created_at, updated_at)"
            " SELECT (ARRAY['普洱茶','大米','面膜','芒果','纸尿裤'])[1 + g % 5] || ' ' || g, '', 'food_health',"
            " ARRAY['/images/bench-' || g || '.png'], 2000 + g * 100, 9000, 1000, s.id, 'listed', true, 2000, 0,"
            f" now(), now() FROM supplier s CROSS JOIN generate_series(1, {PRODUCTS}) g",
        ),
        (
            "share links of the measured shops",
            "INSERT INTO share_links (code, shop_id, product_id, channel, created_by, created_at) "
            "SELECT 'b' || s.id || c.code, s.id, NULL, c.channel, s.owner_id, now() FROM shops s "
            "CROSS JOIN (VALUES ('c', 'wechat_chat'), ('m', 'wechat_moments'), ('w', 'weibo')) AS c(code, channel) "
            f"WHERE s.id IN {measured}",
        ),
        (
            f"orders ({orders:,})",
            "INSERT INTO orders (external_id, status, shop_id, attribution, share_code, buyer_reference,"
            " self_purchase, total_paid_fen, total_refunded_fen, paid_at, shipped_at, delivered_at, created_at,"
            " updated_at) "
            "SELECT 'bench-' || g, 'delivered', x.shop_id, CASE WHEN g % 2 = 0 THEN 'share_code' ELSE 'shop' END,"
            f" CASE WHEN g % 2 = 0 AND x.shop_id IN {measured} THEN 'b' || x.shop_id ||"
            " (ARRAY['c', 'm', 'w'])[1 + g % 3] END, 'buyer-' || g % 50000, false, 0, 0,"
            f" now() - ({orders} - g) * interval '30 seconds', now() - ({orders} - g) * interval '30 seconds',"
            f" now() - ({orders} - g) * interval '30 seconds' + interval '2 days',"
            f" now() - ({orders} - g) * interval '30 seconds', now() "
            f"FROM generate_series(1, {orders}) g CROSS JOIN LATERAL (SELECT {_shop_of_order(shops)} AS shop_id) x "
            "ORDER BY g",
        ),
        (
            f"order lines ({LINES:,})",
            "INSERT INTO order_lines (order_id, line_ref, product_id, supplier_id, sku, quantity, paid_fen,"
            " refunded_fen, earns_commission) "
            "SELECT o.id, k::text, p.id, p.supplier_id, NULL, 1, p.price_fen, 0, true "
            "FROM orders o CROSS JOIN generate_series(1, 2) k "
            f"JOIN products p ON p.id = (SELECT min(id) FROM products) + (o.id * 2 + k) % {PRODUCTS} "
            "ORDER BY o.id, k",
        ),
        (
            "order totals",
            "UPDATE orders o SET total_paid_fen = t.paid FROM (SELECT order_id, sum(paid_fen) AS paid "
            "FROM order_lines GROUP BY order_id) t WHERE t.order_id = o.id",
        ),
        (
            f"commission lines ({LINES:,}: 1 in 10 pending, 2 payable, 7 settled)",
            "INSERT INTO commission_lines (order_line_id, order_id, shop_id, supplier_id, product_id, rate_bp,"
            " tier_code, owner_share_bp, hold_days, paid_at, payable_at, stage, pool_fen, owner_fen, platform_fen,"
            " revision, created_at, updated_at) "
            "SELECT ol.id, o.id, o.shop_id, ol.supplier_id, ol.product_id, 2000, 'new', 6000, 7, o.paid_at,"
            " CASE WHEN ol.id % 10 = 0 THEN NULL ELSE o.delivered_at + interval '7 days' END,"
            " CASE WHEN ol.id % 10 = 0 THEN 'pending' ELSE 'available' END, ol.paid_fen / 5,"
            " ol.paid_fen / 5 * 6000 / 10000, ol.paid_fen / 5 - ol.paid_fen / 5 * 6000 / 10000,"
            " CASE WHEN ol.id % 10 = 0 THEN 1 ELSE 2 END, o.paid_at, o.paid_at "
            "FROM order_lines ol JOIN orders o ON o.id = ol.order_id ORDER BY ol.id",
        ),
        (
            f"{PAYOUTS} paid settlement batches",
            "INSERT INTO settlement_batches (status, cutoff_at, created_by, lines_claimed, claimed_owner_fen,"
            " payout_total_fen, payouts_count, held_count, created_at) "
            f"SELECT 'paid', now() - ({PAYOUTS} - m) * interval '30 days', owner_id, 0, 0, 0, 0, 0, now() "
            f"FROM shops CROSS JOIN generate_series(1, {PAYOUTS}) m WHERE id = {shops['busy']} ORDER BY m",
        ),
        (
            "claims of 7 lines in 10",
            "INSERT INTO settlement_claims (line_id, batch_id) "
            "SELECT id, (SELECT max(id) FROM settlement_batches) FROM commission_lines WHERE id % 10 >= 3",
        ),
        (
            f"payee accounts and {PAYOUTS} paid payouts of each measured owner",
            "WITH payees AS (INSERT INTO payee_accounts (owner_id, kind, account_name, account_number, bank_name,"
            " is_default, created_at) SELECT owner_id, 'bank', '王小美', '62220202001' || id, '工商银行', true, now()"
            f" FROM shops WHERE id IN {measured} RETURNING id, owner_id) "
            "INSERT INTO payouts (batch_id, shop_id, owner_id, payee_account_id, amount_fen, status,"
            " external_reference, resolved_at) "
            "SELECT (SELECT min(id) FROM settlement_batches) + m - 1, s.id, s.owner_id, p.id, 10000 + m * 100, 'paid',"
            " 'R-' || m, now() - (12 - m) * interval '30 days' FROM shops s JOIN payees p ON p.owner_id = s.owner_id"
            f" CROSS JOIN generate_series(1, {PAYOUTS}) m",
        ),
        (
            "ledger accounts",
            "INSERT INTO ledger_accounts (code, type, created_at) "
            "SELECT 'shop:' || s.id || ':' || k, 'liability', now() FROM shops s "
            f"CROSS JOIN (VALUES ('pending'), ('available')) AS x(k) WHERE s.id IN {measured} "
            "UNION ALL VALUES ('supplier:' || (SELECT id FROM suppliers) || ':payable', 'asset', now()),"
            " ('platform:revenue', 'revenue', now())",
        ),
        (
            "ledger postings of the measured shops (an accrual per line, a release per payable line) and their entries",
            "WITH posted AS (INSERT INTO ledger_postings (reference, kind, memo, created_at) "
            "SELECT 'commission-line:' || c.id || ':' || r, CASE r WHEN 1 THEN 'accrual' ELSE 'release' END,"
            " 'bench', now() FROM commission_lines c CROSS JOIN generate_series(1, 2) r "
            f"WHERE c.shop_id IN {measured} AND r <= c.revision ORDER BY c.id, r RETURNING id, reference) "
            "INSERT INTO ledger_entries (posting_id, account_id, amount) "
            "SELECT p.id, a.id, x.amount FROM commission_lines c CROSS JOIN LATERAL (VALUES"
            " (1, 'supplier:' || c.supplier_id || ':payable', c.pool_fen),"
            " (1, 'shop:' || c.shop_id || ':pending', -c.owner_fen),"
            " (1, 'platform:revenue', c.owner_fen - c.pool_fen),"
            " (2, 'shop:' || c.shop_id || ':pending', c.owner_fen),"
            " (2, 'shop:' || c.shop_id || ':available', -c.owner_fen)"
            ") AS x(r, code, amount) "
            "JOIN posted p ON p.reference = 'commission-line:' || c.id || ':' || x.r "
            f"JOIN ledger_accounts a ON a.code = x.code WHERE c.shop_id IN {measured} AND x.amount <> 0 ORDER BY p.id",
        ),
    ]


def load(url: str, shops: dict[str, int]) -> None:
    """Insert everything set-based in one transaction, then VACUUM ANALYZE."""
    with raw_connection(url) as connection:
        for label, statement in load_steps(shops):
            start = time.perf_counter()
            rows = connection.execute(statement).rowcount
            progress(f"load {label}: {rows:,} rows in {time.perf_counter() - start:.1f} s")
        connection.commit()
        connection.autocommit = True
        start = time.perf_counter()
        for table in BIG_TABLES:
            connection.execute(f"VACUUM ANALYZE {table}")
        progress(f"VACUUM ANALYZE: {time.perf_counter() - start:.1f} s")


def _measured_owners(url: str, app) -> tuple[dict[str, str], dict[str, int]]:
    """The measured owners (their emails) and their shops' ids, made as distro makes them."""
    emails, shops = {}, {}
    with Session(engine_for(url)) as session:
        for name in OWNERS:
            owner = make_user(session, Role.SHOP_OWNER, email=f"{name}@bench.cn")
            shops[name] = make_shop(session, app, owner, name=f"{name}小铺", slug=f"bench-{name}").id
            emails[name] = owner.email
    return emails, shops


def _pair(
    port: int,
    page: dict[str, str],
    api: dict[str, str],
    label: str,
    page_paths: tuple[str, ...],
    page_says: str,
    api_paths: tuple[str, ...],
    api_name: str,
) -> list[Row]:
    """The page's p95 beside the API calls' for the same data, each timed after a warm-up (its first requests
    load code and plans)."""
    for rounds in (3, ROUNDS):
        page_ms = timed(port, page_paths, page, rounds, page_says.encode())
        api_ms = timed(port, api_paths, api, rounds, b"[")
    progress(f"{label}: p50 page {percentile(page_ms, 0.5):.1f} ms, {api_name} {percentile(api_ms, 0.5):.1f} ms")
    return [Row(f"{label} p95, HTTP", percentile(page_ms, 0.95), "ms", percentile(api_ms, 0.95), f"{api_name} p95")]


def run(url: str) -> list[Row]:
    redis_url = bench_redis_url()
    app = create_app({"DATABASE_URL": url, "REDIS_URL": redis_url})
    emails, shops = _measured_owners(url, app)
    load(url, shops)
    bench_pool.load(url)
    with Session(engine_for(url)) as session:  # what the cron's snapshot job has done by the time owners look
        start = time.perf_counter()
        snapshots.take_snapshot(session)
        session.commit()
        progress(f"ledger balance snapshots: {time.perf_counter() - start:.1f} s")
    env = {**os.environ, "DISTRO_DATABASE_URL": url, "DISTRO_REDIS_URL": redis_url}
    port = free_port()
    server = web_server(app.config, port, "distro.wsgi:app", env)
    rows = []
    try:
        wait_until_up(port, "/healthz")
        for name, lines in OWNERS.items():
            page = {"Cookie": page_cookie(port, emails[name])}
            api = {"Authorization": bearer(port, emails[name])}
            if name == "busy":
                rows += _pair(port, page, api, "owner home 首页", ("/my",), "我的店铺", ("/api/v1/shops",), "API shops")
                rows += _pair(
                    port,
                    page,
                    api,
                    "owner pool page 选品 (100k products)",
                    (POOL_PAGE,),
                    "选品",
                    (POOL_CALL,),
                    "API pool",
                )
            label = f"owner earnings page 收益 ({lines // 1000:,}k of {LINES / 1_000_000:g}M lines)"
            rows += _pair(port, page, api, label, ("/my/earnings",), "佣金明细", (LINES_CALL,), "API lines")
            rows += _pair(
                port, page, api, label, ("/my/earnings",), "佣金明细", PAGE_DATA_CALLS, "API: the page's 4 calls"
            )
        rows = with_peak(rows, peak_rss_mb(server.pid))
    finally:
        server.terminate()
        server.wait(timeout=30)
    engine_for(url).dispose()
    return rows
