"""The worker start, `distro worker`: every job module and table loaded, then RQ's worker riding out outages.

A composition root, as distro/app.py is for the web server: it imports every domain's jobs and every table
before RQ forks a work horse per job. An outage of Redis or PostgreSQL delays it and never ends it
(distro/outages.py holds the back-off and the one line logged per outage).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import signal
import time
from typing import Any

import redis
from rq.exceptions import StopRequested
from rq.serializers import JSONSerializer
from rq.worker import Worker, WorkerStatus
from rq.worker.base import BaseWorker

import distro.models  # noqa: F401 - every table known to the ORM before a work horse's session flushes
from distro.db import warm_engine
from distro.outages import (
    LONGEST_WAIT_SECONDS,
    POSTGRES_DOWN,
    REDIS_DOWN,
    report_down,
    report_up,
    wait_until_answers,
    waits,
)
from distro.queue import get_queue, redis_for

log = logging.getLogger(__name__)


def preload_job_modules() -> None:
    """Import every domain's jobs module and configure the ORM (every table is loaded), so each forked work
    horse starts warm.

    RQ forks a work horse per job; without this every horse imports the application (about a
    second of CPU) before it does any work.
    """
    import importlib.util
    import pkgutil

    import sqlalchemy.orm

    import distro

    for module in pkgutil.iter_modules(distro.__path__, "distro."):
        if module.ispkg and importlib.util.find_spec(f"{module.name}.jobs") is not None:
            importlib.import_module(f"{module.name}.jobs")
    sqlalchemy.orm.configure_mappers()


def stop_on_signals() -> None:
    """Make SIGINT and SIGTERM stop a wait: they raise StopRequested, as RQ's own handlers do when idle."""

    def stop(signum: int, _frame: Any) -> None:
        raise StopRequested(signal.Signals(signum).name)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


class ListenerNotJoined(BaseWorker):
    """An RQ worker that does not sit out its command listener's poll when it stops (mix it in before a worker
    class: Worker here, SimpleWorker in the tests; on BaseWorker, so that it changes nothing else of theirs)."""

    def unsubscribe(self) -> None:
        """Stop listening for commands on the worker's channel, without waiting for the listener thread.

        RQ stops the listener and joins it; the thread polls with a 60 s wait, so a stopping worker sat that
        out (make bench timed out stopping workers, before this session's changes too). It is a daemon thread:
        it ends with the process, or at its next wake-up when a new worker follows an outage.
        """
        if self.pubsub_thread is None:
            return
        self.log.info("Worker %s: unsubscribing from channel %s", self.name, self.pubsub_channel_name)
        self.pubsub_thread.stop(timeout=0)
        with contextlib.suppress(*REDIS_DOWN):
            self.pubsub.unsubscribe()


class DistroWorker(ListenerNotJoined, Worker):
    """RQ's Worker that tells a stop request from a quit, logs an outage once and restarts its scheduler after one.

    Between jobs RQ itself waits out a lost connection, from 1 s doubling to max_connection_wait_time.
    Anywhere else (a job running, the heartbeat after it, the start) its loop quits on the error, and
    run_worker starts a new worker once Redis answers.
    """

    max_connection_wait_time = LONGEST_WAIT_SECONDS
    stop_requested = False
    """Set by SIGINT or SIGTERM: RQ's work() returns alike when asked to stop and when it gives up."""
    _dead_scheduler_seen: Any = None

    def request_stop(self, signum: int, frame: Any) -> None:
        self.stop_requested = True
        super().request_stop(signum, frame)

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        # RQ stops an idle worker by raising StopRequested from its signal handler, wherever the worker is;
        # raised inside a log call (RQ logs every failed try while Redis is away) logging swallows it. So an
        # idle worker acts on the request here too: RQ heartbeats before every dequeue and every retry.
        if self.stop_requested and self.get_state() != WorkerStatus.BUSY:
            raise StopRequested()
        try:
            super().heartbeat(timeout, pipeline)
        except REDIS_DOWN as error:
            report_down("Redis", error)
            raise
        report_up("Redis")

    @property
    def should_run_maintenance_tasks(self) -> bool:
        # RQ's scheduler process (with_scheduler) exits on its first Redis error, and RQ starts it again only
        # in its maintenance, every 10 minutes: jobs waiting on a Retry interval would wait that long too.
        return super().should_run_maintenance_tasks or self._scheduler_died()

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()  # starts a dead scheduler again when it can take the queues' locks
        process = self._scheduler_process()
        self._dead_scheduler_seen = process if process is not None and not process.is_alive() else None

    def _scheduler_process(self) -> Any:
        return self.scheduler._process if self.scheduler is not None else None  # as RQ's own maintenance reads it

    def _scheduler_died(self) -> bool:
        # Once per death: while another worker's scheduler holds the locks, ours stays down, as RQ leaves it.
        process = self._scheduler_process()
        return process is not None and process is not self._dead_scheduler_seen and not process.is_alive()


class _OneLinePerOutage(logging.Filter):
    """Drop RQ's line for each failed try to reach Redis (DistroWorker logs the outage once)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "could not connect to Redis instance" not in str(record.msg)


def run_worker(redis_url: str, database_url: str, queue_names: tuple[str, ...], *, burst: bool = False) -> None:
    """Run an RQ worker on the queues until stopped, starting a new one after an outage.

    The worker runs RQ's scheduler (with_scheduler): jobs enqueued with a Retry interval wait in RQ's
    scheduled registry until a scheduler moves them back to their queue; without one they would wait there
    for ever.
    """
    logging.getLogger("rq.worker").addFilter(_OneLinePerOutage())
    connection = redis_for(redis_url)
    # A client of its own to ask whether Redis is back: RQ lengthens its worker connection's socket
    # timeout past its blocking dequeue (minutes), far too long to wait on a Redis that hangs.
    probe = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
    stop_on_signals()
    try:
        # The engine the work horses will use, warmed once here rather than in every horse. Every job
        # needs PostgreSQL, so there is nothing to gain by starting before it answers.
        wait_until_answers(lambda: warm_engine(database_url), server="PostgreSQL", errors=POSTGRES_DOWN)
        # Everything loaded so far lives as long as the process and every work horse forked from it: moved out of
        # the collector's generations, it is not traversed by each full collection a job's allocations set off
        # (about a quarter of order processing's CPU), nor copied into a horse's memory by being traversed.
        gc.freeze()
        previous: DistroWorker | None = None
        restarts = waits()
        while True:
            worker: DistroWorker | None = None
            outage: Exception | None = None
            started = time.monotonic()
            try:
                if previous is not None and previous.scheduler is not None:
                    # Its scheduler process is gone (RQ's teardown stops it); free the queues' scheduler
                    # locks it held, which would keep the new worker's scheduler out for a minute.
                    previous.scheduler.release_locks()
                queues = [get_queue(name, connection) for name in queue_names]
                worker = DistroWorker(queues, connection=connection, serializer=JSONSerializer)
                worker.work(burst=burst, with_scheduler=True)
            except REDIS_DOWN as error:
                outage = error
            finally:
                stop_on_signals()  # RQ's handlers need the worker (and Redis); between workers a signal just stops
                if worker is not None:
                    _stop_listening(worker)
            if (worker is not None and worker.stop_requested) or (burst and outage is None):
                return
            if outage is None:
                # RQ has logged why its loop quit (it also quits on a Redis timeout, which it does not wait out).
                log.warning("the RQ worker stopped by itself; starting a new one")
                if time.monotonic() - started > 4 * LONGEST_WAIT_SECONDS:
                    restarts = waits()  # a worker that ran a while is no crash loop to slow down
                time.sleep(next(restarts))
            wait_until_answers(probe.ping, server="Redis", errors=REDIS_DOWN, error=outage)
            previous = worker or previous
    except StopRequested:
        log.info("stopped on request")


def _stop_listening(worker: Worker) -> None:
    """Stop the worker's command listener, which RQ's teardown leaves running when Redis is down."""
    thread = worker.pubsub_thread
    if thread is not None and thread.is_alive():
        thread.stop(timeout=0)  # a daemon thread: it ends at its next wake-up
