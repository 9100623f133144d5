"""Selection center: the hourly ranking job (every list, per category and overall) over 10,000,000 order lines,
against the existing recent-sales job (distro.suppliers.recent_sales) over the same lines.

The state is loaded set-based (generate_series, INSERT ... SELECT, no per-row Python): one supplier with 2,000
products in the 9 categories, listed over the last 60 days; one owner and shop with a share link per product and
30 days of daily click counts for each (60,000 rows); and BENCH_SELECTION_LINES orders (10M by default) of one line
each, paid over the last 35 days in paid_at order, products drawn skewed (a few sell most), buyers from a pool of
2,000,000 (so some buy again), 20 % of orders through the product's share link, 1 % cancelled, 5 % half refunded.
The orders' and lines' foreign keys and plain indexes are dropped for the load and recreated afterwards, then
VACUUM ANALYZE.

Timed: the baseline, refresh_recent_sales (30 days: one UPDATE from a GROUP BY over the same lines), then
distro.selection.ranking.refresh_rankings. Checked after: every list has its overall ranking, and hot30's first
product's units equal what a plain GROUP BY counts for it. The goal is 60 s at 10M lines.
"""

from __future__ import annotations

import datetime as dt
import os
import sys

import sqlalchemy as sa
from sqlmodel import Session

from bench.harness import Row, load_set_based, peak_rss_mb, reset_peak_rss, timer, with_peak
from distro.db import engine_for
from distro.selection import ranking
from distro.selection.rules import LISTS
from distro.suppliers.recent_sales import refresh_recent_sales
from distro.suppliers.rules import CATEGORIES

LINES = int(os.environ.get("BENCH_SELECTION_LINES", "10000000"))
PRODUCTS = 2_000
BUYER_POOL = 2_000_000
NOW = dt.datetime(2026, 12, 1, 4, tzinfo=dt.UTC)
SPAN_SECONDS = 35 * 86400
TARGET_SECONDS = 60.0
BIG_TABLES = ("orders", "order_lines")
CATEGORY_ARRAY = "ARRAY[" + ", ".join(f"'{code}'" for code in CATEGORIES) + "]"


def h(expr: str, seed: int) -> str:
    """SQL: a non-negative pseudo-random int (0 .. 2^31-1) from a bigint expression and a seed."""
    return f"(hashint8extended({expr}, {seed}) & 2147483647)"


LOAD_STEPS: list[tuple[str, str]] = [
    (
        "users (supplier, owner)",
        "INSERT INTO users (id, email, display_name, password_hash, roles, is_active, created_at) VALUES "
        "(1, 'supplier@bench.cn', 'supplier', 'x', ARRAY['supplier']::varchar[], true, now()), "
        "(2, 'owner@bench.cn', 'owner', 'x', ARRAY['shop_owner']::varchar[], true, now())",
    ),
    (
        "supplier, shop",
        "WITH supplier AS ("
        "  INSERT INTO suppliers (id, company_name, registered_capital_fen, general_vat_taxpayer, deposit_paid_fen,"
        "  brand_chain_depth, traceable_purchase_record, user_id, status, created_at)"
        "  VALUES (1, '供应商', 100000000, true, 1000000, 1, true, 1, 'approved', now()) RETURNING id"
        ") INSERT INTO shops (id, name, slug, owner_id, display_name, status, tier_code, created_at) "
        "SELECT 1, 'bench shop', 'bench-shop', 2, '小店', 'active', 'new', now() FROM supplier",
    ),
    (
        f"products ({PRODUCTS:,})",
        "INSERT INTO products (id, title, description, category, image_urls, price_fen, other_platform_price_fen,"
        " stock, supplier_id, status, supplier_active, commission_rate_bp, recent_sales, created_at, updated_at) "
        f"SELECT g, '商品' || g, '', ({CATEGORY_ARRAY})[1 + g % {len(CATEGORIES)}], '{{}}', 5000, 6000, 1000, 1,"
        f" 'listed', true, 2000, 0, timestamptz '{NOW.isoformat()}' - (g % 60) * interval '1 day', now() "
        f"FROM generate_series(1, {PRODUCTS}) g",
    ),
    (
        "share links (one per product)",
        "INSERT INTO share_links (id, code, shop_id, product_id, channel, created_by, created_at) "
        f"SELECT g, 'L' || lpad(g::text, 8, '0'), 1, g, 'qr', 2, now() FROM generate_series(1, {PRODUCTS}) g",
    ),
    (
        "click counts (30 days per link)",
        "INSERT INTO share_click_counts (link_id, day, clicks, unique_clicks) "
        f"SELECT l, (timestamptz '{NOW.isoformat()}' AT TIME ZONE 'Asia/Shanghai')::date - d,"
        f" 2 * (1 + {h('l * 100 + d', 11)} % 400), 1 + {h('l * 100 + d', 11)} % 400 "
        f"FROM generate_series(1, {PRODUCTS}) l CROSS JOIN generate_series(0, 29) d",
    ),
    (
        f"orders ({LINES:,}, in paid_at order)",
        "INSERT INTO orders (id, external_id, status, shop_id, attribution, share_code, buyer_reference,"
        " buyer_user_id, self_purchase, total_paid_fen, total_refunded_fen, paid_at, cancelled_at,"
        " created_at, updated_at) "
        "SELECT row_number() OVER (ORDER BY paid_at, k), 'bench-order-' || k, status, 1, 'share_code',"
        " CASE WHEN via_link THEN 'L' || lpad(product::text, 8, '0') END, buyer, NULL, false, paid,"
        " CASE WHEN refunded THEN paid / 2 ELSE 0 END, paid_at,"
        " CASE WHEN status = 'cancelled' THEN paid_at + interval '1 hour' END, paid_at, paid_at "
        "FROM ("
        f"  SELECT k, timestamptz '{NOW.isoformat()}' - ({h('k', 1)} % {SPAN_SECONDS}) * interval '1 second'"
        "   AS paid_at,"
        f"  1 + floor({PRODUCTS} * power({h('k', 2)}::float8 / 2147483648, 3))::int AS product,"
        f"  CASE WHEN {h('k', 3)} % 100 = 0 THEN 'cancelled' ELSE 'paid' END AS status,"
        f"  5000 * (1 + {h('k', 4)} % 3) AS paid, {h('k', 5)} % 100 < 5 AS refunded,"
        f"  {h('k', 6)} % 100 < 20 AS via_link, 'buyer-' || {h('k', 7)} % {BUYER_POOL} AS buyer"
        f"  FROM generate_series(1, {LINES}) k"
        ") o",
    ),
    (
        "order lines (one per order)",
        "INSERT INTO order_lines (id, order_id, line_ref, product_id, supplier_id, sku, quantity, paid_fen,"
        " refunded_fen) "
        "SELECT o.id, o.id, '1',"
        f" 1 + floor({PRODUCTS} * power({h('substr(o.external_id, 13)::bigint', 2)}::float8 / 2147483648, 3))::int,"
        " 1, NULL, o.total_paid_fen / 5000, o.total_paid_fen, o.total_refunded_fen FROM orders o",
    ),
]

SEQUENCES = ("users", "suppliers", "shops", "products", "share_links", "orders", "order_lines")


def log(message: str) -> None:
    print(f"[selection] {message}", file=sys.stderr, flush=True)


def load(url: str) -> None:
    """Load the state set-based, with the orders' and lines' foreign keys and plain indexes off, then VACUUM ANALYZE."""
    load_set_based(url, LOAD_STEPS, tables=BIG_TABLES, sequences=SEQUENCES, log=log)


def run(url: str) -> list[Row]:
    with timer() as load_seconds:
        load(url)
    log(f"load: {load_seconds():.1f} s")
    reset_peak_rss()
    engine = engine_for(url)
    with Session(engine) as session, timer() as baseline_seconds:
        refresh_recent_sales(session=session, days=30, now=NOW)
    log(f"refresh_recent_sales (30 days): {baseline_seconds():.1f} s")
    with Session(engine) as session, timer() as seconds:
        run_id = ranking.refresh_rankings(session=session, now=NOW)
    log(f"refresh_rankings: {seconds():.1f} s{' (over the 60 s goal)' if seconds() > TARGET_SECONDS else ''}")

    with engine.connect() as connection:
        per_list = dict(
            connection.execute(
                sa.text("SELECT list, count(*) FROM rankings WHERE run_id = :run AND category = '' GROUP BY list"),
                {"run": run_id},
            ).all()
        )
        top = connection.execute(
            sa.text(
                "SELECT product_id, units_30d FROM rankings"
                " WHERE run_id = :run AND list = 'hot30' AND category = '' AND rank = 1"
            ),
            {"run": run_id},
        ).one()
        counted = connection.execute(
            sa.text(
                "SELECT coalesce(sum(CASE WHEN l.paid_fen = 0 THEN l.quantity ELSE (l.quantity * (l.paid_fen -"
                " l.refunded_fen) + l.paid_fen - 1) / l.paid_fen END), 0) FROM order_lines l JOIN orders o"
                " ON o.id = l.order_id WHERE l.product_id = :product AND o.paid_at > :since AND o.paid_at <= :now"
                " AND o.cancelled_at IS NULL"
            ),
            {"product": top.product_id, "since": NOW - dt.timedelta(days=30), "now": NOW},
        ).scalar_one()
    log(f"overall lists: {per_list}")
    missing = [name for name in LISTS if not per_list.get(name)]
    if missing:
        raise AssertionError(f"no overall ranking for {missing}")
    if top.units_30d != counted:
        raise AssertionError(f"hot30's first has {top.units_30d} units, a GROUP BY counts {counted}")
    engine.dispose()
    # The ranking job ran in this process, as a worker runs it (the recent-sales baseline too): its peak since the
    # load.
    return with_peak(
        [
            Row(
                f"selection rankings ({LINES / 1e6:g}M order lines)",
                seconds(),
                "s",
                baseline_seconds(),
                "recent sales job",
            )
        ],
        peak_rss_mb(),
    )
