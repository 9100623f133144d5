"""Tiers: one monthly evaluation of 1,000,000 shops over 10,000,000 orders vs the raw GROUP BY of its metrics.

The state is loaded set-based (generate_series, INSERT ... SELECT, no per-row Python): 1,000,000 owners
and their shops (created in the year before the month, starting tiers spread 60 % new / 20 % senior /
13 % elite / 7 % super so demotions happen), one supplier and product, and 10,000,000 orders paid in
October 2026 (Asia/Shanghai), each with one order line (so 10M orders = 10M order lines). Orders are
inserted in paid_at order (ids follow time, as in production), 1 % cancelled, 5 % half refunded, the
rest 'paid' or 'delivered'; none is a self-purchase. Activity per shop, by a hashed rank of its id:

* 900,000 shops: 0-11 orders (4.95M orders), never enough for senior;
* 87,600 "senior" shops: 25 orders of 80-360 yuan; 7,400 "elite" shops: 150 orders of 80-360 yuan;
  5,000 "super" shops: 350 orders of 150-450 yuan (5.05M orders);

each shop's buyers are 30-100 % of its order count, drawn from a shared pool of 5M buyer references, so
some power shops miss a threshold and every tier ends up with shops. To keep the load within minutes,
the foreign keys and plain indexes of shops, orders and order_lines are dropped for the load and
recreated from their own definitions afterwards (which validates them), then VACUUM ANALYZE.

Timed: the baseline (the metrics GROUP BY over the same rows, fetched with plain psycopg), then
distro.tiers.services.evaluate_month for October 2026 with the default tier table, in a process of its own
as a worker runs it (its peak memory is the row's). The goal is 30 s. Checked after: one
history row per shop, the history's metrics equal the baseline's, every tier has shops, and a second
call evaluates nothing. With BENCH_TIERS_EXPLAIN=1, or when the evaluation takes longer than the 30 s
target, EXPLAIN (ANALYZE, BUFFERS) of the evaluation statement is printed to stderr (run in a
transaction that first deletes the month's history and is rolled back).
"""

from __future__ import annotations

import datetime as dt
import os
import sys

import sqlalchemy as sa
from sqlmodel import Session

from bench.harness import Row, in_child, load_set_based, raw_connection, timer
from distro.db import engine_for
from distro.settings import load_settings
from distro.tiers.rules import TierTable, build_tier_table, month_bounds
from distro.tiers.services import EVALUATION_STEPS, evaluate_month, evaluation_params

SHOPS = 1_000_000
ORDERS = 10_000_000
MONTH = dt.date(2026, 10, 1)
NOW = dt.datetime(2026, 11, 1, 2, tzinfo=dt.UTC)
TARGET_SECONDS = 30.0
BIG_TABLES = ("shops", "orders", "order_lines")
BUYER_POOL = 5_000_000

START, END = month_bounds(MONTH)
MONTH_SECONDS = int((END - START).total_seconds())


def h(expr: str, seed: int) -> str:
    """SQL: a non-negative pseudo-random int (0 .. 2^31-1) from a bigint expression and a seed."""
    return f"(hashint8extended({expr}, {seed}) & 2147483647)"


# Activity classes by a hashed rank r (1..SHOPS) of the shop id: (last rank, orders, lowest fen, fen span).
# 5,000 x 350 + 7,400 x 150 + 87,600 x 25 + 900,000 x (0..11, 4.95M in all) = 10,000,000 orders.
CLASSES = [(5_000, 350, 15_000, 30_000), (12_400, 150, 8_000, 28_000), (100_000, 25, 8_000, 28_000)]
REST = (12, 1_000, 29_000)  # the other shops: r % 12 orders of 10-300 yuan


def _case(column: int, rest: str) -> str:
    whens = " ".join(f"WHEN r <= {c[0]} THEN {c[column]}" for c in CLASSES)
    return f"CASE {whens} ELSE {rest} END"


LOAD_STEPS: list[tuple[str, str]] = [
    (
        "users (1M owners + 1 supplier)",
        "INSERT INTO users (id, email, display_name, password_hash, roles, is_active, created_at) "
        "SELECT g, 'owner' || lpad(g::text, 7, '0') || '@bench.cn', '店主' || g, 'x', "
        "ARRAY['shop_owner']::varchar[], true, timestamptz '2025-09-01 00:00Z' "
        f"FROM generate_series(1, {SHOPS}) g "
        f"UNION ALL SELECT {SHOPS + 1}, 'supplier@bench.cn', 'supplier', 'x', ARRAY['supplier']::varchar[], true, "
        "timestamptz '2025-09-01 00:00Z'",
    ),
    (
        "supplier and product",
        "WITH supplier AS ("
        "  INSERT INTO suppliers (company_name, registered_capital_fen, general_vat_taxpayer, deposit_paid_fen,"
        "  brand_chain_depth, traceable_purchase_record, user_id, status, created_at)"
        f"  SELECT '供应商', 100000000, true, 1000000, 1, true, {SHOPS + 1}, 'approved', now() RETURNING id"
        ") INSERT INTO products (title, description, category, image_urls, price_fen, other_platform_price_fen,"
        " stock, supplier_id, status, supplier_active, commission_rate_bp, recent_sales, created_at, updated_at)"
        " SELECT '普洱茶', '', 'food_health', '{}', 5000, 6000, 1000, id, 'listed', true, 2000, 0, now(), now()"
        " FROM supplier",
    ),
    (
        "shops (1M)",
        "INSERT INTO shops (id, name, slug, owner_id, display_name, status, tier_code, created_at) "
        "SELECT g, 'bench shop ' || lpad(g::text, 7, '0'), 'bench-shop-' || lpad(g::text, 7, '0'), g, "
        f"'小店 ' || g, 'active', CASE WHEN {h('g', 1)} % 100 < 60 THEN 'new' WHEN {h('g', 1)} % 100 < 80 "
        f"THEN 'senior' WHEN {h('g', 1)} % 100 < 93 THEN 'elite' ELSE 'super' END, "
        "timestamptz '2025-10-01 00:00Z' + (g % 390) * interval '1 day' "
        f"FROM generate_series(1, {SHOPS}) g",
    ),
    (
        "activity plan (temporary)",
        "CREATE TEMPORARY TABLE plan AS "
        "SELECT shop_id, n, lo, span, greatest(1, n * (30 + " + h("shop_id", 4) + " % 71) / 100) AS buyers FROM ("
        f"  SELECT shop_id, {_case(1, f'r % {REST[0]}')} AS n, {_case(2, str(REST[1]))} AS lo,"
        f"  {_case(3, str(REST[2]))} AS span"
        f"  FROM (SELECT id AS shop_id, row_number() OVER (ORDER BY {h('id', 2)}, id) AS r FROM shops) ranked"
        ") p WHERE n > 0",
    ),
    (
        "orders (10M, in paid_at order)",
        "INSERT INTO orders (id, external_id, status, shop_id, attribution, share_code, buyer_reference,"
        " buyer_user_id, self_purchase, total_paid_fen, total_refunded_fen, paid_at, shipped_at, delivered_at,"
        " cancelled_at, created_at, updated_at) "
        "SELECT id, 'bench-order-' || lpad(id::text, 8, '0'), status, shop_id, 'share_code', NULL, buyer,"
        " NULL, false, paid, CASE WHEN refunded THEN paid / 2 ELSE 0 END, paid_at,"
        " CASE WHEN status = 'delivered' THEN paid_at + interval '1 day' END,"
        " CASE WHEN status = 'delivered' THEN paid_at + interval '3 days' END,"
        " CASE WHEN status = 'cancelled' THEN paid_at + interval '1 hour' END,"
        " paid_at - interval '2 minutes', paid_at + interval '3 days' "
        "FROM (SELECT row_number() OVER (ORDER BY paid_at, shop_id, k) AS id, * FROM ("
        f"  SELECT p.shop_id, k, timestamptz '{START.isoformat()}' + "
        f"  ({h('p.shop_id * 1000 + k', 5)} % {MONTH_SECONDS}) * interval '1 second' AS paid_at,"
        f"  CASE WHEN {h('p.shop_id * 1000 + k', 6)} % 100 = 0 THEN 'cancelled'"
        f"  WHEN {h('p.shop_id * 1000 + k', 6)} % 2 = 0 THEN 'paid' ELSE 'delivered' END AS status,"
        f"  p.lo + {h('p.shop_id * 1000 + k', 7)} % p.span AS paid,"
        f"  {h('p.shop_id * 1000 + k', 8)} % 100 < 5 AS refunded,"
        f"  'buyer-' || ((p.shop_id * 7919 + k % p.buyers) % {BUYER_POOL}) AS buyer"
        "  FROM plan p CROSS JOIN LATERAL generate_series(1, p.n) k"
        ") x) o",
    ),
    (
        "order lines (one per order)",
        "INSERT INTO order_lines (id, order_id, line_ref, product_id, supplier_id, sku, quantity, paid_fen,"
        " refunded_fen) "
        "SELECT o.id, o.id, '1', p.id, p.supplier_id, NULL, 1, o.total_paid_fen, o.total_refunded_fen "
        "FROM orders o CROSS JOIN (SELECT id, supplier_id FROM products) p",
    ),
]

SEQUENCES = ("users", "shops", "orders", "order_lines")

BASELINE = (
    "SELECT shop_id, sum(total_paid_fen - total_refunded_fen), count(*), count(DISTINCT buyer_reference) "
    "FROM orders WHERE paid_at >= %(start)s AND paid_at < %(end)s AND shop_id IS NOT NULL "
    "AND status <> 'cancelled' GROUP BY shop_id"
)


def log(message: str) -> None:
    print(f"[tiers] {message}", file=sys.stderr, flush=True)


def load(url: str) -> None:
    """Load the state set-based, with the big tables' foreign keys and plain indexes off, then VACUUM ANALYZE."""
    load_set_based(url, LOAD_STEPS, tables=BIG_TABLES, sequences=SEQUENCES, log=log, work_mem="2GB")
    with raw_connection(url) as connection:
        count = connection.execute("SELECT count(*) FROM orders").fetchone()
    if count is None or count[0] != ORDERS:
        raise AssertionError(f"loaded {count} orders, expected {ORDERS:,}")


def explain(url: str, table: TierTable) -> None:
    """Print EXPLAIN (ANALYZE, BUFFERS) of the evaluation's statements, run over a fresh month, rolled back."""
    params = evaluation_params(table, MONTH, NOW, count_self_purchases=False)
    with engine_for(url).connect() as connection:
        transaction = connection.begin()
        connection.execute(sa.text("DELETE FROM shop_tier_history WHERE month = :month"), {"month": MONTH})
        # Otherwise the planner believes the month's rows are still there (ANALYZE in a transaction counts
        # the rows it deleted as dead, and its statistics roll back with it).
        connection.execute(sa.text("ANALYZE shop_tier_history"))
        log("EXPLAIN (ANALYZE, BUFFERS) of the evaluation (history of the month deleted first; rolled back):")
        for step in EVALUATION_STEPS:
            if not step.text.lstrip().startswith(("CREATE", "WITH")):
                connection.execute(step, params)
                continue
            for line in connection.execute(sa.text("EXPLAIN (ANALYZE, BUFFERS) " + step.text), params).scalars():
                print(f"    {line}", file=sys.stderr)
        transaction.rollback()


def evaluate(url: str, table: TierTable) -> tuple[dict, float]:
    """The timed part: evaluate_month for MONTH, and its seconds."""
    engine = engine_for(url)
    with Session(engine) as session, timer() as seconds:
        summary = evaluate_month(session=session, month=MONTH, table=table, count_self_purchases=False, now=NOW)
    engine.dispose()
    return summary, seconds()


def run(url: str) -> list[Row]:
    with timer() as load_seconds:
        load(url)
    log(f"load: {load_seconds():.1f} s")
    table = build_tier_table(load_settings(environ={})["TIERS"])

    with raw_connection(url) as connection, timer() as baseline_seconds:
        metrics = connection.execute(BASELINE, {"start": START, "end": END}).fetchall()
    log(f"raw GROUP BY: {baseline_seconds():.1f} s, {len(metrics):,} shops with orders")

    # In a process of its own, as a worker runs the job: the baseline's rows fetched here are not its memory.
    (summary, seconds), peak_mb = in_child(evaluate, url, table)
    log(f"evaluate_month: {seconds:.1f} s, peak {peak_mb:.0f} MB; transitions {summary['transitions']}")

    if summary["shops_evaluated"] != SHOPS:
        raise AssertionError(f"evaluated {summary['shops_evaluated']:,} shops, expected {SHOPS:,}")
    engine = engine_for(url)
    with engine.connect() as connection:
        history = connection.execute(
            sa.text(
                "SELECT count(*), coalesce(sum(net_gmv_fen), 0), coalesce(sum(orders), 0), "
                "coalesce(sum(buyers), 0) FROM shop_tier_history WHERE month = :month"
            ),
            {"month": MONTH},
        ).one()
        tiers = dict(
            connection.execute(
                sa.text("SELECT new_tier, count(*) FROM shop_tier_history WHERE month = :month GROUP BY new_tier"),
                {"month": MONTH},
            ).all()
        )
    log(f"new tiers: {tiers}")
    if history[0] != SHOPS:
        raise AssertionError(f"{history[0]:,} history rows, expected {SHOPS:,}")
    expected = (sum(m[1] for m in metrics), sum(m[2] for m in metrics), sum(m[3] for m in metrics))
    if tuple(history[1:]) != expected:
        raise AssertionError(f"history metrics {tuple(history[1:])} differ from the GROUP BY's {expected}")
    missing = [tier.code for tier in table.tiers if not tiers.get(tier.code)]
    if missing:
        raise AssertionError(f"no shop ended in tier(s) {missing}")

    with Session(engine) as session:
        again = evaluate_month(session=session, month=MONTH, table=table, count_self_purchases=False, now=NOW)
    if again["shops_evaluated"] != 0:
        raise AssertionError(f"a second evaluation evaluated {again['shops_evaluated']:,} shops, expected 0")

    if os.environ.get("BENCH_TIERS_EXPLAIN") == "1" or seconds > TARGET_SECONDS:
        explain(url, table)
    engine.dispose()
    return [Row("tier evaluation (1M shops, 10M orders)", seconds, "s", baseline_seconds(), "raw GROUP BY", peak_mb)]
