"""Outbound webhooks: subscriptions, the outbox (emit in the same transaction), and delivery."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.clock import utcnow
from distro.egress import Egress, Refused
from distro.errors import NotFound
from distro.outbound.models import Delivery, Subscription
from distro.outbound.signing import sign

OUTBOUND_EVENT_TYPES = (
    "commission.accrued",
    "commission.reversed",
    "order.attributed",
    "order.paid",
    "payout.failed",
    "payout.paid",
    "product.restored",
    "product.taken_down",
    "tier.changed",
)
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 3600

# The payloads travel as one JSON array: a jsonb[] parameter would escape every quote of every payload.
_EMIT = sa.text(
    "INSERT INTO webhook_deliveries (id, subscription_id, event_type, payload, status, attempts, next_attempt_at, "
    "created_at) "
    "SELECT gen_random_uuid()::text, s.id, e.event_type, e.payload, 'pending', 0, now(), now() "
    "FROM ROWS FROM (unnest(CAST(:event_types AS varchar[])), jsonb_array_elements(CAST(:payloads AS jsonb)), "
    "unnest(CAST(:supplier_ids AS bigint[]))) AS e(event_type, payload, supplier_id) "
    "JOIN webhook_subscriptions s ON s.active AND e.event_type = ANY(s.event_types) "
    "AND (s.supplier_id IS NULL OR s.supplier_id = e.supplier_id)"
)

_LISTENED_TO = sa.text(
    "SELECT EXISTS (SELECT FROM webhook_subscriptions WHERE active AND event_types && CAST(:event_types AS varchar[]))"
)


def anyone_listens(session: Session, event_types: Sequence[str]) -> bool:
    """Whether an active subscription takes any of event_types: events nobody takes need not be built."""
    return bool(session.scalar(_LISTENED_TO, {"event_types": list(event_types)}))


def emit_many(session: Session, events: Sequence[tuple[str, Mapping[str, Any], int | None]]) -> None:
    """Queue events (type, data, supplier id) for every matching subscription, in the caller's transaction.

    One INSERT … SELECT for the whole list; a supplier's subscriptions get only that supplier's events.
    """
    if not events:
        return
    timestamp = utcnow().isoformat()
    session.execute(
        _EMIT,
        {
            "event_types": [event_type for event_type, _, _ in events],
            "payloads": json.dumps(
                [{"type": event_type, "timestamp": timestamp, "data": dict(data)} for event_type, data, _ in events],
                ensure_ascii=False,
            ),
            "supplier_ids": [supplier_id for _, _, supplier_id in events],
        },
    )


def backoff_seconds(attempts: int) -> int:
    """Seconds before the next try after `attempts` failed ones: 30 s doubling, at most 6 hours."""
    return min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)


def create_subscription(
    *, session: Session, user_id: int, supplier_id: int | None, url: str, event_types: Sequence[str]
) -> Subscription:
    """Register an endpoint with a fresh signing secret (shown once, in the response); commit."""
    subscription = Subscription(
        user_id=user_id,
        supplier_id=supplier_id,
        url=url,
        event_types=sorted(set(event_types)),
        secret="whsec_" + secrets.token_urlsafe(24).replace("-", "A").replace("_", "B") + "==",
    )
    session.add(subscription)
    session.commit()
    return subscription


def own_subscriptions_query(user_id: int) -> sa.Select:
    """The caller's subscriptions."""
    return sa.select(Subscription).where(col(Subscription.user_id) == user_id).order_by(col(Subscription.id))


def get_own_subscription(session: Session, user_id: int, subscription_id: int) -> Subscription:
    """The caller's subscription; NotFound for anyone else's."""
    subscription = session.execute(
        sa.select(Subscription).where(col(Subscription.id) == subscription_id, col(Subscription.user_id) == user_id)
    ).scalar_one_or_none()
    if subscription is None:
        raise NotFound(f"No webhook subscription {subscription_id} of this account.")
    return subscription


def deliveries_query(session: Session, user_id: int, subscription_id: int) -> sa.Select:
    """The delivery log of the caller's subscription, newest first."""
    get_own_subscription(session, user_id, subscription_id)
    return (
        sa.select(Delivery)
        .where(col(Delivery.subscription_id) == subscription_id)
        .order_by(col(Delivery.created_at).desc(), col(Delivery.id))
    )


class Sender(Protocol):
    """Sends one signed webhook; returns the HTTP status code, raises OSError when unreachable."""

    def send(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int: ...


class HttpSender:
    """Real delivery with an HTTP POST, to public addresses only (see distro.egress): a subscriber's URL
    must not reach distro's own network or the cloud's metadata endpoint."""

    def __init__(self, egress: Egress | None = None) -> None:
        self.egress = egress or Egress()

    def send(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
        try:
            with self.egress.post(
                url, body, headers={"Content-Type": "application/json", **headers}, timeout=timeout
            ) as response:
                return int(response.status)
        except Refused as refused:  # recorded on the delivery like any unreachable endpoint
            raise OSError(f"not sent: {refused}") from refused


class NullSender:
    """Demo/null delivery: every send succeeds and is remembered (no network)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, dict[str, str]]] = []

    def send(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
        self.sent.append((url, body, dict(headers)))
        return 200


def sender_from_settings(settings: Mapping) -> Sender:
    """The sender chosen by OUTBOUND_WEBHOOK_SENDER."""
    return HttpSender() if settings["OUTBOUND_WEBHOOK_SENDER"] == "http" else NullSender()


def deliver_due(
    *,
    session: Session,
    sender: Sender,
    max_attempts: int,
    timeout: float,
    concurrency: int = 8,
    limit: int = 100,
    now: dt.datetime | None = None,
) -> dict[str, int]:
    """Try every due delivery once (claimed with SKIP LOCKED, so workers share the work); commit.

    Up to `concurrency` are sent at once, each within `timeout` seconds: one run takes at most about
    timeout × limit / concurrency however slow the endpoints, so slow subscribers cannot hold the worker
    (and the order processing queued behind it) for minutes. A 2xx marks a delivery delivered; anything
    else schedules the next try with exponential back-off, and after max_attempts it is dead. Returns
    counts by outcome.
    """
    now = now or utcnow()
    due = session.execute(
        sa.select(Delivery, col(Subscription.url), col(Subscription.secret))
        .join(Subscription, col(Subscription.id) == Delivery.subscription_id)
        .where(col(Delivery.status) == "pending", col(Delivery.next_attempt_at) <= now)
        .order_by(col(Delivery.next_attempt_at))
        .limit(limit)
        .with_for_update(of=Delivery, skip_locked=True)
    ).all()

    def send(url: str, delivery_id: str, payload: Any, secret: str) -> tuple[int, str | None]:
        body = json.dumps(payload, ensure_ascii=False).encode()
        try:
            return sender.send(url, body, sign(body, delivery_id, int(now.timestamp()), secret), timeout), None
        except OSError as error:
            return 0, str(error)[:500]

    # Only the sends run in threads; the deliveries (ORM objects of this session) are updated here.
    with ThreadPoolExecutor(max(1, min(concurrency, len(due)))) as pool:
        answers = list(pool.map(lambda row: send(row[1], row[0].id, row[0].payload, row[2]), due))
    outcome = {"delivered": 0, "retry": 0, "dead": 0}
    for (delivery, _, _), (status, error) in zip(due, answers, strict=True):
        delivery.attempts += 1
        delivery.last_status_code, delivery.last_error = (status or None), error
        if 200 <= status < 300:
            delivery.status, delivery.delivered_at = "delivered", now
            outcome["delivered"] += 1
        elif delivery.attempts >= max_attempts:
            delivery.status = "dead"
            outcome["dead"] += 1
        else:
            delivery.next_attempt_at = now + dt.timedelta(seconds=backoff_seconds(delivery.attempts))
            outcome["retry"] += 1
    session.commit()
    return outcome
