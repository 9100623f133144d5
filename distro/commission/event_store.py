"""The order event store: record verified events once, claim new ones for processing, set aside and requeue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg.types.json import Jsonb
from sqlmodel import Session, col

from distro.clock import utcnow
from distro.commission.models import OrderEvent
from distro.errors import Conflict, NotFound

_INSERT_EVENT = """
    INSERT INTO order_events (id, type, order_ref, data, status, received_at)
    VALUES (%s, %s, %s, %s, 'received', %s)
    ON CONFLICT (id) DO NOTHING
    RETURNING id
"""


def insert_event(
    connection: psycopg.Connection, *, event_id: str, event_type: str, order_ref: str, data: Mapping[str, Any]
) -> bool:
    """Record a verified event on a driver connection; False when this webhook-id was already stored.

    Durable on return when the connection is in autocommit (the webhook view's); otherwise it is
    part of the caller's transaction.
    """
    row = connection.execute(_INSERT_EVENT, (event_id, event_type, order_ref, Jsonb(dict(data)), utcnow())).fetchone()
    return row is not None


def store_event(*, session: Session, event_id: str, event_type: str, order_ref: str, data: Mapping[str, Any]) -> bool:
    """Durably record a verified event and commit; False when this webhook-id was already stored."""
    stored = insert_event(
        session.connection().connection.driver_connection,  # type: ignore[arg-type]
        event_id=event_id,
        event_type=event_type,
        order_ref=order_ref,
        data=data,
    )
    session.commit()
    return stored


_CLAIM_EVENTS = sa.text(
    "SELECT order_ref FROM order_events "
    "WHERE status = 'received' AND (CAST(:before AS timestamptz) IS NULL OR received_at < :before) "
    "ORDER BY received_at LIMIT :limit FOR UPDATE SKIP LOCKED"
)


def claim_new_events(session: Session, *, limit: int, received_before: dt.datetime | None = None) -> list[str]:
    """Claim up to `limit` unprocessed events, oldest first, until the transaction ends; their order references.

    One reference per claimed event (an order may repeat). A claim locks the event rows, skipping
    those another worker holds, so two workers asking at once take different events instead of the
    second waiting for the first's orders and then finding nothing left to do.
    """
    return list(session.execute(_CLAIM_EVENTS, {"limit": limit, "before": received_before}).scalars())


def quarantine_new_events(*, session: Session, order_ref: str, reason: str) -> int:
    """Set an order's unprocessed events aside with a reason; commit; return how many."""
    result = session.execute(
        sa.update(OrderEvent)
        .where(col(OrderEvent.order_ref) == order_ref, col(OrderEvent.status) == "received")
        .values(status="quarantined", quarantine_reason=reason)
    )
    session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def requeue_event(*, session: Session, event_id: str) -> OrderEvent:
    """Put a quarantined event back to be processed again (after its cause was fixed); commit."""
    event = session.get(OrderEvent, event_id)
    if event is None:
        raise NotFound(f"No order event {event_id!r}.")
    if event.status != "quarantined":
        raise Conflict(f"Event {event_id!r} is {event.status}, not quarantined.")
    event.status = "received"
    session.commit()
    return event
