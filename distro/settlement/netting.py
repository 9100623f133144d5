"""Settlement netting (pure): which of a shop's lines a batch claims, what it pays the shop, what carries forward.

At computation, each shop's available balance splits into what the batch claims (its open lines due by the
cut-off, at their amounts then), what waits (open lines not yet due) and the residual: everything settled
before, i.e. money brought forward (failed payouts returned, earlier carries) less clawbacks (refunds of
lines already settled). Of the residual, the clawbacks and failed payouts posted since the previous
computation are known gross from the ledger; the rest (earlier carries, manual adjustments) is shown net,
as brought forward when positive and as clawbacks when negative. Then per shop (reconciliation.py):

    brought_forward + claimed − netted_clawbacks − carried_forward = payout

every figure ≥ 0. A payout is made when it reaches the minimum (held when the owner has no payee account
yet); below it the balance carries forward, and clawbacks beyond what the shop has are not netted: they
stay outstanding, a debt the next batch nets. A shop whose payouts an admin froze is left out whole: its
lines stay open and its balance waits.

computing.py decides the same for every shop at once in one SQL statement (its `position_sql` is
settle_shop); tests/integration/test_settlement_property.py holds the two to each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from distro.settlement.lifecycle import HELD, PENDING
from distro.settlement.reconciliation import Figures


@dataclass(frozen=True)
class OpenLine:
    """A commission line of the shop that is available and no batch has claimed: the owner's fen, and when
    it became payable (None: not yet known, so not due)."""

    line_id: int
    owner_fen: int
    payable_at: dt.datetime | None


@dataclass(frozen=True)
class ShopBooks:
    """What a computation reads of one shop, in fen: its available balance (open lines included), its open
    lines, the clawbacks and the failed payouts posted to it since the previous computation (each ≥ 0), whether
    an admin froze its payouts, and whether its owner has a payee account."""

    shop_id: int
    balance: int
    open_lines: tuple[OpenLine, ...] = ()
    clawed_back: int = 0
    returned: int = 0
    frozen: bool = False
    has_payee: bool = True


@dataclass(frozen=True)
class ShopSettlement:
    """What a batch does for one shop: the lines it claims, its figures, and its payout's status (None: no
    payout; its amount is figures.payouts)."""

    shop_id: int
    claimed_line_ids: tuple[int, ...]
    figures: Figures
    payout_status: str | None


def settle_shop(*, claimed: int, residual: int, clawed_back: int, returned: int, minimum: int) -> Figures:
    """One shop's figures in a batch.

    claimed: its due lines the batch claims; residual: its available balance less those and less lines
    not yet due; clawed_back, returned: clawbacks and failed payouts posted since the previous
    computation (each ≥ 0, both part of the residual); minimum: the smallest payout (≥ 1 fen).
    """
    earlier = residual + clawed_back - returned  # earlier carries and adjustments, net
    brought_forward = returned + max(earlier, 0)
    clawbacks = clawed_back + max(-earlier, 0)
    payable = claimed + residual  # = brought_forward + claimed - clawbacks
    payout = payable if payable >= max(minimum, 1) else 0
    carried = 0 if payout else max(payable, 0)
    # Short of the clawbacks, a shop nets what it has (its claims and what it brought) and owes the rest.
    netted = clawbacks if payable >= 0 else claimed + brought_forward
    return Figures(brought_forward, claimed, netted, carried, payout, clawbacks - netted)


def net_shop(books: ShopBooks, *, cutoff: dt.datetime, minimum: int) -> ShopSettlement | None:
    """What a batch with this cut-off and minimum payout does for one shop (None: its payouts are frozen)."""
    if books.frozen:
        return None
    due = [line for line in books.open_lines if line.payable_at is not None and line.payable_at <= cutoff]
    claimed = sum(line.owner_fen for line in due)
    residual = books.balance - sum(line.owner_fen for line in books.open_lines)
    figures = settle_shop(
        claimed=claimed, residual=residual, clawed_back=books.clawed_back, returned=books.returned, minimum=minimum
    )
    status = None if not figures.payouts else PENDING if books.has_payee else HELD
    return ShopSettlement(books.shop_id, tuple(line.line_id for line in due), figures, status)


def net_shops(books: Iterable[ShopBooks], *, cutoff: dt.datetime, minimum: int) -> list[ShopSettlement]:
    """What a batch does for each shop whose payouts are not frozen, in the order given."""
    netted = (net_shop(shop, cutoff=cutoff, minimum=minimum) for shop in books)
    return [settlement for settlement in netted if settlement is not None]
