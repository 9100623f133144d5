"""The fan-out of a broadcast to outside channels: RQ jobs over chunks of the opted-in owners, by owner id.

When the broadcast becomes visible, ``plan`` reads the opted-in owners' ids set-based (one index-only scan of
owner_notify_choices) and splits them into chunks of NOTIFY_CHUNK owners, each (after, through] by owner id; it
records one broadcast_chunks row per chunk and enqueues one ``send_chunk`` job per chunk, ids deterministic
(broadcast-<id>-plan, broadcast-<id>-after-<owner id>). Four million opted-in owners are 400 rows and 400 jobs,
which any number of workers share.

At least once, and no more than once per chunk but after a crash: ``send_chunk`` locks its chunk's row, sends
to the chunk's owners through the channel each chose, then marks the row sent in the same transaction. A chunk
marked sent is never sent again (a duplicate job, a retry, a second plan: each finds it sent). A worker that dies
after the channel took some of the chunk and before the mark commits leaves the chunk unsent, and the retry sends
the whole chunk again: those owners may get the notice twice, never more than NOTIFY_CHUNK owners per crash, and
never an owner of another chunk. An owner who changes their choice between the plan and their chunk's send is
sent what they chose last; one who opts in with an id past the last bound is in the last (open) chunk.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

import sqlalchemy as sa
from rq import Retry
from rq.job import Job
from rq.serializers import JSONSerializer
from sqlmodel import Session, col, select

from distro.broadcasts.channels import Notice, Recipient, channel_for
from distro.broadcasts.models import Broadcast, FanOutChunk
from distro.broadcasts.rules import chunk_bounds
from distro.clock import utcnow
from distro.db import session_scope
from distro.queue import get_queue

log = logging.getLogger(__name__)

RETRY = Retry(max=3, interval=[10, 60, 300])
JOB_TIMEOUT_SECONDS = 3600
"""A chunk's send may take a while through a real gateway (its rate limits): RQ's default of 180 s would kill it."""

# Every chunk's last opted-in owner: the owner ids numbered in order, every :chunk-th one.
_BOUNDS = sa.text(
    "SELECT owner_id FROM (SELECT owner_id, row_number() OVER (ORDER BY owner_id) AS n "
    "FROM owner_notify_choices WHERE channel <> 'none') AS opted WHERE n % :chunk = 0 ORDER BY owner_id"
)
# A chunk's opted-in owners who still hold the owner role on an active account.
_RECIPIENTS = sa.text(
    "SELECT c.owner_id, c.channel, u.phone_masked FROM owner_notify_choices c JOIN users u ON u.id = c.owner_id "
    "WHERE c.channel <> 'none' AND c.owner_id > :after "
    "AND (CAST(:through AS bigint) IS NULL OR c.owner_id <= :through) "
    "AND u.is_active AND 'shop_owner' = ANY(u.roles) ORDER BY c.owner_id"
)


def plan_job_id(broadcast_id: int) -> str:
    """The job id of a broadcast's plan: one per broadcast."""
    return f"broadcast-{broadcast_id}-plan"


def chunk_job_id(broadcast_id: int, after: int) -> str:
    """The job id of a chunk's send: one per broadcast and chunk."""
    return f"broadcast-{broadcast_id}-after-{after}"


def _enqueue(func, *args, job_id: str, at: dt.datetime | None = None) -> None:
    """Enqueue func under job_id (at a time, if given) unless a job of that id is queued, running or done."""
    queue = get_queue("default")
    existing = Job.fetch_many([job_id], connection=queue.connection, serializer=JSONSerializer)[0]
    if existing is not None and existing.get_status(refresh=False) != "failed":
        return
    if at is not None and at > utcnow():
        queue.enqueue_at(at, func, *args, job_id=job_id, retry=RETRY, job_timeout=JOB_TIMEOUT_SECONDS)
    else:
        queue.enqueue(func, *args, job_id=job_id, retry=RETRY, job_timeout=JOB_TIMEOUT_SECONDS)


def enqueue_plan(broadcast: Broadcast) -> None:
    """Enqueue the broadcast's plan for when it becomes visible. Redis away leaves it unplanned (logged), and
    publishing the same key again enqueues it then."""
    assert broadcast.id is not None
    try:
        _enqueue(plan, broadcast.id, job_id=plan_job_id(broadcast.id), at=broadcast.visible_from)
    except Exception:  # the broadcast is in every inbox already; only its outside channels wait
        log.exception("broadcast %s: its fan-out could not be enqueued", broadcast.id)


def plan_chunks(*, session: Session, broadcast_id: int, chunk: int) -> list[tuple[int, int | None]]:
    """The broadcast's chunks, recorded the first time (one row each, the broadcast marked planned) and read
    back after. Commits."""
    broadcast = session.exec(select(Broadcast).where(Broadcast.id == broadcast_id).with_for_update()).one()
    if broadcast.planned_at is None:
        lasts = session.execute(_BOUNDS, {"chunk": chunk}).scalars().all()
        bounds = chunk_bounds(lasts)
        session.execute(
            sa.insert(FanOutChunk),
            [{"broadcast_id": broadcast_id, "after_owner_id": a, "through_owner_id": t} for a, t in bounds],
        )
        broadcast.planned_at = utcnow()
        session.add(broadcast)
    session.commit()
    rows = session.exec(
        select(FanOutChunk)
        .where(FanOutChunk.broadcast_id == broadcast_id, col(FanOutChunk.sent_at).is_(None))
        .order_by(col(FanOutChunk.after_owner_id))
    ).all()
    return [(row.after_owner_id, row.through_owner_id) for row in rows]


def send_chunk_now(*, session: Session, broadcast_id: int, after: int, settings) -> int:
    """Send the broadcast to the chunk's opted-in owners unless the chunk was sent; how many were sent (0 when
    it had been). Commits."""
    chunk = session.exec(
        select(FanOutChunk)
        .where(FanOutChunk.broadcast_id == broadcast_id, FanOutChunk.after_owner_id == after)
        .with_for_update()
    ).one()
    if chunk.sent_at is not None:
        session.commit()
        return 0
    broadcast = session.get_one(Broadcast, broadcast_id)
    notice = Notice(broadcast_id, broadcast.title, broadcast.body, broadcast.link_path)
    by_channel: dict[str, list[Recipient]] = defaultdict(list)
    for row in session.execute(_RECIPIENTS, {"after": after, "through": chunk.through_owner_id}):
        by_channel[row.channel].append(Recipient(row.owner_id, row.phone_masked))
    sent = sum(channel_for(name, settings).send(notice, recipients) for name, recipients in by_channel.items())
    chunk.sent, chunk.sent_at = sent, utcnow()
    session.add(chunk)
    session.commit()
    return sent


def plan(broadcast_id: int) -> int:
    """Job: split the broadcast's fan-out into chunks and enqueue each unsent one; how many were enqueued."""
    from distro.settings import current_settings

    with session_scope() as session:
        bounds = plan_chunks(session=session, broadcast_id=broadcast_id, chunk=int(current_settings()["NOTIFY_CHUNK"]))
    for after, _ in bounds:
        _enqueue(send_chunk, broadcast_id, after, job_id=chunk_job_id(broadcast_id, after))
    return len(bounds)


def send_chunk(broadcast_id: int, after: int) -> int:
    """Job: send the broadcast to one chunk of opted-in owners (nothing if it was sent)."""
    from distro.settings import current_settings

    with session_scope() as session:
        return send_chunk_now(session=session, broadcast_id=broadcast_id, after=after, settings=current_settings())
