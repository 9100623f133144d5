"""Pool browsing (filter + sort + page) over 100,000 products: p50/p95 through the API vs the bare SQL."""

from __future__ import annotations

import datetime as dt
import statistics
import time

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from bench.harness import Row, raw_connection
from distro.app import create_app
from distro.auth.tokens import TokenSettings, issue_access_token
from distro.db import engine_for
from distro.shops.services import PoolFilter, pool_query
from distro.suppliers.rules import CATEGORIES

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


def load(url: str) -> int:
    """Insert suppliers and products set-based; return a shop owner's user id."""
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
                "SELECT '供应商' || id, 100000000, true, 1000000, 1, false, id, 'approved', now() FROM users"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO products (title, description, category, image_urls, price_fen, "
                "other_platform_price_fen, stock, supplier_id, status, supplier_active, commission_rate_bp, "
                "recent_sales, created_at, updated_at) "
                "SELECT (ARRAY['普洱茶','大米','面膜','芒果','纸尿裤','耳机','保温杯','瑜伽裤'])[1 + g % 8] "
                "|| ' ' || g, "
                "'', (:categories)[1 + g % :ncat], '{}', 500 + (g * 7919) % 50000, 60000, g % 50, "
                "1 + g % :suppliers, CASE WHEN g % 20 = 0 THEN 'delisted' ELSE 'listed' END, true, "
                "500 + (g * 104729) % 4500, (g * 31) % 3000, now() - (g || ' minutes')::interval, now() "
                "FROM generate_series(1::bigint, :n) g"
            ).bindparams(sa.bindparam("categories", type_=postgresql.ARRAY(sa.Text))),
            {"categories": categories, "ncat": len(categories), "suppliers": SUPPLIERS, "n": PRODUCTS},
        )
        owner_id = connection.execute(
            sa.text(
                "INSERT INTO users (email, display_name, password_hash, roles, is_active, created_at) "
                "VALUES ('owner@example.cn', 'owner', 'x', ARRAY['shop_owner']::varchar[], true, now()) RETURNING id"
            )
        ).scalar_one()
    with raw_connection(url) as connection:
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE products")
    return owner_id


def percentile(samples: list[float], q: float) -> float:
    """The q-quantile (0..1) of samples, in the samples' unit."""
    return statistics.quantiles(samples, n=100, method="inclusive")[round(q * 100) - 1]


def run(url: str) -> list[Row]:
    owner_id = load(url)
    app = create_app({"DATABASE_URL": url})
    token = issue_access_token(
        owner_id, ["shop_owner"], TokenSettings.from_settings(app.config), dt.datetime.now(dt.UTC)
    )
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    api_ms: list[float] = []
    for _ in range(ROUNDS):
        for query, _filter in QUERIES:
            start = time.perf_counter()
            response = client.get(f"/api/v1/pool?page_size=20&{query}", headers=headers)
            api_ms.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.get_json()

    engine = engine_for(url)
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
    sql_ms: list[float] = []
    with raw_connection(url) as connection:
        for _ in range(ROUNDS):
            for statements in compiled:
                start = time.perf_counter()
                for statement in statements:
                    connection.execute(statement).fetchall()
                sql_ms.append((time.perf_counter() - start) * 1000)
    engine.dispose()
    return [
        Row(
            "pool browse p50 (100k products, API)",
            percentile(api_ms, 0.50),
            "ms",
            percentile(sql_ms, 0.50),
            "bare SQL p50",
        ),
        Row(
            "pool browse p95 (100k products, API)",
            percentile(api_ms, 0.95),
            "ms",
            percentile(sql_ms, 0.95),
            "bare SQL p95",
        ),
    ]
