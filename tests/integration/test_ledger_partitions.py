"""Ledger entries are partitioned by the month their posting was made; the ledger's rules hold on every partition."""

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command

from distro import migrate
from distro.clock import BUSINESS_TZ, utcnow
from distro.db import engine_for
from distro.ledger import services
from distro.ledger.chart import EntryLine
from distro.ledger.models import Posting
from distro.partitions import maintenance, rules
from tests.dues_books import post_at

THIS_MONTH = rules.month_start(utcnow().astimezone(BUSINESS_TZ).date())
NEXT_MONTH = rules.next_month(THIS_MONTH)
LINES = (("supplier:1:payable", 500), ("shop:1:pending", -300), ("platform:revenue", -200))


def at(month: dt.date, day: int = 10) -> dt.datetime:
    """Noon in Shanghai on that day of the month."""
    return dt.datetime(month.year, month.month, day, 12, tzinfo=BUSINESS_TZ)


def partitions_of(connection, posting_id: int) -> set[str]:
    return set(
        connection.execute(
            sa.text("SELECT tableoid::regclass::text FROM ledger_entries WHERE posting_id = :id"), {"id": posting_id}
        ).scalars()
    )


def test_entries_of_two_months_land_in_their_months_partitions(session):
    this = post_at(session, "p:this", "adjustment", at(THIS_MONTH), *LINES)
    following = post_at(session, "p:next", "adjustment", at(NEXT_MONTH, 1), *LINES)
    connection = session.connection()
    assert partitions_of(connection, this) == {rules.partition_name("ledger_entries", THIS_MONTH)}
    assert partitions_of(connection, following) == {rules.partition_name("ledger_entries", NEXT_MONTH)}
    assert services.trial_balance(session)["total"] == 0


def test_a_recorded_postings_entries_are_posted_when_the_posting_was_made(session):
    posting_id = services.record_posting(
        session, reference="p:now", kind="accrual", lines=[EntryLine(code, fen) for code, fen in LINES]
    )
    session.commit()
    posted = session.execute(
        sa.text("SELECT DISTINCT posted_at FROM ledger_entries WHERE posting_id = :id"), {"id": posting_id}
    ).scalars()
    assert list(posted) == [session.get_one(Posting, posting_id).created_at]


def test_a_partition_refuses_an_unbalanced_insert_an_update_a_delete_and_a_truncate(session):
    posting_id = post_at(session, "p:guarded", "adjustment", at(THIS_MONTH), *LINES)
    partition = rules.partition_name("ledger_entries", THIS_MONTH)
    account_id = session.scalar(sa.text("SELECT id FROM ledger_accounts WHERE code = 'shop:1:pending'"))
    refused = {
        "unbalanced": f"INSERT INTO {partition} (posting_id, account_id, amount, posted_at) "
        f"VALUES ({posting_id}, {account_id}, 5, '{at(THIS_MONTH).isoformat()}')",
        "append-only": f"UPDATE {partition} SET amount = amount * 2",
    }
    for message, statement in refused.items():
        with pytest.raises(sa.exc.DBAPIError, match=message), session.begin_nested():
            session.execute(sa.text(statement))
    for statement in (f"DELETE FROM {partition}", f"TRUNCATE {partition}", "TRUNCATE ledger_entries_default"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), session.begin_nested():
            session.execute(sa.text(statement))
    assert services.unbalanced_postings(session) == []
    assert services.balance(session, "shop:1:pending") == 300


def test_a_partition_made_later_holds_the_same_rules(session):
    far = dt.date(2031, 1, 1)
    connection = session.connection()
    assert maintenance.ensure_partitions(connection, maintenance.LEDGER_ENTRIES, [far]) == ["ledger_entries_y2031m01"]
    posting_id = post_at(session, "p:far", "adjustment", at(far), *LINES)
    assert partitions_of(connection, posting_id) == {"ledger_entries_y2031m01"}
    with pytest.raises(sa.exc.DBAPIError, match="unbalanced"), session.begin_nested():
        session.execute(
            sa.text(
                "INSERT INTO ledger_entries_y2031m01 (posting_id, account_id, amount, posted_at) "
                "SELECT :id, account_id, 1, posted_at FROM ledger_entries WHERE posting_id = :id LIMIT 1"
            ),
            {"id": posting_id},
        )
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), session.begin_nested():
        session.execute(sa.text("TRUNCATE ledger_entries_y2031m01"))


def test_a_posting_whose_entries_carry_another_time_is_refused(session):
    accounts = services.ensure_accounts(session, [code for code, _ in LINES])
    with pytest.raises(sa.exc.DBAPIError, match="fewer than two entries"), session.begin_nested():
        # Balanced, and in the same statement as its posting: only the entries' month is wrong.
        session.execute(
            sa.text(
                "WITH posting AS (INSERT INTO ledger_postings (reference, kind, memo, created_at) "
                "VALUES ('p:elsewhen', 'adjustment', '', :at) RETURNING id) "
                "INSERT INTO ledger_entries (posting_id, account_id, amount, posted_at) "
                "SELECT posting.id, e.account_id, e.amount, :other FROM posting "
                "CROSS JOIN unnest(CAST(:accounts AS bigint[]), CAST(:amounts AS bigint[])) AS e(account_id, amount)"
            ),
            {
                "at": at(THIS_MONTH),
                "other": at(NEXT_MONTH),
                "accounts": [accounts[code] for code, _ in LINES],
                "amounts": [fen for _, fen in LINES],
            },
        )


# A ledger as it stood before 0034: postings in October and November 2026 (Shanghai), the second made at the first
# instant of November there.
BEFORE_PARTITIONING = [
    "INSERT INTO ledger_accounts (id, code, type, created_at) VALUES (1, 'cash', 'asset', now()),"
    " (2, 'platform:adjustments', 'expense', now()), (3, 'platform:revenue', 'revenue', now())",
    "INSERT INTO ledger_postings (id, reference, kind, memo, created_at) VALUES"
    " (1, 'october', 'adjustment', '', '2026-10-15 12:00+08'),"
    " (2, 'november', 'adjustment', '', '2026-11-01 00:00+08')",
    "INSERT INTO ledger_entries (posting_id, account_id, amount) VALUES (1, 1, 100), (1, 2, -100)",
    "INSERT INTO ledger_entries (posting_id, account_id, amount) VALUES (2, 1, 70), (2, 3, -30), (2, 2, -40)",
]


def test_the_migration_moves_each_entry_into_its_postings_month_and_the_ledger_still_balances(empty_db):
    engine = engine_for(empty_db)
    migrate.upgrade(empty_db, "0034")
    with engine.begin() as connection:
        for statement in BEFORE_PARTITIONING:
            connection.execute(sa.text(statement))
        before = connection.execute(sa.text("SELECT id, posting_id, account_id, amount FROM ledger_entries")).all()
    migrate.upgrade(empty_db, "0035")
    with engine.begin() as connection:
        moved = connection.execute(
            sa.text("SELECT id, posting_id, account_id, amount, tableoid::regclass::text FROM ledger_entries")
        ).all()
        assert sorted(row[:4] for row in moved) == sorted(before)
        assert {row.posting_id: row.tableoid for row in moved} == {
            1: "ledger_entries_y2026m10",
            2: "ledger_entries_y2026m11",
        }
        made = set(
            connection.execute(
                sa.text("SELECT relname::text FROM pg_class WHERE relname LIKE 'ledger_entries_y%' AND relkind = 'r'")
            ).scalars()
        )
        today = utcnow().astimezone(BUSINESS_TZ).date()
        wanted = rules.months_from(dt.date(2026, 10, 1), rules.months_to_have(today)[-1])
        assert made == {rules.partition_name("ledger_entries", month) for month in wanted}
        unbalanced = connection.execute(
            sa.text("SELECT posting_id FROM ledger_entries GROUP BY posting_id HAVING sum(amount) <> 0")
        ).all()
        assert unbalanced == []
        # Ids carry on from the same sequence, and the rules hold on the new table.
        connection.execute(
            sa.text(
                "INSERT INTO ledger_postings (id, reference, kind, memo, created_at) "
                "VALUES (3, 'after', 'adjustment', '', now())"
            )
        )
        added = connection.execute(
            sa.text(
                "INSERT INTO ledger_entries (posting_id, account_id, amount) VALUES (3, 1, 5), (3, 2, -5) "
                "RETURNING id, posting_id, account_id, amount"
            )
        ).all()
        assert min(row.id for row in added) > max(row.id for row in moved)
    with pytest.raises(sa.exc.DBAPIError, match="unbalanced"), engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO ledger_entries (posting_id, account_id, amount) VALUES (1, 1, 5)"))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM ledger_entries_y2026m10"))
    command.downgrade(migrate.alembic_config(empty_db), "0034")
    with engine.connect() as connection:
        back = connection.execute(sa.text("SELECT id, posting_id, account_id, amount FROM ledger_entries")).all()
    assert sorted(back) == sorted([*before, *added])
