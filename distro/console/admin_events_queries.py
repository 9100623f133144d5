"""What the 异常订单事件 page reads: quarantined order events a page at a time, and for each reason whether its cause
is gone now (the missing product, shop or share link exists), so reprocessing would get past it.

The reasons are the commission engine's own words (distro.commission.engine, attribution, orders): an unknown
product, shop or share code can be fixed inside distro and then reprocessed; amounts that do not add up or
conflicting events need the order system to send a correct event; a processing failure may have been passing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.commission import event_store
from distro.commission.models import OrderEvent
from distro.console.lists import PAGE_SIZE
from distro.errors import NotFound
from distro.share.models import ShareLink
from distro.shops.models import Shop
from distro.suppliers.models import Product

_UNKNOWN_PRODUCT = re.compile(r"unknown product (\d+)")
_UNKNOWN_SHOP = re.compile(r"unknown shop '([^']*)'")
_UNKNOWN_CODE = re.compile(r"unknown share code '([^']*)'")


@dataclass(frozen=True)
class Cause:
    """One reason an event was set aside: its kind, what it names, and whether that is fixed by now.

    kind: product, shop, share_code (fixable in distro), data (the sender must correct it), failure (reprocess),
    other. fixed: True when what it names exists now, False when still missing, None when not applicable.
    """

    kind: str
    subject: str
    fixed: bool | None
    text: str


@dataclass(frozen=True)
class EventPage:
    """A page of quarantined events with their causes, and the event to continue after (None: the last page)."""

    rows: Sequence[tuple[OrderEvent, list[Cause]]]
    next_after: str | None


def _parts(reason: str | None) -> list[str]:
    if not reason:
        return []
    if reason.startswith("processing failed"):
        return [reason]
    return [part.strip() for part in reason.split(";") if part.strip()]


def _cause(part: str, products: set[int], shops: set[str], codes: set[str]) -> Cause:
    if found := _UNKNOWN_PRODUCT.fullmatch(part):
        return Cause("product", found.group(1), int(found.group(1)) in products, part)
    if found := _UNKNOWN_SHOP.fullmatch(part):
        return Cause("shop", found.group(1), found.group(1) in shops, part)
    if found := _UNKNOWN_CODE.fullmatch(part):
        return Cause("share_code", found.group(1), found.group(1) in codes, part)
    if part.startswith("processing failed"):
        return Cause("failure", "", None, part)
    if part.startswith(("conflicting", "duplicate", "lines add up", "refund ", "line ")):
        return Cause("data", "", None, part)
    return Cause("other", "", None, part)


def causes_of(session: Session, events: Sequence[OrderEvent]) -> list[list[Cause]]:
    """Each event's causes, what they name looked up in three statements for the whole page."""
    parts = [_parts(event.quarantine_reason) for event in events]
    flat = [part for event_parts in parts for part in event_parts]
    product_ids = {int(found.group(1)) for part in flat if (found := _UNKNOWN_PRODUCT.fullmatch(part))}
    slugs = {found.group(1) for part in flat if (found := _UNKNOWN_SHOP.fullmatch(part))}
    codes = {found.group(1) for part in flat if (found := _UNKNOWN_CODE.fullmatch(part))}
    products = set(session.execute(sa.select(col(Product.id)).where(col(Product.id).in_(product_ids))).scalars())
    shops = set(session.execute(sa.select(col(Shop.slug)).where(col(Shop.slug).in_(slugs))).scalars())
    links = set(session.execute(sa.select(col(ShareLink.code)).where(col(ShareLink.code).in_(codes))).scalars())
    return [[_cause(part, products, shops, links) for part in event_parts] for event_parts in parts]


def quarantined_page(session: Session, *, after: str | None, size: int = PAGE_SIZE) -> EventPage:
    """Quarantined events, newest received first, after the event named (keyset on received_at and id).

    after names the last event shown (reprocessed meanwhile or not); NotFound for an unknown one.
    """
    query = sa.select(OrderEvent).where(col(OrderEvent.status) == "quarantined")
    if after is not None:
        mark = event_store.get_event(session, after)
        if mark is None:
            raise NotFound(f"No order event {after!r}.")
        query = query.where(
            sa.tuple_(col(OrderEvent.received_at), col(OrderEvent.id)) < sa.tuple_(mark.received_at, mark.id)
        )
    query = query.order_by(col(OrderEvent.received_at).desc(), col(OrderEvent.id).desc()).limit(size + 1)
    events = list(session.execute(query).scalars())
    shown = events[:size]
    return EventPage(
        list(zip(shown, causes_of(session, shown), strict=True)), shown[-1].id if len(events) > size else None
    )


def one_quarantined(session: Session, event_id: str) -> tuple[OrderEvent, list[Cause]] | None:
    """An event with its causes (whatever its status now), None when unknown."""
    event = event_store.get_event(session, event_id)
    return None if event is None else (event, causes_of(session, [event])[0])
