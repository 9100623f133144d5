"""Riding out an outage of Redis or PostgreSQL in the long-running processes, `distro worker` and `distro cron`.

An outage delays their work and never ends them: `distro run` stops the whole product as soon as one of
its processes exits, and run on their own nobody would start them again. When a server stops answering
they log one warning, ask it again after 1, 2, 4, 8 and then every 15 seconds, log one line when it
answers, and carry on by themselves.

A job that fails meanwhile loses no work: the work lives in PostgreSQL, and each kind has a sweep on
`distro cron` that finds what a failed or never-enqueued job left (README, "Jobs").

The worker itself (distro/worker.py) and the cron scheduler (distro/scheduler.py) use what is here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import redis
import sqlalchemy as sa

log = logging.getLogger(__name__)

REDIS_DOWN: tuple[type[Exception], ...] = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
"""What redis-py raises when Redis does not answer (a Redis still loading its data raises a ConnectionError too)."""
POSTGRES_DOWN: tuple[type[Exception], ...] = (sa.exc.OperationalError,)
"""What SQLAlchemy raises when PostgreSQL refuses, drops or never answers a connection."""
FIRST_WAIT_SECONDS = 1.0
"""The first wait before asking a silent server again; each next wait doubles it."""
LONGEST_WAIT_SECONDS = 15.0
"""The longest wait between two asks, so a server back after a long outage is found within this."""

_down_since: dict[str, float] = {}
"""Servers this process found not answering, and since when (monotonic): each outage is logged once."""


def waits() -> Iterator[float]:
    """The capped back-off: 1, 2, 4, 8, 15, 15, … seconds."""
    wait = FIRST_WAIT_SECONDS
    while True:
        yield wait
        wait = min(wait * 2, LONGEST_WAIT_SECONDS)


def report_down(server: str, error: Exception) -> None:
    """Log that server does not answer, once per outage."""
    if server not in _down_since:
        _down_since[server] = time.monotonic()
        log.warning(
            "%s does not answer (%s); waiting for it, asking again every %.0f s at most",
            server,
            error,
            LONGEST_WAIT_SECONDS,
        )


def report_up(server: str) -> None:
    """Log that server answers again, if it was down."""
    since = _down_since.pop(server, None)
    if since is not None:
        log.warning("%s answers again after %.0f s; carrying on", server, time.monotonic() - since)


def wait_until_answers(
    ask: Callable[[], Any],
    *,
    server: str,
    errors: tuple[type[Exception], ...],
    error: Exception | None = None,
) -> None:
    """Call ask until it returns without one of errors, sleeping with the capped back-off between calls.

    error: the one that showed the outage, when the caller met it first.
    """
    if error is not None:
        report_down(server, error)
    delays = waits()
    while True:
        if server in _down_since:
            time.sleep(next(delays))
        try:
            ask()
        except errors as failed:
            report_down(server, failed)
            continue
        report_up(server)
        return
