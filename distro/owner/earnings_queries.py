"""What the 收益 page reads (read-only): the owner's money at each stage, their commission lines a page at a time,
their statements batch by batch and their payee accounts.

Each is built on the query the API answers with, so a figure on the page is the API's figure: balances from
distro.commission.queries.owner_balances (the ledger), lines from owner_lines_query with their status from
shown_status (the status fold), statements from distro.settlement.queries.statements_query, payee accounts from
distro.settlement.payees.payees_query, masked by the API's mask_account.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.campaigns.services import boosting_campaigns
from distro.commission.models import CommissionLine, Order
from distro.commission.queries import newest_line_ids, owner_balances, owner_lines_query, shown_status
from distro.ledger.chart import shop_account
from distro.ledger.models import Entry, LedgerAccount, Posting
from distro.settlement.models import Payout
from distro.settlement.payees import payees_query
from distro.settlement.queries import statements_query
from distro.settlement.schemas import mask_account
from distro.share.models import ShareLink
from distro.shops.models import Shop
from distro.suppliers.models import Product

T = TypeVar("T")
LINES_PER_PAGE = 20
STATEMENTS_PER_PAGE = 10


@dataclass(frozen=True)
class Summary:
    """The owner's commission at each stage, in fen, over all their shops."""

    pending_fen: int
    """Earned, still inside the hold after delivery (the shops' pending balances)."""
    payable_fen: int
    """Past the hold, waiting for the next settlement batch (the available balances; negative after a clawback)."""
    paying_fen: int
    """In a settlement batch, not yet paid by the bank (payouts pending, or held for want of a payee account)."""
    paid_fen: int
    """Paid to the owner's payee account by settlement batches."""
    clawed_back_fen: int
    """Taken back after a batch had claimed it, because the buyer was refunded."""
    shops: int


def summary(session: Session, owner_id: int) -> Summary:
    """The owner's commission at each stage (see Summary), from the ledger and the owner's payouts."""
    return _summary(session, owner_id, owner_balances(session, owner_id))


def _summary(session: Session, owner_id: int, balances: list[dict[str, Any]]) -> Summary:
    payouts = statements_query(owner_id).order_by(None).subquery()
    codes = [shop_account(shop["shop_id"], "available") for shop in balances]
    # What refunds took back once a batch had claimed the lines (clawback postings debit the shop's available
    # balance), read from the few clawback postings, never from every entry of the shops' accounts.
    clawed_back = (
        sa.select(sa.func.coalesce(sa.func.sum(col(Entry.amount)), 0))
        .join(Posting, col(Posting.id) == Entry.posting_id)
        .join(LedgerAccount, col(LedgerAccount.id) == Entry.account_id)
        .where(col(Posting.kind) == "clawback", col(LedgerAccount.code).in_(codes))
    )
    paid, paying, clawed = session.execute(
        sa.select(
            sa.select(sa.func.coalesce(sa.func.sum(payouts.c.amount_fen), 0))
            .where(payouts.c.status == "paid")
            .scalar_subquery(),
            sa.select(sa.func.coalesce(sa.func.sum(payouts.c.amount_fen), 0))
            .where(payouts.c.status.in_(("pending", "held")))
            .scalar_subquery(),
            clawed_back.scalar_subquery(),
        )
    ).one()
    return Summary(
        pending_fen=sum(shop["pending_fen"] for shop in balances),
        payable_fen=sum(shop["available_fen"] for shop in balances),
        paying_fen=int(paying),
        paid_fen=int(paid),
        clawed_back_fen=int(clawed),
        shops=len(balances),
    )


@dataclass(frozen=True)
class Line:
    """A commission line as the owner sees it."""

    id: int
    order_ref: str
    title: str
    picture: str | None
    channel: str | None
    """The channel of the share link that brought the order; None when it came another way (see attribution)."""
    attribution: str
    paid_at: dt.datetime
    payable_at: dt.datetime | None
    hold_days: int
    rate_bp: int
    """The product's commission rate the line earned at (the tier's share of it is the owner's)."""
    campaign: str | None
    """The campaign whose boosted rate that was, if one was."""
    owner_fen: int
    status: str
    """pending, payable, settled, reversed or clawed_back (distro.commission.queries.shown_status)."""


@dataclass(frozen=True)
class Page(Generic[T]):
    """Rows of a list, and where the next page starts (None on the last)."""

    items: Sequence[T]
    next_before: int | None


def lines_page(
    session: Session,
    owner_id: int,
    *,
    before: int | None,
    size: int = LINES_PER_PAGE,
    shop_ids: Sequence[int] | None = None,
) -> Page[Line]:
    """A page of the owner's commission lines, newest first, before line id `before` (None: the newest); shop_ids
    are the owner's shops when the caller has them already."""
    if shop_ids is None:
        shop_ids = session.execute(sa.select(col(Shop.id)).where(col(Shop.owner_id) == owner_id)).scalars().all()
    # The page's lines are picked first, newest first down each shop's (shop, id) index; only they are joined to
    # their orders and products, not every line the owner ever had.
    newest = newest_line_ids(shop_ids, upto=size + 1, before=before)
    query = (
        owner_lines_query(owner_id)
        .join(Product, col(Product.id) == CommissionLine.product_id)
        .outerjoin(ShareLink, col(ShareLink.code) == Order.share_code)
        .add_columns(col(Product.title), col(Product.image_urls), col(ShareLink.channel), col(Order.attribution))
        .where(col(CommissionLine.id).in_(newest.scalar_subquery()))
    )
    rows = session.execute(query).mappings().all() if shop_ids else []
    lines = [row["CommissionLine"] for row in rows[:size]]
    campaigns = boosting_campaigns(session, [(line.product_id, line.paid_at, line.rate_bp) for line in lines])
    items = [_line(row, campaigns) for row in rows[:size]]
    return Page(items, items[-1].id if len(rows) > size else None)


def _line(row: Any, campaigns: dict[tuple[int, dt.datetime], str]) -> Line:
    line: CommissionLine = row["CommissionLine"]
    assert line.id is not None  # read from the table
    return Line(
        id=line.id,
        order_ref=row["external_id"],
        title=row["title"],
        picture=row["image_urls"][0] if row["image_urls"] else None,
        channel=row["channel"],
        attribution=row["attribution"],
        paid_at=line.paid_at,
        payable_at=line.payable_at,
        hold_days=line.hold_days,
        rate_bp=line.rate_bp,
        campaign=campaigns.get((line.product_id, line.paid_at)),
        owner_fen=line.owner_fen,
        status=shown_status(row),
    )


@dataclass(frozen=True)
class Statement:
    """What one settlement batch paid (or is paying) one of the owner's shops."""

    payout_id: int
    batch_id: int
    cutoff_at: dt.datetime
    amount_fen: int
    status: str
    """held, pending, paid, failed or cancelled."""
    failure_reason: str | None


def statements_page(
    session: Session, owner_id: int, *, before: int | None, size: int = STATEMENTS_PER_PAGE
) -> Page[Statement]:
    """A page of the owner's statements (payouts), newest first, before payout id `before`."""
    query = statements_query(owner_id)
    if before is not None:
        query = query.where(col(Payout.id) < before)
    rows = session.execute(query.limit(size + 1)).mappings().all()
    items = [
        Statement(
            payout_id=row["Payout"].id,
            batch_id=row["Payout"].batch_id,
            cutoff_at=row["cutoff_at"],
            amount_fen=row["Payout"].amount_fen,
            status=row["Payout"].status,
            failure_reason=row["Payout"].failure_reason,
        )
        for row in rows[:size]
    ]
    return Page(items, items[-1].payout_id if len(rows) > size else None)


@dataclass(frozen=True)
class Payee:
    """A payee account as listings show it: the number masked."""

    kind: str
    account_name: str
    account_number: str
    bank_name: str | None
    is_default: bool


def payees(session: Session, owner_id: int) -> list[Payee]:
    """The owner's payee accounts, newest first, their numbers masked as the API masks them."""
    return [
        Payee(
            kind=account.kind,
            account_name=account.account_name,
            account_number=mask_account(account.account_number) or "",
            bank_name=account.bank_name,
            is_default=account.is_default,
        )
        for account in session.execute(payees_query(owner_id)).scalars()
    ]


@dataclass(frozen=True)
class Earnings:
    """Everything the 收益 page shows: the summary, and the first page of lines, of statements, the payees."""

    summary: Summary
    lines: Page[Line]
    statements: Page[Statement]
    payees: list[Payee]


def earnings(session: Session, owner_id: int) -> Earnings:
    """What the 收益 page shows the owner (its lists' first pages)."""
    balances = owner_balances(session, owner_id)
    return Earnings(
        summary=_summary(session, owner_id, balances),
        lines=lines_page(session, owner_id, before=None, shop_ids=[shop["shop_id"] for shop in balances]),
        statements=statements_page(session, owner_id, before=None),
        payees=payees(session, owner_id),
    )
