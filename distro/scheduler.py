"""`distro cron`: RQ's built-in CronScheduler, enqueuing with JSON and deterministic job ids.

RQ's stock cron job enqueues with the default (pickle) serializer and a random id. distro's
workers only load JSON, and a periodic run should be identifiable by its schedule slot, so each
registered job is enqueued by JsonCronJob below; scheduling itself (intervals, cron strings,
heartbeats) is RQ's. The schedule lives in distro/cron.py, an ordinary `rq cron` config module.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from redis import Redis
from rq.cron import CronJob, CronScheduler
from rq.job import Job

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
        # args and kwargs by name, as RQ's own CronJob passes them: RQ refuses positional args beside kwargs=.
        return enqueue_once(
            queue,
            self.func,
            job_id=periodic_job_id(self.name, self.current_slot()),
            args=self.args,
            kwargs=self.kwargs,
            **self.job_options,
        )


class DistroCronScheduler(CronScheduler):
    """RQ's CronScheduler whose jobs are JsonCronJobs."""

    def register(self, *args: Any, **kwargs: Any) -> CronJob:
        cron_job = super().register(*args, **kwargs)
        cron_job.__class__ = JsonCronJob
        return cron_job


def run_cron(connection: Redis) -> None:
    """Run the scheduler with distro's schedule until stopped."""
    scheduler = DistroCronScheduler(connection=connection)
    scheduler.load_config_from_file(CRON_CONFIG_MODULE)
    scheduler.start()
