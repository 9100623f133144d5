"""Write postings and read balances.

record_postings (and record_posting, for one) is how code writes the ledger: balanced postings, idempotent by
reference. Three set-based writers insert into it directly instead, each fused with the rows it settles so
that a run of any size is one statement:

- `distro/commission/release.py:release_due_commission` (`_RELEASE`): a `release` posting per commission line
  past its hold, from the shop's pending balance to its available one;
- `distro/settlement/computing.py:compute_batch` and `preview`, through `_compute` (`_COMPUTE`): one
  `payout_reserve` posting per batch, from the shops' available balances to `payouts:clearing`;
- `distro/settlement/transfers.py:POSTED`, fused with the payouts' update in `payout_results.record_results`
  (`_RECORD_RESULTS`) and `batches.cancel` (`transfers.cancel_payouts`): one posting per outcome for the payouts a
  request resolves, from `payouts:clearing` to cash (`payout_paid`) or back to each shop (`payout_failed`,
  `payout_cancel`).

Whoever writes, PostgreSQL guards the ledger (migrations/versions/0001_accounts_idempotency_ledger.py, LEDGER_RULES,
as 0035_partition_ledger_entries.py rewrote them for the monthly partitions): the statement trigger
`ledger_entries_balanced` (ledger_check_balanced()) refuses an INSERT whose new entries for a posting do not sum to
zero or are fewer than two, so all of a posting's entries go in one statement; the statement trigger
`ledger_postings_have_entries` (ledger_check_postings_have_entries(), migration 0039) refuses an INSERT of postings
that leaves one with fewer than two entries posted at its creation (an entry's posted_at is its posting's created_at:
writers set both from one value, or both from now()), so a posting and its entries go in one statement too (its
AFTER STATEMENT trigger fires once the whole statement, CTEs and all, is done); `ledger_*_append_only`
and `ledger_*_no_truncate` refuse UPDATE, DELETE and TRUNCATE, on every partition too. A new
writer is named here: tests/unit/test_ledger_writers.py holds this list to the code.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col

from distro.clock import utcnow
from distro.errors import Conflict, NotFound
from distro.ledger import snapshots
from distro.ledger.chart import AccountType, EntryLine, account_type, check_posting
from distro.ledger.models import BalanceSnapshot, Entry, LedgerAccount, Posting


class PostingConflict(Conflict):
    """The reference was already posted with different entries."""

    slug = "posting-conflict"


_ACCOUNTS = LedgerAccount.__table__  # type: ignore[attr-defined]  # SQLModel declares no __table__

_SELECT_ACCOUNT_IDS = sa.text("SELECT code, id FROM ledger_accounts WHERE code = ANY(CAST(:codes AS varchar[]))")
# Postings and all their entries in one statement (one round trip), accounts looked up by code in it. Nothing is
# written when an account is missing (the caller creates it and sends the statement again): a posting with some of
# its entries left out could still balance. References go in in order, so concurrent batches take the unique index's
# locks in one order. Entries are posted at their posting's creation: the month partition the has-entries check looks
# in (migrations/versions/0035_partition_ledger_entries.py). The answer is one row per posting, in the order given:
# its id when this statement inserted it or it was already there (as the statement found the table), else NULL (a
# concurrent transaction posted it after the statement began), looked up by reference only for a posting not inserted;
# and how many codes named no account. Postings and lines travel as two JSON arrays: the driver dumps a string at C
# speed, where each Python list would be a typed array built element by element. It is sent on the session's own
# driver connection, in its transaction (see _record).
_RECORD = """
    WITH given AS (
        SELECT * FROM jsonb_to_recordset(CAST(%(postings)s AS jsonb))
            AS g(n bigint, reference varchar, kind varchar, memo varchar, created_by bigint, reverses_posting_id bigint)
    ), lines AS MATERIALIZED (
        SELECT l.posting_n, l.n, l.amount, a.id AS account_id
        FROM jsonb_to_recordset(CAST(%(lines)s AS jsonb)) AS l(posting_n bigint, n bigint, code varchar, amount bigint)
        LEFT JOIN ledger_accounts a ON a.code = l.code
    ), missing AS (
        SELECT count(*) AS accounts FROM lines WHERE account_id IS NULL
    ), posted AS (
        INSERT INTO ledger_postings (reference, kind, memo, created_by, reverses_posting_id, created_at)
        SELECT reference, kind, memo, created_by, reverses_posting_id, %(now)s FROM given
        WHERE (SELECT accounts FROM missing) = 0
        ORDER BY reference
        ON CONFLICT (reference) DO NOTHING
        RETURNING id, reference
    ), entries AS (
        INSERT INTO ledger_entries (posting_id, account_id, amount, posted_at)
        SELECT p.id, l.account_id, l.amount, %(now)s
        FROM posted p JOIN given g ON g.reference = p.reference JOIN lines l ON l.posting_n = g.n
        ORDER BY l.n
    )
    SELECT coalesce(p.id, (SELECT id FROM ledger_postings earlier WHERE earlier.reference = g.reference)) AS id,
           p.id IS NOT NULL AS new, (SELECT accounts FROM missing) AS missing
    FROM given g
    LEFT JOIN posted p ON p.reference = g.reference
    ORDER BY g.n
    """


@dataclass(frozen=True)
class NewPosting:
    """A posting to record: its unique business reference, kind, entries and memo."""

    reference: str
    kind: str
    lines: Sequence[EntryLine]
    memo: str = ""
    created_by: int | None = None
    reverses_posting_id: int | None = None


def ensure_accounts(session: Session, codes: Iterable[str]) -> dict[str, int]:
    """Return every code's account id, creating the accounts that do not exist yet."""
    unique_codes = sorted(set(codes))
    if not unique_codes:
        return {}
    connection = session.connection()
    ids: dict[str, int] = dict(connection.execute(_SELECT_ACCOUNT_IDS, {"codes": unique_codes}).all())
    missing = [code for code in unique_codes if code not in ids]
    if missing:
        connection.execute(
            insert(_ACCOUNTS)
            .values([{"code": code, "type": account_type(code).value} for code in missing])
            .on_conflict_do_nothing(index_elements=["code"])
        )
        ids.update(connection.execute(_SELECT_ACCOUNT_IDS, {"codes": missing}).all())
    return ids


def record_postings(session: Session, postings: Sequence[NewPosting]) -> list[int]:
    """Add balanced postings to the session's transaction in one statement; return their ids (the caller commits).

    Idempotent by reference: a reference recorded before with the same entries returns the first
    posting and writes nothing; with different entries it raises PostingConflict. All entries go
    in one INSERT, which the database checks sums to zero per posting. An account used for the first
    time costs a second round trip (it is created, then the statement sent again).
    """
    return [posting_id for posting_id, _ in _record(session, postings, utcnow())]


def _record(session: Session, postings: Sequence[NewPosting], now: dt.datetime) -> list[tuple[int, bool]]:
    """record_postings' work: each posting's id and whether this call inserted it, in the order given."""
    if not postings:
        return []
    for posting in postings:
        check_posting(posting.lines)
    references = [posting.reference for posting in postings]
    if len(set(references)) != len(references):
        raise PostingConflict("The same reference appears twice in one batch of postings.")
    codes = [line.account for posting in postings for line in posting.lines]
    given = {
        "postings": json.dumps(
            [
                {
                    "n": n,
                    "reference": posting.reference,
                    "kind": posting.kind,
                    "memo": posting.memo,
                    "created_by": posting.created_by,
                    "reverses_posting_id": posting.reverses_posting_id,
                }
                for n, posting in enumerate(postings, 1)
            ],
            ensure_ascii=False,
        ),
        "lines": json.dumps(
            [
                {"posting_n": posting_n, "n": n, "code": line.account, "amount": line.amount}
                for n, (posting_n, line) in enumerate(
                    ((posting_n, line) for posting_n, posting in enumerate(postings, 1) for line in posting.lines), 1
                )
            ],
            ensure_ascii=False,
        ),
        "now": now,
    }
    # psycopg's connection, in the session's transaction: for one posting SQLAlchemy's statement and result
    # machinery cost more CPU than the statement's own work in PostgreSQL.
    connection = session.connection().connection.driver_connection
    assert connection is not None  # None only once the pooled connection is closed
    rows = connection.execute(_RECORD, given).fetchall()
    if rows[0][2]:  # codes that named no account
        ensure_accounts(session, codes)
        rows = connection.execute(_RECORD, given).fetchall()
        if rows[0][2]:
            raise RuntimeError("ledger accounts just ensured are missing")
    result = []
    for posting, (posting_id, new, _) in zip(postings, rows, strict=True):
        if new:
            result.append((posting_id, True))
            continue
        existing_id = posting_id
        if existing_id is None:  # posted by a transaction that committed while the statement ran
            existing_id = session.execute(
                sa.select(col(Posting.id)).where(col(Posting.reference) == posting.reference)
            ).scalar_one()
        if Counter(posting_lines(session, existing_id)) != Counter(posting.lines):
            raise PostingConflict(f"Reference {posting.reference!r} was already posted with different entries.")
        result.append((existing_id, False))
    return result


def record_posting(
    session: Session,
    *,
    reference: str,
    kind: str,
    lines: Sequence[EntryLine],
    memo: str = "",
    created_by: int | None = None,
    reverses_posting_id: int | None = None,
) -> int:
    """Add one balanced posting to the session's transaction and return its id (see record_postings; the caller
    commits)."""
    [(posting_id, _)] = _record(
        session, [NewPosting(reference, kind, lines, memo, created_by, reverses_posting_id)], utcnow()
    )
    return posting_id


def posting_lines(session: Session, posting_id: int) -> list[EntryLine]:
    """The entries of a posting, as account code and signed fen, in entry order."""
    rows = session.execute(
        sa.select(col(LedgerAccount.code), col(Entry.amount))
        .join(LedgerAccount, col(LedgerAccount.id) == Entry.account_id)
        .where(col(Entry.posting_id) == posting_id)
        .order_by(col(Entry.id))
    )
    return [EntryLine(code, amount) for code, amount in rows]


def get_posting(session: Session, posting_id: int) -> Posting:
    """The posting with this id, or NotFound."""
    posting = session.get(Posting, posting_id)
    if posting is None:
        raise NotFound(f"No posting {posting_id}.")
    return posting


def _on_normal_side(debits: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    # A signed (debit-positive) sum shown on the account's normal side: debit-normal types as they are,
    # credit-normal types negated (see AccountType.debit_normal).
    debit_normal = [kind.value for kind in AccountType if kind.debit_normal]
    return sa.case((col(LedgerAccount.type).in_(debit_normal), debits), else_=-debits)


def accounts_with_balances_query(session: Session, prefix: str | None = None, *, one: bool = False) -> sa.Select:
    """Accounts (optionally those whose code starts with prefix) with code, type and balance, by code.

    A balance is the account's snapshot plus its entries after it (distro/ledger/snapshots.py), computed only for
    the rows the query returns: a page of accounts, or one (one=True: its tail read by entry id, as for a busy
    account).
    """
    since = snapshots.since(session)
    snapshot = BalanceSnapshot.__table__  # type: ignore[attr-defined]  # SQLModel declares no __table__
    debits = sa.func.coalesce(snapshot.c.balance, 0) + snapshots.tail_amount(
        since, _ACCOUNTS.c.id, snapshot.c.through_entry_id, by_id=one
    )
    query = (
        sa.select(
            col(LedgerAccount.code),
            col(LedgerAccount.type),
            sa.cast(_on_normal_side(debits), sa.BigInteger).label("balance"),
        )
        .outerjoin(snapshot, snapshot.c.account_id == LedgerAccount.id)
        .order_by(LedgerAccount.code)
    )
    if prefix:
        query = query.where(col(LedgerAccount.code).startswith(prefix, autoescape=True))
    return query


def get_account_balance(session: Session, code: str) -> sa.RowMapping:
    """One account's code, type and balance in fen, or NotFound."""
    query = accounts_with_balances_query(session, one=True).where(col(LedgerAccount.code) == code)
    row = session.execute(query).mappings().first()
    if row is None:
        raise NotFound(f"No ledger account {code!r}.")
    return row


def balances(session: Session, codes: Iterable[str]) -> dict[str, int]:
    """Each account's balance in fen on its normal side (0 for an account with no entries yet)."""
    wanted = sorted(set(codes))
    for code in wanted:
        account_type(code)
    rows = session.execute(accounts_with_balances_query(session).where(col(LedgerAccount.code).in_(wanted)))
    return {code: 0 for code in wanted} | {row.code: int(row.balance) for row in rows}


def balance(session: Session, code: str) -> int:
    """One account's balance in fen on its normal side."""
    return balances(session, [code])[code]


def trial_balance(session: Session) -> dict[str, int]:
    """Signed (debit-positive) totals per account type plus 'total', which is 0 when the ledger balances.

    From every account's snapshot plus the entries after the snapshots' mark: one pass over those, not the ledger.
    """
    debits = snapshots.debits_by_account(snapshots.since(session))
    rows = session.execute(
        sa.select(col(LedgerAccount.type), sa.func.sum(debits.c.debits))
        .join(debits, debits.c.account_id == LedgerAccount.id)
        .group_by(LedgerAccount.type)
    )
    totals = {kind.value: 0 for kind in AccountType} | {kind: int(total) for kind, total in rows}
    totals["total"] = sum(totals.values())
    return totals


def unbalanced_postings(session: Session, limit: int = 100) -> list[int]:
    """Ids of postings whose entries do not sum to zero or that have fewer than two (should be none)."""
    return list(
        session.execute(
            sa.select(col(Posting.id))
            .join(Entry, col(Entry.posting_id) == Posting.id, isouter=True)
            .group_by(col(Posting.id))
            .having(sa.or_(sa.func.coalesce(sa.func.sum(col(Entry.amount)), 0) != 0, sa.func.count(col(Entry.id)) < 2))
            .limit(limit)
        ).scalars()
    )
