"""Jobs that turn stored order events into commission, release payable commission, and sweep.

RQ may run any of them twice or at once: processing is keyed on stored events and locked per
order, releases claim lines with SKIP LOCKED and unique posting references, so a rerun does nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

import redis

from distro.clock import utcnow
from distro.commission import engine, event_store, release, services
from distro.commission.policy import CommissionPolicy
from distro.db import session_scope
from distro.queue import COALESCE_LEASE_SECONDS, enqueue_coalesced, release_coalesced, renew_coalesced
from distro.settings import current_settings
from distro.tiers.services import current_rules

log = logging.getLogger(__name__)

BATCH_EVENTS = 500
"""Events claimed per batch (with every other new event of their orders)."""
HOLD_SECONDS = 30
"""How long one run keeps a steady stream before handing it to a fresh run (well inside RQ's job timeout)."""
PROCESSING = "process-order-events"
HELPING = "help-process-order-events"
"""The flag of the one run that helps the stream's run while a backlog lasts (see _process)."""
RENEW_EVERY_SECONDS = COALESCE_LEASE_SECONDS / 3
"""How often a run renews the lease on its flag: a renewal lost to a slow batch or a Redis blip leaves two more."""


def _rules(session) -> engine.Rules:
    settings = current_settings()
    return engine.Rules(current_rules(session, settings["TIERS"]), CommissionPolicy.from_settings(settings))


_last_ask = -float("inf")  # monotonic time of this process's last successful ask
_asking = threading.Lock()  # held by the thread asking now


def request_processing(*, gather_seconds: float) -> None:
    """Ask a worker to process new order events, at most once per gather window (ORDER_BATCH_GATHER_MS,
    in seconds here) per process.

    An ask skipped inside the window loses nothing: the earlier ask either started a run, or found
    one running, and that run looks once more a full window after it lets asks through again (see
    _process); by then the skipped event was committed. If Redis is down, the sweeper will find the
    events.
    """
    global _last_ask
    now = time.monotonic()
    # One thread asks at a time: the web process's threads all pass the window's check at once otherwise, and
    # each ask costs Redis round trips (a tenth of the webhook's CPU). One skipped here is covered as one skipped
    # inside the window: the ask under way either starts a run, which gathers first, or finds one running.
    if now - _last_ask < gather_seconds or not _asking.acquire(blocking=False):
        return
    try:
        enqueue_coalesced(PROCESSING, process_new_order_events)
        _last_ask = now
    except redis.exceptions.RedisError as error:
        log.warning("could not enqueue order processing (%s); the sweeper will pick the events up", error)
    finally:
        _asking.release()


def _gather_seconds() -> float:
    return int(current_settings()["ORDER_BATCH_GATHER_MS"]) / 1000


def process_new_order_events() -> dict[str, int]:
    """Process every order that has unprocessed events, until none are left.

    One run takes the whole stream: it holds the coalescing flag, so asks meanwhile start no run of
    their own. Runs started by every ask would split the stream into smaller batches, and each
    costs a forked work horse. While a backlog lasts (a claim comes back full) it asks for one helper run
    (help_process_order_events), so that a second worker takes batches too.
    """
    return _process(received_before=None, holding=PROCESSING)


def help_process_order_events() -> dict[str, int]:
    """Process new order events beside the stream's run, under a flag of its own, until none are left.

    Its batches are other events than the stream's run's (each claim skips the events another holds), and
    what processing does to an order depends only on the set of its events, so the two never undo each other.
    """
    return _process(received_before=None, holding=HELPING)


def sweep_order_events() -> dict[str, int]:
    """Process events stored but left unprocessed for a while (their enqueue was lost, or a worker died)."""
    settings = current_settings()
    cutoff = utcnow() - dt.timedelta(seconds=int(settings["EVENT_SWEEP_AFTER_SECONDS"]))
    return _process(received_before=cutoff, holding=None)


def _process(received_before: dt.datetime | None, holding: str | None) -> dict[str, int]:
    """Process batches until a claim comes back short of a full batch.

    holding: the coalescing flag this run holds (None: none), its lease renewed as it goes; it keeps gathering until
    it runs dry or has held the flag HOLD_SECONDS, then releases it and looks once more a full window later, which
    covers every ask skipped meanwhile. The stream's run (PROCESSING) asks for a helper run when a
    claim comes back full: more events wait than one batch.
    """
    flag = holding
    totals: dict[str, int] = {}
    wait_seconds = _gather_seconds()
    release_at = time.monotonic() + HOLD_SECONDS
    renew_at = time.monotonic()  # at once: the flag's lease ran while the run waited in the queue
    with session_scope() as session:
        rules = _rules(session)
        waited = False
        while True:
            if holding and time.monotonic() >= renew_at:
                # Redis away: a lapsed flag costs at most a second run, so ask it less often than a hung call costs.
                renewed = renew_coalesced(holding)
                renew_at = time.monotonic() + (RENEW_EVERY_SECONDS if renewed else COALESCE_LEASE_SECONDS)
            claimed = event_store.claim_new_events(session, limit=BATCH_EVENTS, received_before=received_before)
            if holding and len(claimed) < BATCH_EVENTS and not waited:
                # Less than a batch waiting: let the stream fill one.
                _pause(session, wait_seconds)
                waited = True
                continue
            if holding and (not claimed or time.monotonic() > release_at):
                _release(holding)
                holding = None
                _pause(session, wait_seconds)
                continue
            waited = False
            if flag == PROCESSING and len(claimed) == BATCH_EVENTS:
                _ask_for_help()
            if claimed:
                for outcome in _process_batch(session, sorted(set(claimed)), rules).values():
                    totals[outcome] = totals.get(outcome, 0) + 1
            if not holding and len(claimed) < BATCH_EVENTS:
                # Everything committed before this claim was taken, by this run or another one.
                break
    return totals


def _pause(session, seconds: float) -> None:
    session.rollback()  # hold no claims, snapshot or connection while waiting
    time.sleep(seconds)


def _release(flag: str) -> None:
    if not release_coalesced(flag):
        log.warning("could not release the order processing flag while Redis was away; it has expired by itself")


def _ask_for_help() -> None:
    """Start a helper run unless one is queued or running (a lost ask costs only speed)."""
    try:
        enqueue_coalesced(HELPING, help_process_order_events)
    except redis.exceptions.RedisError as error:
        log.warning("could not ask for a helper to process order events (%s)", error)


def _process_batch(session, refs: list[str], rules: engine.Rules) -> dict[str, str]:
    try:
        return services.process_orders(session=session, order_refs=refs, rules=rules)
    except Exception:
        # One bad order must not hold up the rest: retry one by one, and set aside the one that fails.
        session.rollback()
        log.exception("batch of %d orders failed; processing them one by one", len(refs))
    outcomes = {}
    for ref in refs:
        try:
            outcomes[ref] = services.process_order(session=session, order_ref=ref, rules=rules)
        except Exception as error:
            session.rollback()
            log.exception("order %s failed; its new events are quarantined", ref)
            event_store.quarantine_new_events(
                session=session, order_ref=ref, reason=f"processing failed: {error!r}"[:500]
            )
            outcomes[ref] = "quarantined"
    return outcomes


def release_due_commission() -> int:
    """Move commission past its hold period to the shops' available balances."""
    with session_scope() as session:
        return release.release_due_commission(session=session)
