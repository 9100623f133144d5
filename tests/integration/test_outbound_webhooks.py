import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from distro.auth.models import Role
from distro.commission import services as commission
from distro.egress import Egress
from distro.outbound import services
from distro.outbound.models import Delivery, Subscription
from tests.cdn import running_cdn
from tests.factories import (
    bearer,
    commission_rules,
    make_product,
    make_shop,
    make_supplier,
    make_user,
    paid,
    post_event,
)
from webhooks.verify import verify_signature


class Subscriber:
    """A real HTTP endpoint on loopback that records what it receives and answers a chosen status."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, dict[str, str]]] = []
        self.status = 200
        subscriber = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                subscriber.received.append((body, {name.lower(): value for name, value in self.headers.items()}))
                self.send_response(subscriber.status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def subscriber():
    endpoint = Subscriber()
    yield endpoint
    endpoint.server.shutdown()


# The subscribers in these tests listen on loopback, which distro refuses to post to in production.
LOOPBACK_ALLOWED = Egress(allowed=lambda address: address.is_loopback)


def deliver(session, now=None, max_attempts=3, sender=None, timeout=5.0):
    sender = sender or services.HttpSender(LOOPBACK_ALLOWED)
    return services.deliver_due(session=session, sender=sender, max_attempts=max_attempts, timeout=timeout, now=now)


def subscribe(client, app, user, url, event_types=("commission.accrued",)):
    return client.post(
        "/api/v1/webhook-subscriptions", headers=bearer(app, user), json={"url": url, "event_types": list(event_types)}
    )


def accrue_an_order(client, app, session, supplier_user):
    product = make_product(session, app, supplier_user)
    make_shop(session, app, slug="hooked", carrying=[product])
    post_event(client, app, "order.paid", paid("W1", "hooked", [("1", product.id, 10_000)]))
    commission.process_order(session=session, order_ref="W1", rules=commission_rules(app, session))


def test_a_supplier_receives_signed_commission_events_about_its_products(client, app, session, subscriber):
    supplier_user, _ = make_supplier(session, app)
    created = subscribe(client, app, supplier_user, subscriber.url, ("commission.accrued", "order.attributed"))
    assert created.status_code == 201
    secret = created.get_json()["secret"]
    other_user, _ = make_supplier(session, app)
    subscribe(client, app, other_user, subscriber.url)

    accrue_an_order(client, app, session, supplier_user)
    assert deliver(session) == {"delivered": 1, "retry": 0, "dead": 0}
    body, headers = subscriber.received[0]
    assert verify_signature(body, headers, [secret]) == headers["webhook-id"]
    event = json.loads(body)
    assert event["type"] == "commission.accrued"
    assert (event["data"]["order_id"], event["data"]["pool_fen"]) == ("W1", 2_000)
    log = client.get(
        f"/api/v1/webhook-subscriptions/{created.get_json()['id']}/deliveries", headers=bearer(app, supplier_user)
    ).get_json()
    assert [(row["event_type"], row["status"], row["attempts"]) for row in log] == [
        ("commission.accrued", "delivered", 1)
    ]


def test_a_failing_endpoint_is_retried_with_back_off_and_then_given_up(client, app, session, subscriber):
    supplier_user, _ = make_supplier(session, app)
    subscribe(client, app, supplier_user, subscriber.url)
    subscriber.status = 500
    accrue_an_order(client, app, session, supplier_user)
    now = dt.datetime.now(dt.UTC)
    assert deliver(session, now=now) == {"delivered": 0, "retry": 1, "dead": 0}
    delivery = session.scalars(sa.select(Delivery)).one()
    assert (delivery.attempts, delivery.last_status_code) == (1, 500)
    assert delivery.next_attempt_at == now + dt.timedelta(seconds=30)
    assert deliver(session, now=now + dt.timedelta(seconds=10)) == {"delivered": 0, "retry": 0, "dead": 0}
    assert deliver(session, now=now + dt.timedelta(seconds=31)) == {"delivered": 0, "retry": 1, "dead": 0}
    session.refresh(delivery)
    assert delivery.next_attempt_at == now + dt.timedelta(seconds=31 + 60)
    assert deliver(session, now=now + dt.timedelta(hours=1)) == {"delivered": 0, "retry": 0, "dead": 1}
    assert len(subscriber.received) == 3


def test_an_unreachable_endpoint_never_blocks_ingestion(client, app, session):
    supplier_user, _ = make_supplier(session, app)
    subscribe(client, app, supplier_user, "http://127.0.0.1:9/closed")
    accrue_an_order(client, app, session, supplier_user)  # processing only writes the outbox
    assert deliver(session)["retry"] == 1
    assert "refused" in session.scalars(sa.select(Delivery.last_error)).one().lower()


def test_an_endpoint_trickling_its_answer_past_the_timeout_is_retried_without_holding_the_worker(client, app, session):
    supplier_user, _ = make_supplier(session, app)
    with running_cdn() as receiver:
        subscribe(client, app, supplier_user, receiver.url("/slow-headers.png"))
        accrue_an_order(client, app, session, supplier_user)
        started = time.monotonic()
        assert deliver(session, timeout=0.5) == {"delivered": 0, "retry": 1, "dead": 0}
        assert time.monotonic() - started < 4  # its answer would take 8 s
    assert "out of time" in session.scalars(sa.select(Delivery.last_error)).one()


def test_due_deliveries_are_sent_side_by_side_so_slow_endpoints_share_one_wait(client, app, session, subscriber):
    # The endpoint answers 200 only once all four deliveries are in flight together: sent one after
    # another, the first would wait alone until the barrier gave up, and every one would be retried.
    together = threading.Barrier(4, timeout=10)

    class Gathering(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            try:
                together.wait()
                self.send_response(200)
            except threading.BrokenBarrierError:
                self.send_response(503)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    subscriber.server.RequestHandlerClass = Gathering
    supplier_user, _ = make_supplier(session, app)
    for number in range(4):
        subscribe(client, app, supplier_user, f"{subscriber.url}/{number}")
    accrue_an_order(client, app, session, supplier_user)
    assert deliver(session, timeout=15) == {"delivered": 4, "retry": 0, "dead": 0}


def test_an_endpoint_on_a_private_address_is_never_contacted(client, app, session, subscriber):
    supplier_user, _ = make_supplier(session, app)
    subscribe(client, app, supplier_user, subscriber.url)
    accrue_an_order(client, app, session, supplier_user)
    assert deliver(session, sender=services.HttpSender()) == {"delivered": 0, "retry": 1, "dead": 0}
    assert subscriber.received == []
    assert "127.0.0.1, not a public address" in session.scalars(sa.select(Delivery.last_error)).one()


def test_back_off_doubles_up_to_six_hours():
    assert [services.backoff_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert services.backoff_seconds(20) == 6 * 3600


def test_only_suppliers_and_admins_subscribe_and_only_to_known_events(client, app, session, subscriber):
    owner = make_user(session, Role.SHOP_OWNER)
    assert subscribe(client, app, owner, subscriber.url).status_code == 403
    admin = make_user(session, Role.ADMIN)
    bad = subscribe(client, app, admin, "ftp://example.cn/x", ("everything",))
    assert bad.status_code == 422
    assert {error["field"] for error in bad.get_json()["errors"]} == {"url", "event_types.0"}


def test_an_endpoint_url_longer_than_the_column_is_a_422_and_subscribes_nothing(client, app, session):
    admin = make_user(session, Role.ADMIN)
    response = subscribe(client, app, admin, "https://hooks.example.cn/" + "a" * 480)
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert [(error["field"], error["rule"]) for error in response.get_json()["errors"]] == [("url", "length")]
    assert session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 0
