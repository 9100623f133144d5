"""消息, the owner's inbox: what happened to their money and shops, read from what distro already records.

No message is written anywhere. Each kind is a read, set-based, over the record of what happened, so the inbox
cannot drift from it and needs no second write path in the flows it reports:

* ``order``: an order attributed to one of the owner's shops (orders, by the share link's channel), at its payment;
* ``payable``: the commission lines of a shop that became payable on one day (commission lines released by the
  release job, summed per shop and Asia/Shanghai day), at the latest of them;
* ``payout_paid`` / ``payout_failed``: a settlement batch's payout the bank paid or failed, with the reason
  (payouts), when the result was recorded;
* ``tier``: a monthly evaluation that moved a shop to another tier (shop tier history), from when it applies;
* ``product.taken_down`` / ``product.restored``: an admin took down or restored a product the shop carries
  (the audit log, which names the shops carrying it then);
* ``supplier.stopped`` / ``supplier.resumed``: a supplier stopped the shop carrying its goods, with its reason, or
  let it carry them again (supplier_shop_stops, distro/suppliers/distributors.py);
* ``supplier.suspend`` / ``supplier.remove`` / ``supplier.reinstate``: the platform suspended or removed a supplier
  whose goods the shop carries (they left the pool and the shop), or reinstated it (they are back; not told while its
  deposit is short, which keeps them out), by an admin, the monthly review or overdue dues (the audit log of
  distro/suppliers/services.py:decide); the reason is the platform's business with the supplier, not told;
* ``supplier.deposit_short`` / ``supplier.deposit_whole``: an approved supplier's deposit fell short of its
  requirement, so its goods left the pool and the shop, or became whole again and they are back
  (deposit_standing_changes, distro/deposits/standing.py), to the shops that carried them then; told as a pause in
  supply, the deposit not named;
* ``broadcast``: a message to every owner (a campaign's start, distro/broadcasts), one row for all of them, from
  when it is visible, to owners whose account existed then (shop or not).

The only state the inbox keeps is each owner's read marker (InboxMark): a message dated after it is unread.
Opening the inbox moves the marker to now. A message is dated when it happened, which for an order (its payment)
and a payable day (its payable time) can be a little before distro records it: an order processed late (its
events retried through an outage) or a line released by the next run of the release job (every 10 minutes) after
the owner last opened the inbox shows, but counts as read. Messages go back INBOX_DAYS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col

from distro.clock import utcnow
from distro.owner.models import InboxMark
from distro.settlement.schemas import mask_account

INBOX_DAYS = 90
"""How far back the inbox goes."""
MESSAGES_PER_PAGE = 20
UNREAD_SHOWN = 99
"""The unread count stops here (the tab shows 99+)."""

# The owner's read marker and shops, read first: the feed takes them as values, so the planner sees which shops
# (and how many lines and orders each has) and how far back it reads, and picks each branch's index for them.
_OWNER = sa.text(
    "SELECT (SELECT read_at FROM owner_inbox_marks WHERE owner_id = :owner_id) AS read_at, "
    "ARRAY(SELECT id FROM shops WHERE owner_id = :owner_id ORDER BY id) AS shop_ids, "
    "(SELECT created_at FROM users WHERE id = :owner_id) AS joined_at"
)
# Every message of the owner's shops (or the owner's payouts) dated after :since and not after :now, and the newest
# broadcasts: a page of the feed needs no more of them than it shows, however many every owner has been sent (16 a
# day of hourly campaigns), and the index by visible_from reads just those.
_FEED = """
    WITH feed AS (
        SELECT o.paid_at AS at, 'order' AS kind, o.shop_id, o.id AS subject_id,
               jsonb_build_object('order_ref', o.external_id, 'paid_fen', o.total_paid_fen,
                                  'refunded_fen', o.total_refunded_fen, 'attribution', o.attribution,
                                  'channel', l.channel, 'self_purchase', o.self_purchase,
                                  'cancelled', o.cancelled_at IS NOT NULL,
                                  'owner_fen', (SELECT coalesce(sum(c.owner_fen), 0) FROM commission_lines c
                                                WHERE c.order_id = o.id)) AS detail
        FROM orders o LEFT JOIN share_links l ON l.code = o.share_code
        WHERE o.shop_id = ANY(CAST(:shop_ids AS bigint[])) AND o.paid_at > :since AND o.paid_at <= :now
        UNION ALL
        SELECT max(c.payable_at), 'payable', c.shop_id, min(c.id),
               jsonb_build_object('owner_fen', sum(c.owner_fen), 'lines', count(*))
        FROM commission_lines c
        WHERE c.shop_id = ANY(CAST(:shop_ids AS bigint[])) AND c.stage = 'available' AND c.owner_fen > 0
          AND c.payable_at > :since AND c.payable_at <= :now
        GROUP BY c.shop_id, (c.payable_at AT TIME ZONE 'Asia/Shanghai')::date
        UNION ALL
        SELECT p.resolved_at, 'payout_' || p.status, p.shop_id, p.id,
               jsonb_build_object('batch_id', p.batch_id, 'amount_fen', p.amount_fen, 'reason', p.failure_reason,
                                  'payee_kind', a.kind, 'account_number', a.account_number)
        FROM payouts p LEFT JOIN payee_accounts a ON a.id = p.payee_account_id
        WHERE p.owner_id = :owner_id AND p.status IN ('paid', 'failed') AND p.resolved_at > :since
          AND p.resolved_at <= :now
        UNION ALL
        SELECT h.effective_from, 'tier', h.shop_id, h.id,
               jsonb_build_object('from', h.old_tier, 'to', h.new_tier, 'month', h.month)
        FROM shop_tier_history h
        WHERE h.shop_id = ANY(CAST(:shop_ids AS bigint[])) AND h.old_tier <> h.new_tier
          AND h.effective_from > :since AND h.effective_from <= :now
        UNION ALL
        SELECT e.created_at, e.action, sp.shop_id, e.id,
               jsonb_build_object('product_id', pr.id, 'title', pr.title, 'reason', e.after ->> 'reason')
        FROM shop_products sp
        JOIN audit_log e ON e.subject_type = 'product' AND e.subject_id = sp.product_id
        JOIN products pr ON pr.id = sp.product_id
        WHERE sp.shop_id = ANY(CAST(:shop_ids AS bigint[])) AND e.action IN ('product.taken_down', 'product.restored')
          AND e.after -> 'shop_ids' @> to_jsonb(sp.shop_id) AND e.created_at > :since AND e.created_at <= :now
        UNION ALL
        SELECT e.created_at, e.action, sp.shop_id, e.id,
               jsonb_build_object('supplier', su.company_name, 'products', count(*))
        FROM shop_products sp
        JOIN products pr ON pr.id = sp.product_id
        JOIN audit_log e ON e.subject_type = 'supplier' AND e.subject_id = pr.supplier_id
        JOIN suppliers su ON su.id = pr.supplier_id
        WHERE sp.shop_id = ANY(CAST(:shop_ids AS bigint[]))
          AND e.action IN ('supplier.suspend', 'supplier.remove', 'supplier.reinstate')
          AND e.created_at > :since AND e.created_at <= :now
          -- A supplier reinstated short of its deposit has its goods still out: told when it tops up (below).
          AND (e.action <> 'supplier.reinstate'
               OR coalesce((SELECT d.whole FROM deposit_standing_changes d
                            WHERE d.supplier_id = pr.supplier_id AND d.changed_at <= e.created_at
                            ORDER BY d.id DESC LIMIT 1), true))
        GROUP BY e.id, e.created_at, e.action, sp.shop_id, su.company_name
        UNION ALL
        SELECT d.changed_at, CASE WHEN d.whole THEN 'supplier.deposit_whole' ELSE 'supplier.deposit_short' END,
               sp.shop_id, d.id, jsonb_build_object('supplier', su.company_name, 'products', count(*))
        FROM shop_products sp
        JOIN products pr ON pr.id = sp.product_id
        JOIN deposit_standing_changes d ON d.supplier_id = pr.supplier_id AND d.tells_owners
        JOIN suppliers su ON su.id = pr.supplier_id
        WHERE sp.shop_id = ANY(CAST(:shop_ids AS bigint[])) AND sp.added_at < d.changed_at
          AND d.changed_at > :since AND d.changed_at <= :now
        GROUP BY d.id, d.changed_at, d.whole, sp.shop_id, su.company_name
        UNION ALL
        SELECT st.stopped_at, 'supplier.stopped', st.shop_id, st.id,
               jsonb_build_object('supplier', su.company_name, 'reason', st.reason,
                                  'products', jsonb_array_length(st.removed_picks))
        FROM supplier_shop_stops st JOIN suppliers su ON su.id = st.supplier_id
        WHERE st.shop_id = ANY(CAST(:shop_ids AS bigint[])) AND st.stopped_at > :since AND st.stopped_at <= :now
        UNION ALL
        SELECT st.resumed_at, 'supplier.resumed', st.shop_id, st.id, jsonb_build_object('supplier', su.company_name)
        FROM supplier_shop_stops st JOIN suppliers su ON su.id = st.supplier_id
        WHERE st.shop_id = ANY(CAST(:shop_ids AS bigint[])) AND st.resumed_at > :since AND st.resumed_at <= :now
        UNION ALL
        (SELECT b.visible_from, 'broadcast', CAST(NULL AS bigint), b.id,
                jsonb_build_object('title', b.title, 'body', b.body, 'link', b.link_path, 'about', b.kind)
         FROM broadcasts b
         WHERE b.visible_from > :broadcasts_since AND b.visible_from <= :now
         ORDER BY b.visible_from DESC, b.id DESC LIMIT :limit + :offset)
    )
"""
_PAGE_OF_FEED = """
    SELECT f.at, f.kind, f.shop_id, s.display_name AS shop_name, f.subject_id, f.detail
    FROM feed f LEFT JOIN shops s ON s.id = f.shop_id
    ORDER BY f.at DESC, f.kind, f.subject_id DESC
    LIMIT :limit OFFSET :offset
"""
_COUNT_OF_FEED = " SELECT count(*) FROM (SELECT 1 FROM feed LIMIT :limit) AS unread"
# The feed with a page of it, or with its count (capped).
_PAGE = sa.text(_FEED + _PAGE_OF_FEED)
_UNREAD = sa.text(_FEED + _COUNT_OF_FEED)


@dataclass(frozen=True)
class Message:
    """One thing that happened, as the inbox lists it; detail holds what its kind needs to be told."""

    at: dt.datetime
    kind: str
    shop_id: int | None  # None for a broadcast, to every owner
    shop_name: str | None
    subject_id: int
    detail: dict[str, Any]
    unread: bool


@dataclass(frozen=True)
class Inbox:
    """A page of the owner's messages, newest first."""

    messages: Sequence[Message]
    page: int
    has_more: bool
    shops: int


def _detail(kind: str, detail: dict[str, Any]) -> dict[str, Any]:
    # A payee's number never leaves this module unmasked.
    if kind.startswith("payout_"):
        return {**detail, "account_number": mask_account(detail.get("account_number"))}
    return detail


def _later(since: dt.datetime, joined_at: dt.datetime | None) -> dt.datetime:
    # A broadcast from before the owner's account was made was not said to them.
    return since if joined_at is None else max(since, joined_at)


def open_inbox(
    *, session: Session, owner_id: int, page: int, size: int = MESSAGES_PER_PAGE, now: dt.datetime | None = None
) -> Inbox:
    """A page of the owner's inbox, each message marked unread when it came after the owner last opened it;
    opening the first page reads them all (the marker moves to now). Commits."""
    now = now or utcnow()
    owner = session.execute(_OWNER, {"owner_id": owner_id}).one()
    since = now - dt.timedelta(days=INBOX_DAYS)
    params = {
        "owner_id": owner_id,
        "shop_ids": owner.shop_ids,
        "since": since,
        "broadcasts_since": _later(since, owner.joined_at),
        "now": now,
        "limit": size + 1,
        "offset": (page - 1) * size,
    }
    rows = session.execute(_PAGE, params).all()
    messages = [
        Message(
            at=row.at,
            kind=row.kind,
            shop_id=row.shop_id,
            shop_name=row.shop_name,
            subject_id=row.subject_id,
            detail=_detail(row.kind, row.detail),
            unread=owner.read_at is None or row.at > owner.read_at,
        )
        for row in rows[:size]
    ]
    if page == 1:
        mark = insert(InboxMark).values(owner_id=owner_id, read_at=now)
        session.execute(
            mark.on_conflict_do_update(
                index_elements=[col(InboxMark.owner_id)],
                set_={"read_at": sa.func.greatest(col(InboxMark.read_at), mark.excluded.read_at)},
            )
        )
    session.commit()
    return Inbox(messages=messages, page=page, has_more=len(rows) > size, shops=len(owner.shop_ids))


def unread_count(session: Session, owner_id: int, now: dt.datetime | None = None) -> int:
    """How many messages came after the owner last opened the inbox, counted up to UNREAD_SHOWN + 1."""
    now = now or utcnow()
    owner = session.execute(_OWNER, {"owner_id": owner_id}).one()
    oldest = now - dt.timedelta(days=INBOX_DAYS)
    since = oldest if owner.read_at is None else max(owner.read_at, oldest)
    params = {
        "owner_id": owner_id,
        "shop_ids": owner.shop_ids,
        "since": since,
        "broadcasts_since": _later(since, owner.joined_at),
        "now": now,
        "limit": UNREAD_SHOWN + 1,
        "offset": 0,
    }
    return int(session.scalar(_UNREAD, params) or 0)
