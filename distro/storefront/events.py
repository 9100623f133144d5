"""Order events of distro's own orders: each step of a checkout told to the commission engine.

The storefront is the order system for the orders it takes, so it records their events straight into
the engine's event store, in the same transaction as the step itself: a step that committed has its
event, and one that rolled back has none. Event ids are fixed per step (``distro:<order>:shipped``), so
recording a step again stores nothing new. Processing is asked for after the commit; if Redis is down
then, the sweeper (`rq cron`, every minute) finds the events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from distro.clock import utcnow
from distro.commission.models import OrderEvent
from distro.commission.orders import CANCELLED, DELIVERED, REFUNDED, SHIPPED

SOURCE = "distro"
LINE_ID = "1"  # a checkout is one line: the order.paid its payment provider sends says so too


def event_id(order_ref: str, step: str) -> str:
    """The fixed webhook-id of one step of one of distro's own orders."""
    prefix, suffix = event_id_around(step)
    return f"{prefix}{order_ref}{suffix}"


def event_id_around(step: str) -> tuple[str, str]:
    """What stands before and after the order reference in a step's event id (for set-based SQL)."""
    return f"{SOURCE}:", f":{step}"


def shipped(order_ref: str, at: dt.datetime) -> tuple[str, str, str, dict[str, Any]]:
    """The order.shipped event of a checkout."""
    return event_id(order_ref, "shipped"), SHIPPED, order_ref, {"order_id": order_ref, "shipped_at": at.isoformat()}


def delivered(order_ref: str, at: dt.datetime) -> tuple[str, str, str, dict[str, Any]]:
    """The order.delivered event of a checkout (carrier, buyer or automatic: the first one counts)."""
    data = {"order_id": order_ref, "delivered_at": at.isoformat()}
    return event_id(order_ref, "delivered"), DELIVERED, order_ref, data


def cancelled(order_ref: str, at: dt.datetime, reason: str | None) -> tuple[str, str, str, dict[str, Any]]:
    """The order.cancelled event of a checkout cancelled before it shipped."""
    data = {"order_id": order_ref, "cancelled_at": at.isoformat(), "reason": reason}
    return event_id(order_ref, "cancelled"), CANCELLED, order_ref, data


def refunded(order_ref: str, refund_id: str, at: dt.datetime, amount_fen: int) -> tuple[str, str, str, dict[str, Any]]:
    """The order.refunded event of an approved after-sales request."""
    data = {
        "order_id": order_ref,
        "refund_id": refund_id,
        "refunded_at": at.isoformat(),
        "lines": [{"line_id": LINE_ID, "amount_fen": amount_fen}],
    }
    return event_id(order_ref, f"refund:{refund_id}"), REFUNDED, order_ref, data


def record(session: Session, events: Sequence[tuple[str, str, str, Mapping[str, Any]]]) -> None:
    """Store events in the caller's transaction; one already stored under its id is left as it was (order_events'
    trigger drops it: distro.commission.event_store)."""
    if not events:
        return
    now = utcnow()
    rows = [
        {"id": id_, "type": type_, "order_ref": ref, "data": dict(data), "status": "received", "received_at": now}
        for id_, type_, ref, data in events
    ]
    session.execute(sa.insert(OrderEvent).values(rows))


def ask_for_processing(settings: Mapping[str, Any]) -> None:
    """Ask a worker to process the events just committed (the sweeper covers an ask lost with Redis)."""
    from distro.commission import jobs

    jobs.request_processing(gather_seconds=int(settings["ORDER_BATCH_GATHER_MS"]) / 1000)
