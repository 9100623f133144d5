"""What the 推送记录 page reads: every subscription's outbound webhook deliveries, newest first, a page at a time
(keyset on created_at and id: migration 0022's indexes), with their subscription's endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.console.lists import PAGE_SIZE
from distro.errors import NotFound
from distro.outbound.models import Delivery, Subscription

STATUSES = ("pending", "delivered", "dead")
"""A delivery's statuses (webhook_deliveries' known_status check)."""


@dataclass(frozen=True)
class DeliveryPage:
    """A page of deliveries (each with subscription_url) and the delivery to continue after."""

    rows: Sequence[sa.RowMapping]
    next_after: str | None


def subscriptions(session: Session) -> list[Subscription]:
    """Every subscription, by id (a handful per integration: the filter's choices)."""
    return list(session.execute(sa.select(Subscription).order_by(col(Subscription.id))).scalars())


def deliveries_page(
    session: Session, *, status: str | None, subscription_id: int | None, after: str | None, size: int = PAGE_SIZE
) -> DeliveryPage:
    """Deliveries of every subscription (or one, or of one status), newest first, after delivery `after`.

    NotFound for an unknown subscription or delivery named.
    """
    if subscription_id is not None and session.get(Subscription, subscription_id) is None:
        raise NotFound(f"No webhook subscription {subscription_id}.")
    query: sa.Select = sa.select(
        col(Delivery.id),
        col(Delivery.subscription_id),
        col(Subscription.url).label("subscription_url"),
        col(Delivery.event_type),
        col(Delivery.status),
        col(Delivery.attempts),
        col(Delivery.next_attempt_at),
        col(Delivery.last_status_code),
        col(Delivery.last_error),
        col(Delivery.created_at),
        col(Delivery.delivered_at),
    ).join(Subscription, col(Subscription.id) == Delivery.subscription_id)
    if status is not None:
        query = query.where(col(Delivery.status) == status)
    if subscription_id is not None:
        query = query.where(col(Delivery.subscription_id) == subscription_id)
    if after is not None:
        mark = session.get(Delivery, after)
        if mark is None:
            raise NotFound(f"No webhook delivery {after!r}.")
        query = query.where(sa.tuple_(col(Delivery.created_at), col(Delivery.id)) < sa.tuple_(mark.created_at, after))
    query = query.order_by(col(Delivery.created_at).desc(), col(Delivery.id).desc()).limit(size + 1)
    rows = list(session.execute(query).mappings())
    shown = rows[:size]
    return DeliveryPage(shown, shown[-1]["id"] if len(rows) > size else None)
