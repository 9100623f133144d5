"""Redis and RQ: one connection per URL, queues with the JSON serializer, deterministic periodic job ids.

RQ delivers at least once, so a job's correctness lives in PostgreSQL (unique keys, advisory
locks); the queue only carries ids and periods.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable
from functools import cache
from typing import Any

import redis
from rq import Queue
from rq.job import Job
from rq.serializers import JSONSerializer

from distro import outages

QUEUE_NAMES = ("default", "periodic")


@cache
def redis_for(url: str) -> redis.Redis:
    """The process-wide Redis client for a URL."""
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30)


def redis_url() -> str:
    """The configured Redis URL (the embedded server's when DISTRO_REDIS_URL is unset)."""
    from distro.settings import current_settings

    return current_settings()["REDIS_URL"]


def get_queue(name: str = "default", connection: redis.Redis | None = None) -> Queue:
    """An RQ queue using the JSON serializer (RQ's default, pickle, is not safe to load)."""
    return Queue(name, connection=connection or redis_for(redis_url()), serializer=JSONSerializer)


def periodic_job_id(func: Callable[..., Any] | str, slot: dt.datetime) -> str:
    """The job id of a periodic job's run for one schedule slot: the same slot gives the same id."""
    name = func if isinstance(func, str) else f"{func.__module__}.{func.__qualname__}"
    # RQ allows only letters, digits, "_" and "-" in job ids.
    return f"{name.replace('.', '-')}--{slot.astimezone(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}"


def enqueue_once(queue: Queue, func: Callable[..., Any], *args: Any, job_id: str, **options: Any) -> Job:
    """Enqueue func under job_id unless a job with that id is already queued, running or finished."""
    existing = Job.fetch_many([job_id], connection=queue.connection, serializer=JSONSerializer)[0]
    if existing is not None and existing.get_status(refresh=False) != "failed":
        return existing
    return queue.enqueue(func, *args, job_id=job_id, **options)


COALESCE_LEASE_SECONDS = 15
"""How long a coalescing flag lasts unless its run renews it (renew_coalesced): a run killed with its worker, which
releases nothing, holds up the next run of its stream for at most this long (it was 90 s, and a cluster drill's
events waited a minute for the sweeper after such a kill). A run still queued when its flag lapses costs only a
second run, which is safe: every coalesced job may run twice or at once."""


def enqueue_coalesced(name: str, func: Callable[..., Any], queue_name: str = "default") -> bool:
    """Enqueue func unless a run of it is queued or still running; True when enqueued.

    The run holds the flag until it calls release_coalesced, so asks meanwhile enqueue nothing and
    one run can take a whole stream of work. Their work is the run's: after releasing, it must look
    for work once more. A run that fails releases the flag; one that dies outright holds it at most
    COALESCE_LEASE_SECONDS after it last renewed it.
    """
    connection = redis_for(redis_url())
    if not connection.set(_flag(name), 1, nx=True, ex=COALESCE_LEASE_SECONDS):
        return False
    get_queue(queue_name, connection).enqueue(_run_coalesced, name, f"{func.__module__}.{func.__qualname__}")
    return True


def renew_coalesced(name: str) -> bool:
    """Hold the named flag for another COALESCE_LEASE_SECONDS (a running run calls this as it goes); False when
    Redis did not answer, and the lease runs on: at worst an ask starts a second run once it lapses."""
    try:
        redis_for(redis_url()).set(_flag(name), 1, ex=COALESCE_LEASE_SECONDS)
    except redis.exceptions.RedisError:
        return False
    return True


def release_coalesced(name: str) -> bool:
    """Let the next ask enqueue a new run of the named job (see enqueue_coalesced); False if Redis never answered.

    Redis away at that moment is asked again with the capped back-off for as long as the flag could
    live: a flag left behind (Redis keeps it on disk) would skip every ask until it expired, leaving the
    work to the slower sweep. After that, the flag has expired by itself.
    """
    give_up_at = time.monotonic() + COALESCE_LEASE_SECONDS
    for wait in outages.waits():
        try:
            redis_for(redis_url()).delete(_flag(name))
        except outages.REDIS_DOWN as error:
            outages.report_down("Redis", error)
            if time.monotonic() + wait > give_up_at:
                return False
            time.sleep(wait)
            continue
        outages.report_up("Redis")
        return True
    raise AssertionError("unreachable: waits() never ends")


def _flag(name: str) -> str:
    return f"distro:queued:{name}"


def _run_coalesced(name: str, func_path: str) -> Any:
    """Run the named function, which releases its flag itself; release it when the run fails (RQ job entry point)."""
    import importlib

    module, _, attribute = func_path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attribute)()
    except BaseException:
        with contextlib.suppress(redis.exceptions.RedisError):
            release_coalesced(name)
        raise
