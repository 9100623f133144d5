"""Clicks written to Redis off the request path: each web process buffers the clicks its redirects saw
and a background thread writes them in one round trip every CLICK_FLUSH_MS.

A redirect then costs a list append instead of a Redis round trip (about half its CPU). The price
is a window: a process killed with SIGKILL loses the clicks of its last CLICK_FLUSH_MS, the same
order of loss as Redis's own once-a-second fsync. A process that exits normally writes them first.
"""

from __future__ import annotations

import logging
import multiprocessing.util
import os
import threading
import time
from collections import deque

import redis

from distro.share.services import Click, record_clicks

log = logging.getLogger(__name__)

MAX_PENDING = 100_000  # while Redis is unreachable, the oldest clicks beyond this are dropped


class ClickBuffer:
    """The clicks one process has seen and not yet written to Redis."""

    def __init__(self, connection: redis.Redis, interval_seconds: float) -> None:
        self._connection = connection
        self._interval = interval_seconds
        self._pid = -1  # the process whose flusher runs; none yet
        self._reset()

    def add(self, click: Click) -> None:
        """Take a click; it reaches Redis within the flush interval (no I/O here)."""
        if self._pid != os.getpid():  # first click in this process, or in a child forked after one
            self._start()
        self._pending.append(click)
        self._arrived.set()

    def flush(self) -> int:
        """Write every pending click to Redis now, in one round trip; return how many were written.

        When Redis is unreachable the clicks are dropped with a warning, as a synchronous write
        would have dropped them; the redirects they belong to were answered long ago.
        """
        with self._flushing:
            clicks = [self._pending.popleft() for _ in range(len(self._pending))]
            if not clicks:
                return 0
            try:
                record_clicks(self._connection, clicks)
            except redis.RedisError as error:
                log.warning("%d clicks not counted, Redis unavailable: %s", len(clicks), error)
                return 0
            return len(clicks)

    def _reset(self) -> None:
        self._pending: deque[Click] = deque(maxlen=MAX_PENDING)
        self._arrived = threading.Event()
        self._flushing = threading.Lock()

    def _start(self) -> None:
        if self._pid != -1:  # forked after the parent's first click: its pending clicks and locks are the parent's
            self._reset()
        self._pid = os.getpid()
        threading.Thread(target=self._run, name="click-flusher", daemon=True).start()
        # Not atexit: granian's workers are multiprocessing children, which end with os._exit after
        # running multiprocessing's finalizers but not atexit's hooks. A normal interpreter exit runs
        # these finalizers too (multiprocessing registers them with atexit), so one hook covers both.
        multiprocessing.util.Finalize(self, self.flush, exitpriority=10)

    def _run(self) -> None:
        while True:
            self._arrived.wait()
            self._arrived.clear()
            time.sleep(self._interval)  # let a burst gather into one round trip
            try:
                self.flush()
            except Exception:  # the flusher must outlive any one bad batch
                log.exception("click flush failed")
