"""Supplier dues' test books: postings dated in an earlier month (the ledger dates a posting when it is made, and a
statement is of a month that has ended), made as record_postings makes them: the posting, then all its entries in one
statement, which the database checks balance."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session

from distro.clock import utcnow
from distro.dues import remittances
from distro.ledger import services as ledger
from distro.tiers.rules import month_bounds, previous_month

LAST_MONTH = previous_month(utcnow())
"""The first day of the month before this one (Asia/Shanghai)."""


def in_month(month: dt.date, day: int = 10) -> dt.datetime:
    """An instant on that day of the month."""
    return month_bounds(month)[0] + dt.timedelta(days=day - 1, hours=3)


def month_before(month: dt.date) -> dt.date:
    """The first day of the month before."""
    return (month - dt.timedelta(days=1)).replace(day=1)


def post_at(session: Session, reference: str, kind: str, at: dt.datetime, *lines: tuple[str, int]) -> int:
    """Record and commit a balanced posting of kind dated at; its id."""
    accounts = ledger.ensure_accounts(session, [code for code, _ in lines])
    # The posting and its entries in one statement, as the database wants them (ledger_postings_have_entries).
    posting_id = session.execute(
        sa.text(
            "WITH posting AS (INSERT INTO ledger_postings (reference, kind, memo, created_at) "
            "VALUES (:reference, :kind, '', :at) RETURNING id), "
            "entries AS (INSERT INTO ledger_entries (posting_id, account_id, amount, posted_at) "
            "SELECT posting.id, e.account_id, e.amount, :at FROM posting "
            "CROSS JOIN unnest(CAST(:accounts AS bigint[]), CAST(:amounts AS bigint[])) AS e(account_id, amount)) "
            "SELECT id FROM posting"
        ),
        {
            "reference": reference,
            "kind": kind,
            "at": at,
            "accounts": [accounts[code] for code, _ in lines],
            "amounts": [f for _, f in lines],
        },
    ).scalar_one()
    session.commit()
    return int(posting_id)


def remit(session: Session, supplier_id: int, amount_fen: int, *, maker: int, checker: int, reference: str) -> int:
    """A remittance the supplier made today, recorded by one finance user and approved by another (it posts); its
    id."""
    remittance = remittances.propose(
        session=session,
        supplier_id=supplier_id,
        amount_fen=amount_fen,
        bank_reference=reference,
        remitted_on=dt.date.today(),
        memo="",
        proposed_by=maker,
    )
    remittances.approve(session=session, remittance_id=remittance.id, approver=checker)
    return int(remittance.id)
