"""Jobs and a one-second schedule for test_outages.py, importable by the worker and cron processes it starts."""

from __future__ import annotations

import time

import sqlalchemy as sa
from rq import cron

from distro.db import session_scope
from distro.queue import redis_for, redis_url

RAN = "outage-test:ran"
"""The Redis set of the names of the jobs that ran."""


def mark(name: str) -> None:
    """Record in Redis that the job called name ran."""
    redis_for(redis_url()).sadd(RAN, name)


def sleep_then_mark(name: str, seconds: float) -> None:
    """Take a while, then record that the job ran (its worker is busy meanwhile)."""
    time.sleep(seconds)
    mark(name)


def read_database(name: str) -> None:
    """Ask PostgreSQL something, then record that the job ran."""
    with session_scope() as session:
        session.execute(sa.text("SELECT 1"))
    mark(name)


cron.register(mark, queue_name="periodic", args=("tick",), interval=1)
