"""Supplier dues: issuing a month's statements for 100,000 suppliers over 1,100,000 postings on their payable
accounts, the overdue list's first page, and the daily suspension job with 1 % of them long overdue.

The ledger is loaded set-based (generate_series, INSERT ... SELECT, the database's balance trigger checking every
statement): SUPPLIERS suppliers (and their accounts), each with one accrual in September 2026 (what it owed before)
and POSTINGS_PER_SUPPLIER accruals in October 2026 (Asia/Shanghai), each posting 3 entries (the supplier's payable,
a shop's pending, the platform's revenue).

Timed: distro.dues.statements.issue_month for October 2026 (the month's figures by kind, the balances at its end,
one INSERT of every statement) against its baseline, one raw GROUP BY of the supplier payable entries up to the
month's end; the overdue list's first page (distro.dues.overdue.overdue_query) once every statement is sent and 1 %
are 60 days past due, against the statements list's first page; and distro.dues.overdue.suspend_overdue against
the same GROUP BY. Checked: one statement per supplier, each closing at its account's balance, and the suspended
suppliers are the overdue ones.

DISTRO_BENCH_DUES_SUPPLIERS sets the suppliers (default 100,000).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time

import sqlalchemy as sa
from sqlmodel import Session, col

from bench.harness import Row, peak_rss_mb, raw_connection, reset_peak_rss, timer, with_peak
from distro.clock import BUSINESS_TZ
from distro.db import engine_for
from distro.dues import overdue, statements
from distro.dues.models import SupplierStatement
from distro.tiers.rules import month_bounds

SUPPLIERS = int(os.environ.get("DISTRO_BENCH_DUES_SUPPLIERS", "100000"))
POSTINGS_PER_SUPPLIER = 10
MONTH = dt.date(2026, 10, 1)
OVERDUE_EVERY = 100
"""One supplier in this many has its statement 60 days past due, the rest paid on time."""
ROUNDS = 7
START, END = month_bounds(MONTH)

_LOAD = [
    (
        "users and suppliers",
        "INSERT INTO users (id, email, display_name, password_hash, roles, is_active, created_at) "
        "SELECT g, 'supplier' || g || '@bench.cn', '供货商' || g, 'x', ARRAY['supplier']::varchar[], true, now() "
        "FROM generate_series(1, %(suppliers)s) g",
    ),
    (
        "suppliers",
        "INSERT INTO suppliers (id, company_name, registered_capital_fen, general_vat_taxpayer, deposit_paid_fen, "
        "brand_chain_depth, traceable_purchase_record, user_id, status, created_at) "
        "SELECT g, '供货商' || g, 100000000, true, 1000000, 1, true, g, 'approved', now() "
        "FROM generate_series(1, %(suppliers)s) g",
    ),
    (
        "accounts",
        "INSERT INTO ledger_accounts (code, type, created_at) "
        "SELECT 'supplier:' || g || ':payable', 'asset', now() FROM generate_series(1, %(suppliers)s) g "
        "UNION ALL SELECT 'shop:1:pending', 'liability', now() UNION ALL SELECT 'platform:revenue', 'revenue', now()",
    ),
    (
        "postings and their entries",
        "WITH p AS (INSERT INTO ledger_postings (reference, kind, memo, created_at) "
        "SELECT 'bench:' || s || ':' || k, 'accrual', '', "
        "CASE WHEN k = 0 THEN %(before)s ELSE %(start)s + (s * 7919 + k * 104729) %% 2500000 * interval '1 second' END "
        "FROM generate_series(1, %(suppliers)s) s, generate_series(0, %(per)s) k "
        "RETURNING id, created_at, split_part(reference, ':', 2)::bigint AS s,"
        " split_part(reference, ':', 3)::int AS k), "
        "a AS (SELECT code, id FROM ledger_accounts) "
        "INSERT INTO ledger_entries (posting_id, account_id, amount, posted_at) "
        "SELECT p.id, a.id, e.amount, p.created_at FROM p CROSS JOIN LATERAL (VALUES "
        "('supplier:' || p.s || ':payable', 1000 + (p.s + p.k) %% 997), "
        "('shop:1:pending', -(600 + (p.s + p.k) %% 997 * 6 / 10)), "
        "('platform:revenue', -(400 + (p.s + p.k) %% 997 - (p.s + p.k) %% 997 * 6 / 10))"
        ") AS e(code, amount) JOIN a ON a.code = e.code",
    ),
]
_BASELINE = (
    "SELECT split_part(a.code, ':', 2)::bigint, sum(e.amount) FROM ledger_accounts a "
    "JOIN ledger_entries e ON e.account_id = a.id JOIN ledger_postings p ON p.id = e.posting_id "
    "WHERE a.code LIKE 'supplier:%%' AND p.created_at < %(end)s GROUP BY 1"
)
# Every statement sent; one in OVERDUE_EVERY due 60 days ago, the rest due in a week.
_SEND = sa.text(
    "UPDATE supplier_statements SET status = 'sent', sent_at = now(), "
    "due_on = CASE WHEN supplier_id % :every = 0 THEN CAST(:today AS date) - 60 ELSE CAST(:today AS date) + 7 END"
)


def load(url: str) -> None:
    values = {
        "suppliers": SUPPLIERS,
        "per": POSTINGS_PER_SUPPLIER,
        "start": START,
        "before": START - dt.timedelta(days=10),
    }
    with raw_connection(url) as connection:
        for _, statement in _LOAD:
            connection.execute(statement, values)
        connection.execute("ANALYZE")
        connection.commit()


def median_ms(read) -> float:
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
    with raw_connection(url) as connection, timer() as baseline:
        closing = dict(connection.execute(_BASELINE, {"end": END}).fetchall())
    reset_peak_rss()
    with Session(engine_for(url)) as session:
        with timer() as issuing:
            issued = statements.issue_month(session=session, month=MONTH.strftime("%Y-%m"))
        assert issued == SUPPLIERS
        found = dict(session.execute(sa.text("SELECT supplier_id, closing_fen FROM supplier_statements")).all())
        assert found == {supplier: int(fen) for supplier, fen in closing.items()}
        today = dt.datetime.now(BUSINESS_TZ).date()
        session.execute(_SEND, {"every": OVERDUE_EVERY, "today": today})
        session.commit()
        session.execute(sa.text("ANALYZE supplier_statements"))
        page = median_ms(
            lambda: session.execute(
                overdue.overdue_query(today).order_by(col(SupplierStatement.id).desc()).limit(51)
            ).all()
        )
        listing = median_ms(
            lambda: session.execute(
                statements.statements_query(month=MONTH).order_by(col(SupplierStatement.id).desc()).limit(51)
            ).all()
        )
        with timer() as suspending:
            suspended = overdue.suspend_overdue(session=session, limit_days=30, today=today)
        assert sorted(suspended) == list(range(OVERDUE_EVERY, SUPPLIERS + 1, OVERDUE_EVERY))
    # The jobs and the lists ran in this process, as a worker and a web process run them: its peak since the
    # baseline.
    return with_peak(
        [
            Row(
                f"dues: statements of {SUPPLIERS:,} suppliers",
                issuing(),
                "s",
                baseline(),
                "GROUP BY of their payable entries",
            ),
            Row("dues: overdue list, first page", page, "ms", listing, "statements list, first page"),
            Row(
                f"dues: suspension job, {len(suspended):,} overdue",
                suspending(),
                "s",
                baseline(),
                "GROUP BY of their payable entries",
            ),
        ],
        peak_rss_mb(),
    )
