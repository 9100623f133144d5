"""Balance snapshots: entries folded into one row per account below a safe high-water mark, and balances read as
the snapshot plus the entries after it (the tail), so that no read sums an account's whole history.

take_snapshot is the periodic job's one use case (distro/ledger/jobs.py:snapshot_ledger_balances, every 5 minutes):
it moves the mark as distro/ledger/marks.py:advance says, then folds the entries between the old mark and the new
one into the snapshots with one INSERT ... SELECT ... GROUP BY ... ON CONFLICT statement. A run that finds another
one running skips (the mark row is locked); a run with nothing new changes nothing. Entries are never changed.

Reads (distro/ledger/services.py) are exact whatever the mark: a snapshot row holds the sum of its account's entries
with id ≤ its through_entry_id, and no account has an entry between its row's through_entry_id and the mark (a run
brings every account it touches to the mark), so the tail of an account is its entries above its own row's
through_entry_id, read in the same statement as the row. The mark read beforehand (`since`) only narrows the scan to
the ids above it, for the planner: any value at or below the mark gives the same sums.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, col

from distro.ledger.marks import Mark, advance
from distro.ledger.models import BalanceSnapshot, Entry, SnapshotMark

_SNAPSHOTS = BalanceSnapshot.__table__  # type: ignore[attr-defined]  # SQLModel declares no __table__

_LOCK_MARK = sa.text(
    "SELECT through_entry_id, candidate_entry_id, candidate_writers FROM ledger_snapshot_marks WHERE id = 1 "
    "FOR UPDATE SKIP LOCKED"
)
# A transaction inserting entries holds RowExclusiveLock on the table from before its first id is drawn until it
# ends (and it is released only once the commit is visible); prepared transactions have no pid and count too. Relation
# ids repeat across a cluster's databases (a database cloned from a template has the same), hence the database.
_WRITERS = """
    SELECT DISTINCT virtualtransaction FROM pg_locks
    WHERE locktype = 'relation' AND mode = 'RowExclusiveLock' AND relation = 'ledger_entries'::regclass
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND pid IS DISTINCT FROM pg_backend_pid()
"""
_WRITING_NOW = sa.text(_WRITERS)
_STILL_WRITING = sa.text(f"SELECT EXISTS ({_WRITERS} AND virtualtransaction = ANY(CAST(:writers AS text[])))")
# The last id the sequence handed out, to anyone (sequences are not transactional; their cache is 1, so ids are
# drawn in order): NULL before the first.
_LAST_ISSUED = sa.text("SELECT pg_sequence_last_value(pg_get_serial_sequence('ledger_entries', 'id'))")
_FOLD = sa.text(
    """
    WITH folded AS (
        INSERT INTO ledger_balance_snapshots AS s (account_id, through_entry_id, balance, taken_at)
        SELECT account_id, :through, sum(amount), now() FROM ledger_entries
        WHERE id > :since AND id <= :through
        GROUP BY account_id
        ON CONFLICT (account_id) DO UPDATE
        SET balance = s.balance + excluded.balance, through_entry_id = excluded.through_entry_id,
            taken_at = excluded.taken_at
        RETURNING 1
    )
    UPDATE ledger_snapshot_marks
    SET through_entry_id = :through, candidate_entry_id = :candidate, candidate_writers = :writers, taken_at = now()
    WHERE id = 1
    RETURNING (SELECT count(*) FROM folded)
    """
).bindparams(sa.bindparam("writers", type_=ARRAY(sa.Text)))


class SnapshotIsolationError(RuntimeError):
    """take_snapshot ran in a transaction whose statements do not each see what committed before them."""


def take_snapshot(session: Session) -> tuple[Mark, int] | None:
    """Move the mark and fold the entries below it into the snapshots; return the new mark and how many accounts'
    rows it wrote, or None when another run holds the mark. The caller commits.

    Each step is its own statement, in this order, and the transaction must be READ COMMITTED so that the fold sees
    every commit that ended a writer the earlier statements saw: the candidate's writers, the sequence, then the
    writers now (read after the sequence, so a transaction holding an id up to it is among them unless it ended).
    """
    isolation = session.scalar(sa.text("SELECT current_setting('transaction_isolation')"))
    if isolation != "read committed":
        raise SnapshotIsolationError(f"take_snapshot needs READ COMMITTED, not {isolation}")
    row = session.execute(_LOCK_MARK).first()
    if row is None:
        return None
    mark = Mark(int(row.through_entry_id), int(row.candidate_entry_id), tuple(row.candidate_writers))
    settled = not mark.writers or not session.scalar(_STILL_WRITING, {"writers": list(mark.writers)})
    last_issued = session.scalar(_LAST_ISSUED)
    writing_now = list(session.scalars(_WRITING_NOW))
    moved = advance(mark, candidate_settled=settled, last_issued=last_issued, writing_now=writing_now)
    folded = session.scalar(
        _FOLD,
        {"since": mark.through, "through": moved.through, "candidate": moved.candidate, "writers": list(moved.writers)},
    )
    return moved, int(folded or 0)


def since(session: Session) -> int:
    """The snapshots' mark as it stands: entries above it are every balance's tail (0 before the first run)."""
    return int(session.scalar(sa.select(col(SnapshotMark.through_entry_id))) or 0)


def tail_amount(
    since_id: int, account_id: sa.ColumnElement[Any], through: sa.ColumnElement[Any], *, by_id: bool = False
) -> sa.ScalarSelect[int]:
    """The signed sum of account_id's entries above through (its snapshot's through_entry_id, NULL for none), both
    columns of the enclosing query: an index range of the ids above since_id, not the account's history."""
    # by_id, for one account that may be a busy one: once a snapshot exists the tail is minutes of entries, so read
    # it by id, the account filtering it (`+ 0` keeps the planner off the index by account, which for
    # platform:revenue walks every entry it ever had). Otherwise (shops' accounts, a few entries each, read a page
    # at a time) the planner combines both indexes.
    entry_account = col(Entry.account_id) + 0 if by_id and since_id else col(Entry.account_id)
    return (
        sa.select(sa.func.coalesce(sa.func.sum(col(Entry.amount)), 0))
        .where(
            entry_account == account_id,
            col(Entry.id) > since_id,
            col(Entry.id) > sa.func.coalesce(through, 0),
        )
        .scalar_subquery()
    )


def debits_by_account(since_id: int) -> sa.Subquery:
    """Every account with entries, as (account_id, debits): its signed balance, snapshot plus tail, in one pass over
    the snapshots and the entries above since_id."""
    snapshots: sa.Select = sa.select(col(BalanceSnapshot.account_id), col(BalanceSnapshot.balance).label("amount"))
    tail = (
        sa.select(col(Entry.account_id), col(Entry.amount))
        .outerjoin(_SNAPSHOTS, _SNAPSHOTS.c.account_id == Entry.account_id)
        .where(col(Entry.id) > since_id, col(Entry.id) > sa.func.coalesce(_SNAPSHOTS.c.through_entry_id, 0))
    )
    both = sa.union_all(snapshots, tail).subquery("both")
    return (
        sa.select(both.c.account_id, sa.func.sum(both.c.amount).label("debits"))
        .group_by(both.c.account_id)
        .subquery("debits")
    )


def drifted_accounts(session: Session, limit: int = 100) -> list[int]:
    """Accounts whose snapshot is not the sum of their entries through it (should be none: the daily check)."""
    total = (
        sa.select(sa.func.coalesce(sa.func.sum(col(Entry.amount)), 0))
        .where(col(Entry.account_id) == BalanceSnapshot.account_id, col(Entry.id) <= BalanceSnapshot.through_entry_id)
        .scalar_subquery()
    )
    return list(
        session.scalars(
            sa.select(col(BalanceSnapshot.account_id))
            .where(col(BalanceSnapshot.balance) != total)
            .order_by(col(BalanceSnapshot.account_id))
            .limit(limit)
        )
    )
