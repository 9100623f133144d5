"""`distro cron`: RQ's built-in CronScheduler, enqueuing with JSON and deterministic job ids.

RQ's stock cron job enqueues with the default (pickle) serializer and a random id. distro's
workers only load JSON, and a periodic run should be identifiable by its schedule slot, so each
registered job is enqueued by JsonCronJob below; scheduling itself (intervals, cron strings,
heartbeats) is RQ's. The schedule lives in distro/cron.py, an ordinary `rq cron` config module.

RQ's CronScheduler.start() ends on the first Redis error it meets; run_cron starts the same scheduler
again once Redis answers (distro/outages.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from redis import Redis
from redis.client import Pipeline
from rq.cron import CronJob, CronScheduler
from rq.exceptions import StopRequested
from rq.job import Job

from distro import cron_runs
from distro.outages import REDIS_DOWN, wait_until_answers
from distro.queue import enqueue_once, get_queue, periodic_job_id

CRON_CONFIG_MODULE = "distro.cron"


class JsonCronJob(CronJob):
    """A cron job enqueued with the JSON serializer under the id of its schedule slot."""

    def current_slot(self) -> dt.datetime:
        """The schedule slot being enqueued: the due cron time, or now floored to the interval."""
        if self.cron and self.next_enqueue_time is not None:
            return self.next_enqueue_time
        now = dt.datetime.now(dt.UTC)
        interval = int(self.interval or 1)
        return dt.datetime.fromtimestamp(int(now.timestamp()) // interval * interval, dt.UTC)

    def enqueue(self, connection: Redis) -> Job:
        assert self.func is not None
        queue = get_queue(self.queue_name, connection)
        # Each run records its outcome (distro/cron_runs.py), which RQ keeps only minutes.
        options = {**self.job_options, **cron_runs.run_options(self.name)}
        options["meta"] = {**(self.job_options.get("meta") or {}), **options["meta"]}
        # args and kwargs by name, as RQ's own CronJob passes them: RQ refuses positional args beside kwargs=.
        job = enqueue_once(
            queue,
            self.func,
            job_id=periodic_job_id(self.name, self.current_slot()),
            args=self.args,
            kwargs=self.kwargs,
            **options,
        )
        cron_runs.record_enqueued(connection, self.name, job.id, dt.datetime.now(dt.UTC))
        return job


class DistroCronScheduler(CronScheduler):
    """RQ's CronScheduler whose jobs are JsonCronJobs."""

    def register(self, *args: Any, **kwargs: Any) -> CronJob:
        cron_job = super().register(*args, **kwargs)
        cron_job.__class__ = JsonCronJob
        return cron_job

    def register_death(self, pipeline: Pipeline | None = None) -> None:
        # Stopping while Redis is down, the scheduler cannot sign off; its entry in RQ's registry lapses
        # without heartbeats. The error must not stand in for the stop request or the outage being handled.
        try:
            super().register_death(pipeline)
        except REDIS_DOWN as error:
            self.log.warning("CronScheduler %s: could not register its death (%s)", self.name, error)


def run_cron(connection: Redis, config: str | None = None) -> None:
    """Run the scheduler with distro's schedule (or config's) until stopped, riding out outages of Redis.

    The same scheduler starts again once Redis answers: it keeps each job's next run, so a run that fell
    due during the outage is enqueued then, once, under the id of its slot; a cron job whose slots came
    several times meanwhile runs once for them all.
    """
    scheduler = DistroCronScheduler(connection=connection)
    scheduler.load_config_from_file(config or CRON_CONFIG_MODULE)
    while True:
        try:
            scheduler.start()  # returns only when asked to stop (SIGINT, SIGTERM)
            return
        except REDIS_DOWN as error:
            try:
                # The scheduler's signal handlers are still in place: a stop request ends the wait.
                wait_until_answers(connection.ping, server="Redis", errors=REDIS_DOWN, error=error)
            except StopRequested:
                scheduler.log.info("CronScheduler %s: stopped on request while waiting for Redis", scheduler.name)
                return
