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
from sqlmodel import Session, col

from distro.deposits import rules
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
    UPDATE touching only the products whose standing changed; return how many changed (the caller commits)."""
    held = _held(session, supplier_ids)
    code = sa.func.concat("supplier:", col(Supplier.id), ":deposit")
    # rules.sells, in SQL: approved, and holding the whole requirement (no account yet holds nothing).
    sells = sa.and_(
        col(Supplier.status) == rules.APPROVED,
        sa.func.coalesce(held.c.balance, 0) >= col(Supplier.deposit_required_fen),
    )
    standing: sa.Select = sa.select(col(Supplier.id).label("supplier_id"), sells.label("sells")).outerjoin(
        held, held.c.code == code
    )
    if supplier_ids is not None:
        standing = standing.where(col(Supplier.id).in_(list(supplier_ids)))
    derived = standing.subquery("standing")
    result = session.execute(
        sa.update(Product)
        .where(
            col(Product.supplier_id) == derived.c.supplier_id,
            col(Product.supplier_active).is_distinct_from(derived.c.sells),
        )
        .values(supplier_active=derived.c.sells)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]  # a CursorResult's
