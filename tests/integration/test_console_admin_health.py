"""系统状态 in the admin console: PostgreSQL and Redis, RQ's queues and workers, the cron scheduler and every cron
job's last run (recorded by the cron and the worker, distro/cron_runs.py), and a page that still answers when Redis
is away."""

from __future__ import annotations

import html

from rq.serializers import JSONSerializer
from rq.worker import WorkerStatus
from sqlmodel import Session

from distro.app import create_app
from distro.auth.models import Role
from distro.queue import get_queue
from distro.scheduler import DistroCronScheduler
from tests.factories import PASSWORD, make_user
from tests.integration.workers import BurstWorker
from tests.page_forms import PageFormClient

FAILS = "tests.integration.test_console_admin_health.ledger_out_of_balance"


def ledger_out_of_balance() -> None:
    """A cron job that fails (run by the test's worker)."""
    raise RuntimeError("账本不平")


def tidy_up() -> int:
    """A cron job that succeeds."""
    return 3


def sign_in(client, user) -> None:
    client.post("/login", data={"login": user.email, "password": PASSWORD})


def test_an_admin_sees_queues_workers_and_each_cron_jobs_last_run_and_outcome(client, session, redis):
    scheduler = DistroCronScheduler(connection=redis, name="cron-on-test-host")
    scheduler.register(ledger_out_of_balance, queue_name="periodic", interval=60)
    scheduler.register(tidy_up, queue_name="periodic", cron="17 * * * *")
    scheduler.register_birth()
    for cron_job in scheduler.get_jobs():
        cron_job.enqueue(redis)
    get_queue("default", redis).enqueue(tidy_up)
    sign_in(client, make_user(session, Role.ADMIN))

    waiting = html.unescape(client.get("/console/admin/health").get_data(as_text=True))
    assert "PostgreSQL 数据库" in waiting and "正常" in waiting
    assert "没有正在运行的工作进程" in waiting
    assert "cron-on-test-host" in waiting and "60s" in waiting and "17 * * * *" in waiting
    assert waiting.count("尚未运行") == 2  # enqueued, not run yet

    BurstWorker([get_queue("periodic", redis)], connection=redis, serializer=JSONSerializer).work(burst=True)
    idle = BurstWorker([get_queue("default", redis)], connection=redis, serializer=JSONSerializer, name="idle-worker")
    idle.register_birth()
    idle.set_state(WorkerStatus.IDLE)
    ran = html.unescape(client.get("/console/admin/health").get_data(as_text=True))
    idle.register_death()
    assert "尚未运行" not in ran
    assert "成功" in ran and "失败" in ran and "RuntimeError: 账本不平" in ran
    assert "idle-worker" in ran and "空闲" in ran
    default_row = ran.split("<tr><td>default</td>")[1].split("</tr>")[0]
    assert '<td class="num">1</td>' in default_row  # one job waiting on the default queue


def test_a_run_delivered_twice_records_one_outcome_and_the_cron_says_when_it_is_not_running(client, session, redis):
    scheduler = DistroCronScheduler(connection=redis)
    cron_job = scheduler.register(tidy_up, queue_name="periodic", interval=60)
    cron_job.enqueue(redis)
    cron_job.enqueue(redis)  # the same slot: the same job
    BurstWorker([get_queue("periodic", redis)], connection=redis, serializer=JSONSerializer).work(burst=True)
    assert redis.keys("distro:cron:*") == [f"distro:cron:{cron_job.name}".encode()]
    sign_in(client, make_user(session, Role.ADMIN))
    page = html.unescape(client.get("/console/admin/health").get_data(as_text=True))
    assert "定时进程（distro cron）没有在运行" in page
    assert cron_job.name in page and "成功" in page


def test_with_redis_away_the_page_still_answers_and_says_redis_is_unreachable(database_url, tmp_path, session):
    away = create_app({"DATABASE_URL": database_url, "REDIS_URL": f"unix://{tmp_path}/no-redis.sock"})
    away.extensions["distro.session_factory"] = lambda: Session(
        bind=session.connection(), join_transaction_mode="create_savepoint"
    )
    away.test_client_class = PageFormClient  # posts a page's form with its CSRF token, as the shared client does
    admin = make_user(session, Role.ADMIN)
    client = away.test_client()
    sign_in(client, admin)
    answer = client.get("/console/admin/health")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Redis 无法连接" in page and "异常" in page and "PostgreSQL 数据库" in page


def test_only_admins_see_the_system_status(client, session):
    sign_in(client, make_user(session, Role.FINANCE))
    assert client.get("/console/admin/health").status_code == 403
