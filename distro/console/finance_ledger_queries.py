"""What the ledger explorer reads: a page of accounts with their balances, an account's postings newest first, a
posting with its entries and what it is linked to. Balances and entries come from the API's own queries
(distro/ledger/services.py); every list is a keyset page (distro/console/lists.py), never the whole table."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.auth.models import User
from distro.console.lists import Page, newest_first
from distro.ledger import services as ledger
from distro.ledger.chart import ACCOUNT_FAMILIES, EntryLine, account_owner
from distro.ledger.models import Adjustment, Entry, LedgerAccount, Posting
from distro.shops.models import Shop
from distro.suppliers.models import Supplier

FAMILY_CODES = {
    "shop_pending": "shop:%:pending",
    "shop_available": "shop:%:available",
    "supplier_payable": "supplier:%:payable",
    "supplier_deposit": "supplier:%:deposit",
    "buyer_compensation": "platform:buyer_compensation",
    "payouts_clearing": "payouts:clearing",
    "platform_revenue": "platform:revenue",
    "platform_adjustments": "platform:adjustments",
    "cash": "cash",
}
"""Each account family of the chart (distro/ledger/chart.py) as a LIKE pattern of its codes."""
assert FAMILY_CODES.keys() == ACCOUNT_FAMILIES.keys()


def accounts_page(
    session: Session,
    *,
    family: str | None = None,
    shop_id: int | None = None,
    supplier_id: int | None = None,
    after: int | None = None,
) -> Page:
    """A page of accounts, newest first, with code, type and balance in fen (on the account's normal side).

    The page's accounts are found first and only their entries summed, so a page costs its own accounts' entries.
    """
    query = sa.select(LedgerAccount)
    if family is not None:
        query = query.where(col(LedgerAccount.code).like(FAMILY_CODES[family]))
    if shop_id is not None:
        query = query.where(col(LedgerAccount.code).in_([f"shop:{shop_id}:pending", f"shop:{shop_id}:available"]))
    if supplier_id is not None:
        query = query.where(col(LedgerAccount.code) == f"supplier:{supplier_id}:payable")
    page = newest_first(session, query, col(LedgerAccount.id), after=after)
    amounts = ledger.balances(session, [account.code for account in page.rows])
    rows = [{"code": account.code, "type": account.type, "balance": amounts[account.code]} for account in page.rows]
    return Page(rows, page.next_after)


def account(session: Session, code: str) -> dict[str, Any]:
    """One account's code, type and balance in fen (the API's get_account_balance), or NotFound."""
    found = ledger.get_account_balance(session, code)
    return {**found, "balance": int(found["balance"])}


def entries_by_posting(account_id: int) -> sa.Select:
    """An account's net entry per posting (id, amount), to be read newest first (by its (account, posting) index)."""
    return (
        sa.select(
            col(Entry.posting_id).label("id"), sa.cast(sa.func.sum(col(Entry.amount)), sa.BigInteger).label("amount")
        )
        .where(col(Entry.account_id) == account_id)
        .group_by(col(Entry.posting_id))
    )


def account_postings(session: Session, code: str, *, after: int | None = None) -> Page:
    """A page of the postings on an account, newest first: id, kind, memo, when, and the account's net entry.

    The page's posting ids and amounts are read from the entries by (account, posting), newest first, so a page of
    the busiest account reads its page's entries only; then those postings.
    """
    account_id = session.scalar(sa.select(col(LedgerAccount.id)).where(col(LedgerAccount.code) == code))
    if account_id is None:
        return Page([], None)
    page = newest_first(session, entries_by_posting(account_id), col(Entry.posting_id), after=after)
    amounts = {row["id"]: row["amount"] for row in page.rows}
    postings = session.execute(
        sa.select(
            col(Posting.id),
            col(Posting.kind),
            col(Posting.memo),
            col(Posting.created_at),
            col(Posting.reverses_posting_id),
        ).where(col(Posting.id).in_(list(amounts)))
    ).mappings()
    rows = sorted(({**posting, "amount": amounts[posting["id"]]} for posting in postings), key=lambda row: -row["id"])
    return Page(rows, page.next_after)


@dataclass(frozen=True)
class PostingView:
    """A posting with its entries (the API's posting_lines) and its links: what it reverses, what reversed it,
    and the adjustment it posted."""

    posting: Posting
    lines: list[EntryLine]
    reversed_by: int | None
    adjustment_id: int | None

    @property
    def debits(self) -> int:
        """Sum of its debits, fen."""
        return sum(line.amount for line in self.lines if line.amount > 0)

    @property
    def credits(self) -> int:
        """Sum of its credits, fen ≥ 0."""
        return -sum(line.amount for line in self.lines if line.amount < 0)


def posting(session: Session, posting_id: int) -> PostingView:
    """A posting with its entries and links, or NotFound."""
    found = ledger.get_posting(session, posting_id)
    reversed_by = session.scalar(sa.select(col(Posting.id)).where(col(Posting.reverses_posting_id) == posting_id))
    adjustment_id = session.scalar(sa.select(col(Adjustment.id)).where(col(Adjustment.posting_id) == posting_id))
    return PostingView(found, ledger.posting_lines(session, posting_id), reversed_by, adjustment_id)


def names_of(session: Session, users: set[int | None]) -> dict[int, str]:
    """Display names of these accounts (people who proposed or decided), by id."""
    wanted = sorted(user for user in users if user is not None)
    if not wanted:
        return {}
    rows = session.execute(sa.select(col(User.id), col(User.display_name)).where(col(User.id).in_(wanted)))
    return {user_id: name for user_id, name in rows}


def owner_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """The names of the shops and suppliers whose accounts these codes are, by code: 账簿 names them, not only their
    numbers. Two primary-key reads, whatever the page holds; the platform's own accounts have none."""
    owners = {code: owner for code in codes if (owner := account_owner(code)) is not None}
    wanted = {kind: sorted({number for family, number in owners.values() if family == kind}) for kind in _NAMED}
    found: dict[str, dict[int, str]] = {}
    for kind, (key, name) in _NAMED.items():
        numbers = wanted[kind]
        rows = session.execute(sa.select(key, name).where(key.in_(numbers))).all() if numbers else []
        found[kind] = {number: text for number, text in rows}
    return {code: found[kind][number] for code, (kind, number) in owners.items() if number in found[kind]}


_NAMED = {"shop": (col(Shop.id), col(Shop.display_name)), "supplier": (col(Supplier.id), col(Supplier.company_name))}
