"""Against committed data, with real concurrency: the same event ten times at once, and the sweeper."""

import threading
import time

import sqlalchemy as sa
from rq.serializers import JSONSerializer
from sqlmodel import Session

from distro.commission import engine, event_store, jobs, services
from distro.commission.models import CommissionLine, OrderEvent
from distro.db import engine_for
from distro.ledger import services as ledger
from distro.ledger.models import Posting
from distro.queue import COALESCE_LEASE_SECONDS, enqueue_coalesced, get_queue, renew_coalesced
from tests.factories import commission_rules, make_product, make_shop, make_supplier, paid, signed_event
from tests.integration.workers import BurstWorker


def setup_shop(app, url):
    with Session(engine_for(url)) as session:
        supplier_user, _ = make_supplier(session, app)
        product = make_product(session, app, supplier_user, price_fen=12_800, other_platform_price_fen=16_800)
        make_shop(session, app, slug="mei", carrying=[product])
        return product.id


def count(url, model):
    query = sa.select(sa.func.count()).select_from(model)
    if model is Posting:  # the orders' postings, not the deposits the factories' suppliers paid in
        query = query.where(Posting.kind.not_like("deposit%"))
    with Session(engine_for(url)) as session:
        return session.scalar(query)


def test_the_same_event_posted_ten_times_at_once_is_stored_and_accrued_once(committed_app, committed_db, redis):
    product_id = setup_shop(committed_app, committed_db)
    body, headers = signed_event(
        committed_app, "order.paid", paid("A1", "mei", [("1", product_id, 12_800)]), event_id="evt_same"
    )
    barrier = threading.Barrier(10)
    statuses: list[tuple[int, str]] = []

    def deliver() -> None:
        client = committed_app.test_client()
        barrier.wait()
        response = client.post("/webhooks/orders", data=body, headers=headers)
        statuses.append((response.status_code, response.get_json()["status"]))

    threads = [threading.Thread(target=deliver) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [(200, "duplicate")] * 9 + [(200, "stored")]

    # Two workers drain at once: the order lock lets one of them post.
    outcomes = []
    drainers = [threading.Thread(target=lambda: outcomes.append(jobs.process_new_order_events())) for _ in range(2)]
    for thread in drainers:
        thread.start()
    for thread in drainers:
        thread.join(timeout=30)
    assert count(committed_db, OrderEvent) == 1
    assert count(committed_db, CommissionLine) == 1
    assert count(committed_db, Posting) == 1
    with Session(engine_for(committed_db)) as session:
        assert ledger.trial_balance(session)["total"] == 0


def test_an_event_whose_enqueue_failed_is_processed_by_the_sweeper(
    committed_app, committed_db, redis, monkeypatch, tmp_path
):
    product_id = setup_shop(committed_app, committed_db)
    # Redis is unreachable at the moment of the webhook: the event is still stored and answered 200.
    monkeypatch.setenv("DISTRO_REDIS_URL", f"unix://{tmp_path}/no-redis.sock")
    body, headers = signed_event(committed_app, "order.paid", paid("A1", "mei", [("1", product_id, 12_800)]))
    response = committed_app.test_client().post("/webhooks/orders", data=body, headers=headers)
    assert response.status_code == 200
    assert count(committed_db, CommissionLine) == 0
    assert redis.keys("distro:queued:*") == []

    monkeypatch.setenv("DISTRO_EVENT_SWEEP_AFTER_SECONDS", "0")
    job = get_queue("periodic", redis).enqueue(jobs.sweep_order_events)
    BurstWorker([get_queue("periodic", redis)], connection=redis, serializer=JSONSerializer).work(burst=True)
    assert job.get_status(refresh=True) == "finished"
    assert job.return_value() == {"processed": 1}
    assert count(committed_db, CommissionLine) == 1


def test_a_stored_event_is_processed_by_a_real_worker(committed_app, committed_db, redis):
    product_id = setup_shop(committed_app, committed_db)
    body, headers = signed_event(committed_app, "order.paid", paid("A1", "mei", [("1", product_id, 12_800)]))
    assert committed_app.test_client().post("/webhooks/orders", data=body, headers=headers).status_code == 200
    queue = get_queue("default", redis)
    assert queue.count == 1
    BurstWorker([queue], connection=redis, serializer=JSONSerializer).work(burst=True)
    assert count(committed_db, CommissionLine) == 1


def test_a_worker_process_that_loads_only_the_commission_jobs_processes_orders(
    committed_app, committed_db, server_urls
):
    """A standalone worker imports one domain's jobs; every table must still be known to the ORM."""
    import json
    import os
    import subprocess
    import sys

    product_id = setup_shop(committed_app, committed_db)
    body, headers = signed_event(committed_app, "order.paid", paid("A1", "mei", [("1", product_id, 12_800)]))
    assert committed_app.test_client().post("/webhooks/orders", data=body, headers=headers).status_code == 200
    env = {**os.environ, "DISTRO_DATABASE_URL": committed_db, "DISTRO_REDIS_URL": server_urls["redis"]}
    output = (
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import json; from distro.commission.jobs import process_new_order_events; "
                "print(json.dumps(process_new_order_events()))",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    assert json.loads(output) == {"processed": 1}
    assert count(committed_db, CommissionLine) == 1


def test_an_ask_inside_the_gather_window_is_skipped(committed_app, committed_db, redis, monkeypatch):
    monkeypatch.setitem(committed_app.config, "ORDER_BATCH_GATHER_MS", 60_000)
    product_id = setup_shop(committed_app, committed_db)
    client = committed_app.test_client()
    for order in ("A1", "A2"):
        body, headers = signed_event(committed_app, "order.paid", paid(order, "mei", [("1", product_id, 12_800)]))
        assert client.post("/webhooks/orders", data=body, headers=headers).status_code == 200
        redis.delete("distro:queued:process-order-events")  # as if the job had run and let asks through
    assert get_queue("default", redis).count == 1


def test_an_event_stored_while_the_job_runs_dry_is_processed_before_it_leaves(
    committed_app, committed_db, redis, monkeypatch
):
    # The web tier skipped the ask for A2 (inside its window); the running job must still take it.
    monkeypatch.setenv("DISTRO_ORDER_BATCH_GATHER_MS", "1500")
    product_id = setup_shop(committed_app, committed_db)
    _store_paid(committed_db, "A1", product_id)
    outcomes: list[dict[str, int]] = []
    drainer = threading.Thread(target=lambda: outcomes.append(jobs.process_new_order_events()))
    drainer.start()
    deadline = time.monotonic() + 30
    while count(committed_db, CommissionLine) < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    _store_paid(committed_db, "A2", product_id)
    drainer.join(timeout=30)
    assert outcomes == [{"processed": 2}]
    assert count(committed_db, CommissionLine) == 2


def test_while_a_job_takes_the_stream_asks_start_no_other_job(committed_app, committed_db, redis, monkeypatch):
    monkeypatch.setenv("DISTRO_ORDER_BATCH_GATHER_MS", "500")
    assert enqueue_coalesced(jobs.PROCESSING, jobs.process_new_order_events)
    drainer = threading.Thread(target=jobs.process_new_order_events)
    drainer.start()
    # Running dry, the job holds the flag for a window, then lets asks through and looks once more.
    assert not enqueue_coalesced(jobs.PROCESSING, jobs.process_new_order_events)
    drainer.join(timeout=30)
    assert enqueue_coalesced(jobs.PROCESSING, jobs.process_new_order_events)
    assert get_queue("default", redis).count == 2


def test_a_coalescing_flag_lasts_one_lease_unless_its_run_renews_it(redis):
    assert enqueue_coalesced("leased", fail)
    flag = "distro:queued:leased"
    assert 0 < redis.ttl(flag) <= COALESCE_LEASE_SECONDS  # a run killed now holds up the next for at most this
    redis.expire(flag, 1)
    assert renew_coalesced("leased")
    assert redis.ttl(flag) > 1
    assert not enqueue_coalesced("leased", fail)


def test_a_processing_run_renews_its_flags_lease_while_it_holds_it(committed_app, committed_db, redis, monkeypatch):
    monkeypatch.setenv("DISTRO_ORDER_BATCH_GATHER_MS", "300")
    flag = f"distro:queued:{jobs.PROCESSING}"
    redis.set(flag, 1, ex=2)  # as a run finds it after waiting long in the queue
    renewed: list[int] = []
    real_claim = event_store.claim_new_events

    def claim_and_look(session, **arguments):
        renewed.append(redis.ttl(flag))
        return real_claim(session, **arguments)

    monkeypatch.setattr(event_store, "claim_new_events", claim_and_look)
    jobs.process_new_order_events()
    assert renewed and renewed[0] > 2  # renewed before its first claim
    assert not redis.exists(flag)  # and released once it ran dry


def test_a_coalesced_job_that_fails_lets_asks_through(redis):
    assert enqueue_coalesced("failing", fail)
    queue = get_queue("default", redis)
    BurstWorker([queue], connection=redis, serializer=JSONSerializer).work(burst=True)
    assert enqueue_coalesced("failing", fail)


def fail() -> None:
    raise RuntimeError("the job failed")


def _store_paid(url: str, order: str, product_id: int) -> None:
    """Store an order.paid event as the webhook view does, without asking for processing."""
    with Session(engine_for(url)) as session:
        data = paid(order, "mei", [("1", product_id, 12_800)])
        event_store.store_event(session=session, event_id=order, event_type="order.paid", order_ref=order, data=data)


def test_a_backlog_of_more_than_a_batch_brings_in_one_helper_run_and_every_event_is_processed_once(
    committed_app, committed_db, redis, monkeypatch
):
    monkeypatch.setenv("DISTRO_ORDER_BATCH_GATHER_MS", "10")
    monkeypatch.setattr(jobs, "BATCH_EVENTS", 2)
    product_id = setup_shop(committed_app, committed_db)
    for number in range(7):
        _store_paid(committed_db, f"A{number}", product_id)
    queue = get_queue("default", redis)
    assert queue.count == 0
    stream = jobs.process_new_order_events()
    # Full claims asked for help; one helper run is queued (its flag coalesced the rest), and finds its share.
    assert [job.func_name for job in queue.jobs] == ["distro.queue._run_coalesced"]
    assert queue.jobs[0].args == [jobs.HELPING, "distro.commission.jobs.help_process_order_events"]
    BurstWorker([queue], connection=redis, serializer=JSONSerializer).work(burst=True)
    assert stream == {"processed": 7}
    assert count(committed_db, CommissionLine) == 7
    assert enqueue_coalesced(jobs.HELPING, jobs.help_process_order_events)  # the helper let go of its flag


def test_a_batch_beaten_to_storing_a_new_order_is_done_again_and_applies_its_events_once(
    committed_app, committed_db, monkeypatch
):
    product_id = setup_shop(committed_app, committed_db)
    with Session(engine_for(committed_db)) as session:
        data = paid("A1", "mei", [("1", product_id, 12_800)])
        event_store.store_event(session=session, event_id="evt_1", event_type="order.paid", order_ref="A1", data=data)
    plan_orders = engine.plan_orders
    tries = []

    def plan_while_another_batch_stores_the_order(orders, *args):
        # A second batch of the same order, in its own transaction, finds its event locked by this one (idle) and
        # stores the order first; this batch's insert then finds it taken.
        if not tries:
            monkeypatch.setattr(engine, "plan_orders", plan_orders)  # the other batch plans as usual
            with Session(engine_for(committed_db)) as other:
                outcome = services.process_orders(
                    session=other, order_refs=["A1"], rules=commission_rules(committed_app, other)
                )
                assert outcome == {"A1": "idle"}
            monkeypatch.setattr(engine, "plan_orders", plan_while_another_batch_stores_the_order)
        tries.append(orders["A1"].id)
        return plan_orders(orders, *args)

    monkeypatch.setattr(engine, "plan_orders", plan_while_another_batch_stores_the_order)
    with committed_app.app_context(), Session(engine_for(committed_db)) as session:
        outcome = services.process_orders(
            session=session, order_refs=["A1"], rules=commission_rules(committed_app, session)
        )

    assert outcome == {"A1": "processed"}
    assert len(tries) == 2 and tries[0] != tries[1]  # the second try locked the stored order
    assert count(committed_db, CommissionLine) == 1
    assert count(committed_db, Posting) == 1
    with Session(engine_for(committed_db)) as session:
        assert session.scalar(sa.select(OrderEvent.status).where(OrderEvent.id == "evt_1")) == "processed"
