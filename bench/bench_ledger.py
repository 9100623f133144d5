"""Ledger postings per second (one transaction each, as events arrive) against raw INSERTs of the same rows."""

from __future__ import annotations

from sqlmodel import Session

from bench.harness import Row, peak_rss_mb, raw_connection, timer
from distro.db import engine_for
from distro.ledger import services
from distro.ledger.chart import EntryLine

POSTINGS = 5_000
BATCH = 500
TURN = 250  # postings each side records before the other takes its turn
SHOPS = 500


def accrual(i: int) -> list[EntryLine]:
    pool = 1_000 + i % 997
    owner = pool * 6 // 10
    return [
        EntryLine(f"supplier:{i % 50 + 1}:payable", pool),
        EntryLine(f"shop:{i % SHOPS + 1}:pending", -owner),
        EntryLine("platform:revenue", owner - pool),
    ]


def run(url: str) -> list[Row]:
    engine = engine_for(url)
    with Session(engine) as session:  # accounts exist in both runs: measure postings, not first-use
        services.ensure_accounts(session, {line.account for i in range(POSTINGS) for line in accrual(i)})
        session.commit()

    # The two take turns, a chunk each, so that both meet the same load on a shared machine: run one after the other,
    # a burst of other work during either one decided the ratio.
    seconds = {"distro": 0.0, "raw": 0.0}
    with raw_connection(url) as connection, Session(engine) as session:
        connection.execute(
            "CREATE TABLE raw_postings (id bigserial PRIMARY KEY, reference text, kind text, memo text,"
            " created_at timestamptz DEFAULT now());"
            "CREATE TABLE raw_entries (id bigserial PRIMARY KEY, posting_id bigint, account_id bigint, amount bigint)"
        )
        connection.commit()
        account_ids = dict(connection.execute("SELECT code, id FROM ledger_accounts").fetchall())
        for chunk in range(0, POSTINGS, TURN):
            with timer() as elapsed:
                for i in range(chunk, chunk + TURN):
                    services.record_posting(session, reference=f"bench:{i}", kind="accrual", lines=accrual(i))
                    session.commit()
            seconds["distro"] += elapsed()
            with timer() as raw_elapsed:
                for i in range(chunk, chunk + TURN):
                    lines = accrual(i)
                    posting_id = connection.execute(
                        "INSERT INTO raw_postings (reference, kind, memo) VALUES (%s, 'accrual', '') RETURNING id",
                        (f"bench:{i}",),
                    ).fetchone()[0]
                    connection.execute(
                        "INSERT INTO raw_entries (posting_id, account_id, amount) "
                        "VALUES (%s,%s,%s),(%s,%s,%s),(%s,%s,%s)",
                        [value for line in lines for value in (posting_id, account_ids[line.account], line.amount)],
                    )
                    connection.commit()
            seconds["raw"] += raw_elapsed()
    ledger_rate, raw_rate = POSTINGS / seconds["distro"], POSTINGS / seconds["raw"]
    ledger_peak = peak_rss_mb()  # this process made the postings: its peak so far is theirs (the raw side holds none)

    with timer() as elapsed, Session(engine) as session:
        for start in range(0, POSTINGS, BATCH):
            services.record_postings(
                session, [services.NewPosting(f"bulk:{i}", "accrual", accrual(i)) for i in range(start, start + BATCH)]
            )
            session.commit()
    bulk_rate = POSTINGS / elapsed()
    bulk_peak = peak_rss_mb()

    with raw_connection(url) as connection, timer() as raw_bulk_elapsed:
        for start in range(0, POSTINGS, BATCH):
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO raw_postings (reference, kind, memo) VALUES (%s, 'accrual', '') RETURNING id",
                    [(f"bulk:{i}",) for i in range(start, start + BATCH)],
                    returning=True,
                )
                ids = []
                while True:
                    ids.append(cursor.fetchone()[0])
                    if not cursor.nextset():
                        break
            rows = [
                (posting_id, account_ids[line.account], line.amount)
                for posting_id, i in zip(ids, range(start, start + BATCH), strict=True)
                for line in accrual(i)
            ]
            connection.cursor().executemany(
                "INSERT INTO raw_entries (posting_id, account_id, amount) VALUES (%s, %s, %s)", rows
            )
            connection.commit()
    raw_bulk_rate = POSTINGS / raw_bulk_elapsed()

    return [
        Row("ledger postings (3 entries, 1 txn each)", ledger_rate, "postings/s", raw_rate, "raw INSERTs", ledger_peak),
        Row(
            f"ledger postings, set-based ({BATCH} per txn)",
            bulk_rate,
            "postings/s",
            raw_bulk_rate,
            "raw INSERTs, same batches",
            bulk_peak,
        ),
    ]
