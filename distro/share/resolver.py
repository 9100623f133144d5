"""Resolving share codes on the redirect's path: this process's memory first, then Redis, then PostgreSQL.

A code followed in this process within the last minute is answered from memory, with no I/O. Otherwise
Redis is asked, in one round trip: an answer any web process had from PostgreSQL less than a minute ago is
used as it is. Otherwise PostgreSQL is asked, and its answer is written through to Redis and to memory.
Reading a link's answer from Redis keeps it there a day longer (GETEX), so Redis holds every link followed
in the last day (distro.share.targets has the rules).

In an outage:
- PostgreSQL down: the newest answer at hand, from memory or Redis, however old; with none, the
  database's error, which the redirect turns into a 503 page. Each process asks PostgreSQL again about
  such a link once a minute, not on every follow.
- Redis down: memory, then PostgreSQL, as if there were no Redis. Its timeouts are short and, after an
  error, it is left alone for REDIS_QUIET_SECONDS, so an unreachable Redis costs a redirect at most one
  short timeout and never fails it.
- Both down: memory, however old: the links this process followed in the last day.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

import redis
import sqlalchemy as sa
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlmodel import col

from distro.db import SessionFactory
from distro.outages import POSTGRES_DOWN
from distro.share.codes import looks_like_code
from distro.share.models import ShareLink
from distro.share.targets import FRESH_SECONDS, KEEP_SECONDS, Answer, LinkTarget, decode, encode, newest
from distro.shops.models import Shop

log = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 0.1
"""Connect and read timeout of the cache's Redis calls: a Redis that does not answer at once is skipped."""
REDIS_QUIET_SECONDS = 5.0
"""After a failed Redis call, how long the cache leaves Redis alone (a hung Redis would cost each miss a timeout)."""
MEMORY_MAX_LINKS = 100_000
"""Links one process keeps in memory; beyond this the longest unasked about go first."""


def shared_key(code: str) -> str:
    """The Redis key of a code's answer."""
    return f"distro:share-target:{code}"


def cache_redis(url: str) -> redis.Redis:
    """A Redis client for the cache: short timeouts and no retries (redis-py retries 10 times by default, which
    turns a hung server's 0.1 s timeout into seconds)."""
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 0),
    )


class _Remembered(NamedTuple):
    """An answer in memory, when this process should ask again, and when it forgets it."""

    answer: Answer
    ask_again_at: float
    forget_at: float


class LinkResolver:
    """Where share codes lead, for one web process: memory, then Redis, then PostgreSQL."""

    def __init__(self, connection: redis.Redis, clock: Callable[[], float] = time.time) -> None:
        self._redis = connection
        self._clock = clock
        # In the order answers were remembered, so the first is the first to forget. Follows read it without
        # the lock (one dict lookup, atomic under the GIL: the hot path); changes take the lock.
        self._memory: OrderedDict[str, _Remembered] = OrderedDict()
        self._memory_lock = threading.Lock()
        self._redis_quiet_until = 0.0
        self._redis_down = False  # each outage is logged once, and its end once

    def resolve(self, code: str, *, open_session: SessionFactory) -> LinkTarget | None:
        """Where a share code leads: None for an unknown code.

        open_session is called only when PostgreSQL must be asked. Raises one of distro.outages.POSTGRES_DOWN
        when PostgreSQL had to be asked, did not answer, and no answer about the code is at hand.
        """
        if not looks_like_code(code):
            return None
        now = self._clock()
        remembered = self._memory.get(code)
        if remembered is not None and now < remembered.ask_again_at:
            return remembered.answer.target
        if remembered is not None and now >= remembered.forget_at:
            remembered = None
        shared = self._read_shared(code, now)
        if shared is not None and shared.fresh(now):
            self._remember(code, shared, shared.read_at + FRESH_SECONDS, now)
            return shared.target
        try:
            answer = Answer(_read_database(code, open_session), now)
        except POSTGRES_DOWN:
            fallback = newest(remembered.answer if remembered else None, shared)
            if fallback is None:
                raise
            self._remember(code, fallback, now + FRESH_SECONDS, now)
            return fallback.target
        self._write_shared(code, answer, now)
        self._remember(code, answer, now + FRESH_SECONDS, now)
        return answer.target

    def forget(self) -> None:
        """Empty this process's memory (Redis keeps its answers)."""
        with self._memory_lock:
            self._memory.clear()

    def _remember(self, code: str, answer: Answer, ask_again_at: float, now: float) -> None:
        """Keep the answer a day from now; forget what was remembered a day ago, and the oldest beyond
        MEMORY_MAX_LINKS."""
        with self._memory_lock:
            memory = self._memory
            memory[code] = _Remembered(answer, ask_again_at, now + KEEP_SECONDS)
            memory.move_to_end(code)
            while len(memory) > MEMORY_MAX_LINKS or next(iter(memory.values())).forget_at <= now:
                memory.popitem(last=False)

    def _read_shared(self, code: str, now: float) -> Answer | None:
        """The code's answer in Redis, kept there a day longer; None when there is none or Redis does not answer."""
        if now < self._redis_quiet_until:
            return None
        try:
            raw = self._redis.getex(shared_key(code), ex=KEEP_SECONDS)
        except redis.RedisError as error:
            self._quiet(now, error)
            return None
        if self._redis_down:
            self._redis_down = False
            log.warning("Redis answers the share link cache again")
        return decode(raw) if raw else None

    def _write_shared(self, code: str, answer: Answer, now: float) -> None:
        """Write PostgreSQL's answer through to Redis for a day; an answer leading nowhere removes the code's."""
        if now < self._redis_quiet_until:
            return
        try:
            if answer.target is None:  # a code leading nowhere now: an outage must not bring it back
                self._redis.delete(shared_key(code))
            else:
                self._redis.set(shared_key(code), encode(answer), ex=KEEP_SECONDS)
        except redis.RedisError as error:
            self._quiet(now, error)

    def _quiet(self, now: float, error: redis.RedisError) -> None:
        self._redis_quiet_until = now + REDIS_QUIET_SECONDS
        if not self._redis_down:
            self._redis_down = True
            log.warning("share link cache without Redis (%s): links resolve from memory and PostgreSQL", error)


def _read_database(code: str, open_session: SessionFactory) -> LinkTarget | None:
    """Where PostgreSQL says the code leads: its link's page, whatever its shop's status.

    A suspended or closed shop's page says so (distro.storefront), reading the status on every request, so
    no answer kept here, for a minute or through an outage, keeps a stopped shop selling.
    """
    row = (
        open_session()
        .execute(
            sa.select(col(ShareLink.id), col(Shop.slug), col(ShareLink.product_id))
            .join(Shop, col(Shop.id) == ShareLink.shop_id)
            .where(col(ShareLink.code) == code)
        )
        .first()
    )
    return LinkTarget(row.id, row.slug, row.product_id) if row else None
