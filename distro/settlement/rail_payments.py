"""Pay an approved batch through the configured payout rail: each payout handed to the rail once, its result
recorded as a bank file's row is (payout_results.record_results), and the rail named by PAYOUT_RAIL.

Once means once: a chunk of payouts is written to payout_submissions and committed before the rail sees it, under
the batch's row lock, so two runs at once (a double click, a job RQ delivered twice) take different payouts, and a
run that dies after the commit leaves its payouts submitted: the next run asks the rail what became of them
(`outcomes`) and never submits them again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from distro.settings import ConfigurationError
from distro.settlement import lifecycle
from distro.settlement.batches import check_allowed, get_batch
from distro.settlement.payout_results import PayoutResult, record_results
from distro.settlement.rail_demo import DemoRail
from distro.settlement.rails import BANK_FILE, DEMO, BankFileRail, PayoutRail, RailNotOnline, Transfer

CHUNK = 1_000
"""Payouts submitted per transaction: a run that dies leaves at most this many to ask the rail about."""

# The next chunk of the batch's payouts that take a result and were never submitted, now submitted by this run.
_CLAIM = sa.text(
    """
    INSERT INTO payout_submissions (payout_id, batch_id, rail, submitted_by, submitted_at)
    SELECT p.id, p.batch_id, :rail, :actor, now() FROM payouts p
    WHERE p.batch_id = :batch_id AND p.status = ANY(CAST(:takes AS text[]))
      AND NOT EXISTS (SELECT FROM payout_submissions s WHERE s.payout_id = p.id)
    ORDER BY p.id LIMIT :chunk
    ON CONFLICT (payout_id) DO NOTHING
    RETURNING payout_id
    """
)
# Payouts of the batch submitted earlier (by a run that died, or one still running) whose result is not in.
_SUBMITTED_OPEN = sa.text(
    """
    SELECT p.id FROM payouts p JOIN payout_submissions s ON s.payout_id = p.id
    WHERE p.batch_id = :batch_id AND p.status = ANY(CAST(:takes AS text[])) ORDER BY p.id
    """
)
_TRANSFERS = sa.text(
    """
    SELECT p.id, p.amount_fen, a.kind, a.account_name, a.account_number, a.bank_name
    FROM payouts p JOIN payee_accounts a ON a.id = p.payee_account_id
    WHERE p.id = ANY(CAST(:ids AS bigint[])) ORDER BY p.id
    """
)


def payout_rail(settings: Mapping) -> PayoutRail:
    """The rail named by PAYOUT_RAIL."""
    name = settings["PAYOUT_RAIL"]
    if name == BANK_FILE:
        return BankFileRail()
    if name == DEMO:
        return DemoRail()
    raise ConfigurationError(f"DISTRO_PAYOUT_RAIL={name!r} is not available; use 'bank_file' or 'demo'.")


@dataclass(frozen=True)
class RailRun:
    """What one run did: payouts it submitted, and results it recorded (its own and earlier runs')."""

    submitted: int
    recorded: int


def _transfers(session: Session, ids: Sequence[int]) -> list[Transfer]:
    if not ids:
        return []
    return [Transfer(*row) for row in session.execute(_TRANSFERS, {"ids": list(ids)})]


def _record(session: Session, batch_id: int, results: list[PayoutResult], actor: int) -> int:
    if results:
        record_results(session=session, batch_id=batch_id, results=results, actor=actor)
    return len(results)


def pay_through_rail(*, session: Session, batch_id: int, rail: PayoutRail, actor: int, chunk: int = CHUNK) -> RailRun:
    """Submit the approved batch's pending payouts to the rail, each once, chunk by chunk, recording the results
    it gives; first ask it about payouts submitted before and still open. Commits per chunk.

    RailNotOnline for a rail paid by file; Conflict for a batch that is not approved.
    """
    if not rail.online:
        raise RailNotOnline(f"PAYOUT_RAIL is {rail.name}: pay with the payment file and upload the bank's results")
    check_allowed("pay", get_batch(session, batch_id))
    takes = {"batch_id": batch_id, "takes": lifecycle.payout_statuses_for("result")}
    earlier = _transfers(session, session.execute(_SUBMITTED_OPEN, takes).scalars().all())
    session.commit()
    recorded = _record(session, batch_id, rail.outcomes(earlier), actor) if earlier else 0
    submitted = 0
    while True:
        # The batch's row lock puts runs in turn for choosing a chunk; the primary key would refuse a payout twice.
        batch = get_batch(session, batch_id, lock=True)
        if not lifecycle.allowed("pay", batch.status):
            session.commit()
            break
        ids = session.execute(_CLAIM, {**takes, "rail": rail.name, "actor": actor, "chunk": chunk}).scalars().all()
        transfers = _transfers(session, ids)
        session.commit()  # submitted, before the rail is called: never handed over twice
        if not ids:
            break
        submitted += len(ids)
        recorded += _record(session, batch_id, rail.submit(transfers), actor)
    return RailRun(submitted, recorded)
