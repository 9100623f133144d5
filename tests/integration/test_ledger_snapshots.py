"""Balances read as snapshot plus tail (distro/ledger/snapshots.py) equal the sum of every entry, whatever runs when,
and a transaction still holding a lower entry id while a snapshot runs is never lost."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rq.serializers import JSONSerializer
from sqlmodel import Session

from distro.console import finance_dashboard_queries as dashboard
from distro.db import engine_for
from distro.ledger import services, snapshots
from distro.ledger.chart import AccountType, EntryLine
from distro.ledger.jobs import check_ledger_balances, snapshot_ledger_balances
from distro.ledger.models import BalanceSnapshot, Entry, LedgerAccount, SnapshotMark
from distro.queue import get_queue
from tests.integration.workers import BurstWorker

CODES = [
    "shop:1:pending",
    "shop:1:available",
    "shop:2:pending",
    "shop:2:available",
    "supplier:1:payable",
    "supplier:2:payable",
    "platform:revenue",
    "payouts:clearing",
    "cash",
]
ACCRUAL = [
    EntryLine("supplier:1:payable", 1000),
    EntryLine("shop:1:pending", -600),
    EntryLine("platform:revenue", -400),
]
_references = itertools.count(1)

# Every account's balance the way it was read before snapshots: the sum of all its entries, on its normal side.
_FULL_SUMS = sa.text(
    """
    SELECT a.code, a.type, coalesce(sum(e.amount), 0) AS debits
    FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id GROUP BY a.id
    """
)


def full_sums(session: Session) -> tuple[dict[str, int], dict[str, int]]:
    """Each account's balance on its normal side, and the trial balance, both from every entry."""
    by_code, by_type = {}, {kind.value: 0 for kind in AccountType}
    for code, kind, debits in session.execute(_FULL_SUMS):
        by_code[code] = int(debits) if AccountType(kind).debit_normal else -int(debits)
        by_type[kind] += int(debits)
    return by_code, by_type | {"total": sum(by_type.values())}


def post(session: Session, lines: list[EntryLine], kind: str = "accrual") -> int:
    return services.record_posting(session, reference=f"snap:{next(_references)}", kind=kind, lines=lines)


def mark(session: Session) -> SnapshotMark:
    session.expire_all()
    return session.get_one(SnapshotMark, 1)


def entry_ids(session: Session, posting_id: int) -> list[int]:
    return list(session.scalars(sa.select(Entry.id).where(Entry.posting_id == posting_id)))


def test_a_snapshot_folds_the_entries_and_balances_read_the_same(session):
    post(session, ACCRUAL)
    post(session, [EntryLine("shop:1:pending", 600), EntryLine("shop:1:available", -600)], "release")
    before = services.balances(session, CODES), services.trial_balance(session), dashboard.standing(session)

    moved, accounts = snapshots.take_snapshot(session) or (None, 0)

    assert moved is not None and moved.through == session.scalar(sa.select(sa.func.max(Entry.id)))
    assert accounts == 4
    assert session.scalar(sa.select(sa.func.count()).select_from(BalanceSnapshot)) == 4
    assert (services.balances(session, CODES), services.trial_balance(session), dashboard.standing(session)) == before
    assert services.balances(session, ["shop:1:available", "supplier:1:payable"]) == {
        "shop:1:available": 600,
        "supplier:1:payable": 1000,
    }
    assert dashboard.standing(session).payable_fen == 600
    assert snapshots.drifted_accounts(session) == []


def test_entries_after_the_snapshot_are_added_to_it_as_its_tail(session):
    post(session, ACCRUAL)
    snapshots.take_snapshot(session)
    post(session, ACCRUAL)

    assert services.balance(session, "shop:1:pending") == 1200
    assert services.get_account_balance(session, "platform:revenue")["balance"] == 800
    assert services.trial_balance(session)["asset"] == 2000
    assert dashboard.standing(session).pending_fen == 1200
    page = session.execute(services.accounts_with_balances_query(session, "shop:")).all()
    assert [(row.code, row.balance) for row in page] == [("shop:1:pending", 1200)]


def test_a_run_with_nothing_new_changes_nothing(session):
    post(session, ACCRUAL)
    first, _ = snapshots.take_snapshot(session) or (None, 0)
    rows = session.execute(sa.select(BalanceSnapshot.account_id, BalanceSnapshot.balance)).all()

    again, written = snapshots.take_snapshot(session) or (None, -1)

    assert again == first and written == 0
    assert session.execute(sa.select(BalanceSnapshot.account_id, BalanceSnapshot.balance)).all() == rows


def test_an_account_untouched_by_later_runs_keeps_its_snapshot_and_reads_exactly(session):
    post(session, [EntryLine("cash", 500), EntryLine("shop:2:available", -500)])
    snapshots.take_snapshot(session)
    post(session, ACCRUAL)
    snapshots.take_snapshot(session)
    post(session, [EntryLine("cash", 70), EntryLine("shop:2:available", -70)])

    cash = session.get_one(
        BalanceSnapshot, session.scalar(sa.select(LedgerAccount.id).where(LedgerAccount.code == "cash"))
    )
    assert cash.through_entry_id < mark(session).through_entry_id
    assert services.balances(session, ["cash", "shop:2:available"]) == {"cash": 570, "shop:2:available": 570}
    assert full_sums(session)[1] == services.trial_balance(session)


_lines = st.lists(st.tuples(st.sampled_from(CODES), st.integers(-50_000, 50_000).filter(bool)), min_size=1, max_size=3)
_steps = st.lists(st.one_of(st.just("snapshot"), _lines), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_steps)
def test_balances_from_snapshot_and_tail_equal_the_full_sum_for_postings_interleaved_with_runs(session, steps):
    for step in steps:
        if step == "snapshot":
            standing = dashboard.standing(session)
            snapshots.take_snapshot(session)
            assert dashboard.standing(session) == standing
        else:
            lines = [EntryLine(code, amount) for code, amount in step]
            balancing = "cash" if all(code != "cash" for code, _ in step) else "platform:adjustments"
            lines.append(EntryLine(balancing, -sum(amount for _, amount in step)))
            post(session, [line for line in lines if line.amount])
        by_code, by_type = full_sums(session)
        assert services.balances(session, by_code) == by_code
        assert services.trial_balance(session) == by_type
    assert snapshots.drifted_accounts(session) == []


def test_a_transaction_holding_a_lower_entry_id_while_a_snapshot_runs_is_not_lost(committed_db):
    engine = engine_for(committed_db)
    with Session(engine) as late, Session(engine) as early:
        post(early, ACCRUAL)  # the accounts, committed: otherwise the second writer would wait on their creation
        early.commit()
        held = post(late, ACCRUAL)  # has drawn its ids, not committed
        committed = post(early, ACCRUAL)
        early.commit()
        assert max(entry_ids(late, held)) < min(entry_ids(early, committed))

        snapshot_ledger_balances()

        # The last committed id was visible, but the mark stops below the ids the open transaction holds.
        waiting = mark(early)
        assert waiting.through_entry_id < min(entry_ids(late, held))
        assert waiting.candidate_entry_id >= max(entry_ids(early, committed))
        assert services.balance(early, "shop:1:pending") == 1200

        late.commit()
        assert services.balance(early, "shop:1:pending") == 1800

        snapshot_ledger_balances()
        done = mark(early)
        assert done.through_entry_id == early.scalar(sa.select(sa.func.max(Entry.id)))
        assert done.candidate_writers == []
        assert services.balances(early, CODES) == full_sums(early)[0] | {
            code: 0 for code in CODES if code not in full_sums(early)[0]
        }
        assert services.balance(early, "shop:1:pending") == 1800
        assert snapshots.drifted_accounts(early) == []


def test_a_run_while_another_holds_the_mark_skips(committed_db):
    engine = engine_for(committed_db)
    with Session(engine) as first, Session(engine) as second:
        post(first, ACCRUAL)
        first.commit()
        assert snapshots.take_snapshot(first) is not None
        assert snapshots.take_snapshot(second) is None
        first.commit()
        assert snapshots.take_snapshot(second) is not None


def test_a_snapshot_refuses_a_transaction_that_reads_one_moment_throughout(committed_db):
    repeatable = engine_for(committed_db).execution_options(isolation_level="REPEATABLE READ")
    with Session(repeatable) as session, pytest.raises(snapshots.SnapshotIsolationError):
        snapshots.take_snapshot(session)


def test_entry_ids_are_drawn_one_at_a_time_in_order(session):
    # The mark's reasoning needs the sequence's last value to be every id issued so far: no per-session cache.
    cache = session.scalar(
        sa.text(
            "SELECT seqcache FROM pg_sequence WHERE seqrelid = pg_get_serial_sequence('ledger_entries', 'id')::regclass"
        )
    )
    assert cache == 1


def test_the_daily_check_fails_on_a_snapshot_unlike_its_entries(session):
    post(session, ACCRUAL)
    snapshots.take_snapshot(session)
    snapshot = session.scalars(sa.select(BalanceSnapshot).order_by(BalanceSnapshot.account_id)).first()
    assert snapshot is not None
    session.execute(
        sa.update(BalanceSnapshot)
        .where(BalanceSnapshot.account_id == snapshot.account_id)
        .values(balance=snapshot.balance + 1)
    )
    assert snapshots.drifted_accounts(session) == [snapshot.account_id]


def test_a_real_worker_runs_the_snapshot_and_the_check_agrees(committed_db, redis):
    with Session(engine_for(committed_db)) as session:
        post(session, ACCRUAL)
        session.commit()
    queue = get_queue("periodic", redis)
    snapshot = queue.enqueue(snapshot_ledger_balances)
    check = queue.enqueue(check_ledger_balances)
    BurstWorker([queue], connection=redis, serializer=JSONSerializer).work(burst=True)
    assert snapshot.latest_result().return_value["accounts"] == 3
    assert check.latest_result().return_value["total"] == 0
