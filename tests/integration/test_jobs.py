import datetime as dt
import json
import subprocess
import sys
import zlib
from pathlib import Path

import sqlalchemy as sa
from rq.job import Job
from rq.serializers import JSONSerializer
from sqlmodel import Session

from distro.db import engine_for, warm_engine
from distro.idempotency.jobs import purge_expired_idempotency_keys
from distro.idempotency.models import IdempotencyRecord
from distro.ledger import services
from distro.ledger.chart import EntryLine
from distro.ledger.jobs import check_ledger_balances
from distro.queue import enqueue_once, get_queue, periodic_job_id
from distro.scheduler import CRON_CONFIG_MODULE, DistroCronScheduler, JsonCronJob
from distro.settings import PROJECT_ROOT
from tests.integration.workers import BurstWorker


def run_worker(redis, *queue_names):
    queues = [get_queue(name, redis) for name in queue_names]
    BurstWorker(queues, connection=redis, serializer=JSONSerializer).work(burst=True)


def test_a_real_worker_runs_the_ledger_check_on_committed_postings(committed_db, redis):
    with Session(engine_for(committed_db)) as session:
        services.record_posting(
            session,
            reference="r1",
            kind="accrual",
            lines=[EntryLine("supplier:1:payable", 300), EntryLine("shop:1:pending", -300)],
        )
        session.commit()
    job = get_queue("periodic", redis).enqueue(check_ledger_balances)
    run_worker(redis, "periodic")
    job.refresh()
    assert job.get_status() == "finished"
    assert job.return_value()["total"] == 0
    assert job.return_value()["asset"] == 300


def test_a_real_worker_purges_expired_idempotency_keys(committed_db, redis):
    with Session(engine_for(committed_db)) as session:
        session.add(
            IdempotencyRecord(
                user_id=1, key="old", request_fingerprint="f", created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
            )
        )
        session.commit()
    job = get_queue("periodic", redis).enqueue(purge_expired_idempotency_keys)
    run_worker(redis, "periodic")
    assert job.latest_result().return_value == 1


def test_jobs_are_stored_as_json_not_pickle(redis):
    job = get_queue("default", redis).enqueue("distro.ledger.jobs.check_ledger_balances")
    raw = redis.hget(job.key, "data")
    payload = json.loads(zlib.decompress(raw))
    assert payload[0] == "distro.ledger.jobs.check_ledger_balances"


def test_a_periodic_slot_is_enqueued_once_under_a_deterministic_id(redis):
    slot = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    job_id = periodic_job_id(check_ledger_balances, slot)
    assert job_id == "distro-ledger-jobs-check_ledger_balances--20261201T020000Z"
    queue = get_queue("periodic", redis)
    first = enqueue_once(queue, check_ledger_balances, job_id=job_id)
    second = enqueue_once(queue, check_ledger_balances, job_id=job_id)
    assert first.id == second.id == job_id
    assert queue.count == 1


def test_the_cron_schedule_loads_with_json_jobs_and_slot_ids(redis):
    scheduler = DistroCronScheduler(connection=redis)
    scheduler.load_config_from_file(CRON_CONFIG_MODULE)
    jobs = {job.func_name: job for job in scheduler.get_jobs()}
    assert set(jobs) == {
        "distro.idempotency.jobs.purge_expired_idempotency_keys",
        "distro.ledger.jobs.check_ledger_balances",
        "distro.ledger.jobs.snapshot_ledger_balances",
        "distro.commission.jobs.sweep_order_events",
        "distro.commission.jobs.release_due_commission",
        "distro.outbound.jobs.deliver_due_webhooks",
        "distro.share.jobs.fold_clicks",
        "distro.settlement.jobs.resume_computing_batches",
        "distro.tiers.jobs.evaluate_last_month",
        "distro.suppliers.jobs.refresh_recent_sales",
        "distro.selection.jobs.refresh_rankings",
        "distro.storefront.jobs.resend_payment_notices",
        "distro.storefront.jobs.auto_confirm_receipts",
        "distro.campaigns.jobs.announce_started_campaigns",
        "distro.promises.jobs.enforce_promises",
        "distro.promises.jobs.refund_compensations",
        "distro.dues.jobs.issue_last_month",
        "distro.dues.jobs.suspend_overdue_suppliers",
        "distro.quality.jobs.refresh_supplier_metrics",
        "distro.quality.jobs.review_last_month",
        "distro.deposits.jobs.refresh_deposit_standing",
        "distro.partitions.jobs.create_coming_partitions",
    }
    cron_job = jobs["distro.ledger.jobs.check_ledger_balances"]
    assert isinstance(cron_job, JsonCronJob)
    enqueued = cron_job.enqueue(redis)
    again = cron_job.enqueue(redis)  # a second scheduler firing for the same slot
    assert enqueued.id == again.id
    assert enqueued.id.startswith("distro-ledger-jobs-check_ledger_balances--")
    assert Job.fetch(enqueued.id, connection=redis, serializer=JSONSerializer).func_name == cron_job.func_name


def test_the_ledger_check_fails_its_job_when_the_database_was_tampered_with(committed_db, redis):
    with Session(engine_for(committed_db)) as session:
        posting_id = services.record_posting(
            session,
            reference="r1",
            kind="accrual",
            lines=[EntryLine("supplier:1:payable", 300), EntryLine("shop:1:pending", -300)],
        )
        session.commit()
        # Someone with superuser rights bypasses the ledger's guard and adds one fen.
        session.execute(sa.text("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_balanced"))
        session.execute(
            sa.text(
                f"INSERT INTO ledger_entries (posting_id, account_id, amount) "
                f"SELECT {posting_id}, id, 1 FROM ledger_accounts WHERE code = 'shop:1:pending'"
            )
        )
        session.commit()
    job = get_queue("periodic", redis).enqueue(check_ledger_balances)
    run_worker(redis, "periodic")
    assert job.get_status(refresh=True) == "failed"
    assert "LedgerOutOfBalance" in job.latest_result().exc_string


def test_a_worker_warms_the_engine_before_forking_and_keeps_no_connection_open(committed_db):
    # Work horses inherit the loaded driver and the server's details, never a connection to share.
    warm_engine(committed_db)
    engine = engine_for(committed_db)
    assert engine.dialect.server_version_info is not None
    assert engine.pool.checkedin() == 0
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT 1")).scalar_one() == 1


def test_a_worker_imports_every_jobs_module_before_forking_work_horses():
    script = (
        "import sys; from distro.worker import preload_job_modules; preload_job_modules(); "
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('distro.') and m.endswith('.jobs'))))"
    )
    loaded = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    on_disk = sorted(f"distro.{path.parent.name}.jobs" for path in Path(PROJECT_ROOT, "distro").glob("*/jobs.py"))
    assert loaded == on_disk and len(on_disk) >= 8
