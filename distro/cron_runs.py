"""The last run of every cron job: enqueued by `distro cron`, finished (or failed) in a worker, kept in Redis.

RQ keeps a finished job's record only for its result_ttl (minutes), so a daily job's success would be gone long
before anyone looked. Each cron job has instead one small Redis hash, `distro:cron:<job name>`, overwritten at
every run: the cron writes the slot it enqueued, the worker (RQ callbacks run in the work horse) writes when the
run started and ended and how. A run delivered twice writes the same fields twice, and 11 hashes never grow.
Writing the record never fails a job: a Redis error there is logged and dropped (the job needs Redis to end anyway).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import redis
from rq import Callback
from rq.job import Job

log = logging.getLogger(__name__)

KEY_PREFIX = "distro:cron:"
CRON_META = "distro_cron"
"""The job meta field naming the cron job a run belongs to."""


def _key(name: str) -> str:
    return f"{KEY_PREFIX}{name}"


def _iso(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC).isoformat()


def run_options(name: str) -> dict[str, Any]:
    """The enqueue options that make a cron job's run record its outcome under name."""
    return {
        "meta": {CRON_META: name},
        "on_success": Callback(run_succeeded),
        "on_failure": Callback(run_failed),
    }


def record_enqueued(connection: redis.Redis, name: str, job_id: str, at: dt.datetime) -> None:
    """Note that the cron enqueued job_id for the named job at `at`."""
    _write(connection, name, {"enqueued_job": job_id, "enqueued_at": _iso(at)})


def run_succeeded(job: Job, connection: redis.Redis, result: Any, *args: Any, **kwargs: Any) -> None:
    """RQ success callback: the run ended well."""
    _finished(job, connection, "succeeded", "")


def run_failed(job: Job, connection: redis.Redis, exc_type: type, exc_value: BaseException, *args: Any) -> None:
    """RQ failure callback: the run raised; its error's first 300 characters are kept."""
    _finished(job, connection, "failed", f"{exc_type.__name__}: {exc_value}"[:300])


def _finished(job: Job, connection: redis.Redis, outcome: str, error: str) -> None:
    name = job.meta.get(CRON_META)
    if not name:
        return
    ended = dt.datetime.now(dt.UTC)
    fields = {
        "run_job": job.id,
        "started_at": _iso(job.started_at),
        "finished_at": _iso(ended),
        "outcome": outcome,
        "error": error,
    }
    _write(connection, name, fields)


def _write(connection: redis.Redis, name: str, fields: Mapping[str, str]) -> None:
    try:
        mapping: dict[Any, Any] = dict(fields)  # redis-py's mapping type is invariant in its keys
        connection.hset(_key(name), mapping=mapping)
    except redis.RedisError as error:
        log.warning("could not record the run of cron job %s: %s", name, error)


@dataclass(frozen=True)
class CronRun:
    """What is known of a cron job's latest runs (None where nothing was recorded yet)."""

    name: str
    enqueued_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    outcome: str | None
    error: str | None


def _time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def last_runs(connection: redis.Redis, names: list[str]) -> dict[str, CronRun]:
    """The recorded runs of the named cron jobs and of any other recorded one, by name (one round trip each way)."""
    recorded = sorted({key.decode().removeprefix(KEY_PREFIX) for key in connection.scan_iter(f"{KEY_PREFIX}*")})
    every = sorted(set(names) | set(recorded))
    with connection.pipeline(transaction=False) as pipeline:
        for name in every:
            pipeline.hgetall(_key(name))
        hashes = pipeline.execute()
    runs = {}
    for name, raw in zip(every, hashes, strict=True):
        fields = {key.decode(): value.decode() for key, value in raw.items()}
        runs[name] = CronRun(
            name=name,
            enqueued_at=_time(fields.get("enqueued_at")),
            started_at=_time(fields.get("started_at")),
            finished_at=_time(fields.get("finished_at")),
            outcome=fields.get("outcome") or None,
            error=fields.get("error") or None,
        )
    return runs
