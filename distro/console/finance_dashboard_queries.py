"""The finance dashboard's figures: what owners, suppliers and payouts in flight stand at, from the ledger's
account balances (snapshot plus tail), summed by what the accounts are in one statement."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.ledger import snapshots
from distro.ledger.chart import account_type
from distro.ledger.models import Adjustment, LedgerAccount
from distro.settlement.transfers import CLEARING
from distro.shops.models import Shop


@dataclass(frozen=True)
class Standing:
    """The ledger at a glance, every amount fen ≥ 0, with how many accounts each is spread over."""

    pending_fen: int
    pending_shops: int
    payable_fen: int
    payable_shops: int
    held_fen: int
    held_shops: int
    clawed_back_fen: int
    clawed_back_shops: int
    in_flight_fen: int
    owed_by_suppliers_fen: int
    owing_suppliers: int
    proposed_adjustments: int


def _normal(code: str) -> int:
    """1 when a debit raises the balance of accounts like code (distro/ledger/chart.py), else -1."""
    return 1 if account_type(code).debit_normal else -1


def standing(session: Session) -> Standing:
    """Pending (in the hold), payable, held (payable, of shops whose payouts are frozen), clawed back (negative
    available balances, netted by the next batches), in flight and owed by suppliers, from account balances.

    One statement: every account's signed balance first, its snapshot plus the entries after it (the API's read,
    distro/ledger/snapshots.py: one pass over the snapshots and the entries since their mark, never the whole
    ledger), then the accounts' balances on their normal side (distro/ledger/services.py) summed by what they are.
    """
    sums = snapshots.debits_by_account(snapshots.since(session))
    # A frozen shop's available account, by code: the (few) frozen shops come from their partial index.
    frozen = (
        sa.select(sa.func.concat("shop:", col(Shop.id), ":available").label("code"))
        .where(col(Shop.payouts_frozen))
        .subquery("frozen")
    )
    code = col(LedgerAccount.code)
    shop = _normal("shop:1:available") * sums.c.debits
    pending = code.like("shop:%:pending") & (sums.c.debits != 0)
    available = code.like("shop:%:available")
    payable = available & (shop > 0) & frozen.c.code.is_(None)
    held = available & (shop > 0) & frozen.c.code.is_not(None)
    clawed = available & (shop < 0)
    owed = _normal("supplier:1:payable") * sums.c.debits
    owing = code.like("supplier:%:payable") & (sums.c.debits != 0)
    clearing = _normal(CLEARING) * sums.c.debits

    def total(amount: sa.ColumnElement[int], where: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(amount).filter(where), 0)

    def count(where: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.count().filter(where)

    row = session.execute(
        sa.select(
            total(shop, pending),
            count(pending),
            total(shop, payable),
            count(payable),
            total(shop, held),
            count(held),
            -total(shop, clawed),
            count(clawed),
            total(clearing, code == CLEARING),
            total(owed, owing),
            count(owing),
        )
        .select_from(sums)
        .join(LedgerAccount, col(LedgerAccount.id) == sums.c.account_id)
        .outerjoin(frozen, frozen.c.code == code)
    ).one()
    # Adjustments are typed by people, a few a day: counting those waiting reads a small table.
    waiting = session.scalar(
        sa.select(sa.func.count()).select_from(Adjustment).where(col(Adjustment.status) == "proposed")
    )
    figures = [int(value) for value in row] + [int(waiting or 0)]
    return Standing(*figures)
