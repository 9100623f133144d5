"""Compute settlement batches on a worker, reporting progress; resume computations a dead worker left; pay an
approved batch through the payout rail."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from rq import Retry, get_current_job
from sqlmodel import col

from distro.clock import utcnow
from distro.db import session_scope
from distro.errors import Conflict
from distro.queue import get_queue, redis_for, redis_url
from distro.settings import current_settings
from distro.settlement import computing, lifecycle, rail_payments
from distro.settlement.models import SettlementBatch

PROGRESS_TTL_SECONDS = 86400
STUCK_AFTER = dt.timedelta(minutes=5)


def paying_key(batch_id: int) -> str:
    """The Redis key set while a batch's payment through the rail is queued or running (the page shows 付款中)."""
    return f"distro:settlement:{batch_id}:paying"


def progress_key(batch_id: int) -> str:
    """The Redis key holding a computation's progress."""
    return f"distro:settlement:{batch_id}:progress"


def enqueue_compute(batch_id: int) -> None:
    """Ask a worker to compute the batch (retried if the worker dies); its progress starts again from queued."""
    redis_for(redis_url()).delete(progress_key(batch_id))  # a failed computation's last phase is not this one's
    get_queue("default").enqueue(
        compute_settlement_batch, batch_id, retry=Retry(max=3, interval=[10, 60, 300]), job_timeout=3600
    )


def compute_settlement_batch(batch_id: int) -> str:
    """Compute one batch; a batch that is no longer computing is left alone."""
    connection = redis_for(redis_url())
    job = get_current_job()

    def report(values: dict) -> None:
        connection.set(progress_key(batch_id), json.dumps(values), ex=PROGRESS_TTL_SECONDS)
        if job is not None:
            job.meta["progress"] = values
            job.save_meta()

    with session_scope() as session:
        try:
            return computing.compute_batch(
                session=session,
                batch_id=batch_id,
                progress=report,
                minimum_fen=int(current_settings()["SETTLEMENT_MIN_PAYOUT_FEN"]),
            )
        except Exception as error:
            session.rollback()
            if job is None or not job.retries_left:
                # Out of retries: the batch fails with the reason instead of computing forever.
                computing.mark_failed(session=session, batch_id=batch_id, reason=f"computation failed: {error!r}")
            raise


def resume_computing_batches() -> int:
    """Enqueue again every batch still computing a while after it was created or retried (its worker died);
    return how many."""
    queued_at = sa.func.coalesce(col(SettlementBatch.retried_at), col(SettlementBatch.created_at))
    with session_scope() as session:
        stuck = (
            session.execute(
                sa.select(col(SettlementBatch.id)).where(
                    col(SettlementBatch.status).in_(lifecycle.statuses_for("compute")),
                    queued_at < utcnow() - STUCK_AFTER,
                )
            )
            .scalars()
            .all()
        )
    for batch_id in stuck:
        enqueue_compute(batch_id)
    return len(stuck)


def enqueue_pay(batch_id: int, actor: int) -> None:
    """Ask a worker to pay the approved batch through the rail (retried if the worker dies: it never pays twice)."""
    redis_for(redis_url()).set(paying_key(batch_id), "queued", ex=PROGRESS_TTL_SECONDS)
    get_queue("default").enqueue(
        pay_through_rail, batch_id, actor, retry=Retry(max=3, interval=[10, 60, 300]), job_timeout=3600
    )


def pay_through_rail(batch_id: int, actor: int) -> dict[str, int] | str:
    """Pay the batch's pending payouts through the configured rail, each once; a batch no longer approved is left
    alone ("noop")."""
    connection = redis_for(redis_url())
    try:
        with session_scope() as session:
            run = rail_payments.pay_through_rail(
                session=session,
                batch_id=batch_id,
                rail=rail_payments.payout_rail(current_settings()),
                actor=actor,
            )
        return {"submitted": run.submitted, "recorded": run.recorded}
    except Conflict:
        return "noop"
    finally:
        connection.delete(paying_key(batch_id))
