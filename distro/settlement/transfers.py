"""Settlement's ledger transfers: the payouts a request resolves, posted together, one posting per outcome.

Computing reserves every payout of a batch in one posting (each shop available → payouts clearing, see
computing.py). Resolving payouts moves that money on: paid out (payouts clearing → cash), or back to the shops
when failed or cancelled (payouts clearing → each shop's available). The payouts a request resolves with one outcome
share one posting (`settlement-batch:<batch>:<step>:<its first payout id>`; a payout is resolved once, so no two
requests' postings have the same first payout), whose entries are netted where the account is the same (clearing,
cash) and one per shop where the money returns; each payout names its posting (payouts.posting_id). The payouts'
status changes and their posting are one statement, so neither is ever written without the other.

Payouts resolved before migration 0039 have a posting each (`payout:<id>:<step>`) and no posting_id.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from distro.ledger import services as ledger
from distro.ledger.chart import CASH
from distro.settlement import lifecycle

CLEARING = "payouts:clearing"
# A payout's outcome -> the step named in its posting's reference, the posting's kind, and whether the money goes
# back to the shop (else out to cash).
OUTCOMES: dict[str, tuple[str, str, bool]] = {
    lifecycle.PAID: ("paid", "payout_paid", False),
    lifecycle.FAILED: ("failed", "payout_failed", True),
    lifecycle.CANCELLED: ("cancel", "payout_cancel", True),
}
_OUTCOMES_SQL = ", ".join(
    f"('{status}', '{step}', '{kind}', {'true' if to_shop else 'false'})"
    for status, (step, kind, to_shop) in OUTCOMES.items()
)
# Posting ids for the outcomes in :outcomes, drawn before the payouts are updated so that each payout is written once,
# naming its posting. A CTE named `drawn` (status, posting_id).
DRAWN = """
    drawn AS MATERIALIZED (
        SELECT status, nextval(pg_get_serial_sequence('ledger_postings', 'id')) AS posting_id
        FROM unnest(CAST(:outcomes AS text[])) AS o(status)
    )"""
# The postings and entries of the payouts a CTE named `resolved` (id, shop_id, amount_fen, status, posting_id) returns:
# what follows `drawn` and `resolved` in the statement. Entries come from those rows, never a join back on the
# reference (the planner has no statistics for rows written in this transaction); the shops' accounts are found by
# code, and one that is missing leaves its posting unbalanced, which the database refuses.
POSTED = f"""
    outcome AS (
        SELECT * FROM (VALUES {_OUTCOMES_SQL}) AS o(status, step, kind, to_shop)
    ), posted AS (
        INSERT INTO ledger_postings (id, reference, kind, memo, created_by, created_at)
        SELECT r.posting_id, 'settlement-batch:' || :batch_id || ':' || o.step || ':' || min(r.id), o.kind,
               '结算批次 ' || :batch_id, :actor, now()
        FROM resolved r JOIN outcome o ON o.status = r.status
        GROUP BY r.posting_id, o.step, o.kind
    ), entries AS (
        INSERT INTO ledger_entries (posting_id, account_id, amount)
        SELECT posting_id, CAST(:clearing_id AS bigint), sum(amount_fen) FROM resolved GROUP BY posting_id
        UNION ALL
        SELECT r.posting_id, CAST(:cash_id AS bigint), -sum(r.amount_fen)
        FROM resolved r JOIN outcome o ON o.status = r.status AND NOT o.to_shop
        GROUP BY r.posting_id
        UNION ALL
        SELECT r.posting_id, a.id, -r.amount_fen
        FROM resolved r JOIN outcome o ON o.status = r.status AND o.to_shop
        JOIN ledger_accounts a ON a.code = 'shop:' || r.shop_id || ':' || 'available'
    )"""  # noqa: S608  (the outcomes are this module's constants, never input)
_CANCEL = sa.text(
    f"""
    WITH {DRAWN}, resolved AS (
        UPDATE payouts p SET status = d.status, resolved_at = :now, posting_id = d.posting_id
        FROM drawn d
        WHERE p.batch_id = :batch_id AND p.status = ANY(CAST(:statuses AS text[]))
        RETURNING p.id, p.shop_id, p.amount_fen, p.status, p.posting_id
    ), {POSTED}
    SELECT count(*) FROM resolved
    """  # noqa: S608  (DRAWN and POSTED: this module's text)
)


def posting_parameters(session: Session, *, batch_id: int, actor: int | None, outcomes: list[str]) -> dict[str, Any]:
    """The parameters DRAWN and POSTED take, for payouts of batch_id resolved with the given outcomes."""
    accounts = ledger.ensure_accounts(session, [CLEARING, CASH])
    return {
        "batch_id": batch_id,
        "actor": actor,
        "outcomes": outcomes,
        "clearing_id": accounts[CLEARING],
        "cash_id": accounts[CASH],
    }


def cancel_payouts(session: Session, *, batch_id: int, actor: int, now: dt.datetime) -> int:
    """Cancel every open payout of the batch and return their money to the shops, in one posting; how many."""
    given = posting_parameters(session, batch_id=batch_id, actor=actor, outcomes=[lifecycle.CANCELLED])
    statuses = lifecycle.payout_statuses_for("cancel")
    return int(session.execute(_CANCEL, {**given, "statuses": statuses, "now": now}).scalar_one())
