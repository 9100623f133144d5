"""Write postings and read balances. The only code that inserts into the ledger."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session

from distro.errors import Conflict, NotFound
from distro.ledger.chart import AccountType, EntryLine, account_type, check_posting, reversal_of
from distro.ledger.models import Entry, LedgerAccount, Posting


class PostingConflict(Conflict):
    """The reference was already posted with different entries."""

    slug = "posting-conflict"


def ensure_accounts(session: Session, codes: Iterable[str]) -> dict[str, int]:
    """Create the accounts that do not exist yet and return every code's id (one INSERT, one SELECT)."""
    unique_codes = sorted(set(codes))
    if not unique_codes:
        return {}
    session.execute(
        insert(LedgerAccount)
        .values([{"code": code, "type": account_type(code).value} for code in unique_codes])
        .on_conflict_do_nothing(index_elements=["code"])
    )
    rows = session.execute(
        sa.select(LedgerAccount.code, LedgerAccount.id).where(LedgerAccount.code.in_(unique_codes))  # type: ignore[attr-defined]
    )
    return {code: account_id for code, account_id in rows}


def record_posting(
    session: Session,
    *,
    reference: str,
    kind: str,
    lines: Sequence[EntryLine],
    memo: str = "",
    created_by: int | None = None,
    reverses_posting_id: int | None = None,
) -> Posting:
    """Add a balanced posting to the session's transaction (the caller commits).

    Idempotent by reference: recording the same reference with the same entries again returns
    the first posting and writes nothing; with different entries it raises PostingConflict.
    All entries go in one INSERT, which the database checks sums to zero.
    """
    check_posting(lines)
    account_ids = ensure_accounts(session, (line.account for line in lines))
    posting_id = session.execute(
        insert(Posting)
        .values(reference=reference, kind=kind, memo=memo, created_by=created_by,
                reverses_posting_id=reverses_posting_id)
        .on_conflict_do_nothing(index_elements=["reference"])
        .returning(Posting.id)
    ).scalar()
    if posting_id is None:
        existing = session.execute(sa.select(Posting).where(Posting.reference == reference)).scalar_one()
        if Counter(posting_lines(session, existing.id)) != Counter(lines):  # type: ignore[arg-type]
            raise PostingConflict(f"Reference {reference!r} was already posted with different entries.")
        return existing
    session.execute(
        insert(Entry).values(
            [{"posting_id": posting_id, "account_id": account_ids[line.account], "amount": line.amount}
             for line in lines]
        )
    )
    return session.get_one(Posting, posting_id)


def posting_lines(session: Session, posting_id: int) -> list[EntryLine]:
    """The entries of a posting, as account code and signed fen, in entry order."""
    rows = session.execute(
        sa.select(LedgerAccount.code, Entry.amount)
        .join(LedgerAccount, LedgerAccount.id == Entry.account_id)  # type: ignore[arg-type]
        .where(Entry.posting_id == posting_id)
        .order_by(Entry.id)  # type: ignore[arg-type]
    )
    return [EntryLine(code, amount) for code, amount in rows]


def get_posting(session: Session, posting_id: int) -> Posting:
    """The posting with this id, or NotFound."""
    posting = session.get(Posting, posting_id)
    if posting is None:
        raise NotFound(f"No posting {posting_id}.")
    return posting


def _normal_balance_column() -> sa.ColumnElement[int]:
    # Sum of entries shown on the account's normal side: debit-normal types as they are,
    # credit-normal types negated (see AccountType.debit_normal).
    debit_sum = sa.func.coalesce(sa.func.sum(Entry.amount), 0)
    debit_normal = [kind.value for kind in AccountType if kind.debit_normal]
    return sa.case((LedgerAccount.type.in_(debit_normal), debit_sum), else_=-debit_sum)  # type: ignore[attr-defined]


def accounts_with_balances_query(prefix: str | None = None) -> sa.Select:
    """Accounts (optionally those whose code starts with prefix) with code, type and balance, by code."""
    query = (
        sa.select(LedgerAccount.code, LedgerAccount.type, _normal_balance_column().label("balance"))
        .join(Entry, Entry.account_id == LedgerAccount.id, isouter=True)  # type: ignore[arg-type]
        .group_by(LedgerAccount.id)
        .order_by(LedgerAccount.code)
    )
    if prefix:
        query = query.where(LedgerAccount.code.startswith(prefix, autoescape=True))  # type: ignore[attr-defined]
    return query


def get_account_balance(session: Session, code: str) -> sa.RowMapping:
    """One account's code, type and balance in fen, or NotFound."""
    row = session.execute(
        accounts_with_balances_query().where(LedgerAccount.code == code)
    ).mappings().first()
    if row is None:
        raise NotFound(f"No ledger account {code!r}.")
    return row


def balances(session: Session, codes: Iterable[str]) -> dict[str, int]:
    """Each account's balance in fen on its normal side (0 for an account with no entries yet)."""
    wanted = sorted(set(codes))
    for code in wanted:
        account_type(code)
    rows = session.execute(
        accounts_with_balances_query().where(LedgerAccount.code.in_(wanted))  # type: ignore[attr-defined]
    )
    return {code: 0 for code in wanted} | {row.code: int(row.balance) for row in rows}


def balance(session: Session, code: str) -> int:
    """One account's balance in fen on its normal side."""
    return balances(session, [code])[code]


def trial_balance(session: Session) -> dict[str, int]:
    """Signed (debit-positive) totals per account type plus 'total', which is 0 when the ledger balances."""
    rows = session.execute(
        sa.select(LedgerAccount.type, sa.func.sum(Entry.amount))
        .join(Entry, Entry.account_id == LedgerAccount.id)  # type: ignore[arg-type]
        .group_by(LedgerAccount.type)
    )
    totals = {kind.value: 0 for kind in AccountType} | {kind: int(total) for kind, total in rows}
    totals["total"] = sum(totals.values())
    return totals


def unbalanced_postings(session: Session, limit: int = 100) -> list[int]:
    """Ids of postings whose entries do not sum to zero or that have fewer than two (should be none)."""
    return list(
        session.execute(
            sa.select(Posting.id)
            .join(Entry, Entry.posting_id == Posting.id, isouter=True)  # type: ignore[arg-type]
            .group_by(Posting.id)
            .having(sa.or_(sa.func.coalesce(sa.func.sum(Entry.amount), 0) != 0, sa.func.count(Entry.id) < 2))
            .limit(limit)
        ).scalars()
    )


def create_adjustment(
    session: Session, *, reference: str, lines: Sequence[EntryLine], memo: str, created_by: int
) -> Posting:
    """Record a manual adjustment posting by finance and commit it."""
    posting = record_posting(
        session, reference=reference, kind="adjustment", lines=lines, memo=memo, created_by=created_by
    )
    session.commit()
    return posting


def reverse_posting(session: Session, *, posting_id: int, memo: str, created_by: int) -> Posting:
    """Record the posting that exactly undoes posting_id and commit it; a posting is reversed at most once."""
    original = get_posting(session, posting_id)
    if original.reverses_posting_id is not None:
        raise Conflict(f"Posting {posting_id} is itself a reversal; post a new adjustment instead.")
    reversal = record_posting(
        session,
        reference=f"reversal-of:{posting_id}",
        kind="reversal",
        lines=reversal_of(posting_lines(session, posting_id)),
        memo=memo,
        created_by=created_by,
        reverses_posting_id=posting_id,
    )
    session.commit()
    return reversal
