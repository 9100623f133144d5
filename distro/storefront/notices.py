"""Payment notices: the provider's order.paid for each paid checkout, sent until /webhooks/orders takes it.

Confirming a payment writes the notice with the paid state (distro.storefront.services.confirm_payment:
an outbox). A job sends it at once; a sweep (`rq cron`, every minute) sends again whatever was not
acknowledged with a 2xx, with back-off, for as long as it takes: the payment was taken, so its notice is
never given up. Each checkout's notice keeps one webhook-id, so however often it is sent, the order
event is stored once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.clock import utcnow
from distro.outbound.services import backoff_seconds
from distro.storefront.models import Checkout
from distro.storefront.services import paid_event

log = logging.getLogger(__name__)

# POST one signed event (url, event id, type, data) and return the HTTP status; OSError when unreachable.
Send = Callable[[str, str, Mapping[str, Any]], int]


def notice_id(checkout: Checkout) -> str:
    """The webhook-id of a checkout's order.paid notice: the same on every send."""
    return f"{checkout.provider}:{checkout.order_ref}:paid"


NOTICE_BATCH = 100
"""Notices claimed and sent per transaction."""


def deliver_due_payment_notices(*, session: Session, send: Send, batch: int = NOTICE_BATCH) -> dict[str, int]:
    """Send every notice that is due, a batch per transaction, until none is left; commit each batch.

    All of them in one run, not a batch a minute: after an outage the notices it held back are
    hundreds, and each is an order whose commission waits for it. A notice not taken is due again only
    after its back-off, so the run ends.
    """
    now = utcnow()
    totals = {"acknowledged": 0, "retry": 0}
    while True:
        outcome = deliver_payment_notices(session=session, send=send, now=now, limit=batch)
        for key, count in outcome.items():
            totals[key] += count
        if sum(outcome.values()) < batch:
            return totals


def deliver_payment_notices(
    *,
    session: Session,
    send: Send,
    order_refs: Sequence[str] | None = None,
    now: dt.datetime | None = None,
    limit: int = NOTICE_BATCH,
) -> dict[str, int]:
    """Send the unacknowledged notices of order_refs (None: every one that is due); commit.

    Claimed with SKIP LOCKED, so the job and the sweep never send one notice at the same moment. Returns
    how many were acknowledged and how many wait for another try.
    """
    now = now or utcnow()
    query = sa.select(Checkout).where(
        col(Checkout.paid_at).is_not(None), col(Checkout.notice_acknowledged_at).is_(None)
    )
    if order_refs is not None:
        query = query.where(col(Checkout.order_ref).in_(list(order_refs)))
    else:
        query = query.where(col(Checkout.notice_next_at) <= now)
    due = session.execute(query.order_by(col(Checkout.id)).limit(limit).with_for_update(skip_locked=True)).scalars()
    outcome = {"acknowledged": 0, "retry": 0}
    for checkout in list(due):
        try:
            status, error = send(notice_id(checkout), "order.paid", paid_event(session, checkout)), None
        except OSError as unreachable:
            status, error = 0, str(unreachable)[:500]
        checkout.notice_attempts += 1
        if 200 <= status < 300:
            checkout.notice_acknowledged_at, checkout.notice_error = now, None
            outcome["acknowledged"] += 1
            continue
        checkout.notice_error = error or f"answered {status}"
        checkout.notice_next_at = now + dt.timedelta(seconds=backoff_seconds(checkout.notice_attempts))
        outcome["retry"] += 1
        log.warning(
            "payment notice of %s not taken (%s); next try at %s",
            checkout.order_ref,
            checkout.notice_error,
            checkout.notice_next_at,
        )
    session.commit()
    return outcome
