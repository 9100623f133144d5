"""An outside order system for the chaos drill: paid orders of the demo shops sent as signed webhooks.

It behaves as a Standard Webhooks sender does: each event is sent until it is answered 2xx, signed afresh at
every try (a timestamp more than 5 minutes old is refused), backing off between tries. Some orders are
refunded in part a little later; a few events are sent again after their 2xx, as by a sender that missed
the answer. Everything sent and answered is kept, to be accounted for afterwards.
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from bench.chaos.census import Catalog
from bench.chaos.client import Http, Tally, Threads, paced
from bench.chaos.rules import PaidLine
from distro.outbound.signing import sign

REFUND_SHARE = 0.1
"""Orders refunded in part (half of their first line), 1–10 s after they were paid."""
RESEND_SHARE = 0.05
"""Events sent once more after their 2xx: each must change nothing."""
RETRY_CAP_SECONDS = 10.0
"""The longest wait between two tries of an unanswered event (1, 2, 4, 8, 10, 10, … s)."""
SENDERS = 3
"""Events in flight at once."""


@dataclass(order=True)
class _Delivery:
    """One event waiting to be sent at `at` (time.time())."""

    at: float
    number: int
    event_id: str = field(compare=False)
    body: bytes = field(compare=False)
    resend: bool = field(default=False, compare=False)
    tries: int = field(default=0, compare=False)


class OrderSystem(Threads):
    """Sends new paid orders at rate a second to /webhooks/orders until stop_new(), then until all are answered."""

    def __init__(self, port: int, secret: str, catalog: Catalog, run: str, rate: float, tally: Tally) -> None:
        self.port, self.secret, self.catalog, self.run, self.rate, self.tally = port, secret, catalog, run, rate, tally
        self.rng = random.Random(run)
        self.sent: set[str] = set()
        """Every event id sent at least once."""
        self.acknowledged: set[str] = set()
        """Event ids answered 2xx."""
        self.refused: dict[str, int] = {}
        """Event ids answered 4xx (not sent again: the sender's fault), with the status."""
        self._paid: dict[str, tuple[str, list[tuple[str, int, int]]]] = {}  # order → (event, [(line, product, fen)])
        self._refunds: dict[str, tuple[str, str, int]] = {}  # order → (event, line, fen)
        self._queue: list[_Delivery] = []
        self._in_flight = 0
        self._numbers = iter(range(1 << 62))
        self._changed = threading.Condition()
        self._no_new = threading.Event()
        self._closing = False
        self._threads = [threading.Thread(target=self._make_orders, name="orders", daemon=True)]
        self._threads += [threading.Thread(target=self._send, name=f"send-{n}", daemon=True) for n in range(SENDERS)]

    def stop_new(self) -> None:
        """Make no new orders; the events made keep being sent until answered."""
        self._no_new.set()

    def pending(self) -> int:
        """Events not yet answered (queued or in flight)."""
        with self._changed:
            return len(self._queue) + self._in_flight

    def close(self) -> None:
        """Stop sending."""
        self._no_new.set()
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self.join(timeout=20)

    def order_refs(self) -> list[str]:
        """Every order made."""
        return sorted(self._paid)

    def paid_lines(self) -> list[PaidLine]:
        """Each line of every order whose order.paid was answered 2xx, net of its refunds answered 2xx."""
        lines = []
        for order_ref, (event_id, paid) in sorted(self._paid.items()):
            if event_id not in self.acknowledged:
                continue
            refund = self._refunds.get(order_ref)
            for line_ref, product_id, fen in paid:
                refunded = refund[2] if refund and refund[1] == line_ref and refund[0] in self.acknowledged else 0
                lines.append(PaidLine(order_ref, line_ref, fen - refunded, self.catalog.rate_of(product_id)))
        return lines

    def _make_orders(self) -> None:
        shops = sorted({listing.shop for listing in self.catalog.listings})
        for number in paced(self.rate, self._no_new):
            order_ref = f"CHAOS-{self.run}-{number:06d}"
            shop = self.rng.choice(shops)
            picked = self.rng.sample(self.catalog.of_shop(shop), k=min(self.rng.choice((1, 1, 2)), 2))
            lines, paid = [], []
            for line_number, listing in enumerate(picked, 1):
                quantity = self.rng.randint(1, 3)
                sku, price = self.rng.choice(listing.skus) if listing.skus else (None, listing.price_fen)
                line = {"line_id": str(line_number), "product_id": listing.product_id, "sku": sku}
                lines.append({**line, "quantity": quantity, "paid_fen": price * quantity})
                paid.append((str(line_number), listing.product_id, price * quantity))
            now = dt.datetime.now(dt.UTC).isoformat()
            event_id = f"chaos-{self.run}-{number:06d}-paid"
            self._paid[order_ref] = (event_id, paid)
            self._enqueue(
                event_id,
                "order.paid",
                {
                    "order_id": order_ref,
                    "paid_at": now,
                    "buyer": {"reference": f"chaos-buyer-{number % 500}"},
                    "shop": shop,
                    "total_paid_fen": sum(fen for _, _, fen in paid),
                    "lines": lines,
                },
            )
            if self.rng.random() < REFUND_SHARE:
                refund_id, amount = f"chaos-{self.run}-{number:06d}-refund", paid[0][2] // 2
                self._refunds[order_ref] = (refund_id, "1", amount)
                refund = {"line_id": "1", "amount_fen": amount}
                data = {"order_id": order_ref, "refund_id": f"{order_ref}-R1", "refunded_at": now, "lines": [refund]}
                self._enqueue(refund_id, "order.refunded", data, delay=self.rng.uniform(1, 10))

    def _enqueue(
        self, event_id: str, event_type: str, data: dict[str, Any], *, delay: float = 0.0, resend: bool = False
    ) -> None:
        body = json.dumps({"type": event_type, "data": data}).encode()
        self._push(_Delivery(time.time() + delay, next(self._numbers), event_id, body, resend))

    def _push(self, delivery: _Delivery) -> None:
        with self._changed:
            heapq.heappush(self._queue, delivery)
            self._changed.notify()

    def _next_due(self) -> _Delivery | None:
        """The next delivery once it is due; None when closing."""
        with self._changed:
            while not self._closing:
                wait = self._queue[0].at - time.time() if self._queue else 0.5
                if wait <= 0:
                    self._in_flight += 1
                    return heapq.heappop(self._queue)
                self._changed.wait(timeout=min(wait, 0.5))
            return None

    def _send(self) -> None:
        http = Http(self.port)
        while (delivery := self._next_due()) is not None:
            headers = {**sign(delivery.body, delivery.event_id, int(time.time()), self.secret)}
            headers["Content-Type"] = "application/json"
            self.sent.add(delivery.event_id)
            try:
                answer = http.request("POST", "/webhooks/orders", delivery.body, headers)
            except OSError:
                answer = None
            self.tally.count("webhook", answer)
            follow_up: _Delivery | None = None
            if answer is not None and 200 <= answer.status < 300:
                self.acknowledged.add(delivery.event_id)
                if not delivery.resend and self.rng.random() < RESEND_SHARE:
                    at = time.time() + self.rng.uniform(0, 5)
                    follow_up = _Delivery(at, next(self._numbers), delivery.event_id, delivery.body, resend=True)
            elif answer is not None and 400 <= answer.status < 500:
                self.refused[delivery.event_id] = answer.status
            else:
                delivery.tries += 1
                delivery.at = time.time() + min(2.0 ** (delivery.tries - 1), RETRY_CAP_SECONDS)
                follow_up = delivery
            with self._changed:  # in one step, so pending() never reads 0 between the two
                if follow_up is not None:
                    heapq.heappush(self._queue, follow_up)
                self._in_flight -= 1
                self._changed.notify()
        http.close()
