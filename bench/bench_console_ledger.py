"""The finance console's ledger reads over the ledger of 1,000,000 commission lines: the dashboard's standing, a
page of accounts and a page of one busy account's postings, each in-process (the query and its rendering's data,
not HTTP), median of ROUNDS, against the API's read of the same data in the same run: the trial balance (every
entry, as the dashboard), the first 50 shop accounts of GET /api/v1/ledger/accounts?prefix=shop:, and the busy
account's balance (every entry of it, as GET /api/v1/ledger/accounts/{code}).

The ledger is loaded set-based (generate_series, INSERT ... SELECT, the database's balance trigger checking every
statement): per line an accrual (supplier payable, shop pending, platform revenue) and a release (pending to
available), so 5 entries a line, over SHOPS shops and 50 suppliers (no shop frozen: the dashboard reads the
frozen ones from their partial index, a few rows at most).

DISTRO_BENCH_CONSOLE_LINES sets the lines (default 1,000,000; loading takes a few minutes).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlmodel import Session

from bench.harness import Row, raw_connection
from distro.console import finance_dashboard_queries as dashboard
from distro.console import finance_ledger_queries as explorer
from distro.db import engine_for
from distro.ledger import services as ledger

LINES = int(os.environ.get("DISTRO_BENCH_CONSOLE_LINES", "1000000"))
SHOPS = 5_000
SUPPLIERS = 50
CHUNK = 100_000
ROUNDS = 7

_ACCOUNTS = """
INSERT INTO ledger_accounts (code, type, created_at)
SELECT 'shop:' || s || ':' || bucket, 'liability', now() FROM generate_series(1, %(shops)s) s,
       (VALUES ('pending'), ('available')) AS b(bucket)
UNION ALL SELECT 'supplier:' || s || ':payable', 'asset', now() FROM generate_series(1, %(suppliers)s) s
UNION ALL SELECT 'platform:revenue', 'revenue', now()
"""
_POSTINGS = """
INSERT INTO ledger_postings (reference, kind, memo, created_at)
SELECT 'bench:' || i || ':' || k, k, '', now() FROM generate_series(%(first)s, %(last)s) i,
       (VALUES ('accrual'), ('release')) AS x(k)
"""
_ENTRIES = """
WITH p AS (SELECT id, kind, split_part(reference, ':', 2)::bigint AS i FROM ledger_postings
           WHERE reference LIKE 'bench:%%' AND id BETWEEN %(low)s AND %(high)s),
     a AS (SELECT code, id FROM ledger_accounts)
INSERT INTO ledger_entries (posting_id, account_id, amount)
SELECT p.id, a.id, e.amount FROM p CROSS JOIN LATERAL (VALUES
    ('accrual', 'supplier:' || (p.i %% %(suppliers)s + 1) || ':payable', 1000 + p.i %% 997),
    ('accrual', 'shop:' || (p.i %% %(shops)s + 1) || ':pending', -(600 + p.i %% 997 * 6 / 10)),
    ('accrual', 'platform:revenue', -(400 + p.i %% 997 - p.i %% 997 * 6 / 10)),
    ('release', 'shop:' || (p.i %% %(shops)s + 1) || ':pending', 600 + p.i %% 997 * 6 / 10),
    ('release', 'shop:' || (p.i %% %(shops)s + 1) || ':available', -(600 + p.i %% 997 * 6 / 10))
) AS e(kind, code, amount) JOIN a ON a.code = e.code WHERE e.kind = p.kind
"""


def load(url: str) -> None:
    """The ledger of LINES commission lines, each accrued and released."""
    with raw_connection(url) as connection:
        sizes = {"shops": SHOPS, "suppliers": SUPPLIERS}
        connection.execute(_ACCOUNTS, sizes)
        for first in range(0, LINES, CHUNK):
            last = min(first + CHUNK, LINES) - 1
            ids = connection.execute(_POSTINGS + " RETURNING id", {"first": first, "last": last}).fetchall()
            low, high = min(row[0] for row in ids), max(row[0] for row in ids)
            connection.execute(_ENTRIES, {**sizes, "low": low, "high": high})
            connection.commit()
        connection.execute("ANALYZE")
        connection.commit()


def median_ms(read: Callable[[], object]) -> float:
    """Median milliseconds of ROUNDS reads, after one to warm the cache."""
    read()
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        read()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run(url: str) -> list[Row]:
    load(url)
    with Session(engine_for(url)) as session:
        standing = median_ms(lambda: dashboard.standing(session))
        trial = median_ms(lambda: ledger.trial_balance(session))
        page = median_ms(lambda: explorer.accounts_page(session, family="shop_available"))
        api_page = median_ms(lambda: session.execute(ledger.accounts_with_balances_query("shop:").limit(50)).all())
        postings = median_ms(lambda: explorer.account_postings(session, "platform:revenue"))
        balance = median_ms(lambda: ledger.get_account_balance(session, "platform:revenue"))
        assert session.scalar(sa.text("SELECT count(*) FROM ledger_entries")) == LINES * 5
    return [
        Row(f"console 概览, {LINES:,} lines", standing, "ms", trial, "API trial balance"),
        Row("console 账簿 accounts page (50)", page, "ms", api_page, "API accounts, first 50"),
        Row("console 账簿 busiest account's postings", postings, "ms", balance, "API balance of it"),
    ]
