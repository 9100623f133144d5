"""Pool browsing (filter + sort + page) over 100,000 products: p50/p95 through the API, over HTTP to the
production web server (granian as `distro web` runs it) as a signed-in shop owner, one request at a time
(latency, not throughput), against the bare SQL the endpoint runs (count + page) in the same run."""

from __future__ import annotations

import http.client
import json
import os
import statistics
import time

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Session

from bench.harness import Row, bench_redis_url, free_port, peak_rss_mb, raw_connection, wait_until_up, web_server
from distro.app import create_app
from distro.auth.models import Role
from distro.db import engine_for
from distro.shops.services import PoolFilter, pool_query
from distro.suppliers.rules import CATEGORIES
from tests.factories import PASSWORD, make_shop, make_user

PRODUCTS = 100_000
SUPPLIERS = 200
ROUNDS = 20

# (query string, the same filter for the bare SQL)
QUERIES = [
    ("sort=commission", PoolFilter(sort="commission")),
    ("category=beauty_personal_care&sort=commission", PoolFilter(category="beauty_personal_care")),
    (
        "min_price_fen=5000&max_price_fen=20000&sort=price",
        PoolFilter(min_price_fen=5000, max_price_fen=20000, sort="price"),
    ),
    ("min_rate_bp=3000&sort=recent_sales", PoolFilter(min_rate_bp=3000, sort="recent_sales")),
    ("q=%E8%8C%B6&sort=newest", PoolFilter(keyword="茶", sort="newest")),
    ("supplier_id=7&sort=-price", PoolFilter(supplier_id=7, sort="-price")),
    ("sort=commission&page=50", PoolFilter(sort="commission")),
]


def load(url: str) -> None:
    """Insert suppliers and products set-based (beside whatever the database holds already)."""
    categories = list(CATEGORIES)
    with engine_for(url).begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO users (email, display_name, password_hash, roles, is_active, created_at) "
                "SELECT 'bench' || g || '@example.cn', 'bench', 'x', ARRAY['supplier']::varchar[], true, now() "
                "FROM generate_series(1, :n) g"
            ),
            {"n": SUPPLIERS},
        )
        connection.execute(
            sa.text(
                "INSERT INTO suppliers (company_name, registered_capital_fen, general_vat_taxpayer, deposit_paid_fen, "
                "brand_chain_depth, traceable_purchase_record, user_id, status, created_at) "
                "SELECT '供应商' || id, 100000000, true, 1000000, 1, false, id, 'approved', now() FROM users "
                "WHERE email LIKE 'bench%@example.cn' ORDER BY id"
            )
        )
        first_supplier = connection.execute(
            sa.text(
                "SELECT min(s.id) FROM suppliers s JOIN users u ON u.id = s.user_id "
                "WHERE u.email LIKE 'bench%@example.cn'"
            )
        ).scalar_one()
        connection.execute(
            sa.text(
                "INSERT INTO products (title, description, category, image_urls, price_fen, "
                "other_platform_price_fen, stock, supplier_id, status, supplier_active, commission_rate_bp, "
                "recent_sales, created_at, updated_at) "
                "SELECT (ARRAY['普洱茶','大米','面膜','芒果','纸尿裤','耳机','保温杯','瑜伽裤'])[1 + g % 8] "
                "|| ' ' || g, "
                "'', (:categories)[1 + g % :ncat], '{}', 500 + (g * 7919) % 50000, 60000, g % 50, "
                ":first_supplier + g % :suppliers, CASE WHEN g % 20 = 0 THEN 'delisted' ELSE 'listed' END, true, "
                "500 + (g * 104729) % 4500, (g * 31) % 3000, now() - (g || ' minutes')::interval, now() "
                "FROM generate_series(1::bigint, :n) g"
            ).bindparams(sa.bindparam("categories", type_=postgresql.ARRAY(sa.Text))),
            {
                "categories": categories,
                "ncat": len(categories),
                "suppliers": SUPPLIERS,
                "first_supplier": first_supplier,
                "n": PRODUCTS,
            },
        )
    with raw_connection(url) as connection:
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE products")


def percentile(samples: list[float], q: float) -> float:
    """The q-quantile (0..1) of samples, in the samples' unit."""
    return statistics.quantiles(samples, n=100, method="inclusive")[round(q * 100) - 1]


def _sign_in(port: int, email: str) -> dict[str, str]:
    """Headers of a shop owner signed in as the API requires: a password grant at /api/v1/auth/token."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"grant_type": "password", "email": email, "password": PASSWORD})
    connection.request("POST", "/api/v1/auth/token", body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    answer = response.read()
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"sign-in failed: {response.status} {answer[:200]!r}")
    return {"Authorization": f"Bearer {json.loads(answer)['access_token']}"}


def _browse(port: int, headers: dict[str, str], rounds: int) -> list[float]:
    """Milliseconds per pool page over one keep-alive connection, each request sent after the last answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    samples = []
    for _ in range(rounds):
        for query, _filter in QUERIES:
            start = time.perf_counter()
            connection.request("GET", f"/api/v1/pool?page_size=20&{query}", headers=headers)
            response = connection.getresponse()
            answer = response.read()
            samples.append((time.perf_counter() - start) * 1000)
            if response.status != 200 or not json.loads(answer):
                raise RuntimeError(f"{query}: {response.status} {answer[:200]!r}")
    connection.close()
    return samples


def _bare_sql(url: str, rounds: int) -> list[float]:
    """Milliseconds per page for the statements the endpoint runs (count, then the page), on a plain connection."""
    dialect = postgresql.dialect()
    compiled = []
    for query, pool_filter in QUERIES:
        page = 50 if "page=50" in query else 1
        select = pool_query(pool_filter)
        count = sa.select(sa.func.count()).select_from(select.order_by(None).subquery())
        rows = select.offset((page - 1) * 20).limit(20)
        compiled.append(
            [str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True})) for stmt in (count, rows)]
        )
    samples = []
    with raw_connection(url) as connection:
        for _ in range(rounds):
            for statements in compiled:
                start = time.perf_counter()
                for statement in statements:
                    connection.execute(statement).fetchall()
                samples.append((time.perf_counter() - start) * 1000)
    return samples


def run(url: str) -> list[Row]:
    load(url)
    redis_url = bench_redis_url()
    app = create_app({"DATABASE_URL": url, "REDIS_URL": redis_url})
    with Session(engine_for(url)) as session:
        owner = make_user(session, Role.SHOP_OWNER, email="owner@example.cn")
        make_shop(session, app, owner, slug="bench-pool")  # the owner's tier comes from their shop
    env = {**os.environ, "DISTRO_DATABASE_URL": url, "DISTRO_REDIS_URL": redis_url}
    port = free_port()
    server = web_server(app.config, port, "distro.wsgi:app", env)
    try:
        wait_until_up(port, "/healthz")
        headers = _sign_in(port, "owner@example.cn")
        _browse(port, headers, 1)  # warm up: the worker's first requests load code and plans
        api_ms = _browse(port, headers, ROUNDS)
        web_mb = peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    _bare_sql(url, 1)
    sql_ms = _bare_sql(url, ROUNDS)
    engine_for(url).dispose()
    return [
        Row(
            "pool browse p50 (100k products, API over HTTP)",
            percentile(api_ms, 0.50),
            "ms",
            percentile(sql_ms, 0.50),
            "bare SQL p50",
            web_mb,
        ),
        Row(
            "pool browse p95 (100k products, API over HTTP)",
            percentile(api_ms, 0.95),
            "ms",
            percentile(sql_ms, 0.95),
            "bare SQL p95",
            web_mb,
        ),
    ]
