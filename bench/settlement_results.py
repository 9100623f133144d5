"""Settlement's second figure: the bank's results for a computed batch's payouts, recorded in one call, vs a
raw UPDATE ... FROM unnest of the same results on a copy of the payouts table (bench_settlement runs it)."""

from __future__ import annotations

import sys
import time

import sqlalchemy as sa
from sqlmodel import Session

from bench.harness import Row, copy_for_baseline, peak_rss_mb, raw_connection, timer
from bench.statement_clock import StatementClock
from distro.settlement import batches, transfers
from distro.settlement.payout_results import PayoutResult, record_results

FAILED_EVERY = 20  # one payout in 20 (5 %) fails at the bank


def progress(message: str) -> None:
    print(f"  [settlement] {message}", file=sys.stderr, flush=True)


def clearing_fen(session: Session) -> int:
    """What the payouts clearing account holds, in fen."""
    return session.execute(
        sa.text(
            "SELECT -coalesce(sum(e.amount), 0) FROM ledger_entries e JOIN ledger_accounts a "
            "ON a.id = e.account_id WHERE a.code = :code"
        ),
        {"code": transfers.CLEARING},
    ).scalar_one()


def bank_results(session: Session, batch_id: int) -> list[PayoutResult]:
    """What the bank says of every payout of the batch: one in FAILED_EVERY failed, the rest paid."""
    ids = session.execute(
        sa.text("SELECT id FROM payouts WHERE batch_id = :id ORDER BY id"), {"id": batch_id}
    ).scalars()
    return [
        PayoutResult(payout_id, "failed", reason="账户已冻结")
        if number % FAILED_EVERY == 0
        else PayoutResult(payout_id, "paid", f"ICBC-{payout_id:010d}")
        for number, payout_id in enumerate(ids)
    ]


def results_baseline(url: str, results: list[PayoutResult]) -> float:
    """The raw work over a copy of the payouts (same indexes and constraints): one UPDATE ... FROM unnest."""
    columns = [
        [result.payout_id for result in results],
        [result.status for result in results],
        [result.external_reference for result in results],
        [result.reason for result in results],
    ]
    with raw_connection(url) as connection:
        copy_for_baseline(
            connection,
            "bench_payouts",
            "CREATE TABLE bench_payouts (LIKE payouts INCLUDING ALL)",
            "INSERT INTO bench_payouts SELECT * FROM payouts",
        )
        with timer() as elapsed:
            updated = connection.execute(
                "UPDATE bench_payouts p SET status = r.status, resolved_at = now(), "
                "external_reference = r.reference, failure_reason = r.reason "
                "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[]) AS r(id, status, reference, reason) "
                "WHERE p.id = r.id",
                columns,
            ).rowcount
            connection.commit()
    if updated != len(results):
        raise RuntimeError(f"baseline updated {updated} of {len(results)} payouts")
    return elapsed()


def payout_results(url: str, engine: sa.Engine, batch_id: int, shops: int) -> Row:
    """Make the batch's payouts payable and approve it, then record every payout's result in one call.

    The owners had no payee accounts, so every payout was computed held: they register one each (set-based),
    and a second finance user releases the held payouts and approves the batch.
    """
    with raw_connection(url) as connection:
        connection.execute(
            "INSERT INTO payee_accounts (owner_id, kind, account_name, account_number, bank_name, is_default,"
            " created_at) SELECT owner_id, 'bank', '店主', '6222' || lpad(owner_id::text, 12, '0'), '工商银行', true,"
            " now() FROM payouts WHERE batch_id = %s",
            [batch_id],
        )
        connection.commit()
    with Session(engine) as session:
        checker_id = session.execute(sa.text("SELECT id FROM users WHERE email = 'checker@bench.cn'")).scalar_one()
        released = batches.release_held(session=session, batch_id=batch_id, actor=checker_id)
        batches.approve(session=session, batch_id=batch_id, approver=checker_id)
        results = bank_results(session, batch_id)
    if released != shops:
        raise RuntimeError(f"released {released} held payouts, expected {shops}")
    with raw_connection(url) as connection:  # the release rewrote every payout: start as clean as the copy
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE payouts")
    baseline_seconds = results_baseline(url, results)
    progress(f"baseline (raw UPDATE ... FROM unnest on bench_payouts): {baseline_seconds:.2f} s")

    with StatementClock(engine, "results", progress) as clock, timer() as elapsed, Session(engine) as session:
        status = record_results(session=session, batch_id=batch_id, results=results, actor=checker_id).status
        finished = time.perf_counter()
    seconds = elapsed()
    # This process holds the 100,000 results as the API's request would: its peak is the recording's, and the
    # computation's before it (lower).
    peak = peak_rss_mb()
    clock.report(finished)
    progress(f"results total: {seconds:.2f} s")

    failed = len([result for result in results if result.status == "failed"])
    with Session(engine) as session:
        counts = dict(session.execute(sa.text("SELECT status, count(*) FROM payouts GROUP BY status")).all())
        got = {"status": status, "payouts": counts, "clearing_fen": clearing_fen(session)}
    expected = {"status": "partly_paid", "payouts": {"paid": shops - failed, "failed": failed}, "clearing_fen": 0}
    if got != expected:
        raise RuntimeError(f"results recorded {got}, expected {expected}")
    return Row(
        f"payout results ({shops // 1000}k payouts)", seconds, "s", baseline_seconds, "raw UPDATE … FROM unnest", peak
    )
