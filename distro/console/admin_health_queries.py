"""What the 系统状态 page reads from Redis: RQ's queues and workers, the cron scheduler and each cron job's last run.

Read-only and cheap (a few round trips, no job payloads). Redis away is an answer, not an error: the page says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import redis
from rq import Worker
from rq.cron import CronScheduler
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from rq.serializers import JSONSerializer

from distro.cron_runs import CronRun, last_runs
from distro.outages import REDIS_DOWN
from distro.queue import QUEUE_NAMES, get_queue


@dataclass(frozen=True)
class QueueState:
    """One RQ queue: jobs waiting, running, failed (kept for inspection) and waiting on a retry interval."""

    name: str
    waiting: int
    running: int
    failed: int
    scheduled: int


@dataclass(frozen=True)
class WorkerState:
    """One RQ worker as it last reported itself."""

    name: str
    hostname: str
    pid: int | None
    state: str
    queues: tuple[str, ...]
    current_job: str | None
    last_heartbeat: dt.datetime | None
    successful: int
    failed: int


@dataclass(frozen=True)
class CronJobState:
    """A cron job: its schedule (as the running scheduler holds it) and its last recorded run."""

    name: str
    schedule: str | None
    next_run: dt.datetime | None
    run: CronRun | None


@dataclass(frozen=True)
class CronState:
    """The cron schedulers alive (by their heartbeats) and every cron job known to them or recorded as run."""

    schedulers: list[tuple[str, dt.datetime | None]] = field(default_factory=list)
    jobs: list[CronJobState] = field(default_factory=list)


@dataclass(frozen=True)
class QueueHealth:
    """Everything the page shows from Redis; error says why nothing could be read (Redis unreachable)."""

    queues: list[QueueState] = field(default_factory=list)
    workers: list[WorkerState] = field(default_factory=list)
    cron: CronState = field(default_factory=CronState)
    error: str | None = None


def _queues(connection: redis.Redis) -> list[QueueState]:
    states = []
    for name in QUEUE_NAMES:
        queue = get_queue(name, connection)
        states.append(
            QueueState(
                name=name,
                waiting=queue.count,
                running=StartedJobRegistry(queue=queue).count,
                failed=FailedJobRegistry(queue=queue).count,
                scheduled=ScheduledJobRegistry(queue=queue).count,
            )
        )
    return states


def _workers(connection: redis.Redis) -> list[WorkerState]:
    states = []
    for worker in sorted(Worker.all(connection=connection, serializer=JSONSerializer), key=lambda w: w.name):
        job_id = worker.get_current_job_id()
        current = None
        if job_id:
            job = Job.fetch_many([job_id], connection=connection, serializer=JSONSerializer)[0]
            current = job.func_name if job is not None else job_id
        states.append(
            WorkerState(
                name=worker.name,
                hostname=worker.hostname or "",
                pid=worker.pid,
                state=str(getattr(worker.get_state(), "value", worker.get_state())),
                queues=tuple(worker.queue_names()),
                current_job=current,
                last_heartbeat=worker.last_heartbeat,
                successful=worker.successful_job_count,
                failed=worker.failed_job_count,
            )
        )
    return states


def _cron(connection: redis.Redis) -> CronState:
    schedulers = CronScheduler.all(connection)
    schedules: dict[str, tuple[str | None, dt.datetime | None]] = {}
    for scheduler in schedulers:
        for job in scheduler.get_jobs():
            every = f"{job.interval}s" if job.interval else job.cron
            schedules[job.name] = (every, job.next_enqueue_time)
    runs = last_runs(connection, sorted(schedules))
    jobs = [
        CronJobState(name, *schedules.get(name, (None, None)), runs.get(name))
        for name in sorted(set(schedules) | set(runs))
    ]
    return CronState([(scheduler.name, scheduler.last_heartbeat) for scheduler in schedulers], jobs)


def queue_health(connection: redis.Redis) -> QueueHealth:
    """Queues, workers and cron as Redis holds them now; only error set when Redis does not answer."""
    try:
        return QueueHealth(_queues(connection), _workers(connection), _cron(connection))
    except REDIS_DOWN as error:
        return QueueHealth(error=type(error).__name__)
