"""The finance dashboard's figures: what owners, suppliers and payouts in flight stand at, from the ledger's
account balances (the API's balance query, distro/ledger/services.py), summed by family in one statement."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.ledger.models import Adjustment
from distro.ledger.services import accounts_with_balances_query
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


def standing(session: Session) -> Standing:
    """Pending (in the hold), payable, held (payable, of shops whose payouts are frozen), clawed back (negative
    available balances, netted by the next batches), in flight and owed by suppliers, from account balances."""
    balances = accounts_with_balances_query().order_by(None).subquery("balances")
    # A frozen shop's available account, by code: the (few) frozen shops come from their partial index.
    frozen = (
        sa.select(sa.func.concat("shop:", col(Shop.id), ":available").label("code"))
        .where(col(Shop.payouts_frozen))
        .subquery("frozen")
    )
    code, amount = balances.c.code, balances.c.balance
    pending = code.like("shop:%:pending") & (amount != 0)
    available = code.like("shop:%:available")
    payable = available & (amount > 0) & frozen.c.code.is_(None)
    held = available & (amount > 0) & frozen.c.code.is_not(None)
    clawed = available & (amount < 0)
    owing = code.like("supplier:%:payable") & (amount != 0)

    def total(where: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(amount).filter(where), 0)

    def count(where: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.count().filter(where)

    row = session.execute(
        sa.select(
            total(pending),
            count(pending),
            total(payable),
            count(payable),
            total(held),
            count(held),
            -total(clawed),
            count(clawed),
            total(code == "payouts:clearing"),
            total(owing),
            count(owing),
        ).select_from(balances.outerjoin(frozen, frozen.c.code == code))
    ).one()
    # Adjustments are typed by people, a few a day: counting those waiting reads a small table.
    waiting = session.scalar(
        sa.select(sa.func.count()).select_from(Adjustment).where(col(Adjustment.status) == "proposed")
    )
    figures = [int(value) for value in row] + [int(waiting or 0)]
    return Standing(*figures)
