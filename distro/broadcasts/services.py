"""Publishing a broadcast (one row, once per key) and each owner's choice of outside channel.

Publishing writes the broadcast and nothing per owner: every inbox reads it (distro/owner/messages.py) from the
moment its row commits, so a million owners see it at once. Then the fan-out to outside channels is enqueued
(distro/broadcasts/fanout.py), for when the broadcast becomes visible.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from distro.auth.models import User
from distro.broadcasts.fanout import enqueue_plan
from distro.broadcasts.models import Broadcast, NotifyChoice
from distro.broadcasts.rules import ChoiceRefused, check_choice  # noqa: F401  # ChoiceRefused: what callers catch
from distro.clock import utcnow

log = logging.getLogger(__name__)


def publish(
    *,
    session: Session,
    key: str,
    kind: str,
    title: str,
    body: str,
    link_path: str | None,
    visible_from: dt.datetime,
) -> Broadcast:
    """The broadcast under key, published now if it was not: one row every owner's inbox shows from visible_from,
    and its fan-out to outside channels enqueued. Publishing the same key again changes nothing (the first one's
    words stand) but enqueues its fan-out again if it was never planned (Redis was away). Commits.

    link_path is a path on distro (``/my/pool``): anything else is a ValueError, since every inbox links it."""
    if link_path is not None and not (link_path.startswith("/") and not link_path.startswith("//")):
        raise ValueError(f"link_path must be a path on distro, not {link_path!r}")
    inserted = session.execute(
        insert(Broadcast)
        .values(
            key=key,
            kind=kind,
            title=title,
            body=body,
            link_path=link_path,
            visible_from=visible_from,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=[col(Broadcast.key)])
        .returning(col(Broadcast.id))
    ).scalar()
    session.commit()
    broadcast = session.exec(select(Broadcast).where(Broadcast.key == key)).one()
    if inserted is not None:
        log.info("broadcast %s published as %s, visible from %s", key, broadcast.id, visible_from.isoformat())
    if broadcast.planned_at is None:
        enqueue_plan(broadcast)
    return broadcast


def notify_choice(session: Session, owner_id: int) -> str:
    """The outside channel the owner chose for campaign notices: wechat, sms or none (the default)."""
    return session.scalar(select(NotifyChoice.channel).where(NotifyChoice.owner_id == owner_id)) or "none"


def choose_channel(*, session: Session, owner_id: int, channel: str) -> str:
    """Keep the owner's choice of outside channel, refused (ChoiceRefused) when the owner cannot be reached on it.
    Commits."""
    phone_verified = session.scalar(select(col(User.phone_verified_at).is_not(None)).where(User.id == owner_id))
    check_choice(channel, phone_verified=bool(phone_verified))
    choice = insert(NotifyChoice).values(owner_id=owner_id, channel=channel, updated_at=utcnow())
    session.execute(
        choice.on_conflict_do_update(
            index_elements=[col(NotifyChoice.owner_id)],
            set_={"channel": choice.excluded.channel, "updated_at": choice.excluded.updated_at},
        )
    )
    session.commit()
    return channel
