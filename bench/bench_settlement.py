"""Settlement: compute one batch over 1,000,000 due commission lines of 100,000 shops vs a raw UPDATE + GROUP BY that
writes the payouts and the reservation's entries;
then record the bank's results for its 100,000 payouts vs a raw UPDATE ... FROM unnest.

The state is loaded set-based (generate_series, INSERT ... SELECT): owners and shops, one supplier and
product, one order of 10 lines per shop, a commission line per order line (available, unsettled, due),
and a ledger that agrees with the lines: per shop one accrual posting (supplier payable / shop pending /
platform revenue) and one release posting (shop pending -> shop available), so each shop's available
balance is the sum of its lines' owner_fen. The baseline runs first, on a copy of the lines
(bench_lines, no indexes, no constraints), writing into copies of payouts and ledger_entries (see baseline); then
compute_batch runs on the real tables, with the time of each SQL statement it sends printed to stderr. Each
statement of the compute is capped at STATEMENT_TIMEOUT_SECONDS (DISTRO_BENCH_SETTLEMENT_TIMEOUT, 0 for none) so the
run stays near 5 minutes; a computation cut off is rolled back and reported as TIMEOUT, its value a lower bound.

Once computed, a second finance user approves the batch and the bank's results for every payout (95 %
paid with a reference, 5 % failed with a reason) are recorded with record_results, in one call. Its
baseline, run first, is one UPDATE ... FROM unnest of the same results on a copy of the payouts table
(bench_payouts, with the same indexes and constraints).
"""

from __future__ import annotations

import os
import time

import psycopg
import sqlalchemy as sa
from sqlmodel import Session

from bench.harness import Row, copy_for_baseline, peak_rss_mb, raw_connection, reset_peak_rss, timer
from bench.settlement_results import clearing_fen, payout_results, progress
from bench.statement_clock import StatementClock
from distro.db import engine_for
from distro.settlement import batches, computing
from distro.settlement.models import SettlementBatch

SHOPS = 100_000
LINES_PER_SHOP = 10
LINES = SHOPS * LINES_PER_SHOP
MINIMUM_FEN = 100
NAME = f"settlement batch ({LINES // 1_000_000}M lines, {SHOPS // 1000}k shops)"
STATEMENT_TIMEOUT_SECONDS = 180

# pool_fen of line g of shop s (1-based): 200..8199 fen; the owner gets 60 % (floor), the platform the rest.
POOL_FEN = "(200 + ((s.id * 10 + g) * 7919) % 8000)"

LOAD_STEPS: list[tuple[str, str]] = [
    (
        "users",
        "INSERT INTO users (email, display_name, password_hash, roles, is_active, created_at) "
        "SELECT 'owner' || g || '@bench.cn', '店主' || g, 'x', ARRAY['shop_owner']::varchar[], true, now() "
        f"FROM generate_series(1, {SHOPS}) g "
        "UNION ALL SELECT 'supplier@bench.cn', 'supplier', 'x', ARRAY['supplier']::varchar[], true, now() "
        "UNION ALL SELECT 'finance@bench.cn', 'finance', 'x', ARRAY['finance']::varchar[], true, now() "
        "UNION ALL SELECT 'checker@bench.cn', 'checker', 'x', ARRAY['finance']::varchar[], true, now()",
    ),
    (
        "supplier and product",
        "WITH supplier AS ("
        "  INSERT INTO suppliers (company_name, registered_capital_fen, general_vat_taxpayer, deposit_paid_fen,"
        "  brand_chain_depth, traceable_purchase_record, user_id, status, created_at)"
        "  SELECT '供应商', 100000000, true, 1000000, 1, true, id, 'approved', now() FROM users"
        "  WHERE email = 'supplier@bench.cn' RETURNING id"
        ") INSERT INTO products (title, description, category, image_urls, price_fen, other_platform_price_fen,"
        " stock, supplier_id, status, supplier_active, commission_rate_bp, recent_sales, created_at, updated_at)"
        " SELECT '普洱茶', '', 'food_health', '{}', 5000, 6000, 1000, id, 'listed', true, 2000, 0, now(), now()"
        " FROM supplier",
    ),
    (
        "shops",
        "INSERT INTO shops (name, slug, owner_id, display_name, status, tier_code, created_at) "
        "SELECT 'bench shop ' || u.id, 'bench-shop-' || u.id, u.id, '小店 ' || u.id, 'active', 'new', now() "
        "FROM users u WHERE u.roles = ARRAY['shop_owner']::varchar[] ORDER BY u.id",
    ),
    (
        "orders (one per shop)",
        "INSERT INTO orders (external_id, status, shop_id, attribution, self_purchase, total_paid_fen,"
        " total_refunded_fen, paid_at, shipped_at, delivered_at, created_at, updated_at) "
        "SELECT 'bench-order-' || s.id, 'delivered', s.id, 'shop', false, 0, 0,"
        " now() - interval '40 days', now() - interval '39 days', now() - interval '37 days',"
        " now() - interval '40 days', now() - interval '37 days' "
        "FROM shops s ORDER BY s.id",
    ),
    (
        f"order lines ({LINES_PER_SHOP} per order)",
        "INSERT INTO order_lines (order_id, line_ref, product_id, supplier_id, sku, quantity, paid_fen, refunded_fen) "
        f"SELECT o.id, 'line-' || g, p.id, p.supplier_id, NULL, 1, 5 * {POOL_FEN}, 0 "
        "FROM orders o JOIN shops s ON s.id = o.shop_id "
        f"CROSS JOIN generate_series(1, {LINES_PER_SHOP}) g CROSS JOIN (SELECT id, supplier_id FROM products) p "
        "ORDER BY o.id, g",
    ),
    (
        "commission lines",
        "INSERT INTO commission_lines (order_line_id, order_id, shop_id, supplier_id, product_id, rate_bp,"
        " tier_code, owner_share_bp, hold_days, paid_at, payable_at, stage, pool_fen, owner_fen, platform_fen,"
        " revision, created_at, updated_at) "
        "SELECT ol.id, ol.order_id, o.shop_id, ol.supplier_id, ol.product_id, 2000, 'new', 6000, 7,"
        " o.paid_at, o.delivered_at + interval '7 days', 'available', ol.paid_fen / 5,"
        " ol.paid_fen / 5 * 6000 / 10000, ol.paid_fen / 5 - ol.paid_fen / 5 * 6000 / 10000,"
        " 2, o.paid_at, o.delivered_at + interval '7 days' "
        "FROM order_lines ol JOIN orders o ON o.id = ol.order_id ORDER BY ol.id",
    ),
    (
        "order totals",
        "UPDATE orders o SET total_paid_fen = t.paid FROM (SELECT order_id, sum(paid_fen) AS paid "
        "FROM order_lines GROUP BY order_id) t WHERE t.order_id = o.id",
    ),
    (
        "ledger accounts",
        "INSERT INTO ledger_accounts (code, type, created_at) "
        "SELECT 'shop:' || s.id || ':' || k, 'liability', now() FROM shops s "
        "CROSS JOIN (VALUES ('pending'), ('available')) AS x(k) "
        "UNION ALL VALUES ('supplier:' || (SELECT id FROM suppliers) || ':payable', 'asset', now()),"
        " ('platform:revenue', 'revenue', now())",
    ),
    (
        "ledger postings (accrual + release per shop) and their entries (one statement)",
        "WITH totals AS ("
        "  SELECT shop_id, supplier_id, sum(pool_fen) AS pool, sum(owner_fen) AS owner"
        "  FROM commission_lines GROUP BY shop_id, supplier_id"
        "), posted AS ("
        "  INSERT INTO ledger_postings (reference, kind, memo, created_by, reverses_posting_id, created_at)"
        "  SELECT 'bench:' || k || ':' || s.id, k, 'bench', NULL, NULL, now() FROM shops s"
        "  CROSS JOIN (VALUES ('accrual'), ('release')) AS x(k) ORDER BY s.id, k"
        "  RETURNING id, reference"
        ") INSERT INTO ledger_entries (posting_id, account_id, amount) "
        "SELECT p.id, a.id, x.amount FROM totals t CROSS JOIN LATERAL (VALUES"
        " ('accrual', 'supplier:' || t.supplier_id || ':payable', t.pool),"
        " ('accrual', 'shop:' || t.shop_id || ':pending', -t.owner),"
        " ('accrual', 'platform:revenue', t.owner - t.pool),"
        " ('release', 'shop:' || t.shop_id || ':pending', t.owner),"
        " ('release', 'shop:' || t.shop_id || ':available', -t.owner)"
        ") AS x(kind, code, amount) "
        "JOIN posted p ON p.reference = 'bench:' || x.kind || ':' || t.shop_id "
        "JOIN ledger_accounts a ON a.code = x.code ORDER BY p.id",
    ),
]
BIG_TABLES = (
    "users",
    "shops",
    "orders",
    "order_lines",
    "commission_lines",
    "ledger_accounts",
    "ledger_postings",
    "ledger_entries",
)


def load(url: str) -> None:
    """Insert the shops, lines and ledger set-based (one transaction), then VACUUM ANALYZE."""
    with raw_connection(url) as connection:
        for label, statement in LOAD_STEPS:
            start = time.perf_counter()
            rows = connection.execute(statement).rowcount
            progress(f"load {label}: {rows:,} rows in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        connection.commit()
        progress(f"load commit: {time.perf_counter() - start:.1f} s")
        connection.autocommit = True
        start = time.perf_counter()
        for table in BIG_TABLES:
            connection.execute(f"VACUUM ANALYZE {table}")
        progress(f"VACUUM ANALYZE: {time.perf_counter() - start:.1f} s")
        check = connection.execute(
            "SELECT count(*) FILTER (WHERE l.fen <> b.balance), count(*), sum(l.fen) FROM "
            "(SELECT shop_id, sum(owner_fen) AS fen FROM commission_lines GROUP BY shop_id) l "
            "JOIN ledger_accounts a ON a.code = 'shop:' || l.shop_id || ':available' "
            "JOIN (SELECT account_id, -sum(amount) AS balance FROM ledger_entries GROUP BY account_id) b "
            "ON b.account_id = a.id"
        ).fetchone()
        if check[0] or check[1] != SHOPS:
            raise RuntimeError(f"ledger disagrees with the lines: {check}")


def baseline(url: str) -> float:
    """The raw work over copies of the same rows: UPDATE ... SET settled, then one statement that sums each shop's
    lines, writes a payout per shop into a copy of payouts and an entry per shop into a copy of ledger_entries (each
    with the same indexes and checks), and returns the sums.

    Until issue 20 the baseline stopped at the UPDATE and the sums: less work than a batch must do, which writes a
    payout per shop and reserves each shop's money in the ledger (README, "Settlement"). The writes are raw: no
    triggers, no foreign keys, ids given. What the UPDATE and the sums alone took is printed too, for comparison with
    earlier figures.
    """
    with raw_connection(url) as connection:
        copy_for_baseline(
            connection,
            "bench_lines",
            "CREATE TABLE bench_lines AS "
            "SELECT id, shop_id, owner_fen, stage, false AS settled, payable_at FROM commission_lines",
            "CREATE TABLE bench_batch_payouts (LIKE payouts INCLUDING CONSTRAINTS INCLUDING INDEXES)",
            "CREATE TABLE bench_reservation (LIKE ledger_entries INCLUDING CONSTRAINTS INCLUDING INDEXES)",
        )
        with timer() as elapsed:
            started = time.perf_counter()
            updated = connection.execute(
                "UPDATE bench_lines SET settled = true "
                "WHERE stage = 'available' AND NOT settled AND payable_at <= now()"
            ).rowcount
            update_seconds = time.perf_counter() - started
            sums = connection.execute(
                "WITH sums AS MATERIALIZED (SELECT shop_id, sum(owner_fen) AS fen FROM bench_lines GROUP BY shop_id), "
                "paid AS (INSERT INTO bench_batch_payouts (id, batch_id, shop_id, owner_id, amount_fen, status) "
                "SELECT shop_id, 1, shop_id, shop_id, fen, 'held' FROM sums), "
                "reserved AS (INSERT INTO bench_reservation (id, posting_id, account_id, amount, posted_at) "
                "SELECT shop_id, 1, shop_id, fen, now() FROM sums) "
                "SELECT shop_id, fen FROM sums"
            ).fetchall()
            connection.commit()
        # The baseline as it was: the UPDATE, then the sums alone (after the measure, on the same settled copy).
        with timer() as sums_alone:
            connection.execute("SELECT shop_id, sum(owner_fen) FROM bench_lines GROUP BY shop_id").fetchall()
        before_issue_20 = update_seconds + sums_alone()
    progress(f"baseline's UPDATE + GROUP BY alone (the baseline before issue 20): {before_issue_20:.2f} s")
    if updated != LINES or len(sums) != SHOPS:
        raise RuntimeError(f"baseline touched {updated} lines and {len(sums)} shops")
    return elapsed()


def run(url: str) -> list[Row]:
    start = time.perf_counter()
    load(url)
    progress(f"load total: {time.perf_counter() - start:.1f} s")
    engine = engine_for(url)
    with Session(engine) as session:
        finance_id = session.execute(sa.text("SELECT id FROM users WHERE email = 'finance@bench.cn'")).scalar_one()
        batch_id = batches.create_batch(session=session, cutoff_at=None, created_by=finance_id).id
        expected_fen = int(session.execute(sa.text("SELECT sum(owner_fen) FROM commission_lines")).scalar_one())

    baseline_seconds = baseline(url)
    progress(f"baseline (raw UPDATE + GROUP BY + payouts + entries on copies): {baseline_seconds:.2f} s")

    timeout = int(os.environ.get("DISTRO_BENCH_SETTLEMENT_TIMEOUT", STATEMENT_TIMEOUT_SECONDS))
    timed_out = False
    reset_peak_rss()  # the baselines' rows fetched here are not the computation's
    with StatementClock(engine, "compute", progress) as clock, timer() as elapsed, Session(engine) as session:
        try:
            if timeout:  # LOCAL: ends with compute_batch's own commit or rollback
                session.execute(sa.text(f"SET LOCAL statement_timeout = '{timeout}s'"))
            outcome = computing.compute_batch(session=session, batch_id=batch_id, minimum_fen=MINIMUM_FEN)
        except sa.exc.OperationalError as error:
            if not isinstance(error.orig, psycopg.errors.QueryCanceled):
                raise
            session.rollback()
            timed_out = True
        finished = time.perf_counter()
    compute_seconds = elapsed()
    compute_peak = peak_rss_mb()  # the load is raw SQL sent from here: the computation's peak, set-based
    clock.report(finished)
    progress(f"compute total: {compute_seconds:.2f} s{' (cut off: a lower bound)' if timed_out else ''}")
    if timed_out:
        with Session(engine) as session:
            status, payouts = session.execute(
                sa.text("SELECT status, (SELECT count(*) FROM payouts) FROM settlement_batches WHERE id = :id"),
                {"id": batch_id},
            ).one()
        if (status, payouts) != ("computing", 0):
            raise RuntimeError(f"a cancelled computation left the batch {status} with {payouts} payouts")
        return [
            Row(
                f"{NAME} TIMEOUT",
                compute_seconds,
                "s",
                baseline_seconds,
                "raw UPDATE + GROUP BY + payouts + entries (value >=)",
            )
        ]

    with Session(engine) as session:
        batch = session.execute(sa.select(SettlementBatch).where(SettlementBatch.id == batch_id)).scalar_one()
        clearing = clearing_fen(session)
    expected = {
        "outcome": "computed",
        "status": "ready",
        "lines_claimed": LINES,
        "payouts_count": SHOPS,
        "payout_total_fen": expected_fen,
        "clearing_fen": expected_fen,
    }
    got = {
        "outcome": outcome,
        "status": batch.status,
        "lines_claimed": batch.lines_claimed,
        "payouts_count": batch.payouts_count,
        "payout_total_fen": batch.payout_total_fen,
        "clearing_fen": clearing,
    }
    if got != expected:
        raise RuntimeError(f"settlement computed {got}, expected {expected}")
    return [
        Row(
            NAME,
            compute_seconds,
            "s",
            baseline_seconds,
            "raw UPDATE + GROUP BY + payouts + entries",
            compute_peak,
        ),
        payout_results(url, engine, batch_id, SHOPS),
    ]
