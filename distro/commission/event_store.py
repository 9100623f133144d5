"""The order event store: record verified events once, claim new ones for processing, load and mark an order
batch's events, set aside and requeue."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlmodel import Session, col

from distro import bulk
from distro.clock import utcnow
from distro.commission.models import OrderEvent, OrderEventId
from distro.errors import Conflict, NotFound


@cache
def _insert_events(count: int) -> str:
    """The INSERT of count events: one statement, one commit; each row's data JSON text made jsonb.

    No ON CONFLICT: order_events' trigger drops an event whose webhook-id was stored before, in any month
    (order_event_ids, migration 0034), and the statement then returns no row for it.

    One row of scalar parameters per event, not arrays: psycopg dumps scalars in C, and a list in Python (which
    cost more than the rest of the statement for the few events a batch holds).
    """
    rows = ", ".join(["(%s, %s, %s, CAST(%s AS jsonb), 'received', CAST(%s AS timestamptz))"] * count)
    return f"INSERT INTO order_events (id, type, order_ref, data, status, received_at) VALUES {rows} RETURNING id"  # noqa: S608 (placeholders only)


@dataclass(frozen=True)
class NewEvent:
    """A verified event to store: its webhook-id, type, order reference and data as JSON text."""

    id: str
    type: str
    order_ref: str
    data_json: str


def insert_events(connection: psycopg.Connection, events: Sequence[NewEvent]) -> list[bool]:
    """Record verified events on a driver connection in one statement; for each, whether it was stored now (False:
    its webhook-id was already stored, or came earlier in the same batch, whose first event is the one stored).

    Durable on return when the connection is in autocommit (the webhook's group commit); otherwise it is part of
    the caller's transaction.
    """
    first: dict[str, NewEvent] = {}
    for event in events:
        first.setdefault(event.id, event)
    now = utcnow()
    parameters = [
        value for event in first.values() for value in (event.id, event.type, event.order_ref, event.data_json, now)
    ]
    stored = {row[0] for row in connection.execute(_insert_events(len(first)), parameters)}
    return [event.id in stored and first[event.id] is event for event in events]


def store_event(*, session: Session, event_id: str, event_type: str, order_ref: str, data: Mapping[str, Any]) -> bool:
    """Durably record a verified event and commit; False when this webhook-id was already stored."""
    [stored] = insert_events(
        session.connection().connection.driver_connection,  # type: ignore[arg-type]
        [NewEvent(event_id, event_type, order_ref, json.dumps(dict(data)))],
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


# The orders' new events are locked, skipping those another worker has claimed (see claim_new_events):
# that worker waits for these orders' locks and then processes its events itself. Waiting for them
# here instead would deadlock, both sides holding what the other waits for.
_LOAD_EVENTS = """
    WITH new AS (
        SELECT id, order_ref, type, data, status, received_at FROM order_events
        WHERE order_ref = ANY(CAST(%(refs)s AS varchar[])) AND status = 'received'
        FOR UPDATE SKIP LOCKED
    )
    SELECT * FROM new
    UNION ALL
    SELECT id, order_ref, type, data, status, received_at FROM order_events
    WHERE order_ref = ANY(CAST(%(refs)s AS varchar[])) AND status = 'processed'
    ORDER BY id
    """
# Only new events are marked (load_events locked them), so each is found through the unprocessed events' partial
# index, by (id, received_at) within the batch's span of received_at: the span prunes the months, and the scan is
# as long as the backlog rather than the month (a join on id alone read the whole month's partition).
_MARK_EVENTS = (
    "UPDATE order_events e SET status = x.status, quarantine_reason = x.reason, "
    "processed_at = CASE WHEN x.status = 'processed' THEN now() END "
    "FROM unnest(CAST(%(ids)s AS varchar[]), CAST(%(received_at)s AS timestamptz[]), CAST(%(statuses)s AS varchar[]), "
    "CAST(%(reasons)s AS text[])) AS x(id, received_at, status, reason) "
    "WHERE e.id = x.id AND e.received_at = x.received_at AND e.status = 'received' "
    "AND e.received_at BETWEEN %(earliest)s AND %(latest)s"
)


def load_events(session: Session, order_refs: Sequence[str]) -> dict[str, list[Any]]:
    """The orders' processed events and their new ones (locked), by order reference; one statement.

    Each row has id, order_ref, type, data, status (received: new, or processed) and received_at.
    """
    events: dict[str, list[Any]] = {ref: [] for ref in order_refs}
    for event in bulk.execute(session, _LOAD_EVENTS, {"refs": list(order_refs)}, named=True):
        events[event.order_ref].append(event)
    return events


def mark_events(
    session: Session, marks: Mapping[str, tuple[str, str | None]], received_at: Mapping[str, dt.datetime]
) -> None:
    """Set new events processed or quarantined with the reason, by id (the caller commits); one statement.

    received_at: each marked event's, as load_events read it (the partition key).
    """
    if not marks:
        return
    ids = sorted(marks)
    times = [received_at[i] for i in ids]
    bulk.execute(
        session,
        _MARK_EVENTS,
        {
            "ids": ids,
            "received_at": times,
            "statuses": [marks[i][0] for i in ids],
            "reasons": [marks[i][1] for i in ids],
            "earliest": min(times),
            "latest": max(times),
        },
    )


def quarantine_new_events(*, session: Session, order_ref: str, reason: str) -> int:
    """Set an order's unprocessed events aside with a reason; commit; return how many."""
    result = session.execute(
        sa.update(OrderEvent)
        .where(col(OrderEvent.order_ref) == order_ref, col(OrderEvent.status) == "received")
        .values(status="quarantined", quarantine_reason=reason)
    )
    session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def get_event(session: Session, event_id: str) -> OrderEvent | None:
    """The event stored under a webhook-id, None when none is; read from its month's partition alone."""
    received_at = sa.select(col(OrderEventId.received_at)).where(col(OrderEventId.id) == event_id).scalar_subquery()
    query = sa.select(OrderEvent).where(col(OrderEvent.id) == event_id, col(OrderEvent.received_at) == received_at)
    return session.execute(query).scalars().one_or_none()


def requeue_event(*, session: Session, event_id: str) -> OrderEvent:
    """Put a quarantined event back to be processed again (after its cause was fixed); commit."""
    event = get_event(session, event_id)
    if event is None:
        raise NotFound(f"No order event {event_id!r}.")
    if event.status != "quarantined":
        raise Conflict(f"Event {event_id!r} is {event.status}, not quarantined.")
    event.status = "received"
    session.commit()
    return event
