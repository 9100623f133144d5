"""Whether each supplier's goods are in the pool, derived from its status and its held deposit (set-based).

`products.supplier_active` (one of the pool's conditions, distro/suppliers/models.py IN_POOL) is the supplier's
standing: approved by the platform and holding its whole deposit (rules.sells, of which the UPDATE here is the SQL
twin). It is derived again for one supplier after every movement of its deposit and every admin decision, and for
every supplier by a periodic job, so a draw posted anywhere is caught up within minutes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlmodel import Session, col

from distro.clock import utcnow
from distro.deposits import rules
from distro.deposits.models import TIMESTAMPTZ, DepositStandingChange
from distro.ledger.chart import supplier_deposit_account
from distro.ledger.models import LedgerAccount
from distro.ledger.services import accounts_with_balances_query, balance
from distro.suppliers.models import Product, Supplier


@dataclass(frozen=True)
class Standing:
    """A supplier's deposit as its page shows it: required, held, short, and whether its goods may sell."""

    status: str
    required_fen: int
    held_fen: int

    @property
    def shortfall_fen(self) -> int:
        """What is still to pay in."""
        return rules.shortfall(self.held_fen, self.required_fen)

    @property
    def sells(self) -> bool:
        """Whether its goods may be in the pool (rules.sells)."""
        return rules.sells(self.status, self.held_fen, self.required_fen)


def standing_of(session: Session, supplier: Supplier) -> Standing:
    """The supplier's standing now, from its row and its deposit account's balance."""
    assert supplier.id is not None
    held = balance(session, supplier_deposit_account(supplier.id))
    return Standing(supplier.status, supplier.deposit_required_fen, held)


def _held(session: Session, supplier_ids: Sequence[int] | None) -> sa.Subquery:
    # Every supplier deposit account's balance (snapshot + tail), or only the named suppliers'.
    query = accounts_with_balances_query(session, prefix="supplier:").where(
        col(LedgerAccount.code).endswith(":deposit", autoescape=True)
    )
    if supplier_ids is not None:
        query = query.where(col(LedgerAccount.code).in_([supplier_deposit_account(i) for i in supplier_ids]))
    return query.subquery("held")


def refresh_standing(session: Session, supplier_ids: Sequence[int] | None = None) -> int:
    """Set every product's supplier_active to its supplier's standing (all suppliers, or those named), in one
    UPDATE touching only the products whose standing changed; return how many changed (the caller commits).

    Each supplier whose deposit became whole or fell short since its last record gets a DepositStandingChange, so the
    owners carrying its goods are told (distro/owner/messages.py).
    """
    held = _held(session, supplier_ids)
    code = sa.func.concat("supplier:", col(Supplier.id), ":deposit")
    # rules.sells, in SQL: approved, and holding the whole requirement (no account yet holds nothing).
    approved = col(Supplier.status) == rules.APPROVED
    whole = sa.func.coalesce(held.c.balance, 0) >= col(Supplier.deposit_required_fen)
    standing: sa.Select = sa.select(
        col(Supplier.id).label("supplier_id"), approved.label("approved"), whole.label("whole")
    ).outerjoin(held, held.c.code == code)
    if supplier_ids is not None:
        standing = standing.where(col(Supplier.id).in_(list(supplier_ids)))
    # Computed once (the held balances are the costly part), for the changes' record and the products alike.
    derived = standing.cte("standing").prefix_with("MATERIALIZED")
    sells = sa.and_(derived.c.approved, derived.c.whole)
    result = session.execute(
        sa.update(Product)
        .add_cte(_changes_recorded(derived, supplier_ids))
        .where(
            col(Product.supplier_id) == derived.c.supplier_id,
            col(Product.supplier_active).is_distinct_from(sells),
        )
        .values(supplier_active=sells)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]  # a CursorResult's


def _changes_recorded(derived: sa.CTE, supplier_ids: Sequence[int] | None) -> sa.CTE:
    """The INSERT recording each supplier whose deposit is whole where its last record says short, or the other way
    round (no record: whole), as following that record; a change another refresh recorded meanwhile is not written
    twice."""
    change = DepositStandingChange
    last: sa.Select = (
        sa.select(col(change.supplier_id), col(change.id), col(change.whole))
        .ext(distinct_on(col(change.supplier_id)))
        .order_by(col(change.supplier_id), col(change.id).desc())
    )
    if supplier_ids is not None:
        last = last.where(col(change.supplier_id).in_(list(supplier_ids)))
    previous = last.subquery("previous")
    changed = (
        sa.select(
            derived.c.supplier_id, previous.c.id, derived.c.whole, derived.c.approved, sa.literal(utcnow(), TIMESTAMPTZ)
        )
        .outerjoin(previous, previous.c.supplier_id == derived.c.supplier_id)
        .where(derived.c.whole.is_distinct_from(sa.func.coalesce(previous.c.whole, sa.true())))
    )
    columns = ["supplier_id", "follows_id", "whole", "tells_owners", "changed_at"]
    return insert(change).from_select(columns, changed).on_conflict_do_nothing().cte("recorded")
