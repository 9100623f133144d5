"""Commission becomes payable: lines past their hold move from the shop's pending balance to its available one."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.clock import utcnow
from distro.commission.models import CommissionLine
from distro.ledger import services as ledger
from distro.ledger.chart import shop_account

# Posting ids are drawn up front so the entries come straight from the moved lines (see the same
# pattern in settlement): no join back on a computed reference.
_RELEASE = sa.text(
    """
    WITH due AS (
        SELECT id FROM commission_lines
        WHERE stage = 'pending' AND payable_at <= :now
        ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED
    ), moved AS (
        UPDATE commission_lines c
        SET stage = 'available', updated_at = now(),
            revision = c.revision + CASE WHEN c.owner_fen <> 0 THEN 1 ELSE 0 END
        FROM due WHERE c.id = due.id
        RETURNING c.id, c.shop_id, c.owner_fen, c.revision
    ), paying AS (
        SELECT m.*, nextval(pg_get_serial_sequence('ledger_postings', 'id')) AS posting_id
        FROM moved m WHERE m.owner_fen <> 0
    ), postings AS (
        INSERT INTO ledger_postings (id, reference, kind, memo, created_at)
        SELECT posting_id, 'commission-line:' || id || ':' || revision, 'release',
               '确认收货且过了售后期，转为可提现', now()
        FROM paying
    ), entries AS (
        INSERT INTO ledger_entries (posting_id, account_id, amount)
        SELECT p.posting_id, a.id, x.amount
        FROM paying p
        CROSS JOIN LATERAL (VALUES ('shop:' || p.shop_id || ':' || 'pending', p.owner_fen),
                                   ('shop:' || p.shop_id || ':' || 'available', -p.owner_fen)) AS x(code, amount)
        JOIN ledger_accounts a ON a.code = x.code
    )
    SELECT count(*) FROM moved
    """
)


def release_due_commission(*, session: Session, now: dt.datetime | None = None, limit: int = 50_000) -> int:
    """Move commission whose hold period has passed from shops' pending to available balances; commit.

    Set-based: one statement moves up to `limit` lines and posts one balanced transfer per line.
    Lines being reprocessed at the same moment are skipped and picked up by the next run.
    """
    now = now or utcnow()
    shops = (
        session.execute(
            sa.select(col(CommissionLine.shop_id))
            .where(col(CommissionLine.stage) == "pending", col(CommissionLine.payable_at) <= now)
            .distinct()
        )
        .scalars()
        .all()
    )
    ledger.ensure_accounts(
        session,
        [shop_account(shop_id, "available") for shop_id in shops]
        + [shop_account(shop_id, "pending") for shop_id in shops],
    )
    moved = session.execute(_RELEASE, {"now": now, "limit": limit}).scalar_one()
    session.commit()
    return int(moved)
