"""What owners, suppliers and admins read of commission: lines with their status, balances, what suppliers owe."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.commission import orders
from distro.commission.models import CommissionLine, Order, OrderEvent, OrderLine
from distro.ledger import services as ledger
from distro.ledger.chart import shop_account
from distro.settlement.models import SettlementClaim
from distro.shops.models import Shop


def shown_status(row: Mapping[str, Any]) -> str:
    """The status an owner sees for a row of owner_lines_query (orders.line_status over the row's values).

    The inputs are facts of the order's processed events (cancelled, what the line paid and had refunded),
    never the line's posting history, so the same events in any order show the same status.
    """
    line: CommissionLine = row["CommissionLine"]
    withdrawn = orders.commission_withdrawn(
        cancelled=row["cancelled_at"] is not None, paid_fen=row["paid_fen"], refunded_fen=row["refunded_fen"]
    )
    return orders.line_status(withdrawn=withdrawn, stage=line.stage, settled=row["settlement_batch_id"] is not None)


def owner_lines_query(owner_id: int, shop_id: int | None = None) -> sa.Select:
    """The commission lines of the owner's shops, newest first, each with the batch that settled it (or None).

    Each row also carries what shown_status computes its status from: the order's cancellation, and what
    the line paid and had refunded.
    """
    query: sa.Select = (
        sa.select(
            CommissionLine,
            col(Order.external_id),
            col(SettlementClaim.batch_id).label("settlement_batch_id"),
            col(Order.cancelled_at),
            col(OrderLine.paid_fen),
            col(OrderLine.refunded_fen),
        )
        .join(Shop, col(Shop.id) == CommissionLine.shop_id)
        .join(Order, col(Order.id) == CommissionLine.order_id)
        .join(OrderLine, col(OrderLine.id) == CommissionLine.order_line_id)
        .outerjoin(SettlementClaim, col(SettlementClaim.line_id) == CommissionLine.id)
        .where(col(Shop.owner_id) == owner_id)
        .order_by(col(CommissionLine.id).desc())
    )
    return query.where(col(CommissionLine.shop_id) == shop_id) if shop_id is not None else query


def owner_shop_ids(session: Session, owner_id: int, shop_id: int | None = None) -> list[int]:
    """The ids of the owner's shops (only shop_id, when given and theirs; none when it is not theirs)."""
    query = sa.select(col(Shop.id)).where(col(Shop.owner_id) == owner_id).order_by(col(Shop.id))
    if shop_id is not None:
        query = query.where(col(Shop.id) == shop_id)
    return list(session.execute(query).scalars())


def newest_line_ids(shop_ids: Sequence[int], *, upto: int, before: int | None = None) -> sa.Select:
    """The ids of the newest `upto` commission lines of these shops (below line id `before`), newest first.

    Each shop's lines are read newest first down the (shop_id, id) index, at most `upto` of them, and merged: a page
    costs its rows whatever the shops' share of the table. Asked as one `shop_id IN (...) ORDER BY id DESC`, the
    planner walks the primary key backwards filtering by shop, which for a shop holding a tenth of 1,000,000 lines,
    all old, read 900,000 newer ones (0.6 s).
    """
    if not shop_ids:
        return sa.select(col(CommissionLine.id)).where(sa.false())
    shops = sa.values(sa.column("shop_id", sa.BigInteger), name="owner_shops").data([(shop,) for shop in shop_ids])
    per_shop = sa.select(col(CommissionLine.id)).where(col(CommissionLine.shop_id) == shops.c.shop_id)
    if before is not None:
        per_shop = per_shop.where(col(CommissionLine.id) < before)
    newest = per_shop.order_by(col(CommissionLine.id).desc()).limit(upto).lateral("newest")
    return sa.select(newest.c.id).select_from(shops.join(newest, sa.true())).order_by(newest.c.id.desc()).limit(upto)


def lines_of_shops(owner_id: int, shop_ids: Sequence[int]) -> tuple[Callable[[int, int], sa.Select], sa.Select]:
    """owner_lines_query over these shops of the owner a page at a time (offset, limit), and a count of the lines.

    The count reads only the (shop_id, id) index; counting the joined select joined 100,000 lines each to its
    order (2 s).
    """

    def page(offset: int, limit: int) -> sa.Select:
        ids = newest_line_ids(shop_ids, upto=offset + limit).offset(offset)
        return owner_lines_query(owner_id).where(col(CommissionLine.id).in_(ids.scalar_subquery()))

    count = sa.select(sa.func.count()).select_from(CommissionLine).where(col(CommissionLine.shop_id).in_(shop_ids))
    return page, count


def owner_balances(session: Session, owner_id: int) -> list[dict[str, Any]]:
    """Each of the owner's shops with its pending and available balance in fen (available may be negative)."""
    shops = session.execute(
        sa.select(col(Shop.id), col(Shop.display_name)).where(col(Shop.owner_id) == owner_id).order_by(col(Shop.id))
    ).all()
    codes = [shop_account(shop_id, bucket) for shop_id, _ in shops for bucket in ("pending", "available")]
    amounts = ledger.balances(session, codes)
    return [
        {
            "shop_id": shop_id,
            "shop_name": name,
            "pending_fen": amounts[shop_account(shop_id, "pending")],
            "available_fen": amounts[shop_account(shop_id, "available")],
        }
        for shop_id, name in shops
    ]


def supplier_orders_query(supplier_id: int) -> sa.Select:
    """Per order, the commission a supplier owes (sum of its lines' pools), newest first."""
    return (
        sa.select(
            col(Order.external_id).label("order_id"),
            col(Order.status),
            col(Order.paid_at),
            sa.func.sum(col(CommissionLine.pool_fen)).label("commission_fen"),
            sa.func.count(col(CommissionLine.id)).label("lines"),
        )
        .join(CommissionLine, col(CommissionLine.order_id) == Order.id)
        .where(col(CommissionLine.supplier_id) == supplier_id)
        .group_by(col(Order.id))
        .order_by(col(Order.paid_at).desc().nulls_last(), col(Order.id).desc())
    )


def quarantined_events_query() -> sa.Select:
    """Events set aside with a reason, oldest first (admin)."""
    return sa.select(OrderEvent).where(col(OrderEvent.status) == "quarantined").order_by(col(OrderEvent.received_at))
