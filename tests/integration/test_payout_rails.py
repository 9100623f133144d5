"""Paying an approved batch through a payout rail: each payout handed to the rail once, even by two runs at once on
two connections or after a run died; results recorded through payout_results.record_results; payout events queued
for outbound webhooks; a real RQ worker runs the payment."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa
from rq.serializers import JSONSerializer
from sqlmodel import Session

from distro.audit import AuditEntry
from distro.auth.models import Role
from distro.db import engine_for
from distro.errors import Conflict
from distro.outbound import services as outbound
from distro.outbound.models import Delivery
from distro.queue import get_queue
from distro.settlement import batches, computing, jobs, payees, queries
from distro.settlement.models import Payout, SettlementBatch
from distro.settlement.rail_demo import DemoRail, demo_submissions
from distro.settlement.rail_payments import pay_through_rail
from distro.settlement.rails import BankFileRail, RailNotOnline
from tests.factories import make_user
from tests.integration.test_settlement_concurrency import setup
from tests.integration.workers import BurstWorker

MISMATCHED = "6222020200110000"  # the demo rail fails it: 收款账户信息不符


def approved_batch(app, url, shops: int = 4) -> tuple[int, int, dict[str, int]]:
    """A batch approved by a second finance user, paying `shops` shops with payee accounts, the first one's account
    failing on the demo rail: (batch id, the approver's id, payout id by 'failing' / 'paid-<n>')."""
    batch_id, shop_ids = setup(app, url, shops=shops)
    with Session(engine_for(url), expire_on_commit=False) as session:
        owners = dict(session.execute(sa.text("SELECT id, owner_id FROM shops")).all())
        for number, shop_id in enumerate(shop_ids):
            account = MISMATCHED if number == 0 else f"62220202001{number:05d}"
            payees.register_payee(
                session=session,
                owner_id=owners[shop_id],
                values={"kind": "bank", "account_name": "王小美", "account_number": account, "bank_name": "工商银行"},
            )
        assert computing.compute_batch(session=session, batch_id=batch_id, minimum_fen=100) == "computed"
        checker = make_user(session, Role.FINANCE)
        batches.approve(session=session, batch_id=batch_id, approver=checker.id)
        by_shop = dict(session.execute(sa.select(Payout.shop_id, Payout.id).where(Payout.batch_id == batch_id)).all())
    named = {("failing" if number == 0 else f"paid-{number}"): by_shop[shop] for number, shop in enumerate(shop_ids)}
    return batch_id, checker.id, named


@pytest.fixture
def handed():
    """How often the demo rail was handed each payout during the test (ids repeat across tests' databases)."""
    before = len(demo_submissions())
    return lambda: Counter(demo_submissions()[before:])


def statuses(url: str, batch_id: int) -> dict[int, tuple[str, str | None, str | None]]:
    with Session(engine_for(url)) as session:
        rows = session.execute(
            sa.select(Payout.id, Payout.status, Payout.external_reference, Payout.failure_reason).where(
                Payout.batch_id == batch_id
            )
        ).all()
    return {row.id: (row.status, row.external_reference, row.failure_reason) for row in rows}


def test_two_runs_paying_the_same_batch_at_once_on_two_connections_submit_each_payout_once(
    committed_app, committed_db, handed
):
    batch_id, checker_id, named = approved_batch(committed_app, committed_db, shops=6)
    barrier = threading.Barrier(2)
    runs, errors = [], []

    def pay() -> None:
        try:
            with Session(engine_for(committed_db)) as session:
                barrier.wait()
                runs.append(
                    pay_through_rail(session=session, batch_id=batch_id, rail=DemoRail(), actor=checker_id, chunk=1)
                )
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert handed() == Counter(named.values())  # each once
    assert sum(run.submitted for run in runs) == 6
    shown = statuses(committed_db, batch_id)
    assert shown[named["failing"]] == ("failed", None, "收款账户信息不符")
    assert shown[named["paid-1"]] == ("paid", f"DEMO-{named['paid-1']}", None)
    with Session(engine_for(committed_db)) as session:
        assert session.get(SettlementBatch, batch_id).status == "partly_paid"
        assert queries.reconciliation(session, batch_id)["ties_out"] is True


def test_paying_again_after_the_batch_was_paid_submits_nothing(committed_app, committed_db, handed):
    batch_id, checker_id, named = approved_batch(committed_app, committed_db, shops=2)
    with Session(engine_for(committed_db)) as session:
        first = pay_through_rail(session=session, batch_id=batch_id, rail=DemoRail(), actor=checker_id)
        with pytest.raises(Conflict):
            pay_through_rail(session=session, batch_id=batch_id, rail=DemoRail(), actor=checker_id)
    assert (first.submitted, first.recorded) == (2, 2)
    assert handed() == Counter(named.values())


def test_payouts_a_dead_run_submitted_are_asked_about_and_never_submitted_again(committed_app, committed_db, handed):
    batch_id, checker_id, named = approved_batch(committed_app, committed_db, shops=3)
    died_with = [named["failing"], named["paid-1"]]
    with Session(engine_for(committed_db)) as session:  # what a run that died after its commit left
        session.execute(
            sa.text(
                "INSERT INTO payout_submissions (payout_id, batch_id, rail, submitted_by, submitted_at) "
                "SELECT id, batch_id, 'demo', :actor, now() FROM payouts WHERE id = ANY(:ids)"
            ),
            {"actor": checker_id, "ids": died_with},
        )
        session.commit()
        run = pay_through_rail(session=session, batch_id=batch_id, rail=DemoRail(), actor=checker_id)
    assert (run.submitted, run.recorded) == (1, 3)
    assert handed() == Counter([named["paid-2"]])
    shown = statuses(committed_db, batch_id)
    assert [shown[payout][0] for payout in died_with] == ["failed", "paid"]


def test_the_rails_results_are_recorded_as_a_bank_files_are_and_queue_payout_events(committed_app, committed_db):
    batch_id, checker_id, named = approved_batch(committed_app, committed_db, shops=2)
    with Session(engine_for(committed_db), expire_on_commit=False) as session:
        integrator = make_user(session, Role.ADMIN)
        outbound.create_subscription(
            session=session,
            user_id=integrator.id,
            supplier_id=None,
            url="https://hooks.example.cn/payouts",
            event_types=["payout.paid", "payout.failed"],
        )
        pay_through_rail(session=session, batch_id=batch_id, rail=DemoRail(), actor=checker_id)
        events = {row.payload["data"]["payout_id"]: row for row in session.scalars(sa.select(Delivery))}
        recorded = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "settlement.results", AuditEntry.subject_id == batch_id)
        ).all()
        postings = session.execute(sa.text("SELECT kind, count(*) FROM ledger_postings GROUP BY kind")).all()
    failing, paid = events[named["failing"]], events[named["paid-1"]]
    assert (failing.event_type, failing.payload["data"]["reason"]) == ("payout.failed", "收款账户信息不符")
    assert (paid.event_type, paid.payload["data"]["external_reference"]) == ("payout.paid", f"DEMO-{named['paid-1']}")
    assert paid.payload["data"]["batch_id"] == batch_id and paid.payload["data"]["amount_fen"] > 0
    assert [entry.actor_id for entry in recorded] == [checker_id]  # one record_results for the chunk
    assert {"payout_paid": 1, "payout_failed": 1}.items() <= dict(postings).items()


def test_the_bank_file_rail_and_a_batch_not_yet_approved_are_refused(committed_app, committed_db):
    batch_id, _ = setup(committed_app, committed_db, shops=1)
    with Session(engine_for(committed_db)) as session:
        with pytest.raises(RailNotOnline):
            pay_through_rail(session=session, batch_id=batch_id, rail=BankFileRail(), actor=1)
        with pytest.raises(Conflict):
            pay_through_rail(session=session, batch_id=batch_id, rail=DemoRail(), actor=1)


def test_a_worker_pays_the_batch_through_the_configured_rail_and_a_second_job_does_nothing(
    committed_app, committed_db, redis, handed
):
    batch_id, checker_id, named = approved_batch(committed_app, committed_db, shops=3)
    jobs.enqueue_pay(batch_id, checker_id)
    jobs.enqueue_pay(batch_id, checker_id)  # a double click
    assert redis.exists(jobs.paying_key(batch_id))
    BurstWorker([get_queue("default", redis)], connection=redis, serializer=JSONSerializer).work(burst=True)
    assert not redis.exists(jobs.paying_key(batch_id))
    assert handed() == Counter(named.values())
    assert sorted(status for status, _, _ in statuses(committed_db, batch_id).values()) == ["failed", "paid", "paid"]
