"""The finance console's ledger reads over the ledger of 1,000,000 commission lines: the dashboard's standing, the
trial balance and the busiest account's balance before and after balance snapshots (distro/ledger/snapshots.py), a
page of accounts and a page of one busy account's postings, each in-process (the query and its rendering's data,
not HTTP), median of ROUNDS.

Before snapshots (the mark at 0, no snapshot rows) every balance is the sum of all its entries, as it was before
snapshots existed: that is each read's baseline, measured in the same run. Then one snapshot run folds the ledger
(its time is reported against one full trial balance), TAIL more lines arrive after it (the tail a read adds: 1% of
the ledger, more than 5 minutes of 云集's 2018 orders), and the same reads are measured again; their figures are
checked against the full sum of the entries. The accounts page and the busy account's postings are measured against
the API's read of the same data: the first 50 shop accounts of GET /api/v1/ledger/accounts?prefix=shop:, and the
busy account's balance (GET /api/v1/ledger/accounts/{code}).

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

from bench.harness import Row, peak_rss_mb, raw_connection, reset_peak_rss, with_peak
from distro.console import finance_dashboard_queries as dashboard
from distro.console import finance_ledger_queries as explorer
from distro.db import engine_for
from distro.ledger import services as ledger
from distro.ledger import snapshots

LINES = int(os.environ.get("DISTRO_BENCH_CONSOLE_LINES", "1000000"))
TAIL = max(LINES // 100, 1)
SHOPS = 5_000
SUPPLIERS = 50
CHUNK = 100_000
ROUNDS = 7

_ACCOUNTS = """
INSERT INTO ledger_accounts (code, type, created_at)
SELECT 'shop:' || s || ':' || bucket, 'liability', now() FROM generate_series(1, CAST(%(shops)s AS bigint)) s,
       (VALUES ('pending'), ('available')) AS b(bucket)
UNION ALL SELECT 'supplier:' || s || ':payable', 'asset', now() FROM generate_series(1, CAST(%(suppliers)s AS bigint)) s
UNION ALL SELECT 'platform:revenue', 'revenue', now()
"""
# A chunk's postings and their entries in one statement, as the database wants them (ledger_postings_have_entries).
_POSTINGS_AND_ENTRIES = """
WITH p AS (
    INSERT INTO ledger_postings (reference, kind, memo, created_at)
    SELECT 'bench:' || i || ':' || k, k, '', now()
    FROM generate_series(CAST(%(first)s AS bigint), CAST(%(last)s AS bigint)) i,
         (VALUES ('accrual'), ('release')) AS x(k)
    RETURNING id, kind, split_part(reference, ':', 2)::bigint AS i
), a AS (SELECT code, id FROM ledger_accounts)
INSERT INTO ledger_entries (posting_id, account_id, amount)
SELECT p.id, a.id, e.amount FROM p CROSS JOIN LATERAL (VALUES
    ('accrual', 'supplier:' || (p.i %% %(suppliers)s + 1) || ':payable', 1000 + p.i %% 997),
    ('accrual', 'shop:' || (p.i %% %(shops)s + 1) || ':pending', -(600 + p.i %% 997 * 6 / 10)),
    ('accrual', 'platform:revenue', -(400 + p.i %% 997 - p.i %% 997 * 6 / 10)),
    ('release', 'shop:' || (p.i %% %(shops)s + 1) || ':pending', 600 + p.i %% 997 * 6 / 10),
    ('release', 'shop:' || (p.i %% %(shops)s + 1) || ':available', -(600 + p.i %% 997 * 6 / 10))
) AS e(kind, code, amount) JOIN a ON a.code = e.code WHERE e.kind = p.kind
"""


_FULL_TRIAL_BALANCE = sa.text(
    "SELECT a.type, sum(e.amount) FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id GROUP BY a.type"
)


def load(url: str, start: int, stop: int, *, accounts: bool) -> None:
    """Commission lines start to stop - 1, each accrued and released (and the accounts first, when asked)."""
    sizes = {"shops": SHOPS, "suppliers": SUPPLIERS}
    with raw_connection(url) as connection:
        if accounts:
            connection.execute(_ACCOUNTS, sizes)
        for first in range(start, stop, CHUNK):
            last = min(first + CHUNK, stop) - 1
            connection.execute(_POSTINGS_AND_ENTRIES, {**sizes, "first": first, "last": last})
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
    load(url, 0, LINES, accounts=True)
    reset_peak_rss()
    busiest = "platform:revenue"
    with Session(engine_for(url)) as session:
        full_standing = median_ms(lambda: dashboard.standing(session))
        full_trial = median_ms(lambda: ledger.trial_balance(session))
        full_balance = median_ms(lambda: ledger.get_account_balance(session, busiest))
        started = time.perf_counter()
        taken = snapshots.take_snapshot(session)
        session.commit()
        fold = (time.perf_counter() - started) * 1000
        assert taken is not None and taken[0].through == LINES * 5
        load(url, LINES, LINES + TAIL, accounts=False)
        standing = median_ms(lambda: dashboard.standing(session))
        trial = median_ms(lambda: ledger.trial_balance(session))
        balance = median_ms(lambda: ledger.get_account_balance(session, busiest))
        page = median_ms(lambda: explorer.accounts_page(session, family="shop_available"))
        api_page = median_ms(
            lambda: session.execute(ledger.accounts_with_balances_query(session, "shop:").limit(50)).all()
        )
        postings = median_ms(lambda: explorer.account_postings(session, busiest))
        full = {kind: int(total) for kind, total in session.execute(_FULL_TRIAL_BALANCE)}
        assert {kind: total for kind, total in ledger.trial_balance(session).items() if kind in full} == full
        assert session.scalar(sa.text("SELECT count(*) FROM ledger_entries")) == (LINES + TAIL) * 5
    # The snapshot run and the pages' queries ran in this process: its peak since the load.
    return with_peak(
        [
            Row(
                f"console 概览, {LINES:,} lines, snapshots + tail",
                standing,
                "ms",
                full_standing,
                "概览 summing every entry",
            ),
            Row("API trial balance, snapshots + tail", trial, "ms", full_trial, "trial balance summing every entry"),
            Row(f"API balance of {busiest}, snapshot + tail", balance, "ms", full_balance, "summing its every entry"),
            Row(f"snapshot run folding {LINES:,} lines", fold, "ms", full_trial, "one full trial balance"),
            Row("console 账簿 accounts page (50)", page, "ms", api_page, "API accounts, first 50"),
            Row("console 账簿 busiest account's postings", postings, "ms", balance, "API balance of it"),
        ],
        peak_rss_mb(),
    )
